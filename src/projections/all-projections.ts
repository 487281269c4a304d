import { campaignsProjection } from '../campaigns/campaigns.projection';
import { Projection } from './projection';

/** Every projection of the product, in the order a full rebuild runs them. */
export const ALL_PROJECTIONS: Projection[] = [campaignsProjection];
