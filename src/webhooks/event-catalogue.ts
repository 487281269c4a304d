import { CAMPAIGN_EVENT_TYPES } from '../campaigns/campaign.decider';
import { VISIT_EVENT_TYPES } from '../cross-check/district-visit.decider';
import { SELF_EVALUATION_EVENT_TYPES } from '../cross-check/self-evaluation.decider';
import { SUPERVISION_EVENT_TYPES } from '../cross-check/supervision.decider';
import { INSPECTION_EVENT_TYPES } from '../enforcement/inspection.decider';
import { OBLIGATION_EVENT_TYPES } from '../reminders/obligation.decider';
import { MONTHLY_REPORT_EVENT_TYPES } from '../reporting/monthly-report.decider';
import { TIP_EVENT_TYPES } from '../reporting/public-tip.decider';
import { TYPICAL_CASE_EVENT_TYPES } from '../reporting/typical-case.decider';
import { SELF_INSPECTION_EVENT_TYPES } from '../self-correction/self-inspection.decider';
import { SUBJECT_EVENT_TYPES } from '../subjects/subject.decider';
import { BULLETIN_EVENT_TYPES } from '../summary/bulletin.decider';
import { SUMMARY_REPORT_EVENT_TYPES } from '../summary/summary-report.decider';
import { typeMatches } from './delivery-policy';

/** Every event type a webhook can carry (the subscriptions' own `webhook.*` events are never delivered). */
export const DELIVERABLE_EVENT_TYPES: string[] = [
  ...CAMPAIGN_EVENT_TYPES,
  ...SUBJECT_EVENT_TYPES,
  ...SELF_INSPECTION_EVENT_TYPES,
  ...INSPECTION_EVENT_TYPES,
  ...SUPERVISION_EVENT_TYPES,
  ...VISIT_EVENT_TYPES,
  ...SELF_EVALUATION_EVENT_TYPES,
  ...MONTHLY_REPORT_EVENT_TYPES,
  ...TYPICAL_CASE_EVENT_TYPES,
  ...TIP_EVENT_TYPES,
  ...SUMMARY_REPORT_EVENT_TYPES,
  ...BULLETIN_EVENT_TYPES,
  ...OBLIGATION_EVENT_TYPES,
];

/** A filter pattern is useful only when it selects at least one type the product records. */
export function selectsSomething(pattern: string): boolean {
  return DELIVERABLE_EVENT_TYPES.some((t) => typeMatches([pattern], t));
}
