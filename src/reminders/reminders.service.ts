import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import { Job, Queue, Worker } from 'bullmq';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { EventStore } from '../event-store/event-store';
import { PG_POOL } from '../infra/tokens';
import { queueJobs, remindersFired, scrapeHooks } from '../metrics/metrics';
import { ProjectionRunner } from '../projections/projection-runner';
import { QueueFactory } from '../queue/queue.factory';
import { Clock } from '../shared/clock';
import type { Principal } from '../shared/decider';
import { ExecuteDecider } from '../shared/execute-decider.command';
import { obligationDecider, obligationStream } from './obligation.decider';
import type { SendReminder } from './obligation.decider';
import { obligationsProjection, rowToObligation } from './obligations.projection';
import { REMINDER_QUEUE, ReminderJobData, ReconcileReport, ReminderScheduler } from './reminder-scheduler';

/** The actor of events the reminder jobs append. */
export const REMINDER_SYSTEM: Principal = {
  sub: 'system:reminders',
  role: 'system' as Principal['role'],
  districts: [],
};

/**
 * Runs the reminders: the scheduler follows the obligations projection (re-planning what changed after each of
 * its batches) and reconciles with the queue on start; the worker fires due jobs by appending ReminderSent /
 * ObligationOverdue through the obligation's decider. A failing job is retried with backoff and then stays in
 * the failed set (metrics, /admin/queues), never dropped.
 */
@Injectable()
export class RemindersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly queue: Queue<ReminderJobData>;
  readonly scheduler: ReminderScheduler;
  private worker: Worker<ReminderJobData> | null = null;
  private unsubscribe: (() => void) | null = null;
  private kicked = false;
  private stopped = false;
  /** resolves when the start-up reconcile has run */
  ready: Promise<ReconcileReport | null> = Promise.resolve(null);

  constructor(
    private readonly queues: QueueFactory,
    private readonly projections: ProjectionRunner,
    private readonly store: EventStore,
    private readonly commands: CommandExecutor,
    clock: Clock,
    private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.queue = queues.queue<ReminderJobData>(REMINDER_QUEUE);
    this.scheduler = new ReminderScheduler(pool, this.queue, clock, config.reminderGraceHours * 3_600_000);
  }

  onApplicationBootstrap(): void {
    this.worker = this.queues.worker<ReminderJobData>(REMINDER_QUEUE, (job) => this.fire(job), {
      concurrency: 8,
      // fired jobs stay a week (their ids keep a re-add a no-op); failed ones stay until someone looks (the default)
      removeOnComplete: { age: 7 * 86400 },
    });
    this.worker.on('failed', (job, err) => {
      remindersFired.inc({ outcome: 'failed' });
      this.logger.warn({ err: err.message, jobId: job?.id, attempts: job?.attemptsMade }, 'reminder job failed');
    });
    this.unsubscribe = this.projections.onProgress((name) => {
      if (name === 'obligations') this.kick();
    });
    scrapeHooks.add(this.refreshMetrics);
    this.ready = this.startupReconcile();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    scrapeHooks.delete(this.refreshMetrics);
    await this.ready.catch(() => undefined);
    await this.scheduler.idle();
    if (this.worker) await this.queues.closeWorker(this.worker);
  }

  /** Queue depth by state, for /metrics. */
  readonly refreshMetrics = async (): Promise<void> => {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
    for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue: REMINDER_QUEUE, state }, n);
  };

  private async startupReconcile(): Promise<ReconcileReport | null> {
    try {
      const { safe } = await this.store.positions();
      await this.projections.waitFor(safe, 60_000, [obligationsProjection.name]);
      if (this.stopped) return null;
      const report = await this.scheduler.reconcile();
      this.logger.log({ ...report }, 'reminders reconciled with the queue');
      return report;
    } catch (err) {
      this.logger.error({ err }, 'reminder reconcile failed; changes are still scheduled as they happen');
      return null;
    }
  }

  /** Re-plan changed obligations after a projection batch; bursts of batches coalesce into one run. */
  private kick(): void {
    if (this.kicked || this.stopped) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.scheduler
        .syncChanged()
        .catch((err) =>
          this.logger.warn({ err: (err as Error).message }, 'reminder scheduling failed; retried on the next change'),
        );
    });
  }

  private async fire(job: Job<ReminderJobData>): Promise<string> {
    // The obligation must be read as of everything committed now: a fulfilment that just committed wins.
    const { safe } = await this.store.positions();
    if (!(await this.projections.waitFor(safe, 10_000, [obligationsProjection.name])))
      throw new Error('the obligations read model is behind the log; retrying');
    const { rows } = await this.pool.query('SELECT * FROM rm_obligations WHERE id = $1', [job.data.obligationId]);
    const command: SendReminder = {
      kind: 'SendReminder',
      obligationId: job.data.obligationId,
      obligation: rows[0] ? rowToObligation(rows[0]) : null,
      reminderId: job.data.reminderId,
      reminderKind: job.data.kind,
      offset: job.data.offset,
      due: job.data.due,
      fireAt: job.data.fireAt,
    };
    const result = await this.commands.execute(
      new ExecuteDecider(obligationDecider, obligationStream(job.data.obligationId), command, {
        principal: REMINDER_SYSTEM,
        correlationId: randomUUID(),
        causationId: rows[0]?.source_event_id ?? undefined,
      }),
    );
    const outcome = result.events.length ? 'sent' : 'stale';
    remindersFired.inc({ outcome });
    return outcome;
  }
}
