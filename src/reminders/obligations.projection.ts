import { PoolClient, QueryResultRow } from 'pg';
import type { Deadline } from '../domain';
import { ProjectedEvent } from '../event-store/event-store';
import { consumed, Projected, Projection, unreachable } from '../projections/projection';
import { RowBuffer, TableSpec } from '../projections/row-buffer';
import type { CampaignEvent } from '../campaigns';
import type { SelfEvaluationEvent } from '../cross-check';
import type { InspectionEvent } from '../enforcement';
import type { MonthlyReportEvent } from '../reporting';
import type { TipEvent } from '../reporting';
import type { TypicalCaseEvent } from '../reporting';
import type { SelfInspectionEvent } from '../self-correction';
import type { SubjectEvent } from '../subjects';
import type { SummaryReportEvent } from '../summary';
import type { ObligationEvent, ObligationKind, ObligationView } from './obligation.decider';
import { DEFAULT_SCHEDULE } from '../domain/reminder-schedule';

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
  deadline: (campaignId: string, key: string, party: string) =>
    `deadline.${campaignId}.${key}.${party.replace(':', '-')}`,
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

/** The three tables' rows as stored. */
interface CampaignRow {
  campaign_id: string;
  districts: string[];
  deadlines: Deadline[];
  schedule: object;
}
interface SubjectRow {
  subject_id: string;
  campaign_id: string;
  subject_type: string;
  district_code: string;
  active: boolean;
}
/** Whether the report that discharges a deadline obligation stands, and since when (kept before the row exists). */
interface DischargeRow {
  id: string;
  campaign_id: string;
  subject_id: string | null;
  discharged: boolean;
  at: Date;
}
interface ObligationRow {
  id: string;
  campaign_id: string;
  kind: ObligationKind;
  ref: string;
  title: string;
  party: string;
  district_code: string | null;
  subject_id: string | null;
  due: string;
  status: 'open' | 'fulfilled' | 'cancelled';
  fulfilled_at: Date | null;
  sent: string[];
  revision: number;
  source_event_id: string;
  created_at: Date;
  updated_at: Date;
}

