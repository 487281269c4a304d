import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Client, Pool, PoolClient, QueryResultRow } from 'pg';

type Queryable = Pool | PoolClient;
import { canonicalJson, NonCanonicalValueError } from '../shared/canonical-json';
import { UUID_RE } from '../shared/ids';
import { appendDuration, eventsAppended } from '../metrics/metrics';
import {
  AppendResult,
  EventIdConflictError,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  HeldBack,
  InvalidEventError,
  ProjectedEvent,
  ProjectedPage,
  ReadAllOptions,
  ReadAllResult,
  ReadStreamOptions,
  RecordedEvent,
  StoredEvent,
  StreamAppend,
  WrongExpectedVersionError,
} from './event-store';

const NOTIFY_CHANNEL = 'rectify_events';
const STREAM_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/;
const TYPE_RE = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

/**
 * Rows a commit-safe reader may return: positions below the bound that our own appends still in flight leave
 * (see migrations/009_log_order_from_our_appenders.sql). No append in flight can commit a position below it, and
 * nothing else (another database's transactions, ours that append nothing) moves it. An uncorrelated subquery, so
 * the bound is taken once per statement: a bound that moved within one scan could pass a row below another.
 */
const COMMITTED = 'global_position < (SELECT rectify_safe_position())';

/** At most this many events in one append (positions are xid × 65536 + index). */
export const MAX_EVENTS_PER_APPEND = 65536;

/**
 * The append, one statement: the stream's last version and hash, the expected-version check (no row passes
 * when it fails), the hash chain, the insert. Concurrent appends at the same version meet on the unique
 * (stream_id, stream_version) index. One event (the common case) chains in a plain expression; several through
 * one call of rectify_chain.
 */
/** One row when the expected version holds: the stream's version and last hash, the position base, the time. */
const CURRENT = `(
  SELECT c.* FROM (
    SELECT coalesce(l.v, 0) AS v, coalesce(l.h, ''::bytea) AS h, rectify_position_base() AS base,
           date_trunc('milliseconds', now()) AS at, rectify_time_text(date_trunc('milliseconds', now())) AS att,
           to_json($1::text)::text AS sid
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT e.stream_version AS v, e.hash AS h FROM events e
                          WHERE e.stream_id = $1 ORDER BY e.stream_version DESC LIMIT 1) l ON true) c
   WHERE CASE $2::text WHEN 'exact' THEN c.v = $3::bigint WHEN 'no-stream' THEN c.v = 0
                       WHEN 'stream-exists' THEN c.v > 0 ELSE true END)`;
const INSERT_INTO = `INSERT INTO events (global_position, event_id, stream_id, stream_version, type, schema_version, data,
  metadata, actor, correlation_id, causation_id, recorded_at, hash)`;
const RETURNING = 'RETURNING global_position, stream_version, recorded_at';

const APPEND_ONE_SQL = `
${INSERT_INTO}
SELECT ok.base, $4::uuid, $1, ok.v + 1, $5::text, $6::int, $7::text::jsonb, $8::text::jsonb, $9::text, $10::uuid,
       $11::uuid, ok.at,
       sha256(ok.h || convert_to(rectify_event_canonical($7::text, $4::uuid, ok.base, $8::text, ok.att, $6::int, ok.sid,
                                                          ok.v + 1, $5::text), 'UTF8'))
  FROM ${CURRENT} AS ok
${RETURNING}`;

const APPEND_MANY_SQL = `
WITH ok AS ${CURRENT}, input AS (
  SELECT t.*, ok.base + t.ord - 1 AS pos, ok.v + t.ord AS ver
    FROM ok, unnest($4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::uuid[], $11::uuid[])
         WITH ORDINALITY AS t(id, typ, sv, dat, met, act, cor, cau, ord)
), chain AS (
  SELECT rectify_chain(ok.h, array_agg(rectify_event_canonical(i.dat, i.id, i.pos, i.met, ok.att, i.sv, ok.sid, i.ver, i.typ)
                                       ORDER BY i.ord)) AS hashes
    FROM ok, input i GROUP BY ok.h
)
${INSERT_INTO}
SELECT i.pos, i.id, $1, i.ver, i.typ, i.sv, i.dat::jsonb, i.met::jsonb, i.act, i.cor, i.cau, ok.at, chain.hashes[i.ord]
  FROM ok, input i, chain
${RETURNING}`;

/**
 * Several streams in one statement, all or nothing: when any stream's expected version fails, `meta` has no row
 * and nothing is inserted. Each stream's events chain from its own last hash.
 */
