import { CAMPAIGN_EVENT_TYPES } from '../campaigns';
import { VISIT_EVENT_TYPES } from '../cross-check';
import { SELF_EVALUATION_EVENT_TYPES } from '../cross-check';
import { SUPERVISION_EVENT_TYPES } from '../cross-check';
import { INSPECTION_EVENT_TYPES } from '../enforcement';
import { OBLIGATION_EVENT_TYPES } from '../reminders';
import { MONTHLY_REPORT_EVENT_TYPES } from '../reporting';
import { TIP_EVENT_TYPES } from '../reporting';
import { TYPICAL_CASE_EVENT_TYPES } from '../reporting';
import { SELF_INSPECTION_EVENT_TYPES } from '../self-correction';
import { SUBJECT_EVENT_TYPES } from '../subjects';
import { BULLETIN_EVENT_TYPES } from '../summary';
import { SUMMARY_REPORT_EVENT_TYPES } from '../summary';
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
