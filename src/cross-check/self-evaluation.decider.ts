import { requirePhaseStarted } from '../domain';
import type { FileRef } from '../domain';
import type { PhaseStatus } from '../domain';
import { lateFrom } from '../shared/dates';
import { conflict, Decider, DecideContext, DomainEvent, invalid } from '../shared/decider';
import { ComputedItem, declaredItems, Rubric, rubricOf } from './rubric';

/**
 * 区县自评: one per (campaign, district). The district declares the rubric's declared items with evidence and
 * submits; its supervision group reviews each (confirm, or adjust with a reason) and finalises, which freezes the
 * computed items as they stand. Until then the computed items are live (recomputed from the read models).
 */

interface CrossCheckPhase {
  phase: PhaseStatus;
}
export interface DeclaredItem {
  item: number;
  points: number;
  /** references to the supporting documents (文件资料): file numbers, links, scan ids */
  evidence: string[];
  note?: string;
}
export interface DeclareItems extends CrossCheckPhase {
  kind: 'DeclareItems';
  campaignId: string;
  districtCode: string;
  rubric: { rubricId: string; version: number };
  items: DeclaredItem[];
}
/** The files a submission carries (Annex 6: 表格盖章扫描件和电子件). */
export interface SubmissionFiles {
  stampedScan?: FileRef;
  electronicFile?: FileRef;
}
export interface SubmitEvaluation extends CrossCheckPhase {
  kind: 'SubmitEvaluation';
  /** the campaign's `self-evaluation` due date, if it names one */
  due: string | null;
  files: SubmissionFiles;
}
export interface Review {
  item: number;
  decision: 'confirm' | 'adjust';
  points?: number;
  reason?: string;
}
export interface ReviewItems extends CrossCheckPhase {
  kind: 'ReviewItems';
  groupNo: number;
  reviews: Review[];
}
export interface FinaliseEvaluation extends CrossCheckPhase {
  kind: 'FinaliseEvaluation';
  groupNo: number;
  /** the computed items as they stand now, frozen into the evaluation */
  computed: ComputedItem[];
  asOf: string;
}
export type SelfEvaluationCommand = DeclareItems | SubmitEvaluation | ReviewItems | FinaliseEvaluation;

type E<T extends string, D> = DomainEvent<T, { campaignId: string; districtCode: string } & D>;
export type ItemsDeclared = E<
  'self-evaluation.items-declared',
  { rubricId: string; rubricVersion: number; items: DeclaredItem[]; declaredAt: string }
>;
export type EvaluationSubmitted = E<
  'self-evaluation.submitted',
  { submittedAt: string; due: string | null; late: boolean } & SubmissionFiles
>;
export type ItemsReviewed = E<
  'self-evaluation.items-reviewed',
  { groupNo: number; reviews: Review[]; reviewedAt: string }
>;
export type EvaluationFinalised = E<
  'self-evaluation.finalised',
  {
    groupNo: number;
    computed: ComputedItem[];
    asOf: string;
    declared: Record<number, number>;
    total: number;
    finalisedAt: string;
  }
>;
export type SelfEvaluationEvent = ItemsDeclared | EvaluationSubmitted | ItemsReviewed | EvaluationFinalised;
export const SELF_EVALUATION_EVENT_TYPES: SelfEvaluationEvent['type'][] = [
  'self-evaluation.items-declared',
  'self-evaluation.submitted',
  'self-evaluation.items-reviewed',
  'self-evaluation.finalised',
];

export type SelfEvaluationStatus = 'draft' | 'submitted' | 'finalised';
export interface SelfEvaluationState {
  exists: boolean;
  campaignId: string;
  districtCode: string;
  rubricId: string;
  rubricVersion: number;
  status: SelfEvaluationStatus;
  declared: Record<number, DeclaredItem>;
  reviews: Record<number, Review & { reviewedAt: string }>;
  submittedAt: string | null;
  due: string | null;
  late: boolean;
  /** the files the submission carried */
  files: SubmissionFiles;
  finalised: {
    computed: ComputedItem[];
    asOf: string;
    declared: Record<number, number>;
    total: number;
    finalisedAt: string;
    groupNo: number;
  } | null;
}
export const initialSelfEvaluationState: SelfEvaluationState = {
  exists: false,
  campaignId: '',
  districtCode: '',
  rubricId: '',
  rubricVersion: 0,
  status: 'draft',
  declared: {},
  reviews: {},
  submittedAt: null,
  due: null,
  late: false,
  files: {},
  finalised: null,
};

