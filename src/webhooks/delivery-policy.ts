import { StoredEvent } from '../event-store/event-store';
import { CAMPAIGN_WIDE } from '../shared/decider';

/**
 * The pure rules of delivery: which subscription receives which event, how long to wait before the next
 * attempt, and when a failing subscription is disabled.
 */

/** An exact type, `*`, or a prefix ending in `*`: `inspection.*`, `campaign.deadline-*`. */
export const EVENT_TYPE_PATTERN = /^(\*|[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.?\*)?)$/;

export function typeMatches(patterns: string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('*') && type.startsWith(p.slice(0, -1))));
}

/**
 * Whether an event reaches a subscription confined to `districts` (none: the whole city, every event). An event that
 * concerns one of them does; a campaign-wide one (`*`: phases, deadlines, supervision groups, bulletins) does, since
 * every district works to it; one that concerns only other districts, or only the city (an unassigned tip), does not.
 * Events carry their districts in metadata (`withDistricts` derives them for events recorded before they did).
 */
export function inDistricts(districts: string[], e: Pick<StoredEvent, 'metadata'>): boolean {
  if (districts.length === 0) return true;
  const concerns = (e.metadata as { districts?: unknown }).districts;
  if (!Array.isArray(concerns)) return false;
  return concerns.includes(CAMPAIGN_WIDE) || concerns.some((d) => districts.includes(d));
}

export interface SubscriptionFilter {
  eventTypes: string[];
  districts: string[];
  /** only events after this position (the subscription's own creation) */
  createdPosition: number;
}

/** The subscriptions' own streams are configuration (they carry other receivers' URLs): never delivered. */
export function isDeliverable(e: Pick<StoredEvent, 'type'>): boolean {
  return !e.type.startsWith('webhook.');
}

export function matches(s: SubscriptionFilter, e: Pick<StoredEvent, 'type' | 'metadata' | 'globalPosition'>): boolean {
  if (!isDeliverable(e) || e.globalPosition <= s.createdPosition || !typeMatches(s.eventTypes, e.type)) return false;
  return inDistricts(s.districts, e);
}

export { DEFAULT_RETRY_DELAYS_MS } from '../config/config';

/**
 * The wait before retry number `attemptsMade` (1 after the first failure): the schedule's step with ±20 %
 * jitter, or what the receiver asked for in Retry-After (429/503), capped at a day.
 */
export function retryDelay(
  schedule: number[],
  attemptsMade: number,
  retryAfterMs: number | null,
  random = Math.random,
): number {
  if (retryAfterMs !== null) return Math.min(Math.max(retryAfterMs, 0), 864e5);
  const base = schedule[Math.min(attemptsMade, schedule.length) - 1] ?? schedule[schedule.length - 1];
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver asked never to be called again */
  | { kind: 'gone' }
  | { kind: 'retry'; retryAfterMs: number | null };

export function outcomeOf(status: number | null, retryAfterMs: number | null): AttemptOutcome {
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  return { kind: 'retry', retryAfterMs: status === 429 || status === 503 ? retryAfterMs : null };
}

/** A subscription that has failed without a single success for this long is disabled. */
export function failingTooLong(failingSince: Date | null, now: Date, windowMs: number): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= windowMs;
}
