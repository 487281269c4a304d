import { conflict, Decider, DomainEvent, notFound, Principal } from '../shared/decider';

/**
 * A webhook subscription's stream (`webhook-<id>`): what a province system asked to receive and where, its
 * signing-secret generations (ids and fingerprints only: the secrets themselves are credentials kept out of the
 * log), and why it was disabled. The outbox reads the subscriptions read model built from these events.
 */

export interface SubscriptionSettings {
  url: string;
  /** exact types or wildcards (`*`, `inspection.*`) */
  eventTypes: string[];
  /** district codes; empty: the whole city */
  districts: string[];
  description: string;
  enabled: boolean;
}

export interface SecretRef {
  secretId: string;
  /** first 16 hex digits of the secret's SHA-256, to tell generations apart without revealing them */
  fingerprint: string;
}

export type DisableReason = 'manual' | 'gone' | 'failing';

export interface Subscribe extends SubscriptionSettings {
  kind: 'Subscribe';
  subscriptionId: string;
  secret: SecretRef;
}
export interface UpdateSubscription extends Partial<SubscriptionSettings> {
  kind: 'UpdateSubscription';
}
export interface RotateSecret {
  kind: 'RotateSecret';
  secret: SecretRef;
  /** until when the previous secret still signs */
  previousExpiresAt: string;
}
export interface DisableSubscription {
  kind: 'DisableSubscription';
  reason: DisableReason;
  detail: string;
}
export interface DeleteSubscription {
  kind: 'DeleteSubscription';
}
export type SubscriptionCommand =
  Subscribe | UpdateSubscription | RotateSecret | DisableSubscription | DeleteSubscription;

type E<T extends string, D> = DomainEvent<T, D>;
export type Subscribed = E<
  'webhook.subscribed',
  SubscriptionSettings & { subscriptionId: string; owner: string; secret: SecretRef; subscribedAt: string }
>;
export type SubscriptionUpdated = E<
  'webhook.updated',
  { subscriptionId: string; changes: Partial<SubscriptionSettings>; updatedAt: string }
>;
export type SecretRotated = E<
  'webhook.secret-rotated',
  { subscriptionId: string; secret: SecretRef; previous: SecretRef; previousExpiresAt: string; rotatedAt: string }
>;
export type SubscriptionDisabled = E<
  'webhook.disabled',
  { subscriptionId: string; reason: DisableReason; detail: string; disabledAt: string }
>;
export type SubscriptionDeleted = E<'webhook.deleted', { subscriptionId: string; deletedAt: string }>;
export type SubscriptionEvent =
  Subscribed | SubscriptionUpdated | SecretRotated | SubscriptionDisabled | SubscriptionDeleted;
export const SUBSCRIPTION_EVENT_TYPES: SubscriptionEvent['type'][] = [
  'webhook.subscribed',
  'webhook.updated',
  'webhook.secret-rotated',
  'webhook.disabled',
  'webhook.deleted',
];

export interface SubscriptionState extends SubscriptionSettings {
  exists: boolean;
  deleted: boolean;
  subscriptionId: string;
  owner: string;
  secret: SecretRef | null;
  disabledReason: DisableReason | null;
}

export const initialSubscriptionState: SubscriptionState = {
  exists: false,
  deleted: false,
  subscriptionId: '',
  owner: '',
  url: '',
  eventTypes: [],
  districts: [],
  description: '',
  enabled: false,
  secret: null,
  disabledReason: null,
};

export const subscriptionStream = (id: string) => `webhook-${id}`;

/** City admins (and the delivery worker) manage every subscription; an integration manages the ones it created. */
export function canManage(p: Principal, s: { owner: string }): boolean {
  return p.role === 'city-admin' || (p.role as string) === 'system' || s.owner === p.sub;
}

const SETTINGS: (keyof SubscriptionSettings)[] = ['url', 'eventTypes', 'districts', 'description', 'enabled'];

function decide(
  c: SubscriptionCommand,
  s: SubscriptionState,
  ctx: { now: Date; principal: Principal },
): SubscriptionEvent[] {
  const now = ctx.now.toISOString();
  if (c.kind === 'Subscribe') {
    if (s.exists) throw conflict(`webhook subscription ${c.subscriptionId} already exists`, 'exists');
    const { kind: _k, ...settings } = c;
    return [{ type: 'webhook.subscribed', data: { ...settings, owner: ctx.principal.sub, subscribedAt: now } }];
  }
  if (!s.exists || s.deleted) throw notFound('webhook subscription not found');
  if (!canManage(ctx.principal, s)) throw notFound('webhook subscription not found');
  const id = s.subscriptionId;
  switch (c.kind) {
    case 'UpdateSubscription': {
      const changes: Partial<SubscriptionSettings> = {};
      for (const key of SETTINGS) {
        const value = c[key];
        if (value !== undefined && JSON.stringify(value) !== JSON.stringify(s[key]))
          (changes as Record<string, unknown>)[key] = value;
      }
      return Object.keys(changes).length
        ? [{ type: 'webhook.updated', data: { subscriptionId: id, changes, updatedAt: now } }]
        : [];
    }
    case 'RotateSecret':
      return [
        {
          type: 'webhook.secret-rotated',
          data: {
            subscriptionId: id,
            secret: c.secret,
            previous: s.secret!,
            previousExpiresAt: c.previousExpiresAt,
            rotatedAt: now,
          },
        },
      ];
    case 'DisableSubscription':
      if (!s.enabled) return [];
      return [
        { type: 'webhook.disabled', data: { subscriptionId: id, reason: c.reason, detail: c.detail, disabledAt: now } },
      ];
    case 'DeleteSubscription':
      return [{ type: 'webhook.deleted', data: { subscriptionId: id, deletedAt: now } }];
  }
}

function evolve(s: SubscriptionState, e: SubscriptionEvent): SubscriptionState {
  switch (e.type) {
    case 'webhook.subscribed': {
      const { subscribedAt: _at, ...d } = e.data;
      return { ...s, ...d, exists: true, disabledReason: d.enabled ? null : 'manual' };
    }
    case 'webhook.updated': {
      const next = { ...s, ...e.data.changes };
      if (e.data.changes.enabled !== undefined) next.disabledReason = e.data.changes.enabled ? null : 'manual';
      return next;
    }
    case 'webhook.secret-rotated':
      return { ...s, secret: e.data.secret };
    case 'webhook.disabled':
      return { ...s, enabled: false, disabledReason: e.data.reason };
    case 'webhook.deleted':
      return { ...s, deleted: true, enabled: false };
  }
}

export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionEvent, SubscriptionState> = {
  aggregate: 'webhook',
  initialState: initialSubscriptionState,
  decide,
  evolve,
};