export const selfEvaluationStream = (campaignId: string, districtCode: string) =>
  `self-evaluation-${campaignId}.${districtCode}`;

/** The points a declared item finally carries: the group's adjustment if any, else the declaration. */
export function finalDeclared(
  s: SelfEvaluationState,
): Record<number, { points: number; source: 'declared' | 'reviewed' }> {
  return Object.fromEntries(
    Object.values(s.declared).map((d) => {
      const r = s.reviews[d.item];
      return [
        d.item,
        r?.decision === 'adjust'
          ? { points: r.points!, source: 'reviewed' as const }
          : { points: d.points, source: r ? ('reviewed' as const) : ('declared' as const) },
      ];
    }),
  );
}

function rubricOfState(s: SelfEvaluationState): Rubric {
  return rubricOf(s.rubricId, s.rubricVersion)!;
}

function checkPoints(r: Rubric, no: number, points: number | undefined, path: string): void {
  const item = declaredItems(r).find((i) => i.no === no);
  if (!item)
    throw invalid(
      `${path}.item`,
      'must be a declared item of the rubric',
      `item ${no} is computed from the campaign's events or does not exist`,
    );
  if (
    points === undefined ||
    !Number.isFinite(points) ||
    points < 0 ||
    points > item.max ||
    Math.round(points * 2) !== points * 2
  ) {
    throw invalid(`${path}.points`, `must be between 0 and ${item.max} in half points`);
  }
}

