import { PoolClient, QueryResultRow } from 'pg';
import { StoredEvent } from '../event-store/event-store';
import { Projection } from '../projections/projection';
import { SUBJECT_EVENT_TYPES, SubjectEvent, SubjectRegistered } from './subject.decider';

/** rm_subjects: the registry, one row per subject. Runs of registrations (an import) go in as one INSERT. */
export const subjectsProjection: Projection = {
  name: 'subjects',
  tables: ['rm_subjects'],
  eventTypes: SUBJECT_EVENT_TYPES,
  async applyBatch(tx: PoolClient, events: StoredEvent[]): Promise<void> {
    let run: StoredEvent[] = [];
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
  async apply(tx: PoolClient, event: StoredEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as SubjectEvent;
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

async function insertRegistrations(tx: PoolClient, events: StoredEvent[]): Promise<void> {
  const data = events.map((e) => (e.data as SubjectRegistered['data']));
  await tx.query(
    `INSERT INTO rm_subjects (id, campaign_id, type, name, uscc, district_code, industry, high_risk, principal, contact,
       active, version, registered_at, updated_at)
     SELECT id, campaign_id, type, name, uscc, district_code, industry, high_risk, principal, contact, true, version, at, at
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::jsonb[],
                   $10::jsonb[], $11::bigint[], $12::timestamptz[])
         AS r(id, campaign_id, type, name, uscc, district_code, industry, high_risk, principal, contact, version, at)
     ON CONFLICT (id) DO NOTHING`,
    [
      data.map((d) => d.subjectId),
      data.map((d) => d.campaignId),
      data.map((d) => d.type),
      data.map((d) => d.name),
      data.map((d) => d.uscc),
      data.map((d) => d.districtCode),
      data.map((d) => d.industry),
      data.map((d) => d.highRisk),
      data.map((d) => JSON.stringify(d.principal)),
      data.map((d) => JSON.stringify(d.contact ?? {})),
      events.map((e) => e.streamVersion),
      events.map((e) => e.recordedAt),
    ],
  );
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

/** rm_subject_timeline: which log positions concern a subject (every event whose data names it). */
export const subjectTimelineProjection: Projection = {
  name: 'subject-timeline',
  tables: ['rm_subject_timeline'],
  async apply(tx: PoolClient, event: StoredEvent): Promise<void> {
    await subjectTimelineProjection.applyBatch!(tx, [event]);
  },
  async applyBatch(tx: PoolClient, events: StoredEvent[]): Promise<void> {
    const about = events.filter((e) => typeof (e.data as { subjectId?: unknown } | null)?.subjectId === 'string');
    if (!about.length) return;
    await tx.query(
      `INSERT INTO rm_subject_timeline (subject_id, global_position) SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING`,
      [about.map((e) => (e.data as { subjectId: string }).subjectId), about.map((e) => e.globalPosition)],
    );
  },
};