const APPEND_STREAMS_SQL = `
WITH input AS (
  SELECT t.* FROM unnest($1::text[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[],
                         $9::text[], $10::uuid[], $11::uuid[])
         WITH ORDINALITY AS t(sid, mode, exp, id, typ, sv, dat, met, act, cor, cau, ord)
), cur AS (
  SELECT s.sid, s.mode, s.exp, coalesce(l.v, 0) AS v, coalesce(l.h, ''::bytea) AS h, to_json(s.sid)::text AS sidj
    FROM (SELECT DISTINCT sid, mode, exp FROM input) s
    LEFT JOIN LATERAL (SELECT e.stream_version AS v, e.hash AS h FROM events e
                        WHERE e.stream_id = s.sid ORDER BY e.stream_version DESC LIMIT 1) l ON true
), meta AS (
  SELECT rectify_position_base() AS base, date_trunc('milliseconds', now()) AS at,
         rectify_time_text(date_trunc('milliseconds', now())) AS att
   WHERE NOT EXISTS (
     SELECT 1 FROM cur WHERE NOT CASE cur.mode WHEN 'exact' THEN cur.v = cur.exp WHEN 'no-stream' THEN cur.v = 0
                                               WHEN 'stream-exists' THEN cur.v > 0 ELSE true END)
), rows AS (
  SELECT i.*, meta.base + i.ord - 1 AS pos, meta.at, meta.att, cur.h AS prev, cur.sidj,
         row_number() OVER (PARTITION BY i.sid ORDER BY i.ord) AS rn, cur.v AS base_version
    FROM input i JOIN cur ON cur.sid = i.sid CROSS JOIN meta
), chains AS (
  SELECT r.sid, rectify_chain((array_agg(r.prev))[1],
           array_agg(rectify_event_canonical(r.dat, r.id, r.pos, r.met, r.att, r.sv, r.sidj, r.base_version + r.rn, r.typ)
                     ORDER BY r.ord)) AS hashes
    FROM rows r GROUP BY r.sid
)
${INSERT_INTO}
SELECT r.pos, r.id, r.sid, r.base_version + r.rn, r.typ, r.sv, r.dat::jsonb, r.met::jsonb, r.act, r.cor, r.cau, r.at,
       c.hashes[r.rn]
  FROM rows r JOIN chains c ON c.sid = r.sid
RETURNING stream_id, global_position, stream_version, recorded_at`;

/** After a unique violation on event_id: the rows those ids were stored as, in the order given. */
const IDEMPOTENT_SQL = `
SELECT e.stream_id, e.stream_version, e.global_position, e.recorded_at
  FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) JOIN events e ON e.event_id = t.id ORDER BY t.ord`;

/**
 * A read of the committed log: `inner` (which stops at `b.bound`) beside the bound, taken once, and whether committed
 * rows wait at or above it (held back by an append of ours still in flight). Always at least one row; a row whose
 * event columns are null stands for an empty read.
 */
const boundedRead = (inner: string) => `
WITH b AS MATERIALIZED (SELECT s.bound, coalesce((SELECT max(global_position) FROM events) >= s.bound, false) AS held
                          FROM (SELECT rectify_safe_position() AS bound OFFSET 0) s)
SELECT b.held, b.bound, r.* FROM b LEFT JOIN LATERAL (${inner}) r ON true`;

/**
 * Held back at `bound` = xid × 65536 of the appender in flight (or ended since the snapshot) that stops the read: its
 * own commit, whose positions lie in [bound, bound + 65536), releases what waits; so may any rollback.
 */
function heldBackAt(row: { held: boolean; bound: string | number }): HeldBack | null {
  if (!row.held) return null;
  const bound = Number(row.bound);
  return {
    releasedBy: (position) => position === 0 || (position >= bound && position < bound + MAX_EVENTS_PER_APPEND),
  };
}

/**
 * The bound as a filter, not an index condition: the planner cannot know it, and as an index condition it guessed a
 * narrow range and read the whole tail of the log into a sort; as a filter the scan walks the position index in
 * order and stops at the page's limit (past the bound lie only the few rows of appends still in flight).
 */
const BELOW_BOUND = 'global_position + 0 < b.bound';

/** The most events one read of the global log returns. */
const pageLimit = (limit: number) => Math.min(Math.max(limit, 1), 10000);

/**
 * Several streams' events ($1 their ids), each up to a version ($2, inclusive), by stream in version order: one walk
 * of the (stream, version) index per stream. For serving a page of aggregates and for projections that fold from the log.
 */
