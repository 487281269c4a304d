import { createHash } from 'node:crypto';
import { SUBJECT_TYPES, SubjectType } from '../domain';
import { conflict, Decider, DomainEvent, invalid, notFound } from '../shared/decider';
import { USCC_MESSAGES, usccProblem } from './uscc';

/** Industries; the high-risk ones (domain.md §2, 令44号) make a subject high-risk. */
export const INDUSTRIES = {
  'non-coal-mining': { name: '非煤矿山', highRisk: true },
  'coal-mining': { name: '煤矿', highRisk: true },
  mining: { name: '矿山', highRisk: true },
  'hazardous-chemicals': { name: '危险化学品', highRisk: true },
  fireworks: { name: '烟花爆竹', highRisk: true },
  'metal-smelting': { name: '金属冶炼', highRisk: true },
  'safety-training': { name: '安全培训', highRisk: false },
  construction: { name: '建筑施工', highRisk: false },
  'industry-trade': { name: '工贸', highRisk: false },
  other: { name: '其他', highRisk: false },
} as const;
export type Industry = keyof typeof INDUSTRIES;
export const INDUSTRY_IDS = Object.keys(INDUSTRIES) as Industry[];

export interface Person {
  name: string;
  phone?: string;
}
export interface Contact {
  name?: string;
  phone?: string;
  address?: string;
}

/** What registration must know of the campaign, read by the shell and passed in (the decider does no I/O). */
export interface CampaignScope {
  campaignId: string;
  districtCodes: string[];
  subjectTypes: SubjectType[];
}

export interface SubjectDetails {
  type: SubjectType;
  name: string;
  uscc: string;
  districtCode: string;
  industry: Industry;
  principal: Person;
  contact: Contact;
}

export interface RegisterSubject extends SubjectDetails {
  type: SubjectType;
  kind: 'RegisterSubject';
  subjectId: string;
  campaign: CampaignScope;
}
export interface AmendSubject {
  kind: 'AmendSubject';
  changes: Partial<Pick<SubjectDetails, 'name' | 'industry' | 'principal' | 'contact' | 'districtCode'>>;
  campaign: CampaignScope;
}
export interface DeactivateSubject {
  kind: 'DeactivateSubject';
  reason: string;
}
/**
 * 一机构一表单: an inspection opened for the subject, recorded on the subject's own stream in the same append as the
 * inspection's first event, so two officers scheduling the same subject at once cannot both succeed (the second
 * append meets a moved stream version). `previous` is the subject's last opened inspection as the shell found it
 * (completion is final, so a completed one stays completed).
 */
export interface OpenInspection {
  kind: 'OpenInspection';
  inspectionId: string;
  previous: { inspectionId: string; completed: boolean } | null;
}
export type SubjectCommand = RegisterSubject | AmendSubject | DeactivateSubject | OpenInspection;

export type SubjectRegistered = DomainEvent<
  'subject.registered',
  SubjectDetails & { subjectId: string; campaignId: string; highRisk: boolean }
>;
export type SubjectAmended = DomainEvent<
  'subject.amended',
  { subjectId: string; changes: AmendSubject['changes']; highRisk: boolean }
>;
export type SubjectDeactivated = DomainEvent<'subject.deactivated', { subjectId: string; reason: string }>;
export type SubjectInspectionOpened = DomainEvent<
  'subject.inspection-opened',
  { subjectId: string; inspectionId: string; districtCode: string }
>;
export type SubjectEvent = SubjectRegistered | SubjectAmended | SubjectDeactivated | SubjectInspectionOpened;
export const SUBJECT_EVENT_TYPES: SubjectEvent['type'][] = [
  'subject.registered',
  'subject.amended',
  'subject.deactivated',
  'subject.inspection-opened',
];

export interface SubjectState extends Partial<SubjectDetails> {
  exists: boolean;
  subjectId?: string;
  campaignId?: string;
  highRisk?: boolean;
  active: boolean;
  /** the last inspection opened for the subject (it may since have been completed) */
  lastInspectionId?: string;
}
export const initialSubjectState: SubjectState = { exists: false, active: false };

export function campaignScopeOf(c: {
  id: string;
  districts: { code: string }[];
  subjectTypes: SubjectType[];
}): CampaignScope {
  return { campaignId: c.id, districtCodes: c.districts.map((d) => d.code), subjectTypes: c.subjectTypes };
}

/** Subject ids are derived from (campaign, USCC): registering the same code twice meets the same stream. */
export function subjectIdFor(campaignId: string, uscc: string): string {
  const h = createHash('sha1').update(`rectify:subject:${campaignId}:${uscc}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const subjectStream = (id: string) => `subject-${id}`;

export const openInspectionMessage = (inspectionId: string) =>
  `inspection ${inspectionId} of this subject is not completed yet: one institution, one form (一机构一表单) per visit`;

const PHONE = /^[0-9+\-() ]{5,30}$/;

function validatePerson(p: Person | undefined, field: string, required: boolean): void {
  if (!p) {
    if (required) throw invalid(field, 'is required');
    return;
  }
  if (required && !p.name?.trim()) throw invalid(`${field}.name`, 'must not be blank');
  if (p.phone !== undefined && !PHONE.test(p.phone)) throw invalid(`${field}.phone`, 'must be a phone number');
}

function validateDistrict(code: string, scope: CampaignScope, field: string): void {
  if (!scope.districtCodes.includes(code)) {
    throw invalid(
      field,
      'must be a district of the campaign',
      `district ${code} is not one of the campaign's districts`,
    );
  }
}

