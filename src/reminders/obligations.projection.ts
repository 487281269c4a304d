import { PoolClient, QueryResultRow } from 'pg';
import type { Deadline } from '../campaigns/campaign.decider';
import { StoredEvent } from '../event-store/event-store';
import { Projection } from '../projections/projection';
import type { ObligationEvent, ObligationKind, ObligationView, ReminderData } from './obligation.decider';
import { DEFAULT_SCHEDULE } from './schedule';

/**
 * rm_obligations: every obligation the log implies — a campaign deadline × each party that owes it (domain.md §4),
 * each listed problem and rectification order (owed by the subject, due on its deadline), each public tip (owed
 * by its district, or the city until assigned, due on its handling day) — and whether it is still open. The
 * event that discharges an obligation closes it; one that undoes the discharge (a returned report) reopens it.
 * Every change bumps `revision`, which tells the scheduler to re-plan that obligation's reminders.
 */

export const cityParty = 'city';
export const districtParty = (code: string) => `district:${code}`;
export const subjectParty = (id: string) => `subject:${id}`;

/** Deterministic ids (also the streams' and queue jobs' stems: no ':'). */
export const obligationIds = {
  deadline: (campaignId: string, key: string, party: string) => `deadline.${campaignId}.${key}.${party.replace(':', '-')}`,
  problem: (problemId: string) => `problem.${problemId}`,
  order: (orderId: string) => `order.${orderId}`,
  tip: (tipId: string) => `tip.${tipId}`,
};

interface NewObligation {
  id: string;
  campaignId: string;
  kind: ObligationKind;
  ref: string;
  title: string;
  party: string;
  districtCode: string | null;
  subjectId: string | null;
  due: string;
}

const nextMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
};

/** Inserts obligations, each with the event it comes from (an obligation is never created twice). */
async function insertRows(tx: PoolClient, rows: (NewObligation & { sourceEventId: string; at: Date })[]): Promise<void> {
  if (!rows.length) return;
  const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  await tx.query(
    `INSERT INTO rm_obligations (id, campaign_id, kind, ref, title, party, district_code, subject_id, due, status, revision, source_event_id, created_at, updated_at)
     SELECT id, campaign_id, kind, ref, title, party, district_code, subject_id, due, 'open', 1, source_event_id, at, at
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::date[], $10::uuid[], $11::timestamptz[])
            AS t(id, campaign_id, kind, ref, title, party, district_code, subject_id, due, source_event_id, at)
     ON CONFLICT (id) DO NOTHING`,
    [col('id'), col('campaignId'), col('kind'), col('ref'), col('title'), col('party'), col('districtCode'), col('subjectId'), col('due'), col('sourceEventId'), col('at')],
  );
}

const insert = (tx: PoolClient, rows: NewObligation[], e: StoredEvent) => insertRows(tx, rows.map((r) => ({ ...r, sourceEventId: e.eventId, at: e.recordedAt })));

/** Changes rows (`set` uses $1…; `where` continues the numbering) and bumps their revision. */
async function update(tx: PoolClient, set: string, where: string, params: unknown[], e: StoredEvent): Promise<void> {
  const n = params.length;
  await tx.query(
    `UPDATE rm_obligations SET ${set}, revision = revision + 1, source_event_id = $${n + 1}, updated_at = $${n + 2} WHERE ${where}`,
    [...params, e.eventId, e.recordedAt],
  );
}

const fulfil = (tx: PoolClient, id: string, e: StoredEvent) =>
  update(tx, `status = 'fulfilled', fulfilled_at = $2`, `id = $1 AND status = 'open'`, [id, e.recordedAt], e);
const reopen = (tx: PoolClient, id: string, e: StoredEvent) =>
  update(tx, `status = 'open', fulfilled_at = NULL`, `id = $1 AND status = 'fulfilled'`, [id], e);

