import type { ProjectedEvent } from '../event-store/event-store';
import { Folded, withoutExists } from '../projections/evolve-row';
import type { RowBuffer, TableSpec } from '../projections/row-buffer';
import { FoldedForm, formView, ProblemRow } from '../projections/problem-list';
import type { SelfInspectionEvent, SelfInspectionState } from './self-inspection.decider';

/**
 * Self-correction's read model: a row per self-inspection in rm_self_inspections (what lists filter, order and
 * count by) and its problems on the problem list; the form itself is served folded from its stream
 * (selfInspectionView). Written by the rectification projection, which folds each stream once for both phases.
 */
export interface SelfInspectionRow {
  subject_id: string;
  campaign_id: string;
  district_code: string;
  subject_type: string;
  status: string;
  late: boolean;
  started_at: string;
  submitted_at: string | null;
  accepted_at: string | null;
  version: number;
  updated_at: Date;
}
export const SELF_INSPECTIONS: TableSpec<SelfInspectionRow> = {
  table: 'rm_self_inspections',
  columns: {
    subject_id: 'uuid',
    campaign_id: 'uuid',
    district_code: 'text',
    subject_type: 'text',
    status: 'text',
    late: 'boolean',
    started_at: 'timestamptz',
    submitted_at: 'timestamptz',
    accepted_at: 'timestamptz',
    version: 'bigint',
    updated_at: 'timestamptz',
  },
  key: ['subject_id'],
  onConflict: ['status', 'late', 'submitted_at', 'accepted_at', 'version', 'updated_at'],
};
/** The rows one self-inspection event changes, from the form as folded after it. */
export function projectSelfInspection(
  out: { self: RowBuffer<SelfInspectionRow>; problems: RowBuffer<ProblemRow> },
  event: ProjectedEvent,
  { after: s, created }: Folded<SelfInspectionState>,
): void {
  if (!s) return;
  const e = { type: event.type, data: event.data } as SelfInspectionEvent;
  const subjectId = e.data.subjectId;
  out.self.upsert(
    {
      subject_id: subjectId,
      campaign_id: s.campaignId,
      district_code: s.districtCode,
      subject_type: s.subjectType!,
      status: s.status,
      late: s.late,
      started_at: s.startedAt!,
      submitted_at: s.submittedAt,
      accepted_at: s.acceptedAt,
      version: event.streamVersion,
      updated_at: event.recordedAt,
    },
    created,
  );
  const problemId = (e.data as { problemId?: string }).problemId;
  const p = problemId ? s.problems.find((x) => x.id === problemId) : undefined;
  if (p) {
    out.problems.upsert(
      {
        id: p.id,
        source: 'self-correction',
        source_id: subjectId,
        campaign_id: s.campaignId,
        district_code: s.districtCode,
        subject_id: subjectId,
        subject_type: s.subjectType!,
        item_code: p.itemCode,
        description: p.description,
        measure: p.measure,
        deadline: p.deadline,
        responsible: p.responsible,
        status: p.status,
        evidence: p.evidence ?? null,
        verification: p.verification ?? null,
        created_at: p.listedAt,
        updated_at: event.recordedAt,
      },
      created,
    );
  }
}

/** A self-inspection as served: folded from its stream, at the version it stands at. */
export function selfInspectionView({ state: s, version, updatedAt }: FoldedForm<SelfInspectionState>) {
  return {
    ...withoutExists(s),
    ...formView(s),
    version,
    updatedAt: updatedAt.toISOString(),
  };
}
