import { Pool, PoolClient, QueryResultRow } from 'pg';
import { inTransaction } from '../infra/transaction';

/** A delivery the queue should run: the head of its (subscription, stream) line. */
export interface DeliveryKey {
  subscriptionId: string;
  eventId: string;
  round: number;
  /** attempts made before the delivery was queued (the first, when a line's drain made it; see WebhooksService) */
  prior?: number;
}

export interface NewDelivery {
  subscriptionId: string;
  eventId: string;
  position: number;
  streamId: string;
  type: string;
}

export interface Attempt {
  at: Date;
  status: number | null;
  latencyMs: number;
  error: string | null;
  snippet: string;
}

export const OUTBOX_CHECKPOINT = 'webhook-outbox';

/**
 * The outbox tables. Deliveries of one subscription and one stream leave one at a time in position order: only
 * the earliest pending delivery of each (subscription, stream) line has a queue job (it is the line's head), and
 * finishing it hands the line to the next (or delivers the next itself: a job drains its line while it can). A
 * delivery is queued when it is written as its line's head, or when the one before it hands the line on. Every step that changes a line takes that line's advisory lock, so a
 * delivery created while its predecessor finishes is never stranded without a job.
 */
export class DeliveryStore {
  constructor(private readonly pool: Pool) {}

  async checkpoint(): Promise<number> {
    const { rows } = await this.pool.query('SELECT position FROM projection_checkpoints WHERE name = $1', [
      OUTBOX_CHECKPOINT,
    ]);
    return rows.length ? Number(rows[0].position) : 0;
  }

  /** Records the deliveries of a batch of the log and moves the outbox checkpoint, in one transaction. */
  async create(deliveries: NewDelivery[], through: number): Promise<DeliveryKey[]> {
    return inTransaction(this.pool, async (tx) => {
      let heads: DeliveryKey[] = [];
      if (deliveries.length) {
        await lockLines(tx, deliveries);
        await tx.query(
          `${INSERT_PENDING}
           ON CONFLICT DO NOTHING`,
          columns(deliveries),
        );
        heads = onlyThese(await headsOf(tx, deliveries), deliveries);
      }
      await tx.query(
        `INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET position = greatest(projection_checkpoints.position, $2), updated_at = now()`,
        [OUTBOX_CHECKPOINT, through],
      );
      return heads;
    });
  }

  /**
   * Puts deliveries (new or already attempted) back in line for another round: a manual redelivery or a
   * replay. Returns the heads to enqueue.
   */
  async requeue(deliveries: NewDelivery[]): Promise<DeliveryKey[]> {
    if (!deliveries.length) return [];
    return inTransaction(this.pool, async (tx) => {
      await lockLines(tx, deliveries);
      await tx.query(
        `${INSERT_PENDING}
         ON CONFLICT (subscription_id, event_id) DO UPDATE
           SET status = 'pending', attempts = 0, round = webhook_deliveries.round + 1, last_error = NULL
         WHERE webhook_deliveries.status <> 'pending'`,
        columns(deliveries),
      );
      return onlyThese(await headsOf(tx, deliveries), deliveries);
    });
  }

  async get(subscriptionId: string, eventId: string): Promise<QueryResultRow | undefined> {
    const { rows } = await this.pool.query(
      'SELECT * FROM webhook_deliveries WHERE subscription_id = $1 AND event_id = $2',
      [subscriptionId, eventId],
    );
    return rows[0];
  }

  /** An earlier delivery of the same line still pending (then this one must wait for it). */
  async earlierPending(d: QueryResultRow): Promise<DeliveryKey | null> {
    const { rows } = await this.pool.query(
      `SELECT subscription_id, event_id, round FROM webhook_deliveries
        WHERE subscription_id = $1 AND stream_id = $2 AND status = 'pending' AND global_position < $3
        ORDER BY global_position LIMIT 1`,
      [d.subscription_id, d.stream_id, d.global_position],
    );
    return rows.length ? toKey(rows[0]) : null;
  }

  /** Notes an attempt (and, when `final` is given, ends the delivery); returns the line's next head, if any. */
  async attempted(
    d: QueryResultRow,
    attempt: Attempt,
    final: 'delivered' | 'failed' | null,
  ): Promise<DeliveryKey | null> {
    return inTransaction(this.pool, async (tx) => {
      await lockLines(tx, [{ subscriptionId: d.subscription_id, streamId: d.stream_id }]);
      await tx.query(
        `INSERT INTO webhook_attempts (subscription_id, event_id, attempted_at, status_code, latency_ms, error, response_snippet)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [d.subscription_id, d.event_id, attempt.at, attempt.status, attempt.latencyMs, attempt.error, attempt.snippet],
      );
      await tx.query(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = $3, last_status = $4, last_error = $5,
           status = coalesce($6, status), delivered_at = CASE WHEN $6 = 'delivered' THEN $3 ELSE delivered_at END
         WHERE subscription_id = $1 AND event_id = $2`,
        [d.subscription_id, d.event_id, attempt.at, attempt.status, attempt.error, final],
      );
      if (!final) return null;
      const [next] = await headsOf(tx, [{ subscriptionId: d.subscription_id, streamId: d.stream_id }]);
      return next ?? null;
    });
  }

