import fc from 'fast-check';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import {
  EventIdConflictError,
  EventToAppend,
  InvalidEventError,
  StoredEvent,
  WrongExpectedVersionError,
} from '../src/event-store/event-store';
import { chainHash, StreamChainVerifier } from '../src/event-store/hash-chain';
import { EventSubscription } from '../src/event-store/subscription';
import { appendStatement, PgEventStore } from '../src/event-store/pg-event-store';
import { createTestDatabase, TestDatabase } from './support/database';
import { ADMIN_DATABASE_URL } from './support/services';

const meta = () => ({ actor: { id: 'tester', role: 'city-admin' }, correlationId: randomUUID() });
const ev = (n: number, extra: Partial<EventToAppend> = {}): EventToAppend => ({
  type: 'test.happened',
  data: { n, 名称: '安全培训机构' },
  metadata: meta(),
  ...extra,
});

let db: TestDatabase;
let store: PgEventStore;

beforeAll(async () => {
  db = await createTestDatabase(40);
  store = new PgEventStore(db.pool);
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

describe('expected version', () => {
  it('no-stream: appends to a new stream and refuses an existing one', async () => {
    const s = `t-${randomUUID()}`;
    const r = await store.appendToStream(s, [ev(1)], { expectedVersion: 'no-stream' });
    expect(r.nextExpectedVersion).toBe(1);
    await expect(store.appendToStream(s, [ev(2)], { expectedVersion: 'no-stream' })).rejects.toMatchObject({
      constructor: WrongExpectedVersionError,
      actual: 1,
    });
  });

  it('stream-exists: refuses a missing stream and appends to an existing one', async () => {
    const s = `t-${randomUUID()}`;
    await expect(store.appendToStream(s, [ev(1)], { expectedVersion: 'stream-exists' })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    expect(await store.readStream(s)).toHaveLength(0);
    await store.appendToStream(s, [ev(1)], { expectedVersion: 'no-stream' });
    const r = await store.appendToStream(s, [ev(2), ev(3)], { expectedVersion: 'stream-exists' });
    expect(r.nextExpectedVersion).toBe(3);
  });

  it('a number: must equal the current version (0 = no stream)', async () => {
    const s = `t-${randomUUID()}`;
    await store.appendToStream(s, [ev(1)], { expectedVersion: 0 });
    await expect(store.appendToStream(s, [ev(2)], { expectedVersion: 0 })).rejects.toMatchObject({ actual: 1 });
    await expect(store.appendToStream(s, [ev(2)], { expectedVersion: 2 })).rejects.toMatchObject({ actual: 1 });
    const r = await store.appendToStream(s, [ev(2)], { expectedVersion: 1 });
    expect(r.nextExpectedVersion).toBe(2);
  });

  it('any: appends whatever the stream holds', async () => {
    const s = `t-${randomUUID()}`;
    expect((await store.appendToStream(s, [ev(1)], { expectedVersion: 'any' })).nextExpectedVersion).toBe(1);
    expect((await store.appendToStream(s, [ev(2)], { expectedVersion: 'any' })).nextExpectedVersion).toBe(2);
  });

  it('returns the next version and global positions, and a refused append writes nothing', async () => {
    const s = `t-${randomUUID()}`;
    const r = await store.appendToStream(s, [ev(1), ev(2), ev(3)], { expectedVersion: 'no-stream' });
    expect(r.lastPosition - r.firstPosition).toBe(2);
    expect(r.events.map((e) => e.globalPosition)).toEqual([r.firstPosition, r.firstPosition + 1, r.lastPosition]);
    expect(r.events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    await expect(store.appendToStream(s, [ev(4)], { expectedVersion: 1 })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    const events = await store.readStream(s);
    expect(events.map((e) => e.globalPosition)).toEqual([r.firstPosition, r.firstPosition + 1, r.lastPosition]);
  });
});

describe('idempotency', () => {
  it('re-appending the same event ids returns the original result and writes nothing', async () => {
    const s = `t-${randomUUID()}`;
    const batch = [ev(1, { id: randomUUID() }), ev(2, { id: randomUUID() })];
    const first = await store.appendToStream(s, batch, { expectedVersion: 'no-stream' });
    const again = await store.appendToStream(s, batch, { expectedVersion: 'no-stream' });
    expect(again.idempotent).toBe(true);
    expect(again.nextExpectedVersion).toBe(first.nextExpectedVersion);
    expect(again.firstPosition).toBe(first.firstPosition);
    expect(await store.readStream(s)).toHaveLength(2);
  });

  it('reusing an event id in another append is a typed error', async () => {
    const id = randomUUID();
    await store.appendToStream(`t-${randomUUID()}`, [ev(1, { id })], { expectedVersion: 'any' });
    await expect(
      store.appendToStream(`t-${randomUUID()}`, [ev(1, { id })], { expectedVersion: 'any' }),
    ).rejects.toBeInstanceOf(EventIdConflictError);
  });
});

describe('validation', () => {
  it('refuses bad stream ids, types and metadata before touching the database', async () => {
    await expect(store.appendToStream('bad stream', [ev(1)], { expectedVersion: 'any' })).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    await expect(
      store.appendToStream('t-x', [ev(1, { type: '中文' })], { expectedVersion: 'any' }),
    ).rejects.toBeInstanceOf(InvalidEventError);
    await expect(
      store.appendToStream('t-x', [ev(1, { metadata: { actor: { id: 'a', role: 'r' }, correlationId: 'nope' } })], {
        expectedVersion: 'any',
      }),
    ).rejects.toMatchObject({ field: 'events[0].metadata.correlationId' });
    await expect(
      store.appendToStream('t-x', [ev(1, { data: { x: '\u0000' } })], { expectedVersion: 'any' }),
    ).rejects.toBeInstanceOf(InvalidEventError);
    expect(await store.readStream('t-x')).toHaveLength(0);
  });
});

describe('stored events', () => {
  it('carry id, type, schema version, versions, position, recorded time, actor, correlation and causation', async () => {
    const s = `t-${randomUUID()}`;
    const cause = randomUUID();
    const m = { actor: { id: 'alice', role: 'city-admin' }, correlationId: randomUUID(), causationId: cause };
    await store.appendToStream(
      s,
      [{ type: 'test.meta', schemaVersion: 3, data: { 名称: '重庆市“走过场”' }, metadata: m }],
      {
        expectedVersion: 'no-stream',
      },
    );
    const [e] = await store.readStream(s);
    expect(e).toMatchObject({
      streamId: s,
      streamVersion: 1,
      type: 'test.meta',
      schemaVersion: 3,
      actor: 'alice',
      correlationId: m.correlationId,
      causationId: cause,
      data: { 名称: '重庆市“走过场”' },
    });
    expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.globalPosition).toBeGreaterThan(0);
    expect(Math.abs(e.recordedAt.getTime() - Date.now())).toBeLessThan(60000);
  });

  it('are hash-chained per stream: the database hash is sha256(previous || canonical JSON)', async () => {
    const s = `t-${randomUUID()}`;
    await store.appendToStream(s, [ev(1), ev(2)], { expectedVersion: 'no-stream' });
    await store.appendToStream(s, [ev(3, { data: { nested: { z: 1, a: [1, 'x', null, true] }, text: '引号"\\' } })], {
      expectedVersion: 2,
    });
    const events = await store.readStream(s);
    expect(events[0].hash).toBe(chainHash('', events[0]));
    expect(events[1].hash).toBe(chainHash(events[0].hash, events[1]));
    expect(events[2].hash).toBe(chainHash(events[1].hash, events[2]));
    const v = new StreamChainVerifier(s);
    expect(events.map((e) => v.next(e)).filter(Boolean)).toEqual([]);
  });

  it('an altered row breaks the chain at that event', async () => {
    const s = `t-${randomUUID()}`;
    await store.appendToStream(s, [ev(1), ev(2), ev(3)], { expectedVersion: 'no-stream' });
    await db.pool.query(
      `UPDATE events SET data = jsonb_set(data, '{n}', '99') WHERE stream_id = $1 AND stream_version = 2`,
      [s],
    );
    const v = new StreamChainVerifier(s);
    const broken = (await store.readStream(s)).map((e) => v.next(e)).find(Boolean);
    expect(broken).toMatchObject({ streamVersion: 2 });
  });

  it('readStream honours fromVersion, toVersion and asOf', async () => {
    const s = `t-${randomUUID()}`;
    await store.appendToStream(s, [ev(1), ev(2), ev(3), ev(4)], { expectedVersion: 'no-stream' });
    expect((await store.readStream(s, { fromVersion: 2, toVersion: 3 })).map((e) => e.streamVersion)).toEqual([2, 3]);
    expect(await store.readStream(s, { asOf: new Date(Date.now() - 3600_000) })).toEqual([]);
  });

  it('readStreams reads several streams in one go, each from its start up to its version, by stream in version order', async () => {
    const [a, b, c] = ['b', 'a', 'c'].map((x) => `t-${x}-${randomUUID()}`);
    await store.appendToStream(a, [ev(1), ev(2), ev(3)], { expectedVersion: 'no-stream' });
    await store.appendToStream(b, [ev(4), ev(5)], { expectedVersion: 'no-stream' });
    await store.appendToStream(c, [ev(6)], { expectedVersion: 'no-stream' });
    const read = await store.readStreams([
      { streamId: a, toVersion: 2 },
      { streamId: b, toVersion: 5 },
    ]);
    expect(read.map((e) => [e.streamId, e.streamVersion, e.data.n])).toEqual([
      [b, 1, 4],
      [b, 2, 5],
      [a, 1, 1],
      [a, 2, 2],
    ]);
    expect(read[0]).toEqual((await store.readStream(b))[0]);
    expect(await store.readStreams([])).toEqual([]);
  });

  it('readAll filters by type and stream prefix and pages with its cursor', async () => {
    const prefix = `rp${randomUUID().slice(0, 8)}`;
    await store.appendToStream(`${prefix}-a`, [ev(1), ev(2, { type: 'test.other' })], { expectedVersion: 'any' });
    const last = await store.appendToStream(`${prefix}-b`, [ev(3)], { expectedVersion: 'any' });
    // a transaction elsewhere on the server (a parallel suite) may hold the snapshot's xmin for a moment
    for (let i = 0; i < 500 && (await store.positions()).safe < last.lastPosition; i++)
      await new Promise((r) => setTimeout(r, 10));
    const all = await store.readAll({ streamPrefix: prefix, limit: 10 });
    expect(all.events.map((e) => e.data.n)).toEqual([1, 2, 3]);
    const typed = await store.readAll({ streamPrefix: prefix, types: ['test.other'] });
    expect(typed.events.map((e) => e.data.n)).toEqual([2]);
    const page1 = await store.readAll({ streamPrefix: prefix, limit: 2 });
    const page2 = await store.readAll({ streamPrefix: prefix, limit: 2, after: page1.next });
    expect([...page1.events, ...page2.events].map((e) => e.data.n)).toEqual([1, 2, 3]);
  });
});

describe('readProjected', () => {
  it('gives the events readAll gives, as projections read them, and holds back a later-numbered commit the same way', async () => {
    const start = (await store.positions()).safe;
    const s = `proj-${randomUUID()}`;
    const appended = await store.appendToStream(
      s,
      [ev(1), ev(2, { type: 'test.other', data: { text: '整改\t"清单"\n\\' } })],
      { expectedVersion: 'no-stream' },
    );
    for (let i = 0; i < 500 && (await store.positions()).safe < appended.lastPosition; i++)
      await new Promise((r) => setTimeout(r, 10));
    const full = (await store.readAll({ after: start, limit: 100 })).events;
    const projected = await store.readProjected(start, 100);
    expect(projected).toEqual(
      full.map(({ eventId, streamId, streamVersion, globalPosition, type, data, recordedAt }) => ({
        eventId,
        streamId,
        streamVersion,
        globalPosition,
        type,
        data,
        recordedAt,
      })),
    );
    expect(projected.map((e) => e.streamId)).toEqual([s, s]);
    expect(projected[1].data).toEqual({ text: '整改\t"清单"\n\\' });
    expect((await store.readProjected(start, 1)).map((e) => e.globalPosition)).toEqual([appended.firstPosition]);

    const slow = await db.pool.connect();
    try {
      await slow.query('BEGIN');
      const r = await slow.query(appendStatement(`${s}-slow`, 'any', [ev(3)]));
      const slowPosition = Number(r.rows[0].global_position);
      const fast = await store.appendToStream(`${s}-fast`, [ev(4)], { expectedVersion: 'any' });
      expect((await store.readProjected(appended.lastPosition, 100)).map((e) => e.globalPosition)).not.toContain(
        fast.lastPosition,
      );
      await slow.query('COMMIT');
      let after = await store.readProjected(appended.lastPosition, 100);
      for (let i = 0; i < 200 && after.length < 2; i++) {
        await new Promise((res) => setTimeout(res, 10));
        after = await store.readProjected(appended.lastPosition, 100);
      }
      expect(after.map((e) => e.globalPosition)).toEqual([slowPosition, fast.lastPosition]);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
    }
  });
});

describe('concurrency', () => {
  it('50 concurrent appends to one stream at the same expected version: exactly one wins each version', async () => {
    const s = `t-${randomUUID()}`;
    await store.appendToStream(s, [ev(0)], { expectedVersion: 'no-stream' });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => store.appendToStream(s, [ev(i + 1)], { expectedVersion: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(49);
    rejected.forEach((r) => expect(r.reason).toBeInstanceOf(WrongExpectedVersionError));
    expect((await store.readStream(s)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('50 writers racing version by version each get exactly one winner per version', async () => {
    const s = `t-${randomUUID()}`;
    const wins = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 50 }, async (_, w) => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const current = (await store.readStream(s)).length;
          if (current >= 20) return;
          try {
            await store.appendToStream(s, [ev(w)], { expectedVersion: current });
            wins.set(current + 1, (wins.get(current + 1) ?? 0) + 1);
          } catch (err) {
            if (!(err instanceof WrongExpectedVersionError)) throw err;
          }
        }
      }),
    );
    const versions = (await store.readStream(s)).map((e) => e.streamVersion);
    expect(versions.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const [version, count] of wins) expect([version, count]).toEqual([version, 1]);
  });

  it('an event that commits after a later-numbered one is not skipped by a reader', async () => {
    const prefix = `late${randomUUID().slice(0, 8)}`;
    const s1 = `${prefix}-slow`;
    const s2 = `${prefix}-fast`;
    const start = (await store.positions()).safe;
    const slow = await db.pool.connect();
    try {
      await slow.query('BEGIN');
      // The slow transaction starts appending first (lower transaction id, lower position) and stays open.
      const r = await slow.query(appendStatement(s1, 'any', [ev(1)]));
      const slowPosition = Number(r.rows[0].global_position);
      const fast = await store.appendToStream(s2, [ev(2)], { expectedVersion: 'any' });
      expect(fast.lastPosition).toBeGreaterThan(slowPosition);
      // The later-numbered event has committed, but a reader must not pass the open one.
      const seen = await store.readAll({ after: start, streamPrefix: prefix });
      expect(seen.events.map((e) => e.globalPosition)).not.toContain(fast.lastPosition);
      await slow.query('COMMIT');
      // Both are now committed; a reader gets them in position order (once other transactions on the server,
      // which may hold the snapshot's xmin for a moment, have finished).
      let after = await store.readAll({ after: seen.next, streamPrefix: prefix });
      for (let i = 0; i < 200 && after.events.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 10));
        after = await store.readAll({ after: seen.next, streamPrefix: prefix });
      }
      expect(after.events.map((e) => e.globalPosition)).toEqual([slowPosition, fast.lastPosition]);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
    }
  });

  it('16 concurrent writers on different streams while a subscriber reads: every event exactly once, in global order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 1, max: 50 }),
        async (batchSizes, appendsPerWriter, readLimit) => {
          const run = randomUUID().slice(0, 8);
          const startAt = (await store.positions()).safe;
          const written = new Set<string>();
          const seen: StoredEvent[] = [];
          // A subscription from the position before the run; it must end with exactly the written events.
          // A skip shows as a missing id, a repeat as a duplicate.
          const subscription = new EventSubscription(store, {
            from: startAt,
            batchSize: readLimit,
            streamPrefix: `p${run}`,
            pollMs: 50,
            handle: async (events) => {
              seen.push(...events);
            },
          });
          subscription.start();
          await Promise.all(
            batchSizes.map(async (size, w) => {
              for (let i = 0; i < appendsPerWriter; i++) {
                const batch = Array.from({ length: size }, (_, k) => ev(i * 10 + k, { id: randomUUID() }));
                batch.forEach((b) => written.add(b.id!));
                await store.appendToStream(`p${run}-w${w}`, batch, { expectedVersion: 'any' });
              }
            }),
          );
          for (let i = 0; i < 2000 && seen.length < written.size; i++) await new Promise((r) => setTimeout(r, 10));
          await subscription.stop();
          const ids = seen.map((e) => e.eventId);
          expect(new Set(ids).size).toBe(ids.length);
          expect(new Set(ids)).toEqual(written);
          const positions = seen.map((e) => e.globalPosition);
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('the log order waits only for our own appends', () => {
  /** Resolves once `cond` holds (checked every 10 ms); fails after `ms`, a bound far above the normal lag. */
  const eventually = async (what: string, cond: () => boolean | Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  /** A transaction holding an xid, open in `url`'s database until `end()`. */
  async function openWriteTransaction(url: string) {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    const xid = Number((await client.query('SELECT txid_current() AS x')).rows[0].x);
    return {
      xid,
      async end() {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end();
      },
    };
  }

  /**
   * 16 writers append while `hold` keeps a transaction open; a subscriber must receive every event while it is still
   * open (the write transaction outlives the run: it ends only after the check).
   */
  async function sixteenWritersBeside(hold: { xid: number; end(): Promise<void> }, writeForMs = 0) {
    const run = randomUUID().slice(0, 8);
    const from = (await store.positions()).safe;
    const written = new Set<string>();
    const seen = new Set<string>();
    const subscription = new EventSubscription(store, {
      from,
      streamPrefix: `f${run}`,
      handle: async (events) => void events.forEach((e) => seen.add(e.eventId)),
      onError: (err) => errors.push((err as Error).message),
    });
    const errors: string[] = [];
    subscription.start();
    try {
      const first = await store.appendToStream(`f${run}-first`, [ev(0)], { expectedVersion: 'no-stream' });
      // positions after the open transaction's xid: the old bound (the snapshot's xmin) held every one of them back
      expect(first.firstPosition).toBeGreaterThan(hold.xid * 65536);
      written.add(first.events[0].eventId);
      await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          // at least 25 appends each, and go on (paced) until writeForMs has passed: the transaction stays open throughout
          const started = Date.now();
          for (let i = 0; i < 25 || Date.now() - started < writeForMs; i++) {
            const r = await store.appendToStream(`f${run}-w${w}`, [ev(i), ev(i + 100)], { expectedVersion: 'any' });
            r.events.forEach((e) => written.add(e.eventId));
            if (writeForMs) await new Promise((r) => setTimeout(r, 50));
          }
        }),
      );
      await eventually(
        'the subscriber sees every event while the other transaction is open',
        () => seen.size === written.size,
      ).catch(async (err) => {
        const page = await store.readAll({ after: subscription.checkpoint, streamPrefix: `f${run}`, limit: 5 });
        const locks = await db.pool.query(
          `SELECT rectify_safe_position() AS bound, pg_current_snapshot()::text AS snap`,
        );
        throw new Error(
          `${(err as Error).message}: seen ${seen.size} of ${written.size}, checkpoint ${subscription.checkpoint}, ` +
            `positions ${JSON.stringify(await store.positions())}, next read ${page.events.length} held ${page.heldBack !== null}, ${JSON.stringify(locks.rows[0])}, ` +
            `subscriber errors ${JSON.stringify(errors.slice(0, 5))}`,
        );
      });
      // and it saw them as they came: the open transaction never held it back for long (lags are in bench:consistency)
      expect(seen).toEqual(written);
      expect((await store.positions()).safe).toBeGreaterThanOrEqual(
        Math.max(...(await store.readStream(`f${run}-w0`)).map((e) => e.globalPosition)),
      );
    } finally {
      await subscription.stop();
      await hold.end();
    }
  }

  it('a write transaction open in another database for 30 s holds no reader back while 16 writers append', async () => {
    await sixteenWritersBeside(await openWriteTransaction(ADMIN_DATABASE_URL), 30_000);
  }, 150_000);

  it('a write transaction of ours that appends nothing holds no reader back either', async () => {
    const hold = await openWriteTransaction(db.url);
    await sixteenWritersBeside(hold);
  });

  it('a transaction seen in flight that has ended since counts as an appender only if it left events (asked afresh)', async () => {
    const xidOf = async (sql: (c: Client) => Promise<unknown>) => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query('BEGIN');
      await sql(c);
      const x = Number((await c.query('SELECT txid_current() AS x')).rows[0].x);
      return { x, c };
    };
    const appended = async (x: number) => (await db.pool.query('SELECT rectify_xid_appended($1) AS a', [x])).rows[0].a;
    const appender = await xidOf((c) => c.query(appendStatement(`t-${randomUUID()}`, 'no-stream', [ev(1)])));
    const other = await xidOf(async () => undefined);
    // still running (as one that has just taken its xid looks before it shows in the lock table): it may append
    const committed = async (x: number) =>
      (await db.pool.query('SELECT rectify_xid_committed_events($1) AS a', [x])).rows[0].a;
    expect([await appended(appender.x), await appended(other.x)]).toEqual([true, true]);
    // one shown running without an appender lock is passed while it runs
    expect([await committed(appender.x), await committed(other.x)]).toEqual([false, false]);
    await appender.c.query('COMMIT');
    await other.c.query('COMMIT');
    expect([await appended(appender.x), await appended(other.x)]).toEqual([true, false]);
    // caught between leaving the snapshot and releasing its locks, a committed appender still holds readers back
    expect([await committed(appender.x), await committed(other.x)]).toEqual([true, false]);
    const rolledBack = await xidOf((c) => c.query(appendStatement(`t-${randomUUID()}`, 'no-stream', [ev(1)])));
    await rolledBack.c.query('ROLLBACK');
    expect(await appended(rolledBack.x)).toBe(false);
    await Promise.all([appender.c.end(), other.c.end(), rolledBack.c.end()]);
  });

  it('an append refuses to run after another write of its transaction (its xid would not be ordered by the appender lock)', async () => {
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query('SELECT txid_current()');
      await expect(tx.query(appendStatement(`t-${randomUUID()}`, 'any', [ev(1)]))).rejects.toThrow(
        'first write of its transaction',
      );
    } finally {
      await tx.query('ROLLBACK');
      tx.release();
    }
  });

  it.each(['COMMIT', 'ROLLBACK'])(
    'an append of ours held open holds back only what comes after it, and after %s nothing is skipped',
    async (end) => {
      const prefix = `held${randomUUID().slice(0, 8)}`;
      const before = await store.appendToStream(`${prefix}-before`, [ev(1)], { expectedVersion: 'no-stream' });
      const from = before.firstPosition - 1;
      const slow = await db.pool.connect();
      try {
        await slow.query('BEGIN');
        const held = Number(
          (await slow.query(appendStatement(`${prefix}-held`, 'no-stream', [ev(2)]))).rows[0].global_position,
        );
        const after = await store.appendToStream(`${prefix}-after`, [ev(3)], { expectedVersion: 'no-stream' });
        expect(before.lastPosition).toBeLessThan(held);
        expect(after.firstPosition).toBeGreaterThan(held);
        // what came before it is read; what came after waits (committed, but behind a position that may still commit)
        await eventually(
          'the event before the held append is read',
          async () => (await store.readAll({ after: from, streamPrefix: prefix })).events.length === 1,
        );
        const page = await store.readAll({ after: from, streamPrefix: prefix });
        expect(page.events.map((e) => e.globalPosition)).toEqual([before.lastPosition]);
        expect(page.heldBack).not.toBeNull();
        // only the held append's own commit (or a rollback) can release what waits; another commit cannot
        expect(page.heldBack!.releasedBy(held)).toBe(true);
        expect(page.heldBack!.releasedBy(0)).toBe(true);
        expect(page.heldBack!.releasedBy(after.lastPosition)).toBe(false);
        expect((await store.readProjected(from, 100)).map((e) => e.globalPosition)).not.toContain(after.lastPosition);
        await slow.query(end);
        const expected =
          end === 'COMMIT'
            ? [before.lastPosition, held, after.lastPosition]
            : [before.lastPosition, after.lastPosition];
        await eventually(
          `every event after ${end}`,
          async () => (await store.readAll({ after: from, streamPrefix: prefix })).events.length === expected.length,
        );
        expect(
          (await store.readAll({ after: from, streamPrefix: prefix })).events.map((e) => e.globalPosition),
        ).toEqual(expected);
        // a cursor that had stopped before the held append resumes without a gap
        expect(
          (await store.readAll({ after: before.lastPosition, streamPrefix: prefix })).events.map(
            (e) => e.globalPosition,
          ),
        ).toEqual(expected.slice(1));
      } finally {
        await slow.query('ROLLBACK').catch(() => undefined);
        slow.release();
      }
    },
  );
});

describe('subscription', () => {
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('catches up from a checkpoint, then goes live, and resumes from where it stopped', async () => {
    const prefix = `sub${randomUUID().slice(0, 8)}`;
    await store.appendToStream(`${prefix}-a`, [ev(1), ev(2)], { expectedVersion: 'any' });
    const got: number[] = [];
    const first = new EventSubscription(store, {
      from: 0,
      streamPrefix: prefix,
      pollMs: 5000,
      handle: async (events) => void got.push(...events.map((e) => e.data.n)),
    });
    first.start();
    await until(() => got.length === 2);
    // Live: woken by this process's append, long before the 5 s poll.
    await store.appendToStream(`${prefix}-b`, [ev(3)], { expectedVersion: 'any' });
    await until(() => got.length === 3);
    await first.stop();
    expect(got).toEqual([1, 2, 3]);

    await store.appendToStream(`${prefix}-a`, [ev(4)], { expectedVersion: 'any' });
    const resumed = new EventSubscription(store, {
      from: first.checkpoint,
      streamPrefix: prefix,
      handle: async (events) => void got.push(...events.map((e) => e.data.n)),
    });
    resumed.start();
    await until(() => got.length === 4);
    await resumed.stop();
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('a failing handler is retried from the same position; nothing is skipped', async () => {
    const prefix = `subf${randomUUID().slice(0, 8)}`;
    await store.appendToStream(`${prefix}-a`, [ev(1), ev(2)], { expectedVersion: 'any' });
    const got: number[] = [];
    let failures = 0;
    const sub = new EventSubscription(store, {
      from: 0,
      streamPrefix: prefix,
      handle: async (events) => {
        if (failures++ < 2) throw new Error('receiver down');
        got.push(...events.map((e) => e.data.n));
      },
    });
    sub.start();
    await until(() => got.length === 2);
    await sub.stop();
    expect(failures).toBe(3);
    expect(got).toEqual([1, 2]);
  });
});

describe('appendToStreams', () => {
  it('a large batch (its arrays written a slice at a time) stores every value as given and chains every stream', async () => {
    const run = randomUUID().slice(0, 8);
    const tricky = ['引号"与反斜杠\\', '{"嵌套":[1,"a,b"]}', 'NULL', '', 'tab\tnew\nline', '\\"', '清单，整改'];
    const items = Array.from({ length: 1203 }, (_, i) => ({
      streamId: `big${run}-${i}`,
      expectedVersion: 'no-stream' as const,
      events: [
        ev(i, { data: { n: i, text: tricky[i % tricky.length], list: [tricky[(i + 1) % tricky.length], null] } }),
        ev(i, {
          type: 'test.other',
          metadata: { ...meta(), causationId: i % 2 ? randomUUID() : null, note: tricky[(i + 3) % tricky.length] },
        }),
      ],
    }));
    const results = await store.appendToStreams(items);
    expect(results.map((r) => r.nextExpectedVersion)).toEqual(items.map(() => 2));
    const stored = await store.readStreams(items.map((it) => ({ streamId: it.streamId, toVersion: 2 })));
    expect(stored).toHaveLength(items.length * 2);
    const byStream = new Map<string, StoredEvent[]>();
    for (const e of stored) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    for (const it of items) {
      const [a, b] = byStream.get(it.streamId)!;
      expect(a.data).toEqual(it.events[0].data);
      expect(b.metadata).toEqual(it.events[1].metadata);
      expect(b.causationId).toEqual(it.events[1].metadata.causationId);
      const verifier = new StreamChainVerifier(it.streamId);
      expect([verifier.next(a), verifier.next(b)]).toEqual([null, null]);
    }
  });

  it('appends to several streams in one transaction, each chained from its own last hash', async () => {
    const a = `m-${randomUUID()}`;
    const b = `m-${randomUUID()}`;
    await store.appendToStream(a, [ev(0)], { expectedVersion: 'no-stream' });
    const results = await store.appendToStreams([
      { streamId: a, events: [ev(1), ev(2)], expectedVersion: 1 },
      { streamId: b, events: [ev(3)], expectedVersion: 'no-stream' },
    ]);
    expect(results.map((r) => r.nextExpectedVersion)).toEqual([3, 1]);
    expect(results[1].firstPosition).toBe(results[0].lastPosition + 1);
    for (const s of [a, b]) {
      const v = new StreamChainVerifier(s);
      expect((await store.readStream(s)).map((e) => v.next(e)).filter(Boolean)).toEqual([]);
    }
  });

  it('writes nothing when one expected version fails, and names that stream', async () => {
    const a = `m-${randomUUID()}`;
    const b = `m-${randomUUID()}`;
    await store.appendToStream(b, [ev(0)], { expectedVersion: 'no-stream' });
    await expect(
      store.appendToStreams([
        { streamId: a, events: [ev(1)], expectedVersion: 'no-stream' },
        { streamId: b, events: [ev(2)], expectedVersion: 'no-stream' },
      ]),
    ).rejects.toMatchObject({ constructor: WrongExpectedVersionError, streamId: b, actual: 1 });
    expect(await store.readStream(a)).toEqual([]);
    expect(await store.readStream(b)).toHaveLength(1);
  });

  it('of two concurrent batches claiming the same new stream, exactly one commits', async () => {
    const shared = `m-${randomUUID()}`;
    const results = await Promise.allSettled(
      [0, 1].map((k) =>
        store.appendToStreams([
          { streamId: `m-${randomUUID()}`, events: [ev(k)], expectedVersion: 'no-stream' },
          { streamId: shared, events: [ev(k)], expectedVersion: 'no-stream' },
        ]),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      WrongExpectedVersionError,
    );
    expect(await store.readStream(shared)).toHaveLength(1);
  });
});