/** The rows a deadline implies: one per district bureau, one for the city, or one per active subject of the type. */
async function deadlineRows(tx: PoolClient, campaignId: string, d: Deadline): Promise<NewObligation[]> {
  const row = (party: string, districtCode: string | null, subjectId: string | null): NewObligation => ({
    id: obligationIds.deadline(campaignId, d.key, party), campaignId, kind: 'deadline', ref: d.key, title: d.title, party, districtCode, subjectId, due: d.due,
  });
  if (d.owedBy === 'city') return [row(cityParty, null, null)];
  if (d.owedBy === 'district-bureau') {
    const { rows } = await tx.query('SELECT districts FROM rm_obligation_campaigns WHERE campaign_id = $1', [campaignId]);
    return (rows[0]?.districts ?? []).map((code: string) => row(districtParty(code), code, null));
  }
  const { rows } = await tx.query(
    'SELECT subject_id, district_code FROM rm_obligation_subjects WHERE campaign_id = $1 AND subject_type = $2 AND active',
    [campaignId, d.owedBy],
  );
  return rows.map((s) => row(subjectParty(s.subject_id), s.district_code, s.subject_id));
}

async function subjectOf(tx: PoolClient, subjectId: string): Promise<{ campaign_id: string; district_code: string } | undefined> {
  const { rows } = await tx.query('SELECT campaign_id, district_code FROM rm_obligation_subjects WHERE subject_id = $1', [subjectId]);
  return rows[0];
}

/** A deadline owed by a district bureau, met by a report of that district. */
const districtDeadline = (e: StoredEvent, key: string) => obligationIds.deadline(e.data.campaignId, key, districtParty(e.data.districtCode));

/** The district bureaus' reports and the deadline each meets (or, returned, owes again). */
const DISTRICT_REPORTS: Record<string, { key: string | ((d: { month: string }) => string); reopens?: true }> = {
  'monthly-report.submitted': { key: (d) => `monthly-report-${nextMonth(d.month)}` },
  'self-evaluation.submitted': { key: 'self-evaluation' },
  'typical-case.recorded': { key: 'typical-cases' },
  'summary-report.submitted': { key: 'summary-report' },
  'summary-report.returned': { key: 'summary-report', reopens: true },
};

