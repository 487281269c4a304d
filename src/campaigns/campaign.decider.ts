import { CHECKLISTS } from '../checklists';
import { TemplateRef } from '../checklists';
import { isCalendarDate } from '../shared/dates';
import { CODE as CODE_RE, KEY as KEY_RE } from '../shared/patterns';
import { conflict, Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';
import { PHASES, SUBJECT_TYPES } from '../domain';
import type { Deadline, District, Party, PhaseId, PhaseStatus, SubjectType } from '../domain';
import { DEFAULT_SCHEDULE, ReminderSchedule, scheduleProblem } from '../domain/reminder-schedule';

export interface PhasePlan {
  id: PhaseId;
  start: string;
  end: string;
}
/** The checklist template (and version) a campaign uses for one subject type. */
export interface ChecklistChoice extends TemplateRef {
  subjectType: SubjectType;
}

// ---- commands -------------------------------------------------------------------------------------------
export interface LaunchCampaign {
  type: 'LaunchCampaign';
  campaignId: string;
  title: string;
  issuer: string;
  jurisdiction: string;
  districts: District[];
  subjectTypes: SubjectType[];
  phases: PhasePlan[];
  deadlines: Deadline[];
  /** versions default to the latest */
  checklists?: (Omit<ChecklistChoice, 'version'> & { version?: number })[];
}
export interface OpenPhase {
  type: 'OpenPhase';
  phase: PhaseId;
}
export interface ClosePhase {
  type: 'ClosePhase';
  phase: PhaseId;
}
export interface SetDeadline {
  type: 'SetDeadline';
  key: string;
  due: string;
  reason: string;
  title?: string;
  owedBy?: Party;
}
export interface ChooseChecklist {
  type: 'ChooseChecklist';
  subjectType: SubjectType;
  templateId: string;
  /** latest when omitted */
  version?: number;
}
/** When the campaign's reminders go out (domain.md §4 deadlines, orders, problems, tips). */
export interface SetReminderSchedule extends ReminderSchedule {
  type: 'SetReminderSchedule';
  reason: string;
}
export type CampaignCommand =
  LaunchCampaign | OpenPhase | ClosePhase | SetDeadline | ChooseChecklist | SetReminderSchedule;

// ---- events ---------------------------------------------------------------------------------------------
export type CampaignLaunched = DomainEvent<
  'campaign.launched',
  Omit<LaunchCampaign, 'type' | 'checklists'> & { checklists?: ChecklistChoice[] }
>;
export type PhaseOpened = DomainEvent<
  'campaign.phase-opened',
  { campaignId: string; phase: PhaseId; openedAt: string }
>;
export type PhaseClosed = DomainEvent<
  'campaign.phase-closed',
  { campaignId: string; phase: PhaseId; closedAt: string }
>;
export type DeadlineAmended = DomainEvent<
  'campaign.deadline-amended',
  {
    campaignId: string;
    key: string;
    previousDue: string;
    due: string;
    previousTitle: string;
    title: string;
    reason: string;
  }
>;
export type DeadlineAdded = DomainEvent<'campaign.deadline-added', { campaignId: string; reason: string } & Deadline>;
export type ChecklistChosen = DomainEvent<'campaign.checklist-chosen', { campaignId: string } & ChecklistChoice>;
export type ReminderScheduleSet = DomainEvent<
  'campaign.reminder-schedule-set',
  { campaignId: string; reason: string } & ReminderSchedule
>;
export type CampaignEvent =
  | CampaignLaunched
  | PhaseOpened
  | PhaseClosed
  | DeadlineAmended
  | DeadlineAdded
  | ChecklistChosen
  | ReminderScheduleSet;
export const CAMPAIGN_EVENT_TYPES: CampaignEvent['type'][] = [
  'campaign.launched',
  'campaign.phase-opened',
  'campaign.phase-closed',
  'campaign.deadline-amended',
  'campaign.deadline-added',
  'campaign.checklist-chosen',
  'campaign.reminder-schedule-set',
];

// ---- state ----------------------------------------------------------------------------------------------
export interface PhaseState extends PhasePlan {
  status: PhaseStatus;
  openedAt?: string;
  closedAt?: string;
}
export interface CampaignState {
  exists: boolean;
  id: string;
  title: string;
  issuer: string;
  jurisdiction: string;
  districts: District[];
  subjectTypes: SubjectType[];
  phases: PhaseState[];
  deadlines: Deadline[];
  /** subject type → the template its forms are started against */
  checklists: Partial<Record<SubjectType, TemplateRef>>;
  reminderSchedule: ReminderSchedule;
}
export type CampaignStatus = 'launched' | 'in-progress' | 'completed';

export const initialCampaignState: CampaignState = {
  exists: false,
  id: '',
  title: '',
  issuer: '',
  jurisdiction: '',
  districts: [],
  subjectTypes: [],
  phases: [],
  deadlines: [],
  checklists: {},
  reminderSchedule: DEFAULT_SCHEDULE,
};

export function campaignStatus(s: CampaignState): CampaignStatus {
  if (s.phases.length && s.phases.every((p) => p.status === 'closed')) return 'completed';
  if (s.phases.some((p) => p.status !== 'pending')) return 'in-progress';
  return 'launched';
}

export function currentPhase(s: CampaignState): PhaseId | null {
  return s.phases.find((p) => p.status === 'open')?.id ?? null;
}

// ---- rules ----------------------------------------------------------------------------------------------

function validateLaunch(c: LaunchCampaign): void {
  if (!c.title.trim()) throw invalid('title', 'must not be blank');
  if (!c.issuer.trim()) throw invalid('issuer', 'must not be blank');
  if (!CODE_RE.test(c.jurisdiction)) throw invalid('jurisdiction', 'must be a GB/T 2260 code or a product code');
  if (c.districts.length === 0) throw invalid('districts', 'must list at least one district');
  const codes = new Set<string>();
  c.districts.forEach((d, i) => {
    if (!CODE_RE.test(d.code)) throw invalid(`districts[${i}].code`, 'must be a GB/T 2260 code or a product code');
    if (!d.name.trim()) throw invalid(`districts[${i}].name`, 'must not be blank');
    if (codes.has(d.code))
      throw invalid(`districts[${i}].code`, 'must be unique', `district ${d.code} is listed twice`);
    if (!withinJurisdiction(d.code, c.jurisdiction)) {
      throw invalid(
        `districts[${i}].code`,
        'must lie within the jurisdiction',
        `district ${d.code} is not within ${c.jurisdiction}`,
      );
    }
    codes.add(d.code);
  });
  if (c.subjectTypes.length === 0) throw invalid('subjectTypes', 'must list at least one subject type');
  if (new Set(c.subjectTypes).size !== c.subjectTypes.length) throw invalid('subjectTypes', 'must be unique');
  if (c.phases.length !== PHASES.length || PHASES.some((id, i) => c.phases[i]?.id !== id)) {
    throw invalid('phases', 'must list the four phases in order', `phases must be ${PHASES.join(', ')}, in that order`);
  }
  c.phases.forEach((p, i) => {
    if (!isCalendarDate(p.start)) throw invalid(`phases[${i}].start`, 'must be a calendar date (YYYY-MM-DD)');
    if (!isCalendarDate(p.end)) throw invalid(`phases[${i}].end`, 'must be a calendar date (YYYY-MM-DD)');
    if (p.end < p.start) throw invalid(`phases[${i}].end`, 'must not be before start');
    if (i > 0 && p.start < c.phases[i - 1].start) {
      throw invalid(`phases[${i}].start`, 'must not be before the previous phase starts');
    }
  });
  const keys = new Set<string>();
  c.deadlines.forEach((d, i) => {
    validateDeadline(d, `deadlines[${i}]`, c.subjectTypes);
    if (keys.has(d.key)) throw invalid(`deadlines[${i}].key`, 'must be unique', `deadline ${d.key} is listed twice`);
    keys.add(d.key);
  });
  const types = new Set<string>();
  (c.checklists ?? []).forEach((choice, i) => {
    validateChoice(choice, `checklists[${i}]`, c.subjectTypes);
    if (types.has(choice.subjectType)) throw invalid(`checklists[${i}].subjectType`, 'must be unique');
    types.add(choice.subjectType);
  });
}

/** The template must exist in that version and be made for the subject type. */
function validateChoice(
  c: { subjectType: SubjectType; templateId: string; version?: number },
  path: string,
  subjectTypes: SubjectType[],
): TemplateRef {
  if (!subjectTypes.includes(c.subjectType)) {
    throw invalid(
      `${path}.subjectType`,
      'must be a subject type of the campaign',
      `the campaign has no ${c.subjectType} subjects`,
    );
  }
  const t = CHECKLISTS.get(c.templateId, c.version);
  if (!t) {
    throw invalid(
      `${path}.templateId`,
      'must name a published checklist template',
      `no checklist template ${c.templateId}${c.version ? ` version ${c.version}` : ''}`,
    );
  }
  if (t.subjectType !== c.subjectType) {
    throw invalid(
      `${path}.templateId`,
      'must be a template for the subject type',
      `${c.templateId} is a ${t.subjectType} checklist, not ${c.subjectType}`,
    );
  }
  return { templateId: t.templateId, version: t.version };
}

function validateDeadline(d: Deadline, path: string, subjectTypes: SubjectType[]): void {
  if (!KEY_RE.test(d.key)) throw invalid(`${path}.key`, 'must be kebab-case (a-z, 0-9, -)');
  if (!d.title.trim()) throw invalid(`${path}.title`, 'must not be blank');
  if (!isCalendarDate(d.due)) throw invalid(`${path}.due`, 'must be a calendar date (YYYY-MM-DD)');
  if ((SUBJECT_TYPES as readonly string[]).includes(d.owedBy) && !subjectTypes.includes(d.owedBy as SubjectType)) {
    throw invalid(
      `${path}.owedBy`,
      'must be a subject type of the campaign',
      `the campaign has no ${d.owedBy} subjects`,
    );
  }
}

/** GB/T 2260: a district under a province (xx0000) shares 2 digits, under a prefecture (xxxx00) 4 digits. */
function withinJurisdiction(district: string, jurisdiction: string): boolean {
  if (!/^\d{6}$/.test(district) || !/^\d{6}$/.test(jurisdiction)) return true;
  if (district === jurisdiction) return false;
  if (jurisdiction.endsWith('0000')) return district.slice(0, 2) === jurisdiction.slice(0, 2);
  if (jurisdiction.endsWith('00')) return district.slice(0, 4) === jurisdiction.slice(0, 4);
  return false;
}

function requireExists(s: CampaignState): void {
  if (!s.exists) throw notFound('campaign not found');
}

function decide(command: CampaignCommand, s: CampaignState, ctx: DecideContext): CampaignEvent[] {
  switch (command.type) {
    case 'LaunchCampaign': {
      if (s.exists) throw conflict(`campaign ${command.campaignId} already exists`, 'already-exists');
      validateLaunch(command);
      const { type: _type, checklists, ...rest } = command;
      const data = {
        ...rest,
        checklists: (checklists ?? []).map((c) => ({
          subjectType: c.subjectType,
          ...validateChoice(c, 'checklists', command.subjectTypes),
        })),
      };
      return [{ type: 'campaign.launched', data }];
    }
    case 'OpenPhase': {
      requireExists(s);
      const idx = s.phases.findIndex((p) => p.id === command.phase);
      const phase = s.phases[idx];
      if (phase.status === 'open') throw conflict(`phase ${command.phase} is already open`, 'phase-order');
      if (phase.status === 'closed')
        throw conflict(`phase ${command.phase} is closed and cannot reopen`, 'phase-order');
      const prev = s.phases[idx - 1];
      if (prev && prev.status !== 'closed') {
        throw conflict(
          `cannot open ${command.phase}: ${prev.id} is ${prev.status === 'open' ? 'still open' : 'not yet run'}; ` +
            `phases run in order (${PHASES.join(' → ')}) and each must close before the next opens`,
          'phase-order',
        );
      }
      return [
        {
          type: 'campaign.phase-opened',
          data: { campaignId: s.id, phase: command.phase, openedAt: ctx.now.toISOString() },
        },
      ];
    }
    case 'ClosePhase': {
      requireExists(s);
      const phase = s.phases.find((p) => p.id === command.phase)!;
      if (phase.status !== 'open') {
        throw conflict(
          `cannot close ${command.phase}: it is ${phase.status === 'pending' ? 'not open yet' : 'already closed'}`,
          'phase-order',
        );
      }
      return [
        {
          type: 'campaign.phase-closed',
          data: { campaignId: s.id, phase: command.phase, closedAt: ctx.now.toISOString() },
        },
      ];
    }
    case 'SetDeadline': {
      requireExists(s);
      if (campaignStatus(s) === 'completed')
        throw conflict('the campaign is completed; its deadlines are final', 'completed');
      if (!command.reason.trim()) throw invalid('reason', 'must not be blank');
      const existing = s.deadlines.find((d) => d.key === command.key);
      if (!existing) {
        if (command.title === undefined || command.owedBy === undefined) {
          throw invalid(
            'title',
            'is required with owedBy to add a new deadline',
            `campaign has no deadline ${command.key}; to add one give title and owedBy`,
          );
        }
        const d: Deadline = { key: command.key, title: command.title, due: command.due, owedBy: command.owedBy };
        validateDeadline(d, 'body', s.subjectTypes);
        return [{ type: 'campaign.deadline-added', data: { campaignId: s.id, ...d, reason: command.reason } }];
      }
      if (command.owedBy !== undefined && command.owedBy !== existing.owedBy) {
        throw invalid('owedBy', 'cannot change for an existing deadline');
      }
      const title = command.title ?? existing.title;
      validateDeadline({ ...existing, due: command.due, title }, 'body', s.subjectTypes);
      if (command.due === existing.due && title === existing.title) return [];
      return [
        {
          type: 'campaign.deadline-amended',
          data: {
            campaignId: s.id,
            key: command.key,
            previousDue: existing.due,
            due: command.due,
            previousTitle: existing.title,
            title,
            reason: command.reason,
          },
        },
      ];
    }
    case 'ChooseChecklist': {
      requireExists(s);
      if (campaignStatus(s) === 'completed')
        throw conflict('the campaign is completed; its checklists are final', 'completed');
      const ref = validateChoice(command, 'body', s.subjectTypes);
      const current = s.checklists[command.subjectType];
      if (current && current.templateId === ref.templateId && current.version === ref.version) return [];
      return [
        { type: 'campaign.checklist-chosen', data: { campaignId: s.id, subjectType: command.subjectType, ...ref } },
      ];
    }
    case 'SetReminderSchedule': {
      requireExists(s);
      if (campaignStatus(s) === 'completed')
        throw conflict('the campaign is completed; nothing is left to remind', 'completed');
      if (!command.reason.trim()) throw invalid('reason', 'must not be blank');
      const { type: _type, reason, ...schedule } = command;
      const problem = scheduleProblem(schedule);
      if (problem) throw invalid(problem.field, problem.rule);
      const sorted = { ...schedule, daysBefore: [...schedule.daysBefore].sort((a, b) => b - a) };
      if (JSON.stringify(sorted) === JSON.stringify(s.reminderSchedule)) return [];
      return [{ type: 'campaign.reminder-schedule-set', data: { campaignId: s.id, reason, ...sorted } }];
    }
  }
}

function evolve(s: CampaignState, e: CampaignEvent): CampaignState {
  switch (e.type) {
    case 'campaign.launched':
      return {
        exists: true,
        id: e.data.campaignId,
        title: e.data.title,
        issuer: e.data.issuer,
        jurisdiction: e.data.jurisdiction,
        districts: e.data.districts,
        subjectTypes: e.data.subjectTypes,
        phases: e.data.phases.map((p) => ({ ...p, status: 'pending' as const })),
        deadlines: e.data.deadlines,
        checklists: Object.fromEntries(
          (e.data.checklists ?? []).map((c) => [c.subjectType, { templateId: c.templateId, version: c.version }]),
        ),
        reminderSchedule: DEFAULT_SCHEDULE,
      };
    case 'campaign.phase-opened':
      return {
        ...s,
        phases: s.phases.map((p) =>
          p.id === e.data.phase ? { ...p, status: 'open' as const, openedAt: e.data.openedAt } : p,
        ),
      };
    case 'campaign.phase-closed':
      return {
        ...s,
        phases: s.phases.map((p) =>
          p.id === e.data.phase ? { ...p, status: 'closed' as const, closedAt: e.data.closedAt } : p,
        ),
      };
    case 'campaign.deadline-amended':
      return {
        ...s,
        deadlines: s.deadlines.map((d) => (d.key === e.data.key ? { ...d, due: e.data.due, title: e.data.title } : d)),
      };
    case 'campaign.deadline-added':
      return {
        ...s,
        deadlines: [...s.deadlines, { key: e.data.key, title: e.data.title, due: e.data.due, owedBy: e.data.owedBy }],
      };
    case 'campaign.checklist-chosen':
      return {
        ...s,
        checklists: {
          ...s.checklists,
          [e.data.subjectType]: { templateId: e.data.templateId, version: e.data.version },
        },
      };
    case 'campaign.reminder-schedule-set':
      return {
        ...s,
        reminderSchedule: { daysBefore: e.data.daysBefore, overdueAfterDays: e.data.overdueAfterDays, at: e.data.at },
      };
    default:
      return s;
  }
}

/** A phase's status in a campaign's state. */
export const phaseStatus = (s: CampaignState, phase: PhaseId): PhaseStatus =>
  s.phases.find((p) => p.id === phase)!.status;

export const campaignDecider: Decider<CampaignCommand, CampaignEvent, CampaignState> = {
  aggregate: 'campaign',
  campaignWide: true,
  initialState: initialCampaignState,
  decide,
  evolve,
};

export const campaignStream = (id: string) => `campaign-${id}`;