  /** A disabled or deleted subscription: its pending deliveries are cancelled (a replay can bring them back). */
  async cancelPending(subscriptionId: string): Promise<number> {
    const res = await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'cancelled' WHERE subscription_id = $1 AND status = 'pending'`,
      [subscriptionId],
    );
    return res.rowCount ?? 0;
  }

  /** Every line's head: what the queue must hold (start-up reconcile, a wiped Redis). */
  async allHeads(): Promise<DeliveryKey[]> {
    const { rows } = await this.pool.query(
      `SELECT DISTINCT ON (subscription_id, stream_id) subscription_id, event_id, round FROM webhook_deliveries
        WHERE status = 'pending' ORDER BY subscription_id, stream_id, global_position`,
    );
    return rows.map(toKey);
  }

  /** Success clears the failing streak; a failure starts one. Returns when the streak started (null: healthy). */
  async health(subscriptionId: string, ok: boolean, at: Date): Promise<Date | null> {
    const { rows } = await this.pool.query(
      ok
        ? `INSERT INTO webhook_health (subscription_id, failing_since, last_success_at) VALUES ($1, NULL, $2)
           ON CONFLICT (subscription_id) DO UPDATE SET failing_since = NULL, last_success_at = $2 RETURNING failing_since`
        : `INSERT INTO webhook_health (subscription_id, failing_since) VALUES ($1, $2)
           ON CONFLICT (subscription_id) DO UPDATE SET failing_since = coalesce(webhook_health.failing_since, $2) RETURNING failing_since`,
      [subscriptionId, at],
    );
    return rows[0].failing_since ?? null;
  }
}

/** New deliveries, pending, from the five arrays of `columns`. */
const INSERT_PENDING = `INSERT INTO webhook_deliveries (subscription_id, event_id, global_position, stream_id, event_type, status)
  SELECT u.*, 'pending' FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[]) AS u`;

function columns(deliveries: NewDelivery[]): unknown[][] {
  return [
    deliveries.map((d) => d.subscriptionId),
    deliveries.map((d) => d.eventId),
    deliveries.map((d) => d.position),
    deliveries.map((d) => d.streamId),
    deliveries.map((d) => d.type),
  ];
}

function toKey(r: QueryResultRow): DeliveryKey {
  return { subscriptionId: r.subscription_id, eventId: r.event_id, round: Number(r.round) };
}

async function lockLines(tx: PoolClient, lines: { subscriptionId: string; streamId: string }[]): Promise<void> {
  const keys = [...new Set(lines.map((l) => `${l.subscriptionId}/${l.streamId}`))].sort();
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 6)) FROM unnest($1::text[]) AS k ORDER BY k`, [
    keys,
  ]);
}

/** The earliest pending delivery of each line these deliveries belong to. */
/**
 * The heads among the deliveries just written. A line's head that was there before has its job already, or is
 * being delivered by a job draining its line: queueing it again would POST it twice.
 */
function onlyThese(heads: DeliveryKey[], written: { subscriptionId: string; eventId: string }[]): DeliveryKey[] {
  const keys = new Set(written.map((d) => `${d.subscriptionId}/${d.eventId}`));
  return heads.filter((h) => keys.has(`${h.subscriptionId}/${h.eventId}`));
}

async function headsOf(tx: PoolClient, lines: { subscriptionId: string; streamId: string }[]): Promise<DeliveryKey[]> {
  const uniq = [...new Map(lines.map((l) => [`${l.subscriptionId}/${l.streamId}`, l])).values()];
  const { rows } = await tx.query(
    `SELECT h.subscription_id, h.event_id, h.round
       FROM unnest($1::uuid[], $2::text[]) AS l(sub, stream)
       CROSS JOIN LATERAL (SELECT d.subscription_id, d.event_id, d.round FROM webhook_deliveries d
                            WHERE d.subscription_id = l.sub AND d.stream_id = l.stream AND d.status = 'pending'
                            ORDER BY d.global_position LIMIT 1) h`,
    [uniq.map((l) => l.subscriptionId), uniq.map((l) => l.streamId)],
  );
  return rows.map(toKey);
}
