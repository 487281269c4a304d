import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import { DelayedError, Job, MinimalJob, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Pool, QueryResultRow } from 'pg';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { EventStore, StoredEvent } from '../event-store/event-store';
import { EventSubscription } from '../event-store/subscription';
import { PG_POOL } from '../infra/tokens';
import { queueJobs, scrapeHooks, webhookAttempts, webhookLatency } from '../metrics/metrics';
import { ProjectionRunner } from '../projections/projection-runner';
import { QueueFactory } from '../queue/queue.factory';
import type { Principal } from '../shared/decider';
import { ExecuteDecider } from '../shared/execute-decider.command';
import { failingTooLong, matches, outcomeOf, parseRetryAfter, retryDelay } from './delivery-policy';
import { withDistricts } from './event-districts';
import { Attempt, DeliveryKey, DeliveryStore, NewDelivery } from './delivery-store';
import { subscriptionDecider, subscriptionStream } from './subscription.decider';
import type { DisableReason } from './subscription.decider';
import { webhookSubscriptionsProjection } from './subscriptions.projection';
import { WebhookSecrets } from './webhook-secrets';
import { postWebhook } from './webhook-sender';

export const WEBHOOK_QUEUE = 'webhooks';

/** The actor of the events the delivery worker appends (a subscription disabled for 410 or three days of failure). */
export const WEBHOOK_SYSTEM: Principal = { sub: 'system:webhooks', role: 'system' as Principal['role'], districts: [] };

export const jobIdOf = (k: DeliveryKey) => `${k.subscriptionId}.${k.eventId}.${k.round}`;

/** The body a receiver gets: Standard Webhooks' `{ type, timestamp, data }`, data carrying the event's place in the log. */
export function webhookBody(e: StoredEvent): string {
  return JSON.stringify({
    type: e.type,
    timestamp: e.recordedAt.toISOString(),
    data: {
      eventId: e.eventId,
      stream: e.streamId,
      version: e.streamVersion,
      position: e.globalPosition,
      schemaVersion: e.schemaVersion,
      actor: e.metadata.actor,
      correlationId: e.correlationId,
      causationId: e.causationId,
      payload: e.data,
    },
  });
}

class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/**
 * The outbox and its worker. A checkpointed subscriber of the log records one delivery per matching enabled
 * subscription (in the transaction that moves its checkpoint) and queues the head of each (subscription, stream)
 * line; the worker signs and POSTs it, retries on the schedule, hands the line to the next delivery, and
 * disables a subscription that answers 410 or keeps failing. On start (and after a wiped queue) every head is
 * queued again from the table, so an event that committed is delivered whatever crashed in between.
 */
/** A subscription failing this long with no success gets one POST at a time until one succeeds. */
const CIRCUIT_AFTER_MS = 60_000;
/** POSTs the delivery worker runs at once (each subscription gets at most WEBHOOK_MAX_IN_FLIGHT of them). */
const WORKER_SLOTS = 128;
/**
 * How long a job past its subscription's share waits here for a slot before it goes back to the queue, while the
 * receiver answers (at most a share's worth of jobs wait; the rest go back at once). Going back costs the queue
 * backend a round trip and a promotion, which on Postgres is dear: a subscription with more busy lines than its
 * share bounced hundreds of jobs a second.
 */
const SLOT_WAIT_MS = 2000;
/** A subscription with a POST in flight this long is slow: its jobs past its share do not wait here for a slot. */
const SLOW_AFTER_MS = 1000;
/** A subscription whose oldest POST in flight has waited this long is not answering (see `deliver`). */
const STALLED_AFTER_MS = 5000;
/** The longest a job past a stalled subscription's share stays away before it asks for a slot again. */
const MAX_BOUNCE_MS = 5000;
/** Deliveries of a line one job makes after its own while they succeed, and for how long (see `attempt`). */
const LINE_DRAIN = 100;
const LINE_DRAIN_MS = 2000;

