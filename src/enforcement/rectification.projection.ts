import { PoolClient, QueryResultRow } from 'pg';
import { StoredEvent } from '../event-store/event-store';
import { evolveRow, withoutExists } from '../projections/evolve-row';
import { Projection } from '../projections/projection';
import {
  SELF_INSPECTION_EVENT_TYPES,
  SelfInspectionEvent,
  selfInspectionDecider,
  SelfInspectionState,
} from '../self-correction/self-inspection.decider';
import type { Answer } from '../checklists/checklist';
import { findingsOf, INSPECTION_EVENT_TYPES, InspectionEvent, inspectionDecider, InspectionState } from './inspection.decider';

/**
 * The two phases' read models, in one projection because the problem list (清单) spans both: rm_self_inspections,
 * rm_inspections, rm_problems, rm_findings, rm_penalties. Each aggregate row keeps its folded state (jsonb), so the
 * projection folds with the aggregate's own evolve.
 */
export const rectificationProjection: Projection = {
  name: 'rectification',
  tables: ['rm_self_inspections', 'rm_inspections', 'rm_problems', 'rm_findings', 'rm_penalties'],
  eventTypes: [...SELF_INSPECTION_EVENT_TYPES, ...INSPECTION_EVENT_TYPES],
  async apply(tx: PoolClient, event: StoredEvent): Promise<void> {
    if (event.type.startsWith('self-inspection.')) await applySelf(tx, event);
    else await applyInspection(tx, event);
  },
};

async function applySelf(tx: PoolClient, event: StoredEvent): Promise<void> {
  const e = { type: event.type, data: event.data } as SelfInspectionEvent;
  const subjectId = e.data.subjectId;
  const s = await evolveRow(tx, 'rm_self_inspections', ['subject_id', subjectId], selfInspectionDecider, e, e.type === 'self-inspection.started');
  if (!s) return;
  await tx.query(
    `INSERT INTO rm_self_inspections (subject_id, campaign_id, district_code, subject_type, status, late, started_at, submitted_at,
       accepted_at, state, version, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (subject_id) DO UPDATE SET status = $5, late = $6, submitted_at = $8, accepted_at = $9, state = $10,
       version = $11, updated_at = $12`,
    [subjectId, s.campaignId, s.districtCode, s.subjectType, s.status, s.late, s.startedAt, s.submittedAt, s.acceptedAt,
      JSON.stringify(s), event.streamVersion, event.recordedAt],
  );
  const problemId = (e.data as { problemId?: string }).problemId;
  const p = problemId ? s.problems.find((x) => x.id === problemId) : undefined;
  if (p) {
    await upsertProblem(tx, {
      id: p.id, source: 'self-correction', sourceId: subjectId, campaignId: s.campaignId, districtCode: s.districtCode, subjectId,
      subjectType: s.subjectType!, itemCode: p.itemCode, description: p.description, measure: p.measure, deadline: p.deadline,
      responsible: p.responsible, status: p.status, evidence: p.evidence, verification: p.verification, createdAt: p.listedAt, at: event.recordedAt,
    });
  }
}