function decide(c: SelfEvaluationCommand, s: SelfEvaluationState, ctx: DecideContext): SelfEvaluationEvent[] {
  requirePhaseStarted('cross-check', c.phase);
  const at = ctx.now.toISOString();
  const key = { campaignId: s.campaignId, districtCode: s.districtCode };
  if (s.status === 'finalised') throw conflict('the self-evaluation is finalised by the group', 'finalised');
  switch (c.kind) {
    case 'DeclareItems': {
      if (s.status !== 'draft')
        throw conflict('the self-evaluation is submitted; the group reviews it now', 'submitted');
      const rubric = s.exists ? rubricOfState(s) : rubricOf(c.rubric.rubricId, c.rubric.version)!;
      if (c.items.length === 0) throw invalid('items', 'must declare at least one item');
      const seen = new Set<number>();
      c.items.forEach((d, i) => {
        checkPoints(rubric, d.item, d.points, `items[${i}]`);
        if (seen.has(d.item)) throw invalid(`items[${i}].item`, 'must be unique');
        seen.add(d.item);
        if (d.points > 0 && !d.evidence.some((x) => x.trim()))
          throw invalid(`items[${i}].evidence`, 'must name the supporting documents when points are claimed');
      });
      return [
        {
          type: 'self-evaluation.items-declared',
          data: {
            campaignId: c.campaignId,
            districtCode: c.districtCode,
            rubricId: rubric.rubricId,
            rubricVersion: rubric.version,
            items: c.items,
            declaredAt: at,
          },
        },
      ];
    }
    case 'SubmitEvaluation': {
      if (!s.exists) throw conflict('declare the items before submitting', 'items-undeclared');
      if (s.status !== 'draft') throw conflict('the self-evaluation is already submitted', 'submitted');
      const missing = declaredItems(rubricOfState(s))
        .filter((i) => !s.declared[i.no])
        .map((i) => i.no);
      if (missing.length)
        throw conflict(
          `every declared item needs points before submission; missing items ${missing.join(', ')}`,
          'items-undeclared',
        );
      const asked = rubricOfState(s).submission;
      if (asked?.stampedScan && !c.files.stampedScan)
        throw invalid(
          'stampedScan',
          'required by the rubric',
          'the rubric asks for the stamped scan of the form (表格盖章扫描件)',
        );
      if (asked?.electronicFile && !c.files.electronicFile)
        throw invalid(
          'electronicFile',
          'required by the rubric',
          'the rubric asks for the electronic file of the form (电子件)',
        );
      const late = c.due !== null && ctx.now.getTime() >= lateFrom(c.due).getTime();
      return [{ type: 'self-evaluation.submitted', data: { ...key, submittedAt: at, due: c.due, late, ...c.files } }];
    }
    case 'ReviewItems': {
      if (s.status !== 'submitted') throw conflict('only a submitted self-evaluation can be reviewed', 'not-submitted');
      if (c.reviews.length === 0) throw invalid('reviews', 'must review at least one item');
      const seen = new Set<number>();
      c.reviews.forEach((r, i) => {
        if (seen.has(r.item)) throw invalid(`reviews[${i}].item`, 'must be unique');
        seen.add(r.item);
        if (r.decision === 'adjust') {
          checkPoints(rubricOfState(s), r.item, r.points, `reviews[${i}]`);
          if (!r.reason?.trim()) throw invalid(`reviews[${i}].reason`, 'is required to adjust an item');
        } else {
          checkPoints(rubricOfState(s), r.item, s.declared[r.item]?.points ?? 0, `reviews[${i}]`);
          if (r.points !== undefined) throw invalid(`reviews[${i}].points`, 'is given only to adjust an item');
        }
      });
      return [
        {
          type: 'self-evaluation.items-reviewed',
          data: { ...key, groupNo: c.groupNo, reviews: c.reviews, reviewedAt: at },
        },
      ];
    }
    case 'FinaliseEvaluation': {
      if (s.status !== 'submitted')
        throw conflict('only a submitted self-evaluation can be finalised', 'not-submitted');
      const unreviewed = declaredItems(rubricOfState(s))
        .filter((i) => !s.reviews[i.no])
        .map((i) => i.no);
      if (unreviewed.length)
        throw conflict(
          `the group reviews every declared item before finalising; not reviewed: ${unreviewed.join(', ')}`,
          'review-incomplete',
        );
      const declared = Object.fromEntries(Object.entries(finalDeclared(s)).map(([k, v]) => [k, v.points]));
      const total = Object.values(declared).reduce((a, p) => a + p, 0) + c.computed.reduce((a, x) => a + x.points, 0);
      return [
        {
          type: 'self-evaluation.finalised',
          data: { ...key, groupNo: c.groupNo, computed: c.computed, asOf: c.asOf, declared, total, finalisedAt: at },
        },
      ];
    }
  }
}

function evolve(s: SelfEvaluationState, e: SelfEvaluationEvent): SelfEvaluationState {
  switch (e.type) {
    case 'self-evaluation.items-declared':
      return {
        ...s,
        exists: true,
        campaignId: e.data.campaignId,
        districtCode: e.data.districtCode,
        rubricId: e.data.rubricId,
        rubricVersion: e.data.rubricVersion,
        declared: { ...s.declared, ...Object.fromEntries(e.data.items.map((d) => [d.item, d])) },
      };
    case 'self-evaluation.submitted':
      return {
        ...s,
        status: 'submitted',
        submittedAt: e.data.submittedAt,
        due: e.data.due,
        late: e.data.late,
        files: {
          ...(e.data.stampedScan ? { stampedScan: e.data.stampedScan } : {}),
          ...(e.data.electronicFile ? { electronicFile: e.data.electronicFile } : {}),
        },
      };
    case 'self-evaluation.items-reviewed':
      return {
        ...s,
        reviews: {
          ...s.reviews,
          ...Object.fromEntries(e.data.reviews.map((r) => [r.item, { ...r, reviewedAt: e.data.reviewedAt }])),
        },
      };
    case 'self-evaluation.finalised': {
      const { campaignId: _c, districtCode: _d, ...finalised } = e.data;
      return { ...s, status: 'finalised', finalised };
    }
    default:
      return s;
  }
}

export const selfEvaluationDecider: Decider<SelfEvaluationCommand, SelfEvaluationEvent, SelfEvaluationState> = {
  aggregate: 'self-evaluation',
  initialState: initialSelfEvaluationState,
  decide,
  evolve,
};
