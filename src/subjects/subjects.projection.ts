import { PoolClient, QueryResultRow } from 'pg';
import { StoredEvent } from '../event-store/event-store';
import { Projection } from '../projections/projection';
import { SUBJECT_EVENT_TYPES, SubjectEvent } from './subject.decider';

/** rm_subjects: the registry, one row per subject. */
export const subjectsProjection: Projection = {
  name: 'subjects',
  tables: ['rm_subjects'],
  eventTypes: SUBJECT_EVENT_TYPES,
  async apply(tx: PoolClient, event: StoredEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as SubjectEvent;
    switch (e.type) {
      case 'subject.registered': {
        const d = e.data;
        await tx.query(
          `INSERT INTO rm_subjects (id, campaign_id, type, name, uscc, district_code, industry, high_risk, principal, contact,
             active, version, registered_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, true, $11, $12, $12)
           ON CONFLICT (id) DO NOTHING`,
          [d.subjectId, d.campaignId, d.type, d.name, d.uscc, d.districtCode, d.industry, d.highRisk, JSON.stringify(d.principal),
            JSON.stringify(d.contact ?? {}), event.streamVersion, event.recordedAt],
        );
        return;
      }
      case 'subject.amended': {
        const c = e.data.changes;
        await tx.query(
          `UPDATE rm_subjects SET name = coalesce($2, name), district_code = coalesce($3, district_code),
             industry = coalesce($4, industry), principal = coalesce($5, principal), contact = coalesce($6, contact),
             high_risk = $7, version = $8, updated_at = $9
           WHERE id = $1`,
          [e.data.subjectId, c.name ?? null, c.districtCode ?? null, c.industry ?? null, c.principal ? JSON.stringify(c.principal) : null,
            c.contact ? JSON.stringify(c.contact) : null, e.data.highRisk, event.streamVersion, event.recordedAt],
        );
        return;
      }
      case 'subject.deactivated':
        await tx.query(
          'UPDATE rm_subjects SET active = false, deactivation_reason = $2, version = $3, updated_at = $4 WHERE id = $1',
          [e.data.subjectId, e.data.reason, event.streamVersion, event.recordedAt],
        );
        return;
    }
  },
};

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

/** rm_subject_timeline: which log positions concern a subject (every event whose data names it). */
export const subjectTimelineProjection: Projection = {
  name: 'subject-timeline',
  tables: ['rm_subject_timeline'],
  async apply(tx: PoolClient, event: StoredEvent): Promise<void> {
    const subjectId = (event.data as { subjectId?: unknown } | null)?.subjectId;
    if (typeof subjectId !== 'string') return;
    await tx.query('INSERT INTO rm_subject_timeline (subject_id, global_position) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      subjectId,
      event.globalPosition,
    ]);
  },
};