export const streamsUpTo = (
  columns: string,
) => `SELECT ${columns} FROM unnest($1::text[], $2::bigint[]) AS w(wanted, upto)
  JOIN events ON stream_id = wanted AND stream_version <= upto ORDER BY stream_id, stream_version`;

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
  if (!STREAM_ID_RE.test(streamId))
    throw new InvalidEventError('streamId', 'must be 1-200 ASCII letters, digits, . _ @ -');
  if (events.length === 0) throw new InvalidEventError('events', 'at least one event is required');
  if (events.length > MAX_EVENTS_PER_APPEND)
    throw new InvalidEventError('events', `at most ${MAX_EVENTS_PER_APPEND} in one append`);
  return events.map((e, i) => {
    const id = e.id ?? randomUUID();
    if (!UUID_RE.test(id)) throw new InvalidEventError(`events[${i}].id`, 'must be a uuid');
    if (!TYPE_RE.test(e.type))
      throw new InvalidEventError(`events[${i}].type`, 'must be 1-100 ASCII letters, digits, . _ -');
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
  private notifyPending: Set<number> | null = null;
  private listener: Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
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
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
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
    try {
      for (let attempt = 1; ; attempt++) {
        let res;
        try {
          res = await this.pool.query(appendQuery(streamId, mode, expected, prepared));
        } catch (err) {
          this.released();
          // A retried request whose first attempt committed meanwhile.
          if (isUniqueViolation(err, 'events_event_id_key'))
            return await this.idempotentResult(streamId, prepared, options.expectedVersion);
          // Another append to this stream committed first at the same version.
          if (isUniqueViolation(err, 'events_stream_version_uq')) {
            if (mode === 'any' && attempt < 50) continue;
            return await this.idempotentResult(streamId, prepared, options.expectedVersion);
          }
          throw translate(err);
        }
        // The expected version did not hold: a refusal, unless these very events are what moved the stream.
        if (res.rows.length === 0) return await this.idempotentResult(streamId, prepared, options.expectedVersion);
        const firstPosition = Math.min(...res.rows.map((r) => Number(r.global_position)));
        const firstVersion = Math.min(...res.rows.map((r) => Number(r.stream_version)));
        const result = this.result(streamId, prepared, firstPosition, firstVersion, res.rows[0].recorded_at, false);
        eventsAppended.inc(prepared.length);
        this.emitter.emit('appended', result.lastPosition);
        this.scheduleNotify(result.lastPosition);
        return result;
      }
    } finally {
      stop();
    }
  }

  async appendToStreams(items: StreamAppend[]): Promise<AppendResult[]> {
    if (items.length === 0) return [];
    const seen = new Set<string>();
    const prepared: { item: StreamAppend; events: PreparedEvent[]; mode: [string, number] }[] = [];
    for (const [k, item] of items.entries()) {
      if (seen.has(item.streamId))
        throw new InvalidEventError(`items[${k}].streamId`, 'each stream at most once per call');
      seen.add(item.streamId);
      prepared.push({ item, events: prepare(item.streamId, item.events), mode: modeOf(item.expectedVersion) });
      if (k % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
    }
    const flat = prepared.flatMap((p) => p.events.map((e) => ({ p, e })));
    if (flat.length > MAX_EVENTS_PER_APPEND)
      throw new InvalidEventError('items', `at most ${MAX_EVENTS_PER_APPEND} events in one call`);
    // a large batch's arrays as array literals built a slice at a time: pg would build them in one go, holding the
    // event loop for a quarter of a second at 10,000 events
    const arrays = [
      flat.map(({ p }) => p.item.streamId),
      flat.map(({ p }) => p.mode[0]),
      flat.map(({ p }) => p.mode[1]),
      ...eventArrays(flat.map(({ e }) => e)),
    ];
    const values = flat.length > YIELD_EVERY ? await arrayLiterals(arrays) : arrays;
    const stop = appendDuration.startTimer();
    let res;
    try {
      res = await this.pool.query({
        name: 'rectify_append_streams',
        text: APPEND_STREAMS_SQL,
        values: values as unknown[],
      });
    } catch (err) {
      this.released();
      if (isUniqueViolation(err, 'events_event_id_key'))
        throw new EventIdConflictError(items.map((i) => i.streamId).join(', '));
      if (isUniqueViolation(err, 'events_stream_version_uq')) throw await this.firstWrongVersion(items);
      throw translate(err);
    } finally {
      stop();
    }
    if (res.rows.length === 0) throw await this.firstWrongVersion(items);
    const firsts = new Map<string, { position: number; version: number; at: Date }>();
    for (const r of res.rows) {
      const f = firsts.get(r.stream_id);
      const position = Number(r.global_position);
      if (!f || position < f.position)
        firsts.set(r.stream_id, { position, version: Number(r.stream_version), at: r.recorded_at });
    }
    const results = prepared.map((p) => {
      const f = firsts.get(p.item.streamId)!;
      return this.result(p.item.streamId, p.events, f.position, f.version, f.at, false);
    });
    eventsAppended.inc(flat.length);
    const last = Math.max(...results.map((r) => r.lastPosition));
    this.emitter.emit('appended', last);
    this.scheduleNotify(last);
    return results;
  }

  private async firstWrongVersion(items: StreamAppend[]): Promise<WrongExpectedVersionError> {
    for (const item of items) {
      const actual = await this.currentVersion(item.streamId);
      const e = item.expectedVersion;
      const holds =
        typeof e === 'number'
          ? actual === e
          : e === 'no-stream'
            ? actual === 0
            : e === 'stream-exists'
              ? actual > 0
              : true;
      if (!holds) return new WrongExpectedVersionError(item.streamId, e, actual);
    }
    // A concurrent append moved a stream between the statement and this look: report the first as conflicting.
    return new WrongExpectedVersionError(
      items[0].streamId,
      items[0].expectedVersion,
      await this.currentVersion(items[0].streamId),
    );
  }

  private result(
    streamId: string,
    prepared: PreparedEvent[],
    firstPosition: number,
    firstVersion: number,
    recordedAt: Date,
    idempotent: boolean,
  ): AppendResult {
    const events: RecordedEvent[] = prepared.map((p, i) => ({
      eventId: p.id,
      streamId,
      streamVersion: firstVersion + i,
      globalPosition: firstPosition + i,
      type: p.type,
      schemaVersion: p.schemaVersion,
      data: p.parsed.data,
      metadata: p.parsed.metadata,
      actor: p.actor,
      correlationId: p.correlationId,
      causationId: p.causationId,
      recordedAt,
    }));
    return {
      nextExpectedVersion: firstVersion + prepared.length - 1,
      firstPosition,
      lastPosition: firstPosition + prepared.length - 1,
      idempotent,
      events,
    };
  }

  /**
   * The original result when these event ids are already stored, in this stream, in this order (a retried
   * request); an EventIdConflictError when some are stored otherwise; else the expected version was wrong.
   */
  private async idempotentResult(
    streamId: string,
    prepared: PreparedEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    const { rows } = await this.pool.query({
      name: 'rectify_idempotent',
      text: IDEMPOTENT_SQL,
      values: [prepared.map((p) => p.id)],
    });
    if (rows.length === 0) throw new WrongExpectedVersionError(streamId, expected, await this.currentVersion(streamId));
    const same =
      rows.length === prepared.length &&
      rows.every(
        (r, i) =>
          r.stream_id === streamId &&
          Number(r.stream_version) === Number(rows[0].stream_version) + i &&
          Number(r.global_position) === Number(rows[0].global_position) + i,
      );
    if (!same) throw new EventIdConflictError(streamId);
    return this.result(
      streamId,
      prepared,
      Number(rows[0].global_position),
      Number(rows[0].stream_version),
      rows[0].recorded_at,
      true,
    );
  }

  private async currentVersion(streamId: string): Promise<number> {
    const res = await this.pool.query('SELECT coalesce(max(stream_version), 0) AS v FROM events WHERE stream_id = $1', [
      streamId,
    ]);
    return Number(res.rows[0].v);
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

  async readStreams(streams: { streamId: string; toVersion: number }[]): Promise<StoredEvent[]> {
    if (streams.length === 0) return [];
    const res = await this.pool.query(streamsUpTo(EVENT_COLUMNS), [
      streams.map((s) => s.streamId),
      streams.map((s) => s.toVersion),
    ]);
    return res.rows.map(rowToEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? 0;
    const limit = pageLimit(options.limit ?? 1000);
    const where = [`global_position > $1`, BELOW_BOUND];
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
      boundedRead(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY global_position LIMIT $${params.length}`,
      ),
      params,
    );
    const events = res.rows.filter((r) => r.event_id !== null).map(rowToEvent);
    return {
      events,
      next: events.length ? events[events.length - 1].globalPosition : after,
      heldBack: heldBackAt(res.rows[0]),
    };
  }

  async readProjected(after: number, limit: number): Promise<ProjectedEvent[]> {
    return (await this.readProjectedPage(after, limit)).events;
  }

  async readProjectedPage(after: number, limit: number): Promise<ProjectedPage> {
    // rows as arrays (no object per row) and the time as epoch milliseconds (no text timestamp to parse)
    const res = await this.pool.query({
      text: boundedRead(`SELECT global_position, event_id, stream_id, stream_version, type, data,
                                (extract(epoch FROM date_trunc('milliseconds', recorded_at)) * 1000)::bigint AS at
                           FROM events WHERE global_position > $1 AND ${BELOW_BOUND} ORDER BY global_position LIMIT $2`),
      values: [after, pageLimit(limit)],
      rowMode: 'array',
    });
    const events: ProjectedEvent[] = [];
    for (const r of res.rows) {
      if (r[2] === null) continue;
      events.push({
        globalPosition: Number(r[2]),
        eventId: r[3],
        streamId: r[4],
        streamVersion: Number(r[5]),
        type: r[6],
        data: r[7],
        recordedAt: new Date(Number(r[8])),
      });
    }
    return { events, heldBack: heldBackAt({ held: res.rows[0][0], bound: res.rows[0][1] }) };
  }

  async readPositions(positions: number[]): Promise<StoredEvent[]> {
    if (positions.length === 0) return [];
    const res = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE global_position = ANY($1::bigint[]) ORDER BY global_position`,
      [positions],
    );
    return res.rows.map(rowToEvent);
  }

  async readInStreamOrder(
    after: { streamId: string; version: number },
    limit: number,
    streamId?: string,
  ): Promise<StoredEvent[]> {
    const { rows } = streamId
      ? await this.pool.query(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version LIMIT $3`,
          [streamId, after.version, pageLimit(limit)],
        )
      : await this.pool.query(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE (stream_id, stream_version) > ($1, $2) ORDER BY stream_id, stream_version LIMIT $3`,
          [after.streamId, after.version, pageLimit(limit)],
        );
    return rows.map(rowToEvent);
  }

  async countAfter(position: number, cap: number): Promise<number> {
    const { rows } = await this.pool.query(
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM events WHERE global_position > $1 LIMIT $2) x',
      [position, cap],
    );
    return rows[0].n;
  }

  async positions(): Promise<{ safe: number; last: number }> {
    const res = await this.pool.query(
      `SELECT coalesce((SELECT max(global_position) FROM events WHERE ${COMMITTED}), 0) AS safe,
              coalesce((SELECT max(global_position) FROM events), 0) AS last`,
    );
    return { safe: Number(res.rows[0].safe), last: Number(res.rows[0].last) };
  }

  onAppended(listener: (lastPosition: number) => void): () => void {
    this.emitter.on('appended', listener);
    return () => this.emitter.off('appended', listener);
  }

  /**
   * An append that failed has rolled back: readers held back behind it may go on. Wake them here and in other
   * processes (position 0: nothing new, look again).
   */
  private released(): void {
    this.emitter.emit('appended', 0);
    this.scheduleNotify(0);
  }

  /**
   * NOTIFY other processes after commit, outside the appending transaction so that it never serialises appends;
   * the appends of one turn of the event loop go in one notification (their last positions, comma-separated: a
   * reader held back wakes for the one append that held it back, so none is coalesced away).
   */
  private scheduleNotify(position: number): void {
    if (!this.options.notify) return;
    if (this.notifyPending !== null) {
      this.notifyPending.add(position);
      return;
    }
    this.notifyPending = new Set([position]);
    setImmediate(() => {
      const positions = [...this.notifyPending!];
      this.notifyPending = null;
      if (this.closed) return;
      // a NOTIFY payload holds less than 8,000 bytes: a busy turn sends its positions in several
      for (let i = 0; i < positions.length; i += 400) {
        this.pool
          .query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, positions.slice(i, i + 400).join(',')])
          .catch(() => undefined);
      }
    });
  }

  private async connectListener(): Promise<void> {
    const client = new Client(this.poolConnectionConfig());
    client.on('notification', (msg) => {
      if (msg.channel !== NOTIFY_CHANNEL) return;
      for (const p of (msg.payload ?? '0').split(',')) this.emitter.emit('appended', Number(p) || 0);
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
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed) this.connectListener().catch(() => this.reconnectListenerSoon());
    }, 1000);
    this.reconnectTimer.unref();
  }

  private poolConnectionConfig() {
    return (this.pool as unknown as { options: Record<string, unknown> }).options;
  }
}

