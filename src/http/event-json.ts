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