@Injectable()
export class WebhooksService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly queue: Queue<DeliveryKey>;
  readonly deliveries: DeliveryStore;
  readonly secrets: WebhookSecrets;
  private worker: Worker<DeliveryKey> | null = null;
  private outbox: EventSubscription | null = null;
  private stopped = false;
  /** subscriptions whose last delivery here succeeded: a success need not be written again */
  private readonly healthy = new Set<string>();
  /** POSTs in flight in this process, per subscription: when each started (ms) */
  private readonly inFlight = new Map<string, Set<number>>();
  /** a POST of the subscription (the event's name) has ended here: a waiting job may take its slot */
  private readonly slots = new EventEmitter().setMaxListeners(0);
  /** jobs waiting here for a slot of their subscription */
  private readonly waiting = new Map<string, number>();
  /** subscriptions failing without a success since (as this process last learnt): their circuit lets one POST through */
  private readonly failingSince = new Map<string, Date>();
  ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly queues: QueueFactory,
    private readonly projections: ProjectionRunner,
    private readonly store: EventStore,
    private readonly commands: CommandExecutor,
    private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.queue = queues.queue<DeliveryKey>(WEBHOOK_QUEUE);
    this.deliveries = new DeliveryStore(pool);
    this.secrets = new WebhookSecrets(pool);
  }

  onApplicationBootstrap(): void {
    const schedule = this.config.webhookRetryDelaysMs;
    this.worker = this.queues.worker<DeliveryKey>(WEBHOOK_QUEUE, (job, token) => this.deliver(job, token), {
      concurrency: WORKER_SLOTS,
      removeOnComplete: { age: 86400 },
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error, job?: MinimalJob<DeliveryKey>) =>
          retryDelay(
            schedule,
            attemptsMade + (job?.data.prior ?? 0),
            (err as DeliveryFailed | undefined)?.retryAfterMs ?? null,
          ),
      },
    });
    scrapeHooks.add(this.refreshMetrics);
    this.ready = this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    scrapeHooks.delete(this.refreshMetrics);
    await this.ready.catch(() => undefined);
    await this.outbox?.stop();
    if (this.worker) await this.queues.closeWorker(this.worker);
  }

  readonly refreshMetrics = async (): Promise<void> => {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
    for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue: WEBHOOK_QUEUE, state }, n);
  };

  private async start(): Promise<void> {
    try {
      await this.reconcile();
    } catch (err) {
      this.logger.error({ err }, 'webhook reconcile failed; the outbox still queues new deliveries');
    }
    // where the outbox stands; the database may be unreachable at start-up: keep trying until it answers
    let from: number | null = null;
    while (from === null && !this.stopped) {
      try {
        from = await this.deliveries.checkpoint();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'webhook outbox cannot read its checkpoint; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    if (from === null) return;
    this.outbox = new EventSubscription(this.store, {
      from,
      handle: (events) => this.record(events),
      onError: (err) => this.logger.warn({ err: (err as Error).message }, 'webhook outbox batch failed; retrying'),
    });
    this.outbox.start();
  }

  /** Queue every line's head again (idempotent: a job id that is still queued is not added twice). */
  async reconcile(): Promise<number> {
    const heads = await this.deliveries.allHeads();
    await this.enqueue(heads);
    return heads.length;
  }

  /** The outbox's step: one delivery per matching enabled subscription, with the checkpoint, then queue the heads. */
  private async record(events: StoredEvent[]): Promise<void> {
    const through = events[events.length - 1].globalPosition;
    // the subscriptions read model must have seen every subscription created up to these events (only it)
    if (!(await this.projections.waitFor(through, 30_000, [webhookSubscriptionsProjection.name]))) {
      throw new Error('the subscriptions read model is behind the outbox; retrying');
    }
    const { rows: subs } = await this.pool.query(
      'SELECT id, event_types, districts, created_position FROM rm_webhook_subscriptions WHERE enabled',
    );
    const filters = subs.map((s) => ({
      id: s.id as string,
      eventTypes: s.event_types,
      districts: s.districts,
      createdPosition: Number(s.created_position),
    }));
    const created: NewDelivery[] = [];
    // districts only matter to a subscription confined to some
    const scoped = filters.some((f) => f.districts.length > 0) ? await withDistricts(this.store, events) : events;
    for (const e of scoped) {
      for (const s of filters) {
        if (matches(s, e))
          created.push({
            subscriptionId: s.id,
            eventId: e.eventId,
            position: e.globalPosition,
            streamId: e.streamId,
            type: e.type,
          });
      }
    }
    await this.enqueue(await this.deliveries.create(created, through));
  }

  /** Queue deliveries (`prior`: attempts already made outside the queue, which its attempts leave out); after `delay` ms. */
  async enqueue(keys: DeliveryKey[], delay?: number): Promise<void> {
    if (!keys.length) return;
    const attempts = this.config.webhookRetryDelaysMs.length + 1;
    await this.queue.addBulk(
      keys.map((k) => ({
        name: 'deliver',
        data: k,
        opts: { jobId: jobIdOf(k), attempts: attempts - (k.prior ?? 0), backoff: { type: 'webhook' }, delay },
      })),
    );
  }

  /** Put deliveries back in line (manual redelivery, replay) and queue the heads. */
  async requeue(deliveries: NewDelivery[]): Promise<void> {
    await this.enqueue(await this.deliveries.requeue(deliveries));
  }

  /**
   * How many POSTs one subscription may have in flight in this process: WEBHOOK_MAX_IN_FLIGHT, and one (a probe)
   * once it has failed for a minute with no success (the circuit): a dead or slow receiver holds at most that many of
   * the worker's slots, and the other subscriptions keep theirs.
   */
  private slotsFor(subscriptionId: string, now: Date): number {
    const since = this.failingSince.get(subscriptionId);
    return since && now.getTime() - since.getTime() >= CIRCUIT_AFTER_MS ? 1 : this.config.webhookMaxInFlight;
  }

  private async deliver(job: Job<DeliveryKey>, token?: string): Promise<string> {
    const { subscriptionId } = job.data;
    const mine = () => this.inFlight.get(subscriptionId) ?? new Set<number>();
    const full = () => mine().size >= this.slotsFor(subscriptionId, new Date());
    // the subscription's share is taken. A busy receiver that answers frees a slot within moments: wait a little here
    // (going back to the queue costs the queue backend a round trip, dear on Postgres). A slow or dead one (a POST of
    // it in flight for a second already) does not: the job goes back to wait its turn, no attempt counted, and holds
    // no slot meanwhile.
    const answering = () => Math.min(...mine()) > Date.now() - SLOW_AFTER_MS;
    if (full() && answering() && (this.waiting.get(subscriptionId) ?? 0) < this.slotsFor(subscriptionId, new Date())) {
      this.waiting.set(subscriptionId, (this.waiting.get(subscriptionId) ?? 0) + 1);
      try {
        // each wait ends by the time the oldest POST in flight turns slow: a receiver that stops answering keeps no job waiting
        for (const until = Date.now() + SLOT_WAIT_MS; full() && answering() && Date.now() < until;) {
          await this.slotFreed(subscriptionId, Math.min(until, Math.min(...mine()) + SLOW_AFTER_MS) - Date.now());
        }
      } finally {
        const left = this.waiting.get(subscriptionId)! - 1;
        if (left) this.waiting.set(subscriptionId, left);
        else this.waiting.delete(subscriptionId);
      }
    }
    if (full()) {
      // back to the queue for a moment; but while the receiver has not answered for STALLED_AFTER_MS (dead, its POSTs
      // waiting for their timeout), for about as long again as its oldest POST has waited (at most MAX_BOUNCE_MS):
      // a dead receiver's jobs past its share must not churn the queue backend (dear on Postgres, where that churn
      // starved every other subscription), while a slow one's come back soon
      const waited = Date.now() - Math.min(...mine());
      const back =
        waited < STALLED_AFTER_MS ? 100 + Math.random() * 200 : Math.min(MAX_BOUNCE_MS, waited) * (0.5 + Math.random());
      await job.moveToDelayed(Date.now() + Math.floor(back), token);
      throw new DelayedError();
    }
    let started = Date.now() + Math.random(); // unique in the set
    this.inFlight.set(subscriptionId, mine().add(started));
    // a slot is taken from here, but a POST is slow by the time since the receiver was asked (a line's drain asks it many times)
    const posting = () => {
      mine().delete(started);
      started = Date.now() + Math.random();
      this.inFlight.set(subscriptionId, mine().add(started));
    };
    try {
      return await this.attempt(job, posting);
    } finally {
      const left = mine();
      left.delete(started);
      if (!left.size) this.inFlight.delete(subscriptionId);
      this.slots.emit(subscriptionId);
    }
  }

  /** Resolves when a POST of the subscription ends here, or after `ms`. */
  private slotFreed(subscriptionId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.slots.off(subscriptionId, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.slots.once(subscriptionId, done);
    });
  }

  /**
   * The job's delivery, then, while they succeed, the deliveries behind it in its line (up to LINE_DRAIN of them,
   * for up to LINE_DRAIN_MS): a busy line costs the queue one job per drain, not one per event. That is what keeps
   * BullMQ's Postgres backend, whose every job is several statements and a lock, up with a steady 200 events/s. A
   * delivery of the drain that fails goes to the queue for its retries, its first attempt counted.
   */
  private async attempt(job: Job<DeliveryKey>, posting: () => void): Promise<string> {
    const attempts = job.opts.attempts ?? 1;
    const first = await this.attemptOne(job.data, job.attemptsMade + 1 >= attempts, posting);
    if (first.kind === 'failed') throw first.error;
    let next = first.kind === 'delivered' ? first.next : null;
    const until = Date.now() + LINE_DRAIN_MS;
    for (let drained = 0; next; drained++) {
      if (drained >= LINE_DRAIN || Date.now() > until || this.stopped) {
        await this.enqueue([next]);
        break;
      }
      const key: DeliveryKey = next;
      const r = await this.attemptOne(key, attempts <= 1, posting);
      next = r.kind === 'delivered' ? r.next : null;
      // a failure to retry (not a subscription disabled meanwhile) goes to the queue, its first attempt counted
      if (r.kind === 'failed' && r.error instanceof DeliveryFailed && attempts > 1) {
        const delay = retryDelay(this.config.webhookRetryDelaysMs, 1, r.error.retryAfterMs ?? null);
        await this.enqueue([{ ...key, prior: 1 }], delay);
      }
    }
    return first.kind;
  }

  /** One POST of one delivery, recorded; what became of it and, once it is done with, the next of its line. */
  private async attemptOne(
    key: DeliveryKey,
    lastAttempt: boolean,
    posting: () => void,
  ): Promise<
    | { kind: 'skipped' | 'cancelled' | 'waiting' }
    | { kind: 'delivered'; next: DeliveryKey | null }
    | { kind: 'failed'; error: Error & { retryAfterMs?: number | null } }
  > {
    const { subscriptionId, eventId, round } = key;
    const d = await this.deliveries.get(subscriptionId, eventId);
    if (!d || d.status !== 'pending' || Number(d.round) !== round) return { kind: 'skipped' };
    const { rows } = await this.pool.query('SELECT * FROM rm_webhook_subscriptions WHERE id = $1', [subscriptionId]);
    const sub = rows[0];
    if (!sub || !sub.enabled) {
      await this.deliveries.cancelPending(subscriptionId);
      return { kind: 'cancelled' };
    }
    const before = await this.deliveries.earlierPending(d);
    if (before) {
      // out of line (a redelivery behind a pending one): the earlier delivery hands the line on when it ends
      await this.enqueue([before]);
      return { kind: 'waiting' };
    }
    const [event] = await this.store.readPositions([Number(d.global_position)]);
    const body = webhookBody(event);
    const at = new Date();
    const keys = await this.secrets.signing(subscriptionId, sub.secret_id, at);
    const signature = keys.map((k) => new Webhook(k).sign(event.eventId, at, body)).join(' ');
    posting();
    const result = await postWebhook(
      sub.url,
      body,
      {
        'webhook-id': event.eventId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      { timeoutMs: this.config.webhookTimeoutMs, allowPrivate: this.config.webhookAllowPrivate },
    );
    const outcome = outcomeOf(result.status, parseRetryAfter(result.retryAfter, at));
    const attempt = {
      at,
      status: result.status,
      latencyMs: result.latencyMs,
      error: result.error,
      snippet: result.snippet,
    };
    if (outcome.kind === 'delivered') {
      const next = await this.deliveries.attempted(d, attempt, 'delivered');
      if (!this.healthy.has(subscriptionId)) {
        await this.deliveries.health(subscriptionId, true, at);
        this.healthy.add(subscriptionId);
      }
      this.failingSince.delete(subscriptionId);
      webhookAttempts.inc({ outcome: 'delivered' });
      webhookLatency.observe((Date.now() - event.recordedAt.getTime()) / 1000);
      return { kind: 'delivered', next };
    }
    if (outcome.kind === 'gone') {
      webhookAttempts.inc({ outcome: 'gone' });
      await this.disable(sub, 'gone', `the receiver answered 410 Gone to event ${eventId}`, event.eventId, d, attempt);
      return { kind: 'failed', error: new UnrecoverableError('410 Gone: subscription disabled') };
    }
    this.healthy.delete(subscriptionId);
    const failingSince = await this.deliveries.health(subscriptionId, false, at);
    if (failingSince) this.failingSince.set(subscriptionId, failingSince);
    if (failingTooLong(failingSince, at, this.config.webhookDisableAfterHours * 3_600_000)) {
      webhookAttempts.inc({ outcome: 'disabled' });
      await this.disable(
        sub,
        'failing',
        `no delivery succeeded since ${failingSince!.toISOString()}`,
        event.eventId,
        d,
        attempt,
      );
      return { kind: 'failed', error: new UnrecoverableError('failing too long: subscription disabled') };
    }
    const next = await this.deliveries.attempted(d, attempt, lastAttempt ? 'failed' : null);
    webhookAttempts.inc({ outcome: lastAttempt ? 'failed' : 'retry' });
    if (next) await this.enqueue([next]);
    return { kind: 'failed', error: new DeliveryFailed(result.error ?? `HTTP ${result.status}`, outcome.retryAfterMs) };
  }

  /**
   * Disable first (the read model then stops the outbox recording more), then end this delivery, then cancel
   * what is pending — including a delivery the outbox recorded meanwhile. One recorded later still finds the
   * subscription disabled when its job runs, and is cancelled there.
   */
  private async disable(
    sub: QueryResultRow,
    reason: DisableReason,
    detail: string,
    causationId: string,
    d: QueryResultRow,
    attempt: Attempt,
  ): Promise<void> {
    await this.commands.execute(
      new ExecuteDecider(
        subscriptionDecider,
        subscriptionStream(sub.id),
        { kind: 'DisableSubscription', reason, detail },
        {
          principal: WEBHOOK_SYSTEM,
          correlationId: randomUUID(),
          causationId,
        },
      ),
    );
    await this.deliveries.attempted(d, attempt, 'failed');
    const cancelled = await this.deliveries.cancelPending(sub.id);
    this.logger.warn({ subscriptionId: sub.id, reason, cancelled }, 'webhook subscription disabled');
  }
}
