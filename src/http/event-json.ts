import { StoredEvent } from '../event-store/event-store';

/** The wire form of a stored event (auditors' history, webhooks). */
export function eventToJson(e: StoredEvent) {
  return {
    eventId: e.eventId,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    globalPosition: e.globalPosition,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
    hash: e.hash,
  };
}

/** The wire form back to a stored event (an exported line of GET /api/v1/events). */
export function eventFromJson(line: string): StoredEvent {
  const o = JSON.parse(line);
  return {
    eventId: o.eventId,
    streamId: o.streamId,
    streamVersion: o.streamVersion,
    globalPosition: o.globalPosition,
    type: o.type,
    schemaVersion: o.schemaVersion,
    data: o.data,
    metadata: o.metadata,
    actor: o.metadata?.actor?.id,
    correlationId: o.metadata?.correlationId,
    causationId: o.metadata?.causationId ?? null,
    recordedAt: new Date(o.recordedAt),
    hash: o.hash,
  };
}
