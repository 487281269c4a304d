import { PoolClient, QueryResultRow } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { consumed, Projection, unreachable } from '../projections/projection';
import { RowBuffer, TableSpec } from '../projections/row-buffer';
import { UUID_RE } from '../shared/ids';
import { SUBJECT_EVENT_TYPES, SubjectEvent, SubjectRegistered } from './subject.decider';

/** rm_subjects: the registry, one row per subject. Runs of registrations (an import) go in by one COPY. */
export const subjectsProjection: Projection = {
  name: 'subjects',
  tables: ['rm_subjects'],
  eventTypes: SUBJECT_EVENT_TYPES,
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    let run: ProjectedEvent[] = [];
    const flush = async () => {
      if (run.length) await insertRegistrations(tx, run);
      run = [];
    };
    for (const event of events) {
      if (event.type === 'subject.registered') {
        run.push(event);
        continue;
      }
      await flush();
      await subjectsProjection.apply(tx, event);
    }
    await flush();
  },
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    const e = consumed<SubjectEvent>(event);
    switch (e.type) {
      case 'subject.registered':
        return insertRegistrations(tx, [event]);
      case 'subject.amended': {
        const c = e.data.changes;
        await tx.query(
          `UPDATE rm_subjects SET name = coalesce($2, name), district_code = coalesce($3, district_code),
             industry = coalesce($4, industry), principal = coalesce($5, principal), contact = coalesce($6, contact),
             high_risk = $7, version = $8, updated_at = $9
           WHERE id = $1`,
          [
            e.data.subjectId,
            c.name ?? null,
            c.districtCode ?? null,
            c.industry ?? null,
            c.principal ? JSON.stringify(c.principal) : null,
            c.contact ? JSON.stringify(c.contact) : null,
            e.data.highRisk,
            event.streamVersion,
            event.recordedAt,
          ],
        );
        return;
      }
      case 'subject.deactivated':
        await tx.query(
          'UPDATE rm_subjects SET active = false, deactivation_reason = $2, version = $3, updated_at = $4 WHERE id = $1',
          [e.data.subjectId, e.data.reason, event.streamVersion, event.recordedAt],
        );
        return;
      case 'subject.inspection-opened':
        // the row's version follows the stream's (its ETag)
        await tx.query('UPDATE rm_subjects SET version = $2, updated_at = $3 WHERE id = $1', [
          e.data.subjectId,
          event.streamVersion,
          event.recordedAt,
        ]);
        return;
      default:
        return unreachable(e);
    }
  },
};

interface SubjectRow {
  id: string;
  campaign_id: string;
  type: string;
  name: string;
  uscc: string;
  district_code: string;
  industry: string;
  high_risk: boolean;
  principal: object;
  contact: object;
  active: boolean;
  version: number;
  registered_at: Date;
  updated_at: Date;
}
const SUBJECT_ROWS: TableSpec<SubjectRow> = {
  table: 'rm_subjects',
  columns: {
    id: 'uuid',
    campaign_id: 'uuid',
    type: 'text',
    name: 'text',
    uscc: 'text',
    district_code: 'text',
    industry: 'text',
    high_risk: 'boolean',
    principal: 'jsonb',
    contact: 'jsonb',
    active: 'boolean',
    version: 'bigint',
    registered_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  key: ['id'],
  onConflict: 'nothing',
};

/** Registrations start their streams: each subject's row is new. */
async function insertRegistrations(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
  const out = new RowBuffer(SUBJECT_ROWS);
  for (const e of events) {
    const d = e.data as SubjectRegistered['data'];
    out.upsert(
      {
        id: d.subjectId,
        campaign_id: d.campaignId,
        type: d.type,
        name: d.name,
        uscc: d.uscc,
        district_code: d.districtCode,
        industry: d.industry,
        high_risk: d.highRisk,
        principal: d.principal,
        contact: d.contact ?? {},
        active: true,
        version: e.streamVersion,
        registered_at: e.recordedAt,
        updated_at: e.recordedAt,
      },
      true,
    );
  }
  await out.flush(tx);
}

export function rowToSubject(row: QueryResultRow) {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    type: row.type,
    name: row.name,
    uscc: row.uscc,
    districtCode: row.district_code,
    industry: row.industry,
    highRisk: row.high_risk,
    principal: row.principal,
    contact: row.contact,
    active: row.active,
    deactivationReason: row.deactivation_reason ?? null,
    version: Number(row.version),
    registeredAt: row.registered_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** rm_subject_timeline: which log positions concern a subject (every event whose data names it by its uuid), one row per subject. */
export const subjectTimelineProjection: Projection = {
  name: 'subject-timeline',
  tables: ['rm_subject_timeline'],
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    await subjectTimelineProjection.applyBatch!(tx, [event]);
  },
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const positions = new Map<string, number[]>();
    for (const e of events) {
      const id = (e.data as { subjectId?: unknown } | null)?.subjectId;
      if (typeof id !== 'string' || !UUID_RE.test(id)) continue;
      const key = id.toLowerCase();
      const mine = positions.get(key);
      if (mine) mine.push(e.globalPosition);
      else positions.set(key, [e.globalPosition]);
    }
    if (!positions.size) return;
    // the arrays go as literals joined here (uuids and numbers need no quoting), not escaped element by element by
    // the driver; rows in key order, so the index is walked once
    const ids = [...positions.keys()].sort();
    await tx.query(
      `INSERT INTO rm_subject_timeline (subject_id, positions) SELECT id, p::bigint[] FROM unnest($1::uuid[], $2::text[]) AS r(id, p) ORDER BY id
       ON CONFLICT (subject_id) DO UPDATE SET positions = rm_subject_timeline.positions || EXCLUDED.positions`,
      [`{${ids.join(',')}}`, `{${ids.map((id) => `"{${positions.get(id)!.join(',')}}"`).join(',')}}`],
    );
  },
};