async function applyInspection(tx: PoolClient, event: StoredEvent): Promise<void> {
  const e = { type: event.type, data: event.data } as InspectionEvent;
  const id = e.data.inspectionId;
  const s = await evolveRow(tx, 'rm_inspections', ['id', id], inspectionDecider, e, e.type === 'inspection.scheduled');
  if (!s) return;
  await tx.query(
    `INSERT INTO rm_inspections (id, campaign_id, subject_id, district_code, subject_type, status, planned_on, conducted_on,
       completed_at, state, version, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO UPDATE SET status = $6, conducted_on = $8, completed_at = $9, state = $10, version = $11, updated_at = $12`,
    [id, s.campaignId, s.subjectId, s.districtCode, s.subjectType, s.status, s.plannedOn, s.conductedOn, s.completedAt,
      JSON.stringify(s), event.streamVersion, event.recordedAt],
  );
  const where = { campaignId: s.campaignId, districtCode: s.districtCode, subjectId: s.subjectId, subjectType: s.subjectType! };
  switch (e.type) {
    case 'inspection.answered':
      for (const a of e.data.answers) {
        if (a.problemPresent) {
          await tx.query(
            `INSERT INTO rm_findings (inspection_id, item_code, campaign_id, district_code, subject_id, subject_type, manifestation)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (inspection_id, item_code) DO UPDATE SET manifestation = $7`,
            [id, a.itemCode, where.campaignId, where.districtCode, where.subjectId, where.subjectType, a.manifestation],
          );
        } else {
          await tx.query('DELETE FROM rm_findings WHERE inspection_id = $1 AND item_code = $2', [id, a.itemCode]);
        }
      }
      return;
    case 'inspection.order-issued':
    case 'inspection.order-rectified':
    case 'inspection.order-verified': {
      const o = s.orders.find((x) => x.id === e.data.orderId)!;
      await upsertProblem(tx, {
        id: o.id, source: 'enforcement', sourceId: id, ...where, itemCode: o.itemCode,
        description: s.answers[o.itemCode]?.manifestation ?? '', measure: o.measure, deadline: o.deadline, responsible: null,
        status: o.status, evidence: o.evidence, verification: o.verification, createdAt: o.issuedAt, at: event.recordedAt,
      });
      return;
    }
    case 'inspection.penalty-recorded':
      await tx.query(
        `INSERT INTO rm_penalties (id, inspection_id, campaign_id, district_code, subject_id, subject_type, kind, item_code, amount_cny, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [e.data.penaltyId, id, where.campaignId, where.districtCode, where.subjectId, where.subjectType, e.data.kind, e.data.itemCode,
          e.data.amountCny ?? null, e.data.recordedAt],
      );
      return;
    default:
      return;
  }
}

interface ProblemRow {
  id: string;
  source: 'self-correction' | 'enforcement';
  sourceId: string;
  campaignId: string;
  districtCode: string;
  subjectId: string;
  subjectType: string;
  itemCode: string;
  description: string;
  measure: string;
  deadline: string;
  responsible: string | null;
  status: string;
  evidence?: object;
  verification?: object;
  createdAt: string;
  at: Date;
}

async function upsertProblem(tx: PoolClient, p: ProblemRow): Promise<void> {
  await tx.query(
    `INSERT INTO rm_problems (id, source, source_id, campaign_id, district_code, subject_id, subject_type, item_code, description,
       measure, deadline, responsible, status, evidence, verification, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (id) DO UPDATE SET status = $13, evidence = $14, verification = $15, updated_at = $17`,
    [p.id, p.source, p.sourceId, p.campaignId, p.districtCode, p.subjectId, p.subjectType, p.itemCode, p.description, p.measure,
      p.deadline, p.responsible, p.status, p.evidence ? JSON.stringify(p.evidence) : null,
      p.verification ? JSON.stringify(p.verification) : null, p.createdAt, p.at],
  );
}

/** A form as read: its answers in item order, and the items still unanswered. */
function formView(s: { itemCodes: string[]; answers: Record<string, Answer> }) {
  return { answers: s.itemCodes.filter((c) => s.answers[c]).map((c) => s.answers[c]), unanswered: s.itemCodes.filter((c) => !s.answers[c]) };
}

export function rowToSelfInspection(row: QueryResultRow) {
  const s: SelfInspectionState = row.state;
  return {
    ...withoutExists(s),
    ...formView(s),
    version: Number(row.version),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function rowToInspection(row: QueryResultRow) {
  const s: InspectionState = row.state;
  return {
    ...withoutExists(s),
    ...formView(s),
    findings: findingsOf(s),
    version: Number(row.version),
    updatedAt: row.updated_at.toISOString(),
  };
}
