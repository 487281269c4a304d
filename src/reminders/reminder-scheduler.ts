import { JobsOptions, Queue } from 'bullmq';
import { Pool, QueryResultRow } from 'pg';
import { inTransaction } from '../infra/transaction';
import { reminderJobs } from '../metrics/metrics';
import { Clock } from '../shared/clock';
import type { ReminderKind, ReminderSchedule } from '../domain/reminder-schedule';
import { nextReminder, PendingReminder } from '../domain/reminder-schedule';

export const REMINDER_QUEUE = 'reminders';

export interface ReminderJobData {
  obligationId: string;
  reminderId: string;
  kind: ReminderKind;
  offset: string;
  due: string;
  fireAt: string;
}

/** The queue states a job waits in before it fires (active ones are firing: never removed, never re-added). */
const PENDING_STATES = ['delayed', 'waiting', 'prioritized'] as const;
const PAGE = 2000;
const ADD_CHUNK = 1000;
const ADD_PARALLEL = 8;

export interface ReconcileReport {
  obligations: number;
  planned: number;
  added: number;
  removed: number;
  kept: number;
  seconds: number;
}

/**
 * Keeps the queue equal to what the obligations read model implies: one delayed job per open obligation, for the
 * next reminder it has to send (sending it moves the obligation's revision, and the re-plan queues the one after). A job's id is the reminder id plus its time of day, so adding it twice is a no-op and a moved
 * deadline or a new time of day is a different job. `syncChanged` re-plans the obligations whose revision moved
 * since it last planned them (cheap, after each projection batch); `reconcile` compares every open obligation
 * with the queue itself (on start, and by `npm run reminders:reconcile`) and so repairs a lost or wiped queue.
 * Both run one at a time.
 */