async function apply(tx: PoolClient, e: StoredEvent): Promise<void> {
  const d = e.data;
  switch (e.type) {
    case 'campaign.launched': {
      await tx.query(
        `INSERT INTO rm_obligation_campaigns (campaign_id, districts, deadlines, schedule) VALUES ($1, $2, $3, $4) ON CONFLICT (campaign_id) DO NOTHING`,
        [d.campaignId, d.districts.map((x: { code: string }) => x.code), JSON.stringify(d.deadlines), JSON.stringify(DEFAULT_SCHEDULE)],
      );
      for (const deadline of d.deadlines as Deadline[]) await insert(tx, await deadlineRows(tx, d.campaignId, deadline), e);
      return;
    }
    case 'campaign.deadline-added': {
      const deadline: Deadline = { key: d.key, title: d.title, due: d.due, owedBy: d.owedBy };
      await tx.query('UPDATE rm_obligation_campaigns SET deadlines = deadlines || $2::jsonb WHERE campaign_id = $1', [d.campaignId, JSON.stringify([deadline])]);
      await insert(tx, await deadlineRows(tx, d.campaignId, deadline), e);
      return;
    }
    case 'campaign.deadline-amended': {
      await tx.query(
        `UPDATE rm_obligation_campaigns SET deadlines = (
           SELECT jsonb_agg(CASE WHEN x->>'key' = $2 THEN x || jsonb_build_object('due', $3::text, 'title', $4::text) ELSE x END)
             FROM jsonb_array_elements(deadlines) x)
          WHERE campaign_id = $1`,
        [d.campaignId, d.key, d.due, d.title],
      );
      await update(tx, 'due = $3, title = $4', `campaign_id = $1 AND kind = 'deadline' AND ref = $2`, [d.campaignId, d.key, d.due, d.title], e);
      return;
    }
    case 'campaign.reminder-schedule-set': {
      const schedule = { daysBefore: d.daysBefore, overdueAfterDays: d.overdueAfterDays, at: d.at };
      await tx.query('UPDATE rm_obligation_campaigns SET schedule = $2 WHERE campaign_id = $1', [d.campaignId, JSON.stringify(schedule)]);
      // the schedule is read with the row; bumping the open rows makes the scheduler re-plan them
      await update(tx, `status = status`, `campaign_id = $1 AND status = 'open'`, [d.campaignId], e);
      return;
    }
    case 'subject.registered':
      await registerSubjects(tx, [e]);
      return;
    case 'subject.amended': {
      const code = d.changes?.districtCode;
      if (!code) return;
      await tx.query('UPDATE rm_obligation_subjects SET district_code = $2 WHERE subject_id = $1', [d.subjectId, code]);
      await update(tx, 'district_code = $2', 'subject_id = $1', [d.subjectId, code], e);
      return;
    }
    case 'subject.deactivated':
      await tx.query('UPDATE rm_obligation_subjects SET active = false WHERE subject_id = $1', [d.subjectId]);
      await update(tx, `status = 'cancelled'`, `subject_id = $1 AND status = 'open'`, [d.subjectId], e);
      return;
    case 'self-inspection.submitted':
    case 'self-inspection.returned': {
      const s = await subjectOf(tx, d.subjectId);
      if (!s) return;
      const id = obligationIds.deadline(s.campaign_id, 'self-correction-report', subjectParty(d.subjectId));
      await (e.type === 'self-inspection.submitted' ? fulfil(tx, id, e) : reopen(tx, id, e));
      return;
    }
    case 'self-inspection.problem-listed':
    case 'inspection.order-issued': {
      const s = await subjectOf(tx, d.subjectId);
      if (!s) return;
      const order = e.type === 'inspection.order-issued';
      await insert(tx, [{
        id: order ? obligationIds.order(d.orderId) : obligationIds.problem(d.problemId), campaignId: s.campaign_id, kind: order ? 'order' : 'problem',
        ref: order ? d.orderId : d.problemId, title: order ? d.measure : d.description, party: subjectParty(d.subjectId),
        districtCode: s.district_code, subjectId: d.subjectId, due: d.deadline,
      }], e);
      return;
    }
    case 'self-inspection.problem-verified':
    case 'inspection.order-verified':
      if (d.result !== 'passed') return;
      await fulfil(tx, e.type === 'inspection.order-verified' ? obligationIds.order(d.orderId) : obligationIds.problem(d.problemId), e);
      return;
    case 'monthly-report.submitted':
    case 'self-evaluation.submitted':
    case 'typical-case.recorded':
    case 'summary-report.submitted':
    case 'summary-report.returned': {
      const { key, reopens } = DISTRICT_REPORTS[e.type];
      const id = districtDeadline(e, typeof key === 'string' ? key : key(d));
      await (reopens ? reopen(tx, id, e) : fulfil(tx, id, e));
      return;
    }
    case 'tip.received':
      await insert(tx, [{
        id: obligationIds.tip(d.tipId), campaignId: d.campaignId, kind: 'tip', ref: d.tipId, title: `举报线索核查处理（${d.channel}）`,
        party: cityParty, districtCode: null, subjectId: null, due: d.handlingDue,
      }], e);
      return;
    case 'tip.assigned':
      await update(tx, 'party = $2, district_code = $3', 'id = $1', [obligationIds.tip(d.tipId), districtParty(d.districtCode), d.districtCode], e);
      return;
    case 'tip.closed':
      await fulfil(tx, obligationIds.tip(d.tipId), e);
      return;
    case 'reminder.sent':
    case 'obligation.overdue':
      await update(tx, 'sent = array_append(sent, $2)', 'id = $1 AND NOT ($2 = ANY(sent))', [d.obligationId, d.reminderId], e);
      return;
    case 'obligation.fulfilment-declared':
      await fulfil(tx, d.obligationId, e);
      return;
  }
}