/**
 * Stores events exactly as they were recorded elsewhere (positions, times, hashes), inside the caller's transaction:
 * an auditor's replay of an export (with the read models projected in the same transaction) and generated logs.
 */
export async function insertRecordedEvents(db: Queryable, batch: StoredEvent[]): Promise<void> {
  await db.query(
    `INSERT INTO events (global_position, event_id, stream_id, stream_version, type, schema_version, data, metadata, actor,
       correlation_id, causation_id, recorded_at, hash)
     SELECT u.pos, u.id, u.sid, u.ver, u.typ, u.sv, u.dat::jsonb, u.met::jsonb, u.act, u.cor, u.cau, u.at, decode(u.h, 'hex')
       FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[],
                   $10::uuid[], $11::uuid[], $12::timestamptz[], $13::text[])
            AS u(pos, id, sid, ver, typ, sv, dat, met, act, cor, cau, at, h)`,
    [
      batch.map((e) => e.globalPosition),
      batch.map((e) => e.eventId),
      batch.map((e) => e.streamId),
      batch.map((e) => e.streamVersion),
      batch.map((e) => e.type),
      batch.map((e) => e.schemaVersion),
      batch.map((e) => JSON.stringify(e.data)),
      batch.map((e) => JSON.stringify(e.metadata)),
      batch.map((e) => e.actor),
      batch.map((e) => e.correlationId),
      batch.map((e) => e.causationId),
      batch.map((e) => e.recordedAt),
      batch.map((e) => e.hash),
    ],
  );
}

