import { PENALTY_KINDS, requirePhaseOpen, requirePhaseStarted } from '../domain';
import type { PenaltyKind, PhaseStatus, SubjectType } from '../domain';
import { Answer, changedAnswers, checkAnswers, unanswered } from '../checklists';
import {
  checkMeasureAndDeadline,
  checkRectification,
  checkVerification,
  Evidence,
  TrackedProblem,
  Verification,
  verificationOf,
  withRectified,
  withVerified,
} from '../checklists';
import { cstDate, isCalendarDate } from '../shared/dates';
import { openInspectionMessage } from '../subjects';
import { conflict, Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';

/**
 * 执法检查: one Inspection per visit, with exactly one form ("one institution, one form", 一机构一表单). Two or more
 * officers conduct it; findings lead to rectification orders (verified later) and to penalties.
 */

export interface EnforcementPhase {
  /** the campaign's enforcement phase */
  phase: PhaseStatus;
}

export interface ScheduleInspection extends EnforcementPhase {
  kind: 'ScheduleInspection';
  inspectionId: string;
  campaignId: string;
  subject: { subjectId: string; subjectType: SubjectType; districtCode: string; active: boolean };
  template: { templateId: string; version: number; itemCodes: string[] } | null;
  plannedOn: string;
  /** an inspection of the same subject not yet completed, if any (one form per visit, one visit at a time) */
  openInspectionId: string | null;
}
export interface Officer {
  name: string;
  badgeNumber: string;
}
export interface RecordConduct extends EnforcementPhase {
  kind: 'RecordConduct';
  conductedOn: string;
  officers: Officer[];
}
export interface AnswerInspection extends EnforcementPhase {
  kind: 'AnswerInspection';
  answers: Answer[];
}
export interface CompleteInspection extends EnforcementPhase {
  kind: 'CompleteInspection';
}
export interface IssueOrder extends EnforcementPhase {
  kind: 'IssueOrder';
  orderId: string;
  itemCode: string;
  measure: string;
  deadline: string;
}
export interface ReportOrderRectified extends EnforcementPhase {
  kind: 'ReportOrderRectified';
  orderId: string;
  evidence: Evidence;
}
export interface VerifyOrder extends EnforcementPhase, Verification {
  kind: 'VerifyOrder';
  orderId: string;
}

export const PENALTY_NAMES: Record<PenaltyKind, string> = {
  warning: '警告',
  fine: '罚款',
  suspension: '停业整顿',
  disqualification: '取消资格',
  referral: '移交公安',
};
export interface Penalty {
  kind: PenaltyKind;
  /** the finding it punishes */
  itemCode: string;
  legalBasis: string;
  /** fine only: CNY, > 0 */
  amountCny?: number;
  /** suspension only */
  period?: { from: string; to: string };
  note?: string;
}
export interface RecordPenalty extends EnforcementPhase {
  kind: 'RecordPenalty';
  penaltyId: string;
  penalty: Penalty;
}
export type InspectionCommand =
  | ScheduleInspection
  | RecordConduct
  | AnswerInspection
  | CompleteInspection
  | IssueOrder
  | ReportOrderRectified
  | VerifyOrder
  | RecordPenalty;

type E<T extends string, D> = DomainEvent<T, { inspectionId: string; subjectId: string } & D>;
export type InspectionScheduled = E<
  'inspection.scheduled',
  {
    campaignId: string;
    subjectType: SubjectType;
    districtCode: string;
    templateId: string;
    templateVersion: number;
    itemCodes: string[];
    plannedOn: string;
    scheduledAt: string;
  }
>;
export type InspectionConducted = E<'inspection.conducted', { conductedOn: string; officers: Officer[] }>;
export type InspectionAnswered = E<'inspection.answered', { answers: Answer[] }>;
export type InspectionCompleted = E<'inspection.completed', { completedAt: string; findings: string[] }>;
export type OrderIssued = E<
  'inspection.order-issued',
  { orderId: string; itemCode: string; measure: string; deadline: string; issuedAt: string }
>;
export type OrderRectified = E<
  'inspection.order-rectified',
  { orderId: string; evidence: Evidence; rectifiedAt: string }
>;
export type OrderVerified = E<'inspection.order-verified', { orderId: string; verifiedAt: string } & Verification>;
export type PenaltyRecorded = E<'inspection.penalty-recorded', { penaltyId: string; recordedAt: string } & Penalty>;
export type InspectionEvent =
  | InspectionScheduled
  | InspectionConducted
  | InspectionAnswered
  | InspectionCompleted
  | OrderIssued
  | OrderRectified
  | OrderVerified
  | PenaltyRecorded;
export const INSPECTION_EVENT_TYPES: InspectionEvent['type'][] = [
  'inspection.scheduled',
  'inspection.conducted',
  'inspection.answered',
  'inspection.completed',
  'inspection.order-issued',
  'inspection.order-rectified',
  'inspection.order-verified',
  'inspection.penalty-recorded',
];

export type InspectionStatus = 'scheduled' | 'conducted' | 'completed';

export interface Order extends TrackedProblem {
  issuedAt: string;
}

export interface InspectionState {
  exists: boolean;
  inspectionId: string;
  subjectId: string;
  campaignId: string;
  subjectType?: SubjectType;
  districtCode: string;
  templateId: string;
  templateVersion: number;
  itemCodes: string[];
  plannedOn: string;
  status: InspectionStatus;
  conductedOn: string | null;
  officers: Officer[];
  answers: Record<string, Answer>;
  completedAt: string | null;
  orders: Order[];
  penalties: (Penalty & { id: string; recordedAt: string })[];
}

export const initialInspectionState: InspectionState = {
  exists: false,
  inspectionId: '',
  subjectId: '',
  campaignId: '',
  districtCode: '',
  templateId: '',
  templateVersion: 0,
  itemCodes: [],
  plannedOn: '',
  status: 'scheduled',
  conductedOn: null,
  officers: [],
  answers: {},
  completedAt: null,
  orders: [],
  penalties: [],
};

export const inspectionStream = (id: string) => `inspection-${id}`;

/** The items the inspection found a problem on. */
export const findingsOf = (s: Pick<InspectionState, 'itemCodes' | 'answers'>) =>
  s.itemCodes.filter((c) => s.answers[c]?.problemPresent);

const requireOpen = (c: EnforcementPhase) => requirePhaseOpen('enforcement', c.phase);
const requireStarted = (c: EnforcementPhase) => requirePhaseStarted('enforcement', c.phase);
function requireExists(s: InspectionState): void {
  if (!s.exists) throw notFound('inspection not found');
}
function requireFinding(s: InspectionState, itemCode: string, what: string): void {
  if (!s.itemCodes.includes(itemCode))
    throw invalid('itemCode', 'must be an item of the form', `${itemCode} is not an item of this inspection's form`);
  if (s.answers[itemCode]?.problemPresent !== true) {
    throw conflict(
      `${what} needs a finding: this inspection has not found a problem on ${itemCode}`,
      'finding-required',
    );
  }
}

function checkPenalty(p: Penalty): void {
  if (!p.legalBasis.trim()) throw invalid('legalBasis', 'must not be blank');
  if (p.kind === 'fine') {
    if (p.amountCny === undefined || !(p.amountCny > 0))
      throw invalid('amountCny', 'must be greater than 0 for a fine');
    if (Math.round(p.amountCny * 100) !== p.amountCny * 100)
      throw invalid('amountCny', 'must have at most 2 decimals (fen)');
  } else if (p.amountCny !== undefined) {
    throw invalid('amountCny', 'is only for a fine');
  }
  if (p.kind === 'suspension') {
    if (!p.period) throw invalid('period', 'is required for a suspension (停业整顿)');
    if (!isCalendarDate(p.period.from)) throw invalid('period.from', 'must be a calendar date (YYYY-MM-DD)');
    if (!isCalendarDate(p.period.to)) throw invalid('period.to', 'must be a calendar date (YYYY-MM-DD)');
    if (p.period.to < p.period.from) throw invalid('period.to', 'must not be before period.from');
  } else if (p.period !== undefined) {
    throw invalid('period', 'is only for a suspension');
  }
}

function decide(c: InspectionCommand, s: InspectionState, ctx: DecideContext): InspectionEvent[] {
  const now = ctx.now.toISOString();
  const ids = { inspectionId: s.inspectionId, subjectId: s.subjectId };
  switch (c.kind) {
    case 'ScheduleInspection': {
      requireOpen(c);
      if (s.exists) throw conflict(`inspection ${c.inspectionId} already exists`, 'already-exists');
      if (!c.subject.active) throw conflict('the subject is deactivated', 'inactive');
      if (!c.template) {
        throw conflict(
          `the campaign has no checklist for ${c.subject.subjectType} subjects; a city admin chooses one first`,
          'no-checklist',
        );
      }
      if (c.openInspectionId) throw conflict(openInspectionMessage(c.openInspectionId), 'one-form');
      if (!isCalendarDate(c.plannedOn)) throw invalid('plannedOn', 'must be a calendar date (YYYY-MM-DD)');
      return [
        {
          type: 'inspection.scheduled',
          data: {
            inspectionId: c.inspectionId,
            subjectId: c.subject.subjectId,
            campaignId: c.campaignId,
            subjectType: c.subject.subjectType,
            districtCode: c.subject.districtCode,
            templateId: c.template.templateId,
            templateVersion: c.template.version,
            itemCodes: c.template.itemCodes,
            plannedOn: c.plannedOn,
            scheduledAt: now,
          },
        },
      ];
    }
    case 'RecordConduct': {
      requireOpen(c);
      requireExists(s);
      if (s.status !== 'scheduled')
        throw conflict('the inspection is already recorded as conducted', 'already-conducted');
      if (!isCalendarDate(c.conductedOn)) throw invalid('conductedOn', 'must be a calendar date (YYYY-MM-DD)');
      if (c.conductedOn > cstDate(ctx.now)) throw invalid('conductedOn', 'must not be in the future (Asia/Shanghai)');
      if (c.officers.length < 2) {
        throw invalid(
          'officers',
          'must list at least two officers',
          'an inspection is conducted by at least two officers with badge numbers (执法人员不得少于两人)',
        );
      }
      const badges = new Set<string>();
      c.officers.forEach((o, i) => {
        if (!o.name.trim()) throw invalid(`officers[${i}].name`, 'must not be blank');
        if (!o.badgeNumber.trim()) throw invalid(`officers[${i}].badgeNumber`, 'must not be blank');
        if (badges.has(o.badgeNumber))
          throw invalid(`officers[${i}].badgeNumber`, 'must be unique', `badge ${o.badgeNumber} is listed twice`);
        badges.add(o.badgeNumber);
      });
      return [{ type: 'inspection.conducted', data: { ...ids, conductedOn: c.conductedOn, officers: c.officers } }];
    }
    case 'AnswerInspection': {
      requireOpen(c);
      requireExists(s);
      if (s.status === 'scheduled')
        throw conflict('record the inspection as conducted (officers, date) before filling its form', 'not-conducted');
      if (s.status === 'completed') throw conflict('the inspection is completed; its form is final', 'completed');
      checkAnswers(s.itemCodes, c.answers);
      c.answers.forEach((a, i) => {
        if (
          !a.problemPresent &&
          (s.orders.some((o) => o.itemCode === a.itemCode) || s.penalties.some((p) => p.itemCode === a.itemCode))
        ) {
          throw conflict(
            `answers[${i}]: orders or penalties rest on the finding ${a.itemCode}, so it cannot be answered "no"`,
            'finding-in-use',
          );
        }
      });
      const changed = changedAnswers(s.answers, c.answers);
      return changed.length ? [{ type: 'inspection.answered', data: { ...ids, answers: changed } }] : [];
    }
    case 'CompleteInspection': {
      requireOpen(c);
      requireExists(s);
      if (s.status === 'completed') throw conflict('the inspection is already completed', 'completed');
      if (s.status === 'scheduled') throw conflict('the inspection has not been conducted', 'not-conducted');
      const missing = unanswered(s.itemCodes, s.answers);
      if (missing.length)
        throw conflict(`the form must answer every item; unanswered: ${missing.join(', ')}`, 'unanswered-items');
      return [{ type: 'inspection.completed', data: { ...ids, completedAt: now, findings: findingsOf(s) } }];
    }
    case 'IssueOrder': {
      requireStarted(c);
      requireExists(s);
      requireFinding(s, c.itemCode, 'a rectification order');
      checkMeasureAndDeadline(c.measure, c.deadline);
      if (s.orders.some((o) => o.id === c.orderId))
        throw conflict(`order ${c.orderId} already exists`, 'already-exists');
      return [
        {
          type: 'inspection.order-issued',
          data: {
            ...ids,
            orderId: c.orderId,
            itemCode: c.itemCode,
            measure: c.measure,
            deadline: c.deadline,
            issuedAt: now,
          },
        },
      ];
    }
    case 'ReportOrderRectified': {
      requireStarted(c);
      requireExists(s);
      checkRectification(s.orders, c.orderId, c.evidence, 'order');
      return [
        {
          type: 'inspection.order-rectified',
          data: { ...ids, orderId: c.orderId, evidence: c.evidence, rectifiedAt: now },
        },
      ];
    }
    case 'VerifyOrder': {
      requireStarted(c);
      requireExists(s);
      checkVerification(s.orders, c.orderId, c, 'order');
      return [
        {
          type: 'inspection.order-verified',
          data: { ...ids, orderId: c.orderId, ...verificationOf(c), verifiedAt: now },
        },
      ];
    }
    case 'RecordPenalty': {
      requireStarted(c);
      requireExists(s);
      if (!(PENALTY_KINDS as readonly string[]).includes(c.penalty.kind)) throw invalid('kind', 'isIn');
      requireFinding(s, c.penalty.itemCode, `a penalty (${PENALTY_NAMES[c.penalty.kind]})`);
      checkPenalty(c.penalty);
      if (s.penalties.some((p) => p.id === c.penaltyId))
        throw conflict(`penalty ${c.penaltyId} already exists`, 'already-exists');
      return [
        {
          type: 'inspection.penalty-recorded',
          data: { ...ids, penaltyId: c.penaltyId, ...c.penalty, recordedAt: now },
        },
      ];
    }
  }
}

function evolve(s: InspectionState, e: InspectionEvent): InspectionState {
  switch (e.type) {
    case 'inspection.scheduled': {
      const { scheduledAt: _at, ...d } = e.data;
      return { ...initialInspectionState, ...d, exists: true };
    }
    case 'inspection.conducted':
      return { ...s, status: 'conducted', conductedOn: e.data.conductedOn, officers: e.data.officers };
    case 'inspection.answered':
      return { ...s, answers: { ...s.answers, ...Object.fromEntries(e.data.answers.map((a) => [a.itemCode, a])) } };
    case 'inspection.completed':
      return { ...s, status: 'completed', completedAt: e.data.completedAt };
    case 'inspection.order-issued': {
      const { orderId, itemCode, measure, deadline, issuedAt } = e.data;
      return { ...s, orders: [...s.orders, { id: orderId, itemCode, measure, deadline, issuedAt, status: 'open' }] };
    }
    case 'inspection.order-rectified':
      return { ...s, orders: withRectified(s.orders, e.data.orderId, e.data.evidence, e.data.rectifiedAt) as Order[] };
    case 'inspection.order-verified':
      return { ...s, orders: withVerified(s.orders, e.data.orderId, e.data, e.data.verifiedAt) as Order[] };
    case 'inspection.penalty-recorded': {
      const { inspectionId: _i, subjectId: _s, penaltyId, ...p } = e.data;
      return { ...s, penalties: [...s.penalties, { id: penaltyId, ...p }] };
    }
    default:
      return s;
  }
}

export const inspectionDecider: Decider<InspectionCommand, InspectionEvent, InspectionState> = {
  aggregate: 'inspection',
  initialState: initialInspectionState,
  decide,
  evolve,
};
