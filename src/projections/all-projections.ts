import { campaignsProjection } from '../campaigns/campaigns.projection';
import { rectificationProjection } from './rectification.projection';
import { fileReferencesProjection } from './file-references.projection';
import { subjectsProjection, subjectTimelineProjection } from '../subjects/subjects.projection';
import { obligationsProjection } from '../reminders/obligations.projection';
import { remindersProjection } from '../reminders/reminders-inbox.projection';
import { webhookSubscriptionsProjection } from '../webhooks/subscriptions.projection';
import { documentsProjection } from './documents.projection';
import { Projection } from './projection';

export const ALL_PROJECTIONS: Projection[] = [
  campaignsProjection,
  subjectsProjection,
  subjectTimelineProjection,
  rectificationProjection,
  documentsProjection,
  obligationsProjection,
  remindersProjection,
  webhookSubscriptionsProjection,
  fileReferencesProjection,
];