function decide(c: SubjectCommand, s: SubjectState): SubjectEvent[] {
  switch (c.kind) {
    case 'RegisterSubject': {
      const problem = usccProblem(c.uscc);
      if (problem) throw invalid('uscc', problem, `uscc ${USCC_MESSAGES[problem]}`);
      if (s.exists)
        throw conflict(`a subject with USCC ${c.uscc} is already registered in this campaign`, 'duplicate-uscc');
      if (!SUBJECT_TYPES.includes(c.type)) throw invalid('type', 'isIn');
      if (!c.campaign.subjectTypes.includes(c.type)) {
        throw invalid(
          'type',
          'must be a subject type of the campaign',
          `the campaign does not cover ${c.type} subjects`,
        );
      }
      if (!c.name.trim()) throw invalid('name', 'must not be blank');
      validateDistrict(c.districtCode, c.campaign, 'districtCode');
      if (!(c.industry in INDUSTRIES)) throw invalid('industry', 'isIn');
      validatePerson(c.principal, 'principal', true);
      if (c.contact?.phone !== undefined && !PHONE.test(c.contact.phone))
        throw invalid('contact.phone', 'must be a phone number');
      const { kind: _k, campaign, ...details } = c;
      return [
        {
          type: 'subject.registered',
          data: { ...details, campaignId: campaign.campaignId, highRisk: INDUSTRIES[c.industry].highRisk },
        },
      ];
    }
    case 'AmendSubject': {
      if (!s.exists) throw notFound('subject not found');
      if (!s.active) throw conflict('the subject is deactivated', 'inactive');
      const ch = c.changes;
      if (ch.name !== undefined && !ch.name.trim()) throw invalid('name', 'must not be blank');
      if (ch.industry !== undefined && !(ch.industry in INDUSTRIES)) throw invalid('industry', 'isIn');
      if (ch.districtCode !== undefined) validateDistrict(ch.districtCode, c.campaign, 'districtCode');
      if (ch.principal !== undefined) validatePerson(ch.principal, 'principal', true);
      if (ch.contact?.phone !== undefined && !PHONE.test(ch.contact.phone))
        throw invalid('contact.phone', 'must be a phone number');
      const changes = Object.fromEntries(
        Object.entries(ch).filter(
          ([k, v]) =>
            v !== undefined && JSON.stringify(v) !== JSON.stringify((s as unknown as Record<string, unknown>)[k]),
        ),
      ) as AmendSubject['changes'];
      if (Object.keys(changes).length === 0) return [];
      const industry = changes.industry ?? s.industry!;
      return [
        {
          type: 'subject.amended',
          data: { subjectId: s.subjectId!, changes, highRisk: INDUSTRIES[industry].highRisk },
        },
      ];
    }
    case 'DeactivateSubject': {
      if (!s.exists) throw notFound('subject not found');
      if (!s.active) throw conflict('the subject is already deactivated', 'inactive');
      if (!c.reason.trim()) throw invalid('reason', 'must not be blank');
      return [{ type: 'subject.deactivated', data: { subjectId: s.subjectId!, reason: c.reason } }];
    }
    case 'OpenInspection': {
      if (!s.exists) throw notFound('subject not found');
      if (!s.active) throw conflict('the subject is deactivated', 'inactive');
      // what the shell found of another inspection than the last one says nothing of it: it counts as open
      const lastCompleted =
        c.previous !== null && c.previous.inspectionId === s.lastInspectionId && c.previous.completed;
      if (s.lastInspectionId && !lastCompleted) throw conflict(openInspectionMessage(s.lastInspectionId), 'one-form');
      return [
        {
          type: 'subject.inspection-opened',
          data: { subjectId: s.subjectId!, inspectionId: c.inspectionId, districtCode: s.districtCode! },
        },
      ];
    }
  }
}

function evolve(s: SubjectState, e: SubjectEvent): SubjectState {
  switch (e.type) {
    case 'subject.registered':
      return { ...e.data, exists: true, active: true };
    case 'subject.amended':
      return { ...s, ...e.data.changes, highRisk: e.data.highRisk };
    case 'subject.deactivated':
      return { ...s, active: false };
    case 'subject.inspection-opened':
      return { ...s, lastInspectionId: e.data.inspectionId };
    default:
      return s;
  }
}

export const subjectDecider: Decider<SubjectCommand, SubjectEvent, SubjectState> = {
  aggregate: 'subject',
  initialState: initialSubjectState,
  decide: (c, s) => decide(c, s),
  evolve,
};
