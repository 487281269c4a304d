import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { Folded, foldStreams, withoutExists } from '../projections/evolve-row';
import { RowBuffer, TableSpec } from '../projections/row-buffer';
import { Projection } from '../projections/projection';
import {
  SELF_INSPECTION_EVENT_TYPES,
  SelfInspectionEvent,
  selfInspectionDecider,
  SelfInspectionState,
} from '../self-correction/self-inspection.decider';
import type { Answer } from '../checklists/checklist';
import { findingsOf, INSPECTION_EVENT_TYPES, InspectionEvent, inspectionDecider, InspectionState } from './inspection.decider';

/** The tables' rows as written (snake_case columns, jsonb as objects). */
interface SelfInspectionRow {
  subject_id: string; campaign_id: string; district_code: string; subject_type: string; status: string; late: boolean;
  started_at: string; submitted_at: string | null; accepted_at: string | null; version: number; updated_at: Date;
}
interface InspectionRow {
  id: string; campaign_id: string; subject_id: string; district_code: string; subject_type: string; status: string; planned_on: string;
  conducted_on: string | null; completed_at: string | null; version: number; updated_at: Date;
}
interface ProblemRow {
  id: string; source: 'self-correction' | 'enforcement'; source_id: string; campaign_id: string; district_code: string; subject_id: string;
  subject_type: string; item_code: string; description: string; measure: string; deadline: string; responsible: string | null; status: string;
  evidence: object | null; verification: object | null; created_at: string; updated_at: Date;
}
interface FindingRow {
  inspection_id: string; item_code: string; campaign_id: string; district_code: string; subject_id: string; subject_type: string; manifestation: string;
}
interface PenaltyRow {
  id: string; inspection_id: string; campaign_id: string; district_code: string; subject_id: string; subject_type: string; kind: string;
  item_code: string; amount_cny: number | null; recorded_at: string;
}

const SUBJECT_COLUMNS = { campaign_id: 'uuid', district_code: 'text', subject_id: 'uuid', subject_type: 'text' } as const;
const SELF_INSPECTIONS: TableSpec<SelfInspectionRow> = {
  table: 'rm_self_inspections',
  columns: { subject_id: 'uuid', campaign_id: 'uuid', district_code: 'text', subject_type: 'text', status: 'text', late: 'boolean', started_at: 'timestamptz',
    submitted_at: 'timestamptz', accepted_at: 'timestamptz', version: 'bigint', updated_at: 'timestamptz' },
  key: ['subject_id'],
  onConflict: ['status', 'late', 'submitted_at', 'accepted_at', 'version', 'updated_at'],
};
const INSPECTIONS: TableSpec<InspectionRow> = {
  table: 'rm_inspections',
  columns: { id: 'uuid', campaign_id: 'uuid', subject_id: 'uuid', district_code: 'text', subject_type: 'text', status: 'text', planned_on: 'date',
    conducted_on: 'date', completed_at: 'timestamptz', version: 'bigint', updated_at: 'timestamptz' },
  key: ['id'],
  onConflict: ['status', 'conducted_on', 'completed_at', 'version', 'updated_at'],
};
const PROBLEMS: TableSpec<ProblemRow> = {
  table: 'rm_problems',
  columns: { id: 'uuid', source: 'text', source_id: 'uuid', ...SUBJECT_COLUMNS, item_code: 'text', description: 'text', measure: 'text', deadline: 'date',
    responsible: 'text', status: 'text', evidence: 'jsonb', verification: 'jsonb', created_at: 'timestamptz', updated_at: 'timestamptz' },
  key: ['id'],
  onConflict: ['status', 'evidence', 'verification', 'updated_at'],
};
const FINDINGS: TableSpec<FindingRow> = {
  table: 'rm_findings',
  columns: { inspection_id: 'uuid', item_code: 'text', ...SUBJECT_COLUMNS, manifestation: 'text' },
  key: ['inspection_id', 'item_code'],
  onConflict: ['manifestation'],
};
const PENALTIES: TableSpec<PenaltyRow> = {
  table: 'rm_penalties',
  columns: { id: 'uuid', inspection_id: 'uuid', ...SUBJECT_COLUMNS, kind: 'text', item_code: 'text', amount_cny: 'numeric', recorded_at: 'timestamptz' },
  key: ['id'],
  onConflict: 'nothing',
};

/**
 * The two phases' read models, in one projection because the problem list (清单) spans both: rm_self_inspections,
 * rm_inspections, rm_problems, rm_findings, rm_penalties. The projection folds each form with the aggregate's own
 * evolve — a batch in memory, the earlier events of the streams it continues read from the log in one query — and
 * writes the columns lists filter, order and count by through a RowBuffer per table; a form itself is served folded
 * from its stream up to the row's version (selfInspectionView, inspectionView), so no copy of its state is kept.
 * Rows of a stream that starts in the batch go in by COPY, its problems, findings and penalties too: they are keyed
 * by ids new with that stream, so the table cannot hold them.
 */
