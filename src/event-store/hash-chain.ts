import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';
import { StoredEvent } from './event-store';

/** The text an event's hash covers: keys in code-point order, as rectify_event_canonical() builds it. */
export function eventCanonicalJson(e: Omit<StoredEvent, 'hash'>): string {
  return canonicalJson({
    data: e.data,
    eventId: e.eventId,
    globalPosition: e.globalPosition,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
    schemaVersion: e.schemaVersion,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    type: e.type,
  });
}

/** hash = sha256(previous hash of the stream || canonical JSON of the event), hex. */
export function chainHash(previousHex: string, e: Omit<StoredEvent, 'hash'>): string {
  return createHash('sha256')
    .update(Buffer.from(previousHex, 'hex'))
    .update(eventCanonicalJson(e), 'utf8')
    .digest('hex');
}

export interface BrokenLink {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  eventId: string;
  reason: string;
}

/**
 * Walks one stream's events (in version order, all of them from version 1) and returns the first broken link:
 * a gap in versions, a hash that does not follow from its predecessor, or columns that disagree with the
 * metadata the hash covers.
 */
export class StreamChainVerifier {
  private previous = '';
  private expectedVersion = 1;
  constructor(readonly streamId: string) {}

  next(e: StoredEvent): BrokenLink | null {
    const at = {
      streamId: e.streamId,
      streamVersion: e.streamVersion,
      globalPosition: e.globalPosition,
      eventId: e.eventId,
    };
    if (e.streamVersion !== this.expectedVersion) {
      return { ...at, reason: `expected version ${this.expectedVersion}, found ${e.streamVersion}` };
    }
    const computed = chainHash(this.previous, e);
    if (computed !== e.hash) return { ...at, reason: 'hash does not match the event and its predecessor' };
    if (
      e.actor !== e.metadata?.actor?.id ||
      e.correlationId !== e.metadata?.correlationId ||
      (e.causationId ?? null) !== (e.metadata?.causationId ?? null)
    ) {
      return { ...at, reason: 'actor/correlation/causation columns differ from the hashed metadata' };
    }
    this.previous = e.hash;
    this.expectedVersion++;
    return null;
  }
}