const CAMPAIGN_ROWS: TableSpec<CampaignRow> = {
  table: 'rm_obligation_campaigns',
  columns: { campaign_id: 'uuid', districts: 'text[]', deadlines: 'jsonb', schedule: 'jsonb' },
  key: ['campaign_id'],
  onConflict: ['districts', 'deadlines', 'schedule'],
};
const SUBJECT_ROWS: TableSpec<SubjectRow> = {
  table: 'rm_obligation_subjects',
  columns: { subject_id: 'uuid', campaign_id: 'uuid', subject_type: 'text', district_code: 'text', active: 'boolean' },
  key: ['subject_id'],
  onConflict: ['campaign_id', 'subject_type', 'district_code', 'active'],
};
const DISCHARGE_ROWS: TableSpec<DischargeRow> = {
  table: 'rm_obligation_discharges',
  columns: { id: 'text', campaign_id: 'uuid', subject_id: 'uuid', discharged: 'boolean', at: 'timestamptz' },
  key: ['id'],
  onConflict: ['campaign_id', 'subject_id', 'discharged', 'at'],
};
const OBLIGATION_ROWS: TableSpec<ObligationRow> = {
  table: 'rm_obligations',
  columns: {
    id: 'text',
    campaign_id: 'uuid',
    kind: 'text',
    ref: 'text',
    title: 'text',
    party: 'text',
    district_code: 'text',
    subject_id: 'uuid',
    due: 'date',
    status: 'text',
    fulfilled_at: 'timestamptz',
    sent: 'text[]',
    revision: 'integer',
    source_event_id: 'uuid',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  key: ['id'],
  onConflict: [
    'campaign_id',
    'kind',
    'ref',
    'title',
    'party',
    'district_code',
    'subject_id',
    'due',
    'status',
    'fulfilled_at',
    'sent',
    'revision',
    'source_event_id',
    'created_at',
    'updated_at',
  ],
};

/** Every event the obligations projection reads, checked against the deciders' unions. */
const OBLIGATION_EVENT_TYPES = [
  'campaign.launched',
  'campaign.deadline-added',
  'campaign.deadline-amended',
  'campaign.reminder-schedule-set',
  'subject.registered',
  'subject.amended',
  'subject.deactivated',
  'self-inspection.submitted',
  'self-inspection.returned',
  'self-inspection.problem-listed',
  'self-inspection.problem-verified',
  'inspection.order-issued',
  'inspection.order-verified',
  'monthly-report.submitted',
  'self-evaluation.submitted',
  'typical-case.recorded',
  'summary-report.submitted',
  'summary-report.returned',
  'tip.received',
  'tip.assigned',
  'tip.closed',
  'reminder.sent',
  'obligation.overdue',
  'obligation.fulfilment-declared',
] as const satisfies readonly ObligationInput['type'][];
type ObligationInput =
  | CampaignEvent
  | SubjectEvent
  | SelfInspectionEvent
  | InspectionEvent
  | MonthlyReportEvent
  | SelfEvaluationEvent
  | TypicalCaseEvent
  | SummaryReportEvent
  | TipEvent
  | ObligationEvent;
/** An event of the log as this projection reads it: `switch (e.type)` narrows its data. */
type ObligationRead = Extract<ObligationInput, { type: (typeof OBLIGATION_EVENT_TYPES)[number] }>;
type Read = Projected<ObligationRead>;
type DistrictReport = Extract<Read, { type: keyof typeof DISTRICT_REPORTS }>;

/** The campaign events that act on every obligation (or subject) of their campaign. */
const CAMPAIGN_WIDE = new Set([
  'campaign.launched',
  'campaign.deadline-added',
  'campaign.deadline-amended',
  'campaign.reminder-schedule-set',
]);
/** The events that name a subject whose rows they read or change. */
const ABOUT_SUBJECT = new Set([
  'subject.registered',
  'subject.amended',
  'subject.deactivated',
  'self-inspection.submitted',
  'self-inspection.returned',
  'self-inspection.problem-listed',
  'inspection.order-issued',
]);

/** A district's report and the deadline it meets (or, returned, owes again). */
const DISTRICT_REPORTS = {
  'monthly-report.submitted': { key: (d: { month: string }) => `monthly-report-${nextMonth(d.month)}` },
  'self-evaluation.submitted': { key: 'self-evaluation' },
  'typical-case.recorded': { key: 'typical-cases' },
  'summary-report.submitted': { key: 'summary-report' },
  'summary-report.returned': { key: 'summary-report', reopens: true },
} as const satisfies Partial<
  Record<(typeof OBLIGATION_EVENT_TYPES)[number], { key: string | ((d: { month: string }) => string); reopens?: true }>
>;
const isDistrictReport = (e: Read): e is DistrictReport => e.type in DISTRICT_REPORTS;
const districtDeadline = (e: DistrictReport) => {
  const { key } = DISTRICT_REPORTS[e.type];
  return obligationIds.deadline(
    e.data.campaignId,
    typeof key === 'string' ? key : key(e.data as { month: string }),
    districtParty(e.data.districtCode),
  );
};

/** The obligation a single event names by id, if any. */
function namedObligation(e: Read): string | null {
  switch (e.type) {
    case 'self-inspection.problem-listed':
    case 'self-inspection.problem-verified':
      return obligationIds.problem(e.data.problemId);
    case 'inspection.order-issued':
    case 'inspection.order-verified':
      return obligationIds.order(e.data.orderId);
    case 'tip.received':
    case 'tip.assigned':
    case 'tip.closed':
      return obligationIds.tip(e.data.tipId);
    case 'reminder.sent':
    case 'obligation.overdue':
    case 'obligation.fulfilment-declared':
      return e.data.obligationId;
    default:
      return isDistrictReport(e) ? districtDeadline(e) : null;
  }
}

/** One table's rows as read for a batch, with those the batch adds or changes; `save` writes back the latter. */
class Held<R extends object> {
  private readonly rows = new Map<string, R>();
  private readonly changed = new Set<string>();
  /** keys added by the batch: every row it can touch is loaded, so the table holds none of these */
  private readonly added = new Set<string>();

  constructor(private readonly spec: TableSpec<R>) {}

  load(rows: R[]): void {
    for (const row of rows) this.rows.set(this.keyOf(row), row);
  }

  get(key: string): R | undefined {
    return this.rows.get(key);
  }

  values(): IterableIterator<R> {
    return this.rows.values();
  }

  /** Adds the row unless one with its key is held (an INSERT … ON CONFLICT DO NOTHING). */
  add(row: R): void {
    const key = this.keyOf(row);
    if (this.rows.has(key)) return;
    this.rows.set(key, row);
    this.changed.add(key);
    this.added.add(key);
  }

  /** Adds the row, or replaces the one held with its key. */
  put(row: R): void {
    const key = this.keyOf(row);
    if (!this.rows.has(key)) this.added.add(key);
    this.rows.set(key, row);
    this.changed.add(key);
  }

  /** Changes the row with this key, if there is one (an UPDATE … WHERE key). */
  change(key: string, change: (row: R) => void): void {
    const row = this.rows.get(key);
    if (!row) return;
    change(row);
    this.changed.add(key);
  }

  async save(tx: PoolClient): Promise<void> {
    const out = new RowBuffer(this.spec);
    for (const key of this.changed) out.upsert(this.rows.get(key)!, this.added.has(key));
    await out.flush(tx);
  }

  private keyOf(row: R): string {
    return String(row[this.spec.key[0]]);
  }
}

/**
 * The rows a batch of events can read or change, read in three queries, changed in memory event by event with
 * what each event means (the same rules as one SQL statement per event would apply: an obligation is inserted
 * once, every change bumps its revision), and written back as one multi-row upsert per table.
 */
class Working {
  readonly campaigns = new Held(CAMPAIGN_ROWS);
  readonly subjects = new Held(SUBJECT_ROWS);
  readonly obligations = new Held(OBLIGATION_ROWS);
  readonly discharges = new Held(DISCHARGE_ROWS);

  /** Every row the events can touch: those of the campaigns and subjects they name, and the obligations they name by id. */
  static async load(tx: PoolClient, events: ProjectedEvent[]): Promise<Working> {
    const campaigns = new Set<string>();
    const wide = new Set<string>();
    const subjects = new Set<string>();
    const ids = new Set<string>();
    for (const e of events) {
      if (e.type.startsWith('campaign.') || e.type === 'subject.registered') campaigns.add(e.data.campaignId);
      if (CAMPAIGN_WIDE.has(e.type)) wide.add(e.data.campaignId);
      if (ABOUT_SUBJECT.has(e.type)) subjects.add(e.data.subjectId);
      const id = namedObligation(consumed<ObligationRead>(e));
      if (id) ids.add(id);
    }
    const w = new Working();
    if (campaigns.size) {
      w.campaigns.load(
        (await tx.query('SELECT * FROM rm_obligation_campaigns WHERE campaign_id = ANY($1::uuid[])', [[...campaigns]]))
          .rows,
      );
    }
    if (subjects.size || wide.size) {
      w.subjects.load(
        (
          await tx.query(
            'SELECT * FROM rm_obligation_subjects WHERE subject_id = ANY($1::uuid[]) OR campaign_id = ANY($2::uuid[])',
            [[...subjects], [...wide]],
          )
        ).rows,
      );
    }
    if (ids.size || subjects.size || wide.size) {
      w.discharges.load(
        (
          await tx.query(
            'SELECT * FROM rm_obligation_discharges WHERE id = ANY($1::text[]) OR subject_id = ANY($2::uuid[]) OR campaign_id = ANY($3::uuid[])',
            [[...ids], [...subjects], [...wide]],
          )
        ).rows,
      );
      w.obligations.load(
        (
          await tx.query(
            'SELECT * FROM rm_obligations WHERE id = ANY($1::text[]) OR subject_id = ANY($2::uuid[]) OR campaign_id = ANY($3::uuid[])',
            [[...ids], [...subjects], [...wide]],
          )
        ).rows,
      );
    }
    return w;
  }

  async save(tx: PoolClient): Promise<void> {
    await this.campaigns.save(tx);
    await this.subjects.save(tx);
    await this.obligations.save(tx);
    await this.discharges.save(tx);
  }

  /**
   * Inserts obligations that do not exist yet, each with the event it comes from. A deadline whose discharging
   * report was already submitted (the deadline added after it) starts fulfilled at that report's time.
   */
  insert(rows: NewObligation[], e: ProjectedEvent): void {
    for (const r of rows) {
      const discharge = r.kind === 'deadline' ? this.discharges.get(r.id) : undefined;
      const done = discharge?.discharged === true;
      this.obligations.add({
        id: r.id,
        campaign_id: r.campaignId,
        kind: r.kind,
        ref: r.ref,
        title: r.title,
        party: r.party,
        district_code: r.districtCode,
        subject_id: r.subjectId,
        due: r.due,
        status: done ? 'fulfilled' : 'open',
        fulfilled_at: done ? discharge!.at : null,
        sent: [],
        revision: 1,
        source_event_id: e.eventId,
        created_at: e.recordedAt,
        updated_at: e.recordedAt,
      });
    }
  }

  /**
   * A report that discharges a deadline obligation (or, returned, undoes that): the obligation closes or reopens,
   * and the fact is kept for a row that does not exist yet.
   */
  discharge(id: string, campaignId: string, subjectId: string | null, discharged: boolean, e: ProjectedEvent): void {
    this.discharges.put({ id, campaign_id: campaignId, subject_id: subjectId, discharged, at: e.recordedAt });
    if (discharged) this.fulfil(id, e);
    else this.reopen(id, e);
  }

  /** Changes the obligations that match (all of them the batch could touch are held) and bumps their revision. */
  update(match: (row: ObligationRow) => boolean, change: (row: ObligationRow) => void, e: ProjectedEvent): void {
    for (const row of this.obligations.values()) if (match(row)) this.updateOne(row.id, () => true, change, e);
  }

  /** The same, for the one obligation with this id. */
  updateOne(
    id: string,
    match: (row: ObligationRow) => boolean,
    change: (row: ObligationRow) => void,
    e: ProjectedEvent,
  ): void {
    const row = this.obligations.get(id);
    if (!row || !match(row)) return;
    this.obligations.change(id, (r) => {
      change(r);
      r.revision += 1;
      r.source_event_id = e.eventId;
      r.updated_at = e.recordedAt;
    });
  }

  fulfil(id: string, e: ProjectedEvent): void {
    this.updateOne(
      id,
      (r) => r.status === 'open',
      (r) => {
        r.status = 'fulfilled';
        r.fulfilled_at = e.recordedAt;
      },
      e,
    );
  }

  reopen(id: string, e: ProjectedEvent): void {
    this.updateOne(
      id,
      (r) => r.status === 'fulfilled',
      (r) => {
        r.status = 'open';
        r.fulfilled_at = null;
      },
      e,
    );
  }

  /** The rows a deadline implies: one per district bureau, one for the city, or one per active subject of the type. */
  deadlineRows(campaignId: string, d: Deadline): NewObligation[] {
    const row = (party: string, districtCode: string | null, subjectId: string | null): NewObligation => ({
      id: obligationIds.deadline(campaignId, d.key, party),
      campaignId,
      kind: 'deadline',
      ref: d.key,
      title: d.title,
      party,
      districtCode,
      subjectId,
      due: d.due,
    });
    if (d.owedBy === 'city') return [row(cityParty, null, null)];
    if (d.owedBy === 'district-bureau')
      return (this.campaigns.get(campaignId)?.districts ?? []).map((code) => row(districtParty(code), code, null));
    return [...this.subjects.values()]
      .filter((s) => s.campaign_id === campaignId && s.subject_type === d.owedBy && s.active)
      .map((s) => row(subjectParty(s.subject_id), s.district_code, s.subject_id));
  }
}

function apply(w: Working, e: Read): void {
  switch (e.type) {
    case 'campaign.launched': {
      w.campaigns.add({
        campaign_id: e.data.campaignId,
        districts: e.data.districts.map((x: { code: string }) => x.code),
        deadlines: e.data.deadlines,
        schedule: DEFAULT_SCHEDULE,
      });
      for (const deadline of e.data.deadlines as Deadline[]) w.insert(w.deadlineRows(e.data.campaignId, deadline), e);
      return;
    }
    case 'campaign.deadline-added': {
      const deadline: Deadline = { key: e.data.key, title: e.data.title, due: e.data.due, owedBy: e.data.owedBy };
      w.campaigns.change(e.data.campaignId, (c) => {
        c.deadlines = [...c.deadlines, deadline];
      });
      w.insert(w.deadlineRows(e.data.campaignId, deadline), e);
      return;
    }
    case 'campaign.deadline-amended':
      w.campaigns.change(e.data.campaignId, (c) => {
        c.deadlines = c.deadlines.map((x) =>
          x.key === e.data.key ? { ...x, due: e.data.due, title: e.data.title } : x,
        );
      });
      w.update(
        (o) => o.campaign_id === e.data.campaignId && o.kind === 'deadline' && o.ref === e.data.key,
        (o) => {
          o.due = e.data.due;
          o.title = e.data.title;
        },
        e,
      );
      return;
    case 'campaign.reminder-schedule-set':
      w.campaigns.change(e.data.campaignId, (c) => {
        c.schedule = { daysBefore: e.data.daysBefore, overdueAfterDays: e.data.overdueAfterDays, at: e.data.at };
      });
      // the schedule is read with the row; bumping the open rows makes the scheduler re-plan them
      w.update(
        (o) => o.campaign_id === e.data.campaignId && o.status === 'open',
        () => undefined,
        e,
      );
      return;
    case 'subject.registered': {
      w.subjects.add({
        subject_id: e.data.subjectId,
        campaign_id: e.data.campaignId,
        subject_type: e.data.type,
        district_code: e.data.districtCode,
        active: true,
      });
      const party = subjectParty(e.data.subjectId);
      w.insert(
        (w.campaigns.get(e.data.campaignId)?.deadlines ?? [])
          .filter((x) => x.owedBy === e.data.type)
          .map((x) => ({
            id: obligationIds.deadline(e.data.campaignId, x.key, party),
            campaignId: e.data.campaignId,
            kind: 'deadline' as const,
            ref: x.key,
            title: x.title,
            party,
            districtCode: e.data.districtCode,
            subjectId: e.data.subjectId,
            due: x.due,
          })),
        e,
      );
      return;
    }
    case 'subject.amended': {
      // A subject moved to another district: the deadlines it still owes follow it (its new district chases them
      // from now on). What it has met stays where it was met, and a problem or an order stays with the district
      // of the self-inspection or inspection that listed it, as the problem list and the rubric count it.
      const code = e.data.changes?.districtCode;
      if (!code) return;
      w.subjects.change(e.data.subjectId, (s) => {
        s.district_code = code;
      });
      w.update(
        (o) => o.subject_id === e.data.subjectId && o.kind === 'deadline' && o.status === 'open',
        (o) => {
          o.district_code = code;
        },
        e,
      );
      return;
    }
    case 'subject.deactivated':
      w.subjects.change(e.data.subjectId, (s) => {
        s.active = false;
      });
      w.update(
        (o) => o.subject_id === e.data.subjectId && o.status === 'open',
        (o) => {
          o.status = 'cancelled';
        },
        e,
      );
      return;
    case 'self-inspection.submitted':
    case 'self-inspection.returned': {
      const s = w.subjects.get(e.data.subjectId);
      if (!s) return;
      const id = obligationIds.deadline(s.campaign_id, 'self-correction-report', subjectParty(e.data.subjectId));
      w.discharge(id, s.campaign_id, e.data.subjectId, e.type === 'self-inspection.submitted', e);
      return;
    }
    case 'self-inspection.problem-listed':
    case 'inspection.order-issued': {
      const s = w.subjects.get(e.data.subjectId);
      if (!s) return;
      const order = e.type === 'inspection.order-issued';
      w.insert(
        [
          {
            id: namedObligation(e)!,
            campaignId: s.campaign_id,
            kind: order ? 'order' : 'problem',
            ref: order ? e.data.orderId : e.data.problemId,
            title: order ? e.data.measure : e.data.description,
            party: subjectParty(e.data.subjectId),
            districtCode: s.district_code,
            subjectId: e.data.subjectId,
            due: e.data.deadline,
          },
        ],
        e,
      );
      return;
    }
    case 'self-inspection.problem-verified':
    case 'inspection.order-verified':
      if (e.data.result === 'passed') w.fulfil(namedObligation(e)!, e);
      return;
    case 'monthly-report.submitted':
    case 'self-evaluation.submitted':
    case 'typical-case.recorded':
    case 'summary-report.submitted':
    case 'summary-report.returned':
      w.discharge(districtDeadline(e), e.data.campaignId, null, !('reopens' in DISTRICT_REPORTS[e.type]), e);
      return;
    case 'tip.received':
      w.insert(
        [
          {
            id: namedObligation(e)!,
            campaignId: e.data.campaignId,
            kind: 'tip',
            ref: e.data.tipId,
            title: `举报线索核查处理（${e.data.channel}）`,
            party: cityParty,
            districtCode: null,
            subjectId: null,
            due: e.data.handlingDue,
          },
        ],
        e,
      );
      return;
    case 'tip.assigned':
      w.updateOne(
        namedObligation(e)!,
        () => true,
        (o) => {
          o.party = districtParty(e.data.districtCode);
          o.district_code = e.data.districtCode;
        },
        e,
      );
      return;
    case 'tip.closed':
      w.fulfil(namedObligation(e)!, e);
      return;
    case 'reminder.sent':
    case 'obligation.overdue':
      w.updateOne(
        e.data.obligationId,
        (o) => !o.sent.includes(e.data.reminderId),
        (o) => {
          o.sent = [...o.sent, e.data.reminderId];
        },
        e,
      );
      return;
    case 'obligation.fulfilment-declared':
      w.fulfil(e.data.obligationId, e);
      return;
    default:
      return unreachable(e);
  }
}

export const obligationsProjection: Projection = {
  name: 'obligations',
  tables: ['rm_obligations', 'rm_obligation_campaigns', 'rm_obligation_subjects', 'rm_obligation_discharges'],
  eventTypes: [...OBLIGATION_EVENT_TYPES],
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    await obligationsProjection.applyBatch!(tx, [event]);
  },
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const w = await Working.load(tx, events);
    for (const e of events) apply(w, consumed<ObligationRead>(e));
    await w.save(tx);
  },
};

/** An rm_obligations row as the API and the deciders see it. */
export function rowToObligation(
  row: QueryResultRow,
): ObligationView & { subjectId: string | null; sent: string[]; fulfilledAt: string | null } {
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