export const rectificationProjection: Projection = {
  name: 'rectification',
  tables: ['rm_self_inspections', 'rm_inspections', 'rm_problems', 'rm_findings', 'rm_penalties'],
  eventTypes: [...SELF_INSPECTION_EVENT_TYPES, ...INSPECTION_EVENT_TYPES],
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    await rectificationProjection.applyBatch!(tx, [event]);
  },
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const out = {
      self: new RowBuffer(SELF_INSPECTIONS), inspections: new RowBuffer(INSPECTIONS), problems: new RowBuffer(PROBLEMS),
      findings: new RowBuffer(FINDINGS), penalties: new RowBuffer(PENALTIES),
    };
    const selfEvents = events.filter((e) => e.type.startsWith('self-inspection.'));
    const inspectionEvents = events.filter((e) => !e.type.startsWith('self-inspection.'));
    const selfStates = await foldStreams(tx, selfInspectionDecider, selfEvents.map((event) => {
      const e = { type: event.type, data: event.data } as SelfInspectionEvent;
      return { key: event.streamId, version: event.streamVersion, event: e, first: e.type === 'self-inspection.started' };
    }));
    selfEvents.forEach((event, i) => projectSelf(out, event, selfStates[i]));
    const inspectionStates = await foldStreams(tx, inspectionDecider, inspectionEvents.map((event) => {
      const e = { type: event.type, data: event.data } as InspectionEvent;
      return { key: event.streamId, version: event.streamVersion, event: e, first: e.type === 'inspection.scheduled' };
    }));
    inspectionEvents.forEach((event, i) => projectInspection(out, event, inspectionStates[i]));
    for (const buffer of Object.values(out)) await buffer.flush(tx);
  },
};

interface Out {
  self: RowBuffer<SelfInspectionRow>;
  inspections: RowBuffer<InspectionRow>;
  problems: RowBuffer<ProblemRow>;
  findings: RowBuffer<FindingRow>;
  penalties: RowBuffer<PenaltyRow>;
}

function projectSelf(out: Out, event: ProjectedEvent, { after: s, created }: Folded<SelfInspectionState>): void {
  if (!s) return;
  const e = { type: event.type, data: event.data } as SelfInspectionEvent;
  const subjectId = e.data.subjectId;
  out.self.upsert({
    subject_id: subjectId, campaign_id: s.campaignId, district_code: s.districtCode, subject_type: s.subjectType!, status: s.status, late: s.late,
    started_at: s.startedAt!, submitted_at: s.submittedAt, accepted_at: s.acceptedAt, version: event.streamVersion, updated_at: event.recordedAt,
  }, created);
  const problemId = (e.data as { problemId?: string }).problemId;
  const p = problemId ? s.problems.find((x) => x.id === problemId) : undefined;
  if (p) {
    out.problems.upsert({
      id: p.id, source: 'self-correction', source_id: subjectId, campaign_id: s.campaignId, district_code: s.districtCode, subject_id: subjectId,
      subject_type: s.subjectType!, item_code: p.itemCode, description: p.description, measure: p.measure, deadline: p.deadline,
      responsible: p.responsible, status: p.status, evidence: p.evidence ?? null, verification: p.verification ?? null, created_at: p.listedAt,
      updated_at: event.recordedAt,
    }, created);
  }
}

function projectInspection(out: Out, event: ProjectedEvent, { before, after: s, created }: Folded<InspectionState>): void {
  if (!s) return;
  const e = { type: event.type, data: event.data } as InspectionEvent;
  const id = e.data.inspectionId;
  out.inspections.upsert({
    id, campaign_id: s.campaignId, subject_id: s.subjectId, district_code: s.districtCode, subject_type: s.subjectType!, status: s.status,
    planned_on: s.plannedOn, conducted_on: s.conductedOn, completed_at: s.completedAt, version: event.streamVersion, updated_at: event.recordedAt,
  }, created);
  const where = { campaign_id: s.campaignId, district_code: s.districtCode, subject_id: s.subjectId, subject_type: s.subjectType! };
  switch (e.type) {
    case 'inspection.answered':
      for (const a of e.data.answers) {
        if (a.problemPresent) out.findings.upsert({ inspection_id: id, item_code: a.itemCode, ...where, manifestation: a.manifestation! }, created);
        // a finding row is there only while the item's answer names a problem: no row to delete otherwise
        else if (before?.answers[a.itemCode]?.problemPresent) out.findings.delete({ inspection_id: id, item_code: a.itemCode });
      }
      return;
    case 'inspection.order-issued':
    case 'inspection.order-rectified':
    case 'inspection.order-verified': {
      const o = s.orders.find((x) => x.id === e.data.orderId)!;
      out.problems.upsert({
        id: o.id, source: 'enforcement', source_id: id, ...where, item_code: o.itemCode, description: s.answers[o.itemCode]?.manifestation ?? '',
        measure: o.measure, deadline: o.deadline, responsible: null, status: o.status, evidence: o.evidence ?? null,
        verification: o.verification ?? null, created_at: o.issuedAt, updated_at: event.recordedAt,
      }, created);
      return;
    }
    case 'inspection.penalty-recorded':
      out.penalties.upsert({
        id: e.data.penaltyId, inspection_id: id, ...where, kind: e.data.kind, item_code: e.data.itemCode, amount_cny: e.data.amountCny ?? null,
        recorded_at: e.data.recordedAt,
      }, created);
      return;
    default:
      return;
  }
}

/** A form as read: its answers in item order, and the items still unanswered. */
function formView(s: { itemCodes: string[]; answers: Record<string, Answer> }) {
  return { answers: s.itemCodes.filter((c) => s.answers[c]).map((c) => s.answers[c]), unanswered: s.itemCodes.filter((c) => !s.answers[c]) };
}

/** A form as served: its state folded from its stream, the stream version it stands at and when that event was recorded. */
export interface FoldedForm<S> {
  state: S;
  version: number;
  updatedAt: Date;
}

export function selfInspectionView({ state: s, version, updatedAt }: FoldedForm<SelfInspectionState>) {
  return {
    ...withoutExists(s),
    ...formView(s),
    version,
    updatedAt: updatedAt.toISOString(),
  };
}

export function inspectionView({ state: s, version, updatedAt }: FoldedForm<InspectionState>) {
  return {
    ...withoutExists(s),
    ...formView(s),
    findings: findingsOf(s),
    version,
    updatedAt: updatedAt.toISOString(),
  };
}