/** Subjects registered one after another (an import) are inserted together, with their deadline rows. */
async function registerSubjects(tx: PoolClient, events: StoredEvent[]): Promise<void> {
  const subjects = events.map((e) => e.data);
  await tx.query(
    `INSERT INTO rm_obligation_subjects (subject_id, campaign_id, subject_type, district_code, active)
     SELECT *, true FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) ON CONFLICT (subject_id) DO NOTHING`,
    [subjects.map((d) => d.subjectId), subjects.map((d) => d.campaignId), subjects.map((d) => d.type), subjects.map((d) => d.districtCode)],
  );
  const { rows } = await tx.query('SELECT campaign_id, deadlines FROM rm_obligation_campaigns WHERE campaign_id = ANY($1::uuid[])', [[...new Set(subjects.map((d) => d.campaignId))]]);
  const deadlinesOf = new Map<string, Deadline[]>(rows.map((r) => [r.campaign_id, r.deadlines]));
  await insertRows(tx, events.flatMap((e) => {
    const d = e.data;
    const party = subjectParty(d.subjectId);
    return (deadlinesOf.get(d.campaignId) ?? []).filter((x) => x.owedBy === d.type).map((x) => ({
      id: obligationIds.deadline(d.campaignId, x.key, party), campaignId: d.campaignId, kind: 'deadline' as const, ref: x.key, title: x.title,
      party, districtCode: d.districtCode, subjectId: d.subjectId, due: x.due, sourceEventId: e.eventId, at: e.recordedAt,
    }));
  }));
}

export const obligationsProjection: Projection = {
  name: 'obligations',
  tables: ['rm_obligations', 'rm_obligation_campaigns', 'rm_obligation_subjects'],
  eventTypes: [
    'campaign.launched', 'campaign.deadline-added', 'campaign.deadline-amended', 'campaign.reminder-schedule-set',
    'subject.registered', 'subject.amended', 'subject.deactivated',
    'self-inspection.submitted', 'self-inspection.returned', 'self-inspection.problem-listed', 'self-inspection.problem-verified',
    'inspection.order-issued', 'inspection.order-verified',
    'monthly-report.submitted', 'self-evaluation.submitted', 'typical-case.recorded', 'summary-report.submitted', 'summary-report.returned',
    'tip.received', 'tip.assigned', 'tip.closed',
    'reminder.sent', 'obligation.overdue', 'obligation.fulfilment-declared',
  ],
  apply,
  async applyBatch(tx: PoolClient, events: StoredEvent[]): Promise<void> {
    for (let i = 0; i < events.length; ) {
      let j = i;
      while (j < events.length && events[j].type === 'subject.registered') j++;
      if (j > i) {
        await registerSubjects(tx, events.slice(i, j));
        i = j;
      } else {
        await apply(tx, events[i++]);
      }
    }
  },
};

/** The inbox: one row per reminder and recipient, marked read by `reminder.read`. */
export const remindersProjection: Projection = {
  name: 'reminders',
  tables: ['rm_reminders'],
  eventTypes: ['reminder.sent', 'obligation.overdue', 'reminder.read'],
  async apply(tx: PoolClient, e: StoredEvent): Promise<void> {
    const event = { type: e.type, data: e.data } as ObligationEvent;
    if (event.type === 'reminder.read') {
      await tx.query('UPDATE rm_reminders SET read_at = $3 WHERE reminder_id = $1 AND recipient = $2 AND read_at IS NULL', [event.data.reminderId, event.data.party, event.data.readAt]);
      return;
    }
    if (event.type !== 'reminder.sent' && event.type !== 'obligation.overdue') return;
    const r: ReminderData = event.data;
    for (const recipient of r.recipients) {
      const recipientDistrict = recipient.startsWith('district:') ? recipient.slice('district:'.length) : recipient === cityParty ? null : r.districtCode;
      await tx.query(
        `INSERT INTO rm_reminders (reminder_id, recipient, recipient_district, obligation_id, campaign_id, kind, "offset", obligation_kind, ref, title, party,
                                   district_code, due, sent_at, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
        [r.reminderId, recipient, recipientDistrict, r.obligationId, r.campaignId, event.type === 'obligation.overdue' ? 'overdue' : 'reminder', r.offset,
          r.obligationKind, r.ref, r.title, r.party, r.districtCode, r.due, r.sentAt, e.globalPosition],
      );
    }
  },
};

/** An rm_obligations row as the API and the deciders see it. */
export function rowToObligation(row: QueryResultRow): ObligationView & { subjectId: string | null; sent: string[]; fulfilledAt: string | null } {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    kind: row.kind,
    ref: row.ref,
    title: row.title,
    party: row.party,
    districtCode: row.district_code,
    subjectId: row.subject_id,
    due: row.due,
    status: row.status,
    sent: row.sent,
    fulfilledAt: row.fulfilled_at ? row.fulfilled_at.toISOString() : null,
  };
}
