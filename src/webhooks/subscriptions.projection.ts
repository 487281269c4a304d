import { PoolClient, QueryResultRow } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { Projection } from '../projections/projection';
import { SUBSCRIPTION_EVENT_TYPES, subscriptionDecider } from './subscription.decider';
import type { SubscriptionEvent, SubscriptionState } from './subscription.decider';

/** rm_webhook_subscriptions: one row per live subscription (deleted ones are removed), folded with its decider. */
export const webhookSubscriptionsProjection: Projection = {
  name: 'webhook-subscriptions',
  tables: ['rm_webhook_subscriptions'],
  eventTypes: SUBSCRIPTION_EVENT_TYPES,
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as SubscriptionEvent;
    const id = e.data.subscriptionId;
    if (e.type === 'webhook.deleted') {
      await tx.query('DELETE FROM rm_webhook_subscriptions WHERE id = $1', [id]);
      return;
    }
    const first = e.type === 'webhook.subscribed';
    const previous = first
      ? null
      : (await tx.query('SELECT * FROM rm_webhook_subscriptions WHERE id = $1', [id])).rows[0];
    if (!first && !previous) return;
    const state = first
      ? subscriptionDecider.evolve(subscriptionDecider.initialState, e)
      : subscriptionDecider.evolve(rowToSubscriptionState(previous), e);
    await tx.query(
      `INSERT INTO rm_webhook_subscriptions (id, url, event_types, districts, description, enabled, disabled_reason, owner, secret_id,
         created_position, created_at, updated_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
       ON CONFLICT (id) DO UPDATE SET url = $2, event_types = $3, districts = $4, description = $5, enabled = $6, disabled_reason = $7,
         secret_id = $9, updated_at = $11, version = $12`,
      [
        id,
        state.url,
        JSON.stringify(state.eventTypes),
        JSON.stringify(state.districts),
        state.description,
        state.enabled,
        state.disabledReason,
        state.owner,
        state.secret!.secretId,
        event.globalPosition,
        event.recordedAt,
        event.streamVersion,
      ],
    );
  },
};

export function rowToSubscriptionState(row: QueryResultRow): SubscriptionState {
  return {
    exists: true,
    deleted: false,
    subscriptionId: row.id,
    owner: row.owner,
    url: row.url,
    eventTypes: row.event_types,
    districts: row.districts,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    secret: { secretId: row.secret_id, fingerprint: '' },
  };
}

/** A subscription as the API shows it (never its secret). */
export function rowToSubscription(row: QueryResultRow) {
  return {
    id: row.id as string,
    url: row.url as string,
    eventTypes: row.event_types as string[],
    districts: row.districts as string[],
    description: row.description as string,
    enabled: row.enabled as boolean,
    disabledReason: (row.disabled_reason ?? null) as string | null,
    owner: row.owner as string,
    secretId: row.secret_id as string,
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
    version: Number(row.version),
  };
}