/** Whether the log holds no event yet, inside the caller's transaction (a replay needs an empty one). */
export async function logIsEmpty(db: Queryable): Promise<boolean> {
  const { rows } = await db.query('SELECT NOT EXISTS (SELECT 1 FROM events) AS empty');
  return rows[0].empty;
}

/** The append statement for one stream, for callers that must run it inside their own transaction (tests). */
export function appendStatement(streamId: string, expectedVersion: ExpectedVersion, events: EventToAppend[]) {
  const [mode, expected] = modeOf(expectedVersion);
  const { text, values } = appendQuery(streamId, mode, expected, prepare(streamId, events));
  return { text, values };
}

function appendQuery(streamId: string, mode: string, expected: number, prepared: PreparedEvent[]) {
  if (prepared.length === 1) {
    const p = prepared[0];
    return {
      name: 'rectify_append_one',
      text: APPEND_ONE_SQL,
      values: [
        streamId,
        mode,
        expected,
        p.id,
        p.type,
        p.schemaVersion,
        p.data,
        p.metadata,
        p.actor,
        p.correlationId,
        p.causationId,
      ],
    };
  }
  return {
    name: 'rectify_append_many',
    text: APPEND_MANY_SQL,
    values: appendValues(streamId, mode, expected, prepared),
  };
}

