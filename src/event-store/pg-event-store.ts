import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Client, Pool, QueryResultRow } from 'pg';
import { canonicalJson, NonCanonicalValueError } from '../shared/canonical-json';
import { appendDuration, eventsAppended } from '../metrics/metrics';
import {
  AppendResult,
  EventIdConflictError,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  InvalidEventError,
  ReadAllOptions,
  ReadAllResult,
  ReadStreamOptions,
  RecordedEvent,
  StoredEvent,
  WrongExpectedVersionError,
} from './event-store';

const NOTIFY_CHANNEL = 'rectify_events';
const STREAM_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/;
const TYPE_RE = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rows a commit-safe reader may return: every transaction below the snapshot's xmin has finished. */
export const COMMITTED_BELOW_XMIN = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

export const EVENT_COLUMNS = `global_position, event_id, stream_id, stream_version, type, schema_version, data,
  metadata, actor, correlation_id, causation_id, recorded_at, encode(hash, 'hex') AS hash`;

export function rowToEvent(row: QueryResultRow): StoredEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    globalPosition: Number(row.global_position),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    actor: row.actor,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    recordedAt: row.recorded_at,
    hash: row.hash,
  };
}

interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  actor: string;
  correlationId: string;
  causationId: string | null;
  parsed: EventToAppend;
}

function prepare(streamId: string, events: EventToAppend[]): PreparedEvent[] {
  if (!STREAM_ID_RE.test(streamId)) throw new InvalidEventError('streamId', 'must be 1-200 ASCII letters, digits, . _ @ -');
  if (events.length === 0) throw new InvalidEventError('events', 'at least one event is required');
  return events.map((e, i) => {
    const id = e.id ?? randomUUID();
    if (!UUID_RE.test(id)) throw new InvalidEventError(`events[${i}].id`, 'must be a uuid');
    if (!TYPE_RE.test(e.type)) throw new InvalidEventError(`events[${i}].type`, 'must be 1-100 ASCII letters, digits, . _ -');
    const schemaVersion = e.schemaVersion ?? 1;
    if (!Number.isInteger(schemaVersion) || schemaVersion < 1) {
      throw new InvalidEventError(`events[${i}].schemaVersion`, 'must be a positive integer');
    }
    const m = e.metadata;
    if (!m || !m.actor || typeof m.actor.id !== 'string' || !m.actor.id) {
      throw new InvalidEventError(`events[${i}].metadata.actor.id`, 'is required');
    }
    if (!UUID_RE.test(m.correlationId ?? '')) {
      throw new InvalidEventError(`events[${i}].metadata.correlationId`, 'must be a uuid');
    }
    if (m.causationId != null && !UUID_RE.test(m.causationId)) {
      throw new InvalidEventError(`events[${i}].metadata.causationId`, 'must be a uuid');
    }
    try {
      return {
        id: id.toLowerCase(),
        type: e.type,
        schemaVersion,
        data: canonicalJson(e.data),
        metadata: canonicalJson(m),
        actor: m.actor.id,
        correlationId: m.correlationId,
        causationId: m.causationId ?? null,
        parsed: e,
      };
    } catch (err) {
      if (err instanceof NonCanonicalValueError) throw new InvalidEventError(`events[${i}].${err.path}`, err.rule);
      throw err;
    }
  });
}

function modeOf(expected: ExpectedVersion): [string, number] {
  if (typeof expected === 'number') {
    if (!Number.isInteger(expected) || expected < 0) {
      throw new InvalidEventError('expectedVersion', 'must be a non-negative integer or no-stream/stream-exists/any');
    }
    return ['exact', expected];
  }
  return [expected, 0];
}

export interface PgEventStoreOptions {
  /** LISTEN for other processes' appends (one dedicated connection). */
  listen?: boolean;
  /** NOTIFY other processes after commits (coalesced, outside the appending transaction). */
  notify?: boolean;
}

