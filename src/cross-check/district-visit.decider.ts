import { requirePhaseOpen } from '../domain';
import type { PhaseStatus, SubjectType } from '../domain';
import { requirePastDay } from '../shared/dates';
import { conflict, Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';

/**
 * 督查互查: a supervision group's visit to one district, with its spot checks (抽查) of subjects. Spot checks that
 * find violations, or violations left unpunished, feed rubric item 8.
 */

interface CrossCheckPhase {
  phase: PhaseStatus;
}
/** Who visited which district, when. */
interface VisitFields {
  visitId: string;
  campaignId: string;
  districtCode: string;
  groupNo: number;
  visitedOn: string;
  supervisors: string[];
}
export interface RecordVisit extends CrossCheckPhase, VisitFields {
  kind: 'RecordVisit';
  summary?: string;
}
export interface SpotCheck {
  spotCheckId: string;
  subjectId: string;
  subjectName: string;
  subjectType: SubjectType;
  violationFound: boolean;
  violationUnpunished: boolean;
  /** what was found; required when a violation is found or unpunished */
  findings?: string;
  itemCodes: string[];
  checkedOn: string;
}
export interface RecordSpotCheck extends CrossCheckPhase {
  kind: 'RecordSpotCheck';
  subject: { subjectId: string; name: string; type: SubjectType; districtCode: string };
  check: Omit<SpotCheck, 'subjectId' | 'subjectName' | 'subjectType'>;
}
export type VisitCommand = RecordVisit | RecordSpotCheck;

export type VisitRecorded = DomainEvent<
  'cross-check.visit-recorded',
  Omit<RecordVisit, 'kind' | 'phase' | 'summary'> & { summary: string | null; recordedAt: string }
>;
export type SpotChecked = DomainEvent<'cross-check.spot-checked', { visitId: string; recordedAt: string } & SpotCheck>;
export type VisitEvent = VisitRecorded | SpotChecked;
export const VISIT_EVENT_TYPES: VisitEvent['type'][] = ['cross-check.visit-recorded', 'cross-check.spot-checked'];

export interface VisitState extends VisitFields {
  exists: boolean;
  summary: string | null;
  spotChecks: SpotCheck[];
}
export const initialVisitState: VisitState = {
  exists: false,
  visitId: '',
  campaignId: '',
  districtCode: '',
  groupNo: 0,
  visitedOn: '',
  supervisors: [],
  summary: null,
  spotChecks: [],
};

export const visitStream = (visitId: string) => `cross-check-visit-${visitId}`;

function decide(c: VisitCommand, s: VisitState, ctx: DecideContext): VisitEvent[] {
  requirePhaseOpen('cross-check', c.phase);
  const recordedAt = ctx.now.toISOString();
  switch (c.kind) {
    case 'RecordVisit': {
      if (s.exists) throw conflict(`visit ${c.visitId} is already recorded`, 'already-exists');
      requirePastDay(c.visitedOn, 'visitedOn', ctx.now);
      if (c.supervisors.some((n) => !n.trim())) throw invalid('supervisors', 'must not contain blank names');
      const { kind: _k, phase: _p, summary, ...rest } = c;
      return [{ type: 'cross-check.visit-recorded', data: { ...rest, summary: summary ?? null, recordedAt } }];
    }
    case 'RecordSpotCheck': {
      if (!s.exists) throw notFound('visit not found');
      if (c.subject.districtCode !== s.districtCode) {
        throw invalid(
          'subjectId',
          'must be a subject of the visited district',
          `the visit is to ${s.districtCode}; the subject is in ${c.subject.districtCode}`,
        );
      }
      if (s.spotChecks.some((x) => x.subjectId === c.subject.subjectId)) {
        throw conflict(`subject ${c.subject.subjectId} is already spot-checked on this visit`, 'already-checked');
      }
      requirePastDay(c.check.checkedOn, 'checkedOn', ctx.now);
      if (c.check.checkedOn < s.visitedOn) throw invalid('checkedOn', 'must not be before the visit');
      if ((c.check.violationFound || c.check.violationUnpunished) && !c.check.findings?.trim()) {
        throw invalid(
          'findings',
          'is required when a violation is found',
          'describe the violation found (or left unpunished)',
        );
      }
      const check: SpotCheck = {
        ...c.check,
        subjectId: c.subject.subjectId,
        subjectName: c.subject.name,
        subjectType: c.subject.type,
      };
      return [{ type: 'cross-check.spot-checked', data: { visitId: s.visitId, recordedAt, ...check } }];
    }
  }
}

function evolve(s: VisitState, e: VisitEvent): VisitState {
  switch (e.type) {
    case 'cross-check.visit-recorded': {
      const { recordedAt: _r, ...rest } = e.data;
      return { ...initialVisitState, ...rest, exists: true };
    }
    case 'cross-check.spot-checked': {
      const { visitId: _v, recordedAt: _r, ...check } = e.data;
      return { ...s, spotChecks: [...s.spotChecks, check] };
    }
    default:
      return s;
  }
}

export const visitDecider: Decider<VisitCommand, VisitEvent, VisitState> = {
  aggregate: 'cross-check-visit',
  initialState: initialVisitState,
  decide,
  evolve,
};
