import { Inject, Injectable } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { canManage } from './subscription.decider';
import { rowToSubscription } from './subscriptions.projection';
import type { DeliveriesQuery } from './webhooks.dto';

/** The webhooks' reads: subscriptions (rm_webhook_subscriptions) as their owners and auditors see them, and the delivery log. */
@Injectable()
export class WebhookQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The subscriptions the caller may see: an integration its own, the others all of them. */
  async subscriptions(p: Principal) {
    const { rows } = await this.pool.query(
      'SELECT * FROM rm_webhook_subscriptions WHERE ($1::text IS NULL OR owner = $1) ORDER BY created_at, id',
      [p.role === 'integration' ? p.sub : null],
    );
    return { items: rows.map(rowToSubscription) };
  }

  /** A subscription's row, when the caller may manage it or is an auditor (else a 404). */
  async subscription(id: string, p: Principal): Promise<QueryResultRow> {
    const { rows } = await this.pool.query('SELECT * FROM rm_webhook_subscriptions WHERE id = $1', [id]);
    if (!rows.length || (p.role !== 'auditor' && !canManage(p, rows[0])))
      throw notFound(`webhook subscription ${id} not found`);
    return rows[0];
  }

  /** A page of a subscription's deliveries in log order, each with its last attempt's latency and response. */
  async deliveries(id: string, q: DeliveriesQuery) {
    const limit = q.limit ?? 50;
    const { rows } = await this.pool.query(
      `SELECT d.*, a.latency_ms, a.response_snippet FROM webhook_deliveries d
         LEFT JOIN LATERAL (SELECT latency_ms, response_snippet FROM webhook_attempts a
                             WHERE a.subscription_id = d.subscription_id AND a.event_id = d.event_id ORDER BY a.id DESC LIMIT 1) a ON true
        WHERE d.subscription_id = $1 AND d.global_position > $2 AND ($3::text IS NULL OR d.status = $3)
        ORDER BY d.global_position LIMIT $4`,
      [id, q.after ?? 0, q.status ?? null, limit],
    );
    return {
      items: rows.map(rowToDelivery),
      next: rows.length === limit ? Number(rows[rows.length - 1].global_position) : null,
    };
  }

  /** Every attempt at one delivery, in order. */
  async attempts(id: string, eventId: string) {
    const { rows } = await this.pool.query(
      `SELECT attempted_at, status_code, latency_ms, error, response_snippet FROM webhook_attempts
        WHERE subscription_id = $1 AND event_id = $2 ORDER BY id`,
      [id, eventId],
    );
    return rows.map((a) => ({
      at: a.attempted_at.toISOString(),
      status: a.status_code,
      latencyMs: a.latency_ms,
      error: a.error,
      response: a.response_snippet,
    }));
  }
}

export function rowToDelivery(d: QueryResultRow) {
  return {
    eventId: d.event_id as string,
    eventType: d.event_type as string,
    stream: d.stream_id as string,
    position: Number(d.global_position),
    status: d.status as string,
    attempts: Number(d.attempts),
    round: Number(d.round),
    createdAt: d.created_at.toISOString(),
    lastAttemptAt: d.last_attempt_at ? d.last_attempt_at.toISOString() : null,
    lastStatus: d.last_status ?? null,
    lastError: d.last_error ?? null,
    lastLatencyMs: d.latency_ms ?? null,
    lastResponse: d.response_snippet ?? null,
    deliveredAt: d.delivered_at ? d.delivered_at.toISOString() : null,
  };
}
