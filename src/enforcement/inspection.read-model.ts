import type { ProjectedEvent } from '../event-store/event-store';
import { Folded, withoutExists } from '../projections/evolve-row';
import type { RowBuffer, TableSpec } from '../projections/row-buffer';
import { FoldedForm, formView, ProblemRow, SUBJECT_COLUMNS } from '../projections/problem-list';
import { findingsOf, InspectionEvent, InspectionState } from './inspection.decider';

/**
 * Enforcement's read model: a row per inspection (rm_inspections), its findings (rm_findings), penalties
 * (rm_penalties) and rectification orders on the problem list; the form itself is served folded from its stream
 * (inspectionView). Written by the rectification projection, which folds each stream once for both phases.
 */
export interface InspectionRow {
  id: string;
  campaign_id: string;
  subject_id: string;
  district_code: string;
  subject_type: string;
  status: string;
  planned_on: string;
  conducted_on: string | null;
  completed_at: string | null;
  version: number;
  updated_at: Date;
}
export interface FindingRow {
  inspection_id: string;
  item_code: string;
  campaign_id: string;
  district_code: string;
  subject_id: string;
  subject_type: string;
  manifestation: string;
}
export interface PenaltyRow {
  id: string;
  inspection_id: string;
  campaign_id: string;
  district_code: string;
  subject_id: string;
  subject_type: string;
  kind: string;
  item_code: string;
  amount_cny: number | null;
  recorded_at: string;
}

export const INSPECTIONS: TableSpec<InspectionRow> = {
  table: 'rm_inspections',
  columns: {
    id: 'uuid',
    campaign_id: 'uuid',
    subject_id: 'uuid',
    district_code: 'text',
    subject_type: 'text',
    status: 'text',
    planned_on: 'date',
    conducted_on: 'date',
    completed_at: 'timestamptz',
    version: 'bigint',
    updated_at: 'timestamptz',
  },
  key: ['id'],
  onConflict: ['status', 'conducted_on', 'completed_at', 'version', 'updated_at'],
};
export const FINDINGS: TableSpec<FindingRow> = {
  table: 'rm_findings',
  columns: { inspection_id: 'uuid', item_code: 'text', ...SUBJECT_COLUMNS, manifestation: 'text' },
  key: ['inspection_id', 'item_code'],
  onConflict: ['manifestation'],
};
export const PENALTIES: TableSpec<PenaltyRow> = {
  table: 'rm_penalties',
  columns: {
    id: 'uuid',
    inspection_id: 'uuid',
    ...SUBJECT_COLUMNS,
    kind: 'text',
    item_code: 'text',
    amount_cny: 'numeric',
    recorded_at: 'timestamptz',
  },
  key: ['id'],
  onConflict: 'nothing',
};

/** The rows one inspection event changes, from the form as folded before and after it. */
export function projectInspection(
  out: {
    inspections: RowBuffer<InspectionRow>;
    problems: RowBuffer<ProblemRow>;
    findings: RowBuffer<FindingRow>;
    penalties: RowBuffer<PenaltyRow>;
  },
  event: ProjectedEvent,
  { before, after: s, created }: Folded<InspectionState>,
): void {
  if (!s) return;
  const e = { type: event.type, data: event.data } as InspectionEvent;
  const id = e.data.inspectionId;
  out.inspections.upsert(
    {
      id,
      campaign_id: s.campaignId,
      subject_id: s.subjectId,
      district_code: s.districtCode,
      subject_type: s.subjectType!,
      status: s.status,
      planned_on: s.plannedOn,
      conducted_on: s.conductedOn,
      completed_at: s.completedAt,
      version: event.streamVersion,
      updated_at: event.recordedAt,
    },
    created,
  );
  const where = {
    campaign_id: s.campaignId,
    district_code: s.districtCode,
    subject_id: s.subjectId,
    subject_type: s.subjectType!,
  };
  switch (e.type) {
    case 'inspection.answered':
      for (const a of e.data.answers) {
        if (a.problemPresent)
          out.findings.upsert(
            { inspection_id: id, item_code: a.itemCode, ...where, manifestation: a.manifestation! },
            created,
          );
        // a finding row is there only while the item's answer names a problem: no row to delete otherwise
        else if (before?.answers[a.itemCode]?.problemPresent)
          out.findings.delete({ inspection_id: id, item_code: a.itemCode });
      }
      return;
    case 'inspection.order-issued':
    case 'inspection.order-rectified':
    case 'inspection.order-verified': {
      const o = s.orders.find((x) => x.id === e.data.orderId)!;
      out.problems.upsert(
        {
          id: o.id,
          source: 'enforcement',
          source_id: id,
          ...where,
          item_code: o.itemCode,
          description: s.answers[o.itemCode]?.manifestation ?? '',
          measure: o.measure,
          deadline: o.deadline,
          responsible: null,
          status: o.status,
          evidence: o.evidence ?? null,
          verification: o.verification ?? null,
          created_at: o.issuedAt,
          updated_at: event.recordedAt,
        },
        created,
      );
      return;
    }
    case 'inspection.penalty-recorded':
      out.penalties.upsert(
        {
          id: e.data.penaltyId,
          inspection_id: id,
          ...where,
          kind: e.data.kind,
          item_code: e.data.itemCode,
          amount_cny: e.data.amountCny ?? null,
          recorded_at: e.data.recordedAt,
        },
        created,
      );
      return;
    default:
      return;
  }
}

/** An inspection as served: folded from its stream, at the version it stands at, with its findings. */
export function inspectionView({ state: s, version, updatedAt }: FoldedForm<InspectionState>) {
  return {
    ...withoutExists(s),
    ...formView(s),
    findings: findingsOf(s),
    version,
    updatedAt: updatedAt.toISOString(),
  };
}