export class ReminderScheduler {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly queue: Queue<ReminderJobData>,
    private readonly clock: Clock,
    /** a reminder whose time passed while nothing ran is still sent if it passed less than this ago */
    private readonly graceMs: number,
  ) {}

  /** Job id: the reminder id and the time of day it fires (no ':' — BullMQ ids). */
  static jobId(p: PendingReminder, schedule: ReminderSchedule): string {
    return `${p.reminderId}.t${schedule.at.replace(':', '')}`;
  }

  syncChanged(): Promise<number> {
    return this.serial(() => this.sync());
  }

  reconcile(): Promise<ReconcileReport> {
    return this.serial(() => this.fullReconcile());
  }

  /** Resolves when the sync or reconcile under way (if any) has finished. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private plan(row: QueryResultRow): { job: Job; id: string }[] {
    const schedule: ReminderSchedule = row.schedule;
    const now = this.clock.now();
    return nextReminder(
      { id: row.id, status: row.status, due: row.due, sent: row.sent },
      schedule,
      now,
      this.graceMs,
    ).map((p) => {
      const id = ReminderScheduler.jobId(p, schedule);
      return { id, job: this.job(p, id, now) };
    });
  }

  private job(p: PendingReminder, jobId: string, now: Date): Job {
    const opts: JobsOptions = {
      jobId,
      delay: Math.max(0, p.fireAt.getTime() - now.getTime()),
      attempts: 8,
      backoff: { type: 'exponential', delay: 2000 },
    };
    const data: ReminderJobData = {
      obligationId: p.obligationId,
      reminderId: p.reminderId,
      kind: p.kind,
      offset: p.offset,
      due: p.due,
      fireAt: p.fireAt.toISOString(),
    };
    return { name: p.kind, data, opts };
  }

  /**
   * One pass over the obligations in id order, re-planning those whose revision moved since they were planned.
   * The queue work of one page overlaps the read of the next; a page's plan is recorded once its jobs are in.
   */
  private async sync(): Promise<number> {
    let total = 0;
    let after = '';
    let previous: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const { rows } = await this.pool.query(
          `SELECT o.id, o.status, o.due, o.sent, o.revision, c.schedule, s.jobs AS planned
             FROM rm_obligations o JOIN rm_obligation_campaigns c USING (campaign_id)
             LEFT JOIN reminder_sync s ON s.obligation_id = o.id
            WHERE o.id > $1 AND s.revision IS DISTINCT FROM o.revision
            ORDER BY o.id LIMIT ${PAGE}`,
          [after],
        );
        if (!rows.length) break;
        after = rows[rows.length - 1].id;
        const adds: Job[] = [];
        const removes: string[] = [];
        const planned: string[][] = [];
        for (const row of rows) {
          const wanted = this.plan(row);
          const before = new Set<string>(row.planned ?? []);
          const ids = new Set(wanted.map((w) => w.id));
          for (const w of wanted) if (!before.has(w.id)) adds.push(w.job);
          for (const id of before) if (!ids.has(id)) removes.push(id);
          planned.push([...ids]);
        }
        const intended = rows.map((row, k) => [...new Set([...(row.planned ?? []), ...planned[k]])]);
        await previous;
        previous = (async () => {
          // the jobs about to be added are recorded first, with what was planned, at the revision planned before: if
          // the work is cut between the queue and the record (a connection lost), the next pass still knows them
          // and removes those it no longer wants, instead of leaving them queued until a reconcile
          if (adds.length) await this.recordIntents(rows, intended);
          await this.removeJobs(removes);
          await this.addJobs(adds);
          await this.recordPlans(this.pool, rows, planned);
        })();
        // a failure is reported by the await above on the next page, or below
        previous.catch(() => undefined);
        total += rows.length;
      }
    } finally {
      await previous;
    }
    return total;
  }

  /** Jobs about to be queued for each obligation, its plan's revision unchanged (-1 when it had none: planned again). */
  private async recordIntents(rows: QueryResultRow[], jobs: string[][]): Promise<void> {
    await this.pool.query(
      `INSERT INTO reminder_sync (obligation_id, revision, jobs)
       SELECT id, -1, ARRAY(SELECT jsonb_array_elements_text(jobs)) FROM unnest($1::text[], $2::jsonb[]) AS t(id, jobs)
       ON CONFLICT (obligation_id) DO UPDATE SET jobs = EXCLUDED.jobs`,
      [rows.map((r) => r.id), jobs.map((j) => JSON.stringify(j))],
    );
  }

  /** What was planned for each obligation, at the revision planned. */
  private async recordPlans(db: Pick<Pool, 'query'>, rows: QueryResultRow[], planned: string[][]): Promise<void> {
    await db.query(
      `INSERT INTO reminder_sync (obligation_id, revision, jobs)
       SELECT id, revision, ARRAY(SELECT jsonb_array_elements_text(jobs)) FROM unnest($1::text[], $2::int[], $3::jsonb[]) AS t(id, revision, jobs)
       ON CONFLICT (obligation_id) DO UPDATE SET revision = EXCLUDED.revision, jobs = EXCLUDED.jobs`,
      [rows.map((r) => r.id), rows.map((r) => r.revision), planned.map((p) => JSON.stringify(p))],
    );
  }

  private async fullReconcile(): Promise<ReconcileReport> {
    const started = process.hrtime.bigint();
    const inQueue = new Set<string>();
    for (let start = 0; ; start += 10000) {
      const ids = await this.queue.getRanges([...PENDING_STATES, 'active'], start, start + 9999, true);
      ids.forEach((id) => inQueue.add(id));
      if (ids.length < 10000) break;
    }
    const wanted = new Set<string>();
    let obligations = 0;
    let added = 0;
    // the plans are rewritten in the same transaction: other processes see the old ones until it commits
    await inTransaction(this.pool, async (tx) => {
      await tx.query('TRUNCATE reminder_sync');
      let after = '';
      for (;;) {
        const { rows } = await tx.query(
          `SELECT o.id, o.status, o.due, o.sent, o.revision, c.schedule FROM rm_obligations o JOIN rm_obligation_campaigns c USING (campaign_id)
            WHERE o.id > $1 ORDER BY o.id LIMIT ${PAGE}`,
          [after],
        );
        if (!rows.length) break;
        after = rows[rows.length - 1].id;
        obligations += rows.length;
        const adds: Job[] = [];
        const planned = rows.map((row) => {
          const plan = this.plan(row);
          for (const p of plan) {
            wanted.add(p.id);
            if (!inQueue.has(p.id)) adds.push(p.job);
          }
          return plan.map((p) => p.id);
        });
        await this.addJobs(adds);
        added += adds.length;
        await this.recordPlans(tx, rows, planned);
      }
    });
    const strays = [...inQueue].filter((id) => !wanted.has(id));
    await this.removeJobs(strays);
    return {
      obligations,
      planned: wanted.size,
      added,
      removed: strays.length,
      kept: wanted.size - added,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
  }

  private async addJobs(jobs: Job[]): Promise<void> {
    const chunks: Job[][] = [];
    for (let i = 0; i < jobs.length; i += ADD_CHUNK) chunks.push(jobs.slice(i, i + ADD_CHUNK));
    for (let i = 0; i < chunks.length; i += ADD_PARALLEL) {
      await Promise.all(chunks.slice(i, i + ADD_PARALLEL).map((c) => this.queue.addBulk(c)));
    }
    reminderJobs.inc({ change: 'added' }, jobs.length);
  }

  /** Removes waiting jobs; one firing right now is left alone (its decider sees the change and sends nothing). */
  private async removeJobs(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => this.queue.remove(id).catch(() => 0)));
    }
    reminderJobs.inc({ change: 'removed' }, ids.length);
  }
}

type Job = { name: string; data: ReminderJobData; opts: JobsOptions };