export class PgEventStore extends EventStore {
  private readonly emitter = new EventEmitter();
  private notifyPending: number | null = null;
  private listener: Client | null = null;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: PgEventStoreOptions = {},
  ) {
    super();
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (this.options.listen) await this.connectListener();
  }

  async close(): Promise<void> {
    this.closed = true;
    const l = this.listener;
    this.listener = null;
    if (l) await l.end().catch(() => undefined);
  }

  async appendToStream(
    streamId: string,
    events: EventToAppend[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult> {
    const prepared = prepare(streamId, events);
    const [mode, expected] = modeOf(options.expectedVersion);
    const stop = appendDuration.startTimer();
    let row: QueryResultRow;
    try {
      row = await this.callAppend(streamId, mode, expected, prepared);
    } catch (err) {
      // Two identical requests raced past the idempotency check: the second sees the first's result.
      if (isUniqueViolation(err, 'events_event_id_key')) {
        row = await this.callAppend(streamId, mode, expected, prepared);
      } else {
        throw this.translate(err, streamId, options.expectedVersion);
      }
    } finally {
      stop();
    }
    const nextVersion = Number(row.next_version);
    const first = Number(row.first_position);
    const last = Number(row.last_position);
    const baseVersion = nextVersion - prepared.length;
    const recorded: RecordedEvent[] = prepared.map((p, i) => ({
      eventId: p.id,
      streamId,
      streamVersion: baseVersion + i + 1,
      globalPosition: first + i,
      type: p.type,
      schemaVersion: p.schemaVersion,
      data: JSON.parse(p.data),
      metadata: JSON.parse(p.metadata),
      actor: p.actor,
      correlationId: p.correlationId,
      causationId: p.causationId,
      recordedAt: row.recorded_at,
    }));
    if (!row.idempotent) {
      eventsAppended.inc(prepared.length);
      this.emitter.emit('appended', last);
      this.scheduleNotify(last);
    }
    return { nextExpectedVersion: nextVersion, firstPosition: first, lastPosition: last, idempotent: row.idempotent, events: recorded };
  }

  private async callAppend(streamId: string, mode: string, expected: number, prepared: PreparedEvent[]) {
    const res = await this.pool.query({
      name: 'rectify_append',
      text: `SELECT * FROM rectify_append($1, $2, $3, $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[],
             $9::text[], $10::uuid[], $11::uuid[])`,
      values: [
        streamId,
        mode,
        expected,
        prepared.map((p) => p.id),
        prepared.map((p) => p.type),
        prepared.map((p) => p.schemaVersion),
        prepared.map((p) => p.data),
        prepared.map((p) => p.metadata),
        prepared.map((p) => p.actor),
        prepared.map((p) => p.correlationId),
        prepared.map((p) => p.causationId),
      ],
    });
    return res.rows[0];
  }

  private translate(err: unknown, streamId: string, expected: ExpectedVersion): unknown {
    const e = err as { code?: string; detail?: string; message?: string };
    if (e.code === 'RX409') return new WrongExpectedVersionError(streamId, expected, Number(e.detail ?? 0));
    if (e.code === 'RX410') return new EventIdConflictError(streamId);
    // jsonb refuses some text JSON.stringify accepts (lone surrogates): bad input, not a server fault.
    if (e.code === '22P02' || e.code === '22P05') return new InvalidEventError('data', e.message ?? 'invalid JSON text');
    return err;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const params: unknown[] = [streamId, options.fromVersion ?? 1, options.toVersion ?? Number.MAX_SAFE_INTEGER];
    let sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version BETWEEN $2 AND $3`;
    if (options.asOf) {
      params.push(options.asOf);
      sql += ` AND recorded_at <= $4`;
    }
    const res = await this.pool.query(sql + ' ORDER BY stream_version', params);
    return res.rows.map(rowToEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? 0;
    const limit = Math.min(Math.max(options.limit ?? 1000, 1), 10000);
    const where = [`global_position > $1`, COMMITTED_BELOW_XMIN];
    const params: unknown[] = [after];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (options.types?.length) add('type = ANY(?::text[])', options.types);
    if (options.streamId) add('stream_id = ?', options.streamId);
    if (options.streamPrefix) add(`stream_id LIKE ?`, escapeLike(options.streamPrefix) + '%');
    if (options.from) add('recorded_at >= ?', options.from);
    if (options.to) add('recorded_at <= ?', options.to);
    params.push(limit);
    const res = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY global_position LIMIT $${params.length}`,
      params,
    );
    const events = res.rows.map(rowToEvent);
    return { events, next: events.length ? events[events.length - 1].globalPosition : after };
  }

  async headPosition(): Promise<number> {
    const res = await this.pool.query(
      `SELECT coalesce(max(global_position), 0) AS head FROM events WHERE ${COMMITTED_BELOW_XMIN}`,
    );
    return Number(res.rows[0].head);
  }

  onAppended(listener: (lastPosition: number) => void): () => void {
    this.emitter.on('appended', listener);
    return () => this.emitter.off('appended', listener);
  }

  private scheduleNotify(position: number): void {
    if (!this.options.notify) return;
    if (this.notifyPending !== null) {
      this.notifyPending = Math.max(this.notifyPending, position);
      return;
    }
    this.notifyPending = position;
    setImmediate(() => {
      const pos = this.notifyPending;
      this.notifyPending = null;
      if (this.closed) return;
      this.pool.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(pos)]).catch(() => undefined);
    });
  }

  private async connectListener(): Promise<void> {
    const client = new Client(this.poolConnectionConfig());
    client.on('notification', (msg) => {
      if (msg.channel === NOTIFY_CHANNEL) this.emitter.emit('appended', Number(msg.payload ?? 0));
    });
    client.on('error', () => {
      /* reconnected on end */
    });
    client.on('end', () => {
      if (this.listener !== client) return;
      this.listener = null;
      this.reconnectListenerSoon();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
    // Something may have been appended while we were not listening: wake everyone once.
    this.emitter.emit('appended', 0);
  }

  /** Until it is back, subscribers still poll. */
  private reconnectListenerSoon(): void {
    if (this.closed) return;
    setTimeout(() => this.connectListener().catch(() => this.reconnectListenerSoon()), 1000).unref();
  }

  private poolConnectionConfig() {
    return (this.pool as unknown as { options: Record<string, unknown> }).options;
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === constraint;
}