function appendValues(streamId: string, mode: string, expected: number, prepared: PreparedEvent[]): unknown[] {
  return [streamId, mode, expected, ...eventArrays(prepared)];
}

/** The eight per-event arrays ($4…$11 of the append statements). */
function eventArrays(prepared: PreparedEvent[]): unknown[][] {
  return [
    prepared.map((p) => p.id),
    prepared.map((p) => p.type),
    prepared.map((p) => p.schemaVersion),
    prepared.map((p) => p.data),
    prepared.map((p) => p.metadata),
    prepared.map((p) => p.actor),
    prepared.map((p) => p.correlationId),
    prepared.map((p) => p.causationId),
  ];
}

/** Items (or array elements) handled between two yields to the event loop in a large append. */
const YIELD_EVERY = 100;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Postgres array literals of these arrays (text, numbers, nulls), as node-postgres would write them, built
 * YIELD_EVERY elements at a time.
 */
async function arrayLiterals(arrays: unknown[][]): Promise<string[]> {
  const out: string[] = [];
  for (const array of arrays) {
    const parts: string[] = [];
    for (let i = 0; i < array.length; i++) {
      const v = array[i];
      parts.push(v === null || v === undefined ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
    }
    out.push(`{${parts.join(',')}}`);
  }
  return out;
}

/** jsonb refuses some text JSON.stringify accepts (lone surrogates): bad input, not a server fault. */
function translate(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (e.code === '22P02' || e.code === '22P05') return new InvalidEventError('data', e.message ?? 'invalid JSON text');
  return err;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === constraint;
}
