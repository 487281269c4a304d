import { Injectable } from '@nestjs/common';
import { AggregateReader } from '../shared/aggregate-reader';
import { AccessPolicy } from '../auth/access-policy';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { campaignDecider, CampaignState, campaignStream } from './campaign.decider';
import type { District } from '../domain';

/** The campaign as other contexts' commands need it (phases, districts, checklists), folded from its stream. */
@Injectable()
export class CampaignReader {
  constructor(private readonly reader: AggregateReader) {}

  async get(campaignId: string): Promise<CampaignState> {
    const { state } = await this.reader.load(campaignDecider, campaignStream(campaignId));
    if (!state.exists) throw notFound(`campaign ${campaignId} not found`);
    return state;
  }
}

/**
 * A district of the campaign the caller may act on: one the campaign does not have is a 404, one outside the
 * caller's districts a 403.
 */
export function campaignDistrict(
  campaign: Pick<CampaignState, 'id' | 'districts'>,
  code: string,
  p: Principal,
): District {
  const d = campaign.districts.find((x) => x.code === code);
  if (!d) throw notFound(`district ${code} is not in campaign ${campaign.id}`);
  AccessPolicy.assertDistrict(p, code);
  return d;
}
