import { CHECKLISTS } from '../checklists';
import type { CampaignState } from './campaign.decider';
import type { SubjectType } from '../domain';

/** The template version a campaign chose for a subject type, with its item codes; null when none is chosen. */
export function templateFor(campaign: CampaignState, subjectType: SubjectType) {
  const ref = campaign.checklists[subjectType];
  const t = ref && CHECKLISTS.get(ref.templateId, ref.version);
  return t ? { templateId: t.templateId, version: t.version, itemCodes: t.items.map((i) => i.code) } : null;
}
