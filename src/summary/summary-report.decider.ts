import { requirePhaseOpen, requirePhaseStarted } from '../domain';
import type { FileRef } from '../domain';
import type { PhaseStatus } from '../domain';
import { lateFrom } from '../shared/dates';
import { conflict, Decider, DecideContext, DomainEvent, invalid } from '../shared/decider';

/**
 * 总结报告: a district's summary report. Its figures are drafted from the read models and frozen at submission;
 * the district writes the narrative the seeds ask for (problems found, causes, measures). Submitted before the
 * `summary-report` deadline or recorded late; the city accepts it or returns it for rework.
 */

interface SummaryPhase {
  phase: PhaseStatus;
}
export interface Narrative {
  problemsFound: string;
  causes: string;
  measures: string;
  /** anything else: achievements, suggestions (成效、建议) */
  other?: string;
}
export interface WriteNarrative extends SummaryPhase {
  kind: 'WriteNarrative';
  campaignId: string;
  districtCode: string;
  narrative: Partial<Narrative>;
}
export interface SubmitSummary extends SummaryPhase {
  kind: 'SubmitSummary';
  due: string | null;
  /** the draft's figures, computed by the caller and frozen */
  figures: object;
  /** the report as a document (the stamped file sent to the city), stored with POST /api/v1/files */
  report?: FileRef;
}
export interface AcceptSummary extends SummaryPhase {
  kind: 'AcceptSummary';
  comment?: string;
}
export interface ReturnSummary extends SummaryPhase {
  kind: 'ReturnSummary';
  reason: string;
}
export type SummaryReportCommand = WriteNarrative | SubmitSummary | AcceptSummary | ReturnSummary;

type E<T extends string, D> = DomainEvent<T, { campaignId: string; districtCode: string } & D>;
export type NarrativeWritten = E<
  'summary-report.narrative-written',
  { narrative: Partial<Narrative>; writtenAt: string }
>;
export type SummarySubmitted = E<
  'summary-report.submitted',
  { submittedAt: string; due: string | null; late: boolean; figures: object; report?: FileRef }
>;
export type SummaryAccepted = E<'summary-report.accepted', { acceptedAt: string; comment: string | null }>;
export type SummaryReturned = E<'summary-report.returned', { returnedAt: string; reason: string }>;
export type SummaryReportEvent = NarrativeWritten | SummarySubmitted | SummaryAccepted | SummaryReturned;
export const SUMMARY_REPORT_EVENT_TYPES: SummaryReportEvent['type'][] = [
  'summary-report.narrative-written',
  'summary-report.submitted',
  'summary-report.accepted',
  'summary-report.returned',
];

export type SummaryStatus = 'draft' | 'submitted' | 'returned' | 'accepted';
export interface SummaryReportState {
  exists: boolean;
  campaignId: string;
  districtCode: string;
  status: SummaryStatus;
  narrative: Partial<Narrative>;
  figures: object | null;
  /** the report as a document, when the submission carried one */
  report: FileRef | null;
  submittedAt: string | null;
  due: string | null;
  late: boolean;
  acceptedAt: string | null;
  returns: { at: string; reason: string }[];
}
export const initialSummaryReportState: SummaryReportState = {
  exists: false,
  campaignId: '',
  districtCode: '',
  status: 'draft',
  narrative: {},
  figures: null,
  report: null,
  submittedAt: null,
  due: null,
  late: false,
  acceptedAt: null,
  returns: [],
};

export const summaryReportStream = (campaignId: string, districtCode: string) =>
  `summary-report-${campaignId}.${districtCode}`;

const REQUIRED: (keyof Narrative)[] = ['problemsFound', 'causes', 'measures'];

function requireEditable(s: SummaryReportState): void {
  if (s.status === 'submitted')
    throw conflict('the report is submitted and awaits the city; it can change only if returned', 'submitted');
  if (s.status === 'accepted') throw conflict('the report is accepted and final', 'accepted');
}

function decide(c: SummaryReportCommand, s: SummaryReportState, ctx: DecideContext): SummaryReportEvent[] {
  const at = ctx.now.toISOString();
  const key = { campaignId: s.campaignId, districtCode: s.districtCode };
  switch (c.kind) {
    case 'WriteNarrative': {
      requirePhaseOpen('summary', c.phase);
      requireEditable(s);
      const entries = Object.entries(c.narrative).filter(([, v]) => v !== undefined);
      if (!entries.length) throw invalid('narrative', 'must give at least one part');
      for (const [k, v] of entries) if (!String(v).trim()) throw invalid(k, 'must not be blank');
      if (entries.every(([k, v]) => s.narrative[k as keyof Narrative] === v)) return [];
      return [
        {
          type: 'summary-report.narrative-written',
          data: {
            campaignId: c.campaignId,
            districtCode: c.districtCode,
            narrative: Object.fromEntries(entries),
            writtenAt: at,
          },
        },
      ];
    }
    case 'SubmitSummary': {
      requirePhaseOpen('summary', c.phase);
      requireEditable(s);
      const missing = REQUIRED.filter((k) => !s.narrative[k]?.trim());
      if (missing.length)
        throw conflict(`the narrative needs ${missing.join(', ')} before submission`, 'narrative-incomplete');
      const late = c.due !== null && ctx.now.getTime() >= lateFrom(c.due).getTime();
      return [
        {
          type: 'summary-report.submitted',
          data: {
            ...key,
            submittedAt: at,
            due: c.due,
            late,
            figures: c.figures,
            ...(c.report ? { report: c.report } : {}),
          },
        },
      ];
    }
    case 'AcceptSummary':
    case 'ReturnSummary': {
      requirePhaseStarted('summary', c.phase);
      if (s.status !== 'submitted')
        throw conflict(
          `only a submitted report can be ${c.kind === 'AcceptSummary' ? 'accepted' : 'returned'}; this one is ${s.status}`,
          'not-submitted',
        );
      if (c.kind === 'AcceptSummary')
        return [{ type: 'summary-report.accepted', data: { ...key, acceptedAt: at, comment: c.comment ?? null } }];
      if (!c.reason.trim()) throw invalid('reason', 'must not be blank');
      return [{ type: 'summary-report.returned', data: { ...key, returnedAt: at, reason: c.reason } }];
    }
  }
}

function evolve(s: SummaryReportState, e: SummaryReportEvent): SummaryReportState {
  switch (e.type) {
    case 'summary-report.narrative-written':
      return {
        ...s,
        exists: true,
        campaignId: e.data.campaignId,
        districtCode: e.data.districtCode,
        narrative: { ...s.narrative, ...e.data.narrative },
      };
    case 'summary-report.submitted':
      return {
        ...s,
        status: 'submitted',
        submittedAt: e.data.submittedAt,
        due: e.data.due,
        late: e.data.late,
        figures: e.data.figures,
        report: e.data.report ?? null,
      };
    case 'summary-report.accepted':
      return { ...s, status: 'accepted', acceptedAt: e.data.acceptedAt };
    case 'summary-report.returned':
      return { ...s, status: 'returned', returns: [...s.returns, { at: e.data.returnedAt, reason: e.data.reason }] };
    default:
      return s;
  }
}

export const summaryReportDecider: Decider<SummaryReportCommand, SummaryReportEvent, SummaryReportState> = {
  aggregate: 'summary-report',
  initialState: initialSummaryReportState,
  decide,
  evolve,
};
