import { requirePhaseOpen, requirePhaseStarted } from '../domain';
import type { FileRef } from '../domain';
import type { PhaseStatus, SubjectType } from '../domain';
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
import { lateFrom, requirePastDay } from '../shared/dates';
import { conflict, Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';

/**
 * 自查自改: one self-inspection per (campaign, subject). The subject checks itself against its checklist, lists
 * its problems with measures, deadlines and a responsible person, rectifies them, the principal signs the
 * commitment, and the report is submitted to the district bureau, which accepts it or returns it.
 */

/** What the shell reads from the campaign and the registry and hands in (the decider does no I/O). */
export interface SelfCorrectionPhase {
  /** the campaign's self-correction phase */
  phase: PhaseStatus;
}

export interface StartSelfInspection extends SelfCorrectionPhase {
  kind: 'StartSelfInspection';
  campaignId: string;
  subjectId: string;
  subjectType: SubjectType;
  districtCode: string;
  template: { templateId: string; version: number; itemCodes: string[] } | null;
}
export interface AnswerSelfInspection extends SelfCorrectionPhase {
  kind: 'AnswerSelfInspection';
  answers: Answer[];
}
export interface ListProblem extends SelfCorrectionPhase {
  kind: 'ListProblem';
  problemId: string;
  itemCode: string;
  description: string;
  measure: string;
  deadline: string;
  responsible: string;
}
export interface RectifyProblem extends SelfCorrectionPhase {
  kind: 'RectifyProblem';
  problemId: string;
  evidence: Evidence;
}
export interface VerifyProblem extends SelfCorrectionPhase, Verification {
  kind: 'VerifyProblem';
  problemId: string;
}
export interface SignCommitment extends SelfCorrectionPhase {
  kind: 'SignCommitment';
  name: string;
  date: string;
  /** the principal (主要负责人) in the registry: the one who signs */
  principalName: string;
  /** the scan of the signed page (经主要负责人签字), as stored */
  scan?: FileRef;
}
export interface SubmitSelfInspection extends SelfCorrectionPhase {
  kind: 'SubmitSelfInspection';
  /** the `self-correction-report` deadline when the campaign sets one for this subject type */
  due: string | null;
}
export interface AcceptSelfInspection extends SelfCorrectionPhase {
  kind: 'AcceptSelfInspection';
  comment?: string;
}
export interface ReturnSelfInspection extends SelfCorrectionPhase {
  kind: 'ReturnSelfInspection';
  reason: string;
}
export type SelfInspectionCommand =
  | StartSelfInspection
  | AnswerSelfInspection
  | ListProblem
  | RectifyProblem
  | VerifyProblem
  | SignCommitment
  | SubmitSelfInspection
  | AcceptSelfInspection
  | ReturnSelfInspection;

type E<T extends string, D> = DomainEvent<T, { subjectId: string } & D>;
export type SelfInspectionStarted = E<
  'self-inspection.started',
  {
    campaignId: string;
    subjectType: SubjectType;
    districtCode: string;
    templateId: string;
    templateVersion: number;
    itemCodes: string[];
    startedAt: string;
  }
>;
export type SelfInspectionAnswered = E<'self-inspection.answered', { answers: Answer[] }>;
export type ProblemListed = E<
  'self-inspection.problem-listed',
  {
    problemId: string;
    itemCode: string;
    description: string;
    measure: string;
    deadline: string;
    responsible: string;
    listedAt: string;
  }
>;
export type ProblemRectified = E<
  'self-inspection.problem-rectified',
  { problemId: string; evidence: Evidence; rectifiedAt: string }
>;
export type ProblemVerified = E<
  'self-inspection.problem-verified',
  { problemId: string; verifiedAt: string } & Verification
>;
export type CommitmentSigned = E<'self-inspection.commitment-signed', { name: string; date: string; scan?: FileRef }>;
export type SelfInspectionSubmitted = E<
  'self-inspection.submitted',
  { submittedAt: string; due: string | null; late: boolean }
>;
export type SelfInspectionAccepted = E<'self-inspection.accepted', { acceptedAt: string; comment?: string }>;
export type SelfInspectionReturned = E<'self-inspection.returned', { returnedAt: string; reason: string }>;
export type SelfInspectionEvent =
  | SelfInspectionStarted
  | SelfInspectionAnswered
  | ProblemListed
  | ProblemRectified
  | ProblemVerified
  | CommitmentSigned
  | SelfInspectionSubmitted
  | SelfInspectionAccepted
  | SelfInspectionReturned;
export const SELF_INSPECTION_EVENT_TYPES: SelfInspectionEvent['type'][] = [
  'self-inspection.started',
  'self-inspection.answered',
  'self-inspection.problem-listed',
  'self-inspection.problem-rectified',
  'self-inspection.problem-verified',
  'self-inspection.commitment-signed',
  'self-inspection.submitted',
  'self-inspection.accepted',
  'self-inspection.returned',
];

export type SelfInspectionStatus = 'in-progress' | 'submitted' | 'returned' | 'accepted';

export interface SelfProblem extends TrackedProblem {
  description: string;
  responsible: string;
  listedAt: string;
}

export interface SelfInspectionState {
  exists: boolean;
  subjectId: string;
  campaignId: string;
  subjectType?: SubjectType;
  districtCode: string;
  templateId: string;
  templateVersion: number;
  itemCodes: string[];
  status: SelfInspectionStatus;
  answers: Record<string, Answer>;
  problems: SelfProblem[];
  commitment: { name: string; date: string; scan?: FileRef } | null;
  startedAt: string;
  submittedAt: string | null;
  late: boolean;
  submissions: number;
  acceptedAt: string | null;
  returns: { at: string; reason: string }[];
}

export const initialSelfInspectionState: SelfInspectionState = {
  exists: false,
  subjectId: '',
  campaignId: '',
  districtCode: '',
  templateId: '',
  templateVersion: 0,
  itemCodes: [],
  status: 'in-progress',
  answers: {},
  problems: [],
  commitment: null,
  startedAt: '',
  submittedAt: null,
  late: false,
  submissions: 0,
  acceptedAt: null,
  returns: [],
};

export const selfInspectionStream = (subjectId: string) => `self-inspection-${subjectId}`;

const requireOpen = (c: SelfCorrectionPhase) => requirePhaseOpen('self-correction', c.phase);
const requireStarted = (c: SelfCorrectionPhase) => requirePhaseStarted('self-correction', c.phase);
function requireEditable(s: SelfInspectionState): void {
  if (!s.exists) throw notFound('self-inspection not started');
  if (s.status === 'submitted')
    throw conflict('the report is submitted and awaits review; it can change only if returned', 'submitted');
  if (s.status === 'accepted') throw conflict('the report is accepted and final', 'accepted');
}
function requireSubmitted(s: SelfInspectionState, what: string): void {
  if (!s.exists) throw notFound('self-inspection not started');
  if (s.status !== 'submitted')
    throw conflict(`only a submitted report can be ${what}; this one is ${s.status}`, 'not-submitted');
}

function decide(c: SelfInspectionCommand, s: SelfInspectionState, ctx: DecideContext): SelfInspectionEvent[] {
  const now = ctx.now.toISOString();
  const subjectId = s.subjectId;
  switch (c.kind) {
    case 'StartSelfInspection': {
      requireOpen(c);
      if (s.exists) throw conflict('the self-inspection is already started', 'already-started');
      if (!c.template) {
        throw conflict(
          `the campaign has no checklist for ${c.subjectType} subjects; a city admin chooses one first`,
          'no-checklist',
        );
      }
      return [
        {
          type: 'self-inspection.started',
          data: {
            subjectId: c.subjectId,
            campaignId: c.campaignId,
            subjectType: c.subjectType,
            districtCode: c.districtCode,
            templateId: c.template.templateId,
            templateVersion: c.template.version,
            itemCodes: c.template.itemCodes,
            startedAt: now,
          },
        },
      ];
    }
    case 'AnswerSelfInspection': {
      requireOpen(c);
      requireEditable(s);
      checkAnswers(s.itemCodes, c.answers);
      c.answers.forEach((a, i) => {
        if (!a.problemPresent && s.problems.some((p) => p.itemCode === a.itemCode)) {
          throw conflict(
            `answers[${i}]: problems are listed against ${a.itemCode}, so it cannot be answered "no"`,
            'problem-listed',
          );
        }
      });
      const changed = changedAnswers(s.answers, c.answers);
      return changed.length ? [{ type: 'self-inspection.answered', data: { subjectId, answers: changed } }] : [];
    }
    case 'ListProblem': {
      requireOpen(c);
      requireEditable(s);
      if (!s.itemCodes.includes(c.itemCode))
        throw invalid('itemCode', 'must be an item of the form', `${c.itemCode} is not an item of this form`);
      if (s.answers[c.itemCode]?.problemPresent !== true) {
        throw conflict(
          `answer ${c.itemCode} "problem present" before listing a problem against it`,
          'item-not-found-present',
        );
      }
      if (!c.description.trim()) throw invalid('description', 'must not be blank');
      if (!c.responsible.trim()) throw invalid('responsible', 'must not be blank');
      checkMeasureAndDeadline(c.measure, c.deadline);
      if (s.problems.some((p) => p.id === c.problemId))
        throw conflict(`problem ${c.problemId} is already listed`, 'already-listed');
      const { kind: _k, phase: _p, ...p } = c;
      return [{ type: 'self-inspection.problem-listed', data: { subjectId, ...p, listedAt: now } }];
    }
    case 'RectifyProblem': {
      requireStarted(c);
      if (!s.exists) throw notFound('self-inspection not started');
      checkRectification(s.problems, c.problemId, c.evidence, 'problem');
      return [
        {
          type: 'self-inspection.problem-rectified',
          data: { subjectId, problemId: c.problemId, evidence: c.evidence, rectifiedAt: now },
        },
      ];
    }
    case 'VerifyProblem': {
      requireStarted(c);
      if (!s.exists) throw notFound('self-inspection not started');
      checkVerification(s.problems, c.problemId, c, 'problem');
      return [
        {
          type: 'self-inspection.problem-verified',
          data: { subjectId, problemId: c.problemId, ...verificationOf(c), verifiedAt: now },
        },
      ];
    }
    case 'SignCommitment': {
      requireOpen(c);
      requireEditable(s);
      if (!c.name.trim()) throw invalid('name', 'must not be blank');
      if (c.name.trim() !== c.principalName.trim()) {
        throw invalid(
          'name',
          "must be the subject's principal",
          `the commitment is signed by the principal (主要负责人) ${c.principalName}, not ${c.name}`,
        );
      }
      requirePastDay(c.date, 'date', ctx.now);
      if (
        s.commitment &&
        s.commitment.name === c.name &&
        s.commitment.date === c.date &&
        s.commitment.scan?.fileId === c.scan?.fileId
      )
        return [];
      return [
        {
          type: 'self-inspection.commitment-signed',
          data: { subjectId, name: c.name, date: c.date, ...(c.scan ? { scan: c.scan } : {}) },
        },
      ];
    }
    case 'SubmitSelfInspection': {
      requireOpen(c);
      requireEditable(s);
      const missing = unanswered(s.itemCodes, s.answers);
      if (missing.length)
        throw conflict(
          `every item must be answered before submission; unanswered: ${missing.join(', ')}`,
          'unanswered-items',
        );
      const unlisted = s.itemCodes.filter(
        (code) => s.answers[code].problemPresent && !s.problems.some((p) => p.itemCode === code),
      );
      if (unlisted.length) {
        throw conflict(
          `every problem found goes on the list (清单) with a measure, a deadline and a responsible person; none listed for ${unlisted.join(', ')}`,
          'problems-not-listed',
        );
      }
      if (!s.commitment)
        throw conflict('the principal must sign the commitment before submission', 'commitment-unsigned');
      const late = c.due !== null && ctx.now.getTime() >= lateFrom(c.due).getTime();
      return [{ type: 'self-inspection.submitted', data: { subjectId, submittedAt: now, due: c.due, late } }];
    }
    case 'AcceptSelfInspection': {
      requireStarted(c);
      requireSubmitted(s, 'accepted');
      return [
        {
          type: 'self-inspection.accepted',
          data: { subjectId, acceptedAt: now, ...(c.comment ? { comment: c.comment } : {}) },
        },
      ];
    }
    case 'ReturnSelfInspection': {
      requireStarted(c);
      requireSubmitted(s, 'returned');
      if (!c.reason.trim()) throw invalid('reason', 'must not be blank');
      return [{ type: 'self-inspection.returned', data: { subjectId, returnedAt: now, reason: c.reason } }];
    }
  }
}

function evolve(s: SelfInspectionState, e: SelfInspectionEvent): SelfInspectionState {
  switch (e.type) {
    case 'self-inspection.started': {
      const { startedAt, ...d } = e.data;
      return { ...initialSelfInspectionState, ...d, exists: true, startedAt };
    }
    case 'self-inspection.answered':
      return { ...s, answers: { ...s.answers, ...Object.fromEntries(e.data.answers.map((a) => [a.itemCode, a])) } };
    case 'self-inspection.problem-listed': {
      const { subjectId: _s, problemId, ...p } = e.data;
      return { ...s, problems: [...s.problems, { id: problemId, ...p, status: 'open' }] };
    }
    case 'self-inspection.problem-rectified':
      return {
        ...s,
        problems: withRectified(s.problems, e.data.problemId, e.data.evidence, e.data.rectifiedAt) as SelfProblem[],
      };
    case 'self-inspection.problem-verified':
      return { ...s, problems: withVerified(s.problems, e.data.problemId, e.data, e.data.verifiedAt) as SelfProblem[] };
    case 'self-inspection.commitment-signed':
      return {
        ...s,
        commitment: { name: e.data.name, date: e.data.date, ...(e.data.scan ? { scan: e.data.scan } : {}) },
      };
    case 'self-inspection.submitted':
      return {
        ...s,
        status: 'submitted',
        submittedAt: e.data.submittedAt,
        late: e.data.late,
        submissions: s.submissions + 1,
      };
    case 'self-inspection.accepted':
      return { ...s, status: 'accepted', acceptedAt: e.data.acceptedAt };
    case 'self-inspection.returned':
      return { ...s, status: 'returned', returns: [...s.returns, { at: e.data.returnedAt, reason: e.data.reason }] };
    default:
      return s;
  }
}

export const selfInspectionDecider: Decider<SelfInspectionCommand, SelfInspectionEvent, SelfInspectionState> = {
  aggregate: 'self-inspection',
  initialState: initialSelfInspectionState,
  decide,
  evolve,
};
