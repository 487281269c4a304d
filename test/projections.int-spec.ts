import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PoolClient } from 'pg';
import { campaignDecider, campaignStream, CampaignCommand } from '../src/campaigns/campaign.decider';
import { PhaseId, PHASES } from '../src/domain';
import { campaignsProjection } from '../src/campaigns/campaigns.projection';
import { rectificationProjection } from '../src/projections/rectification.projection';
import { foldStreams } from '../src/projections/evolve-row';
import { SelfInspectionEvent, selfInspectionDecider } from '../src/self-correction/self-inspection.decider';
import { ProjectedEvent, StoredEvent } from '../src/event-store/event-store';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { Projection } from '../src/projections/projection';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { applyEvents, ProjectionRunner, readWindows } from '../src/projections/projection-runner';
import { FLUSH_ROWS, RowBuffer, TableSpec } from '../src/projections/row-buffer';
import { tableChecksum } from '../src/projections/shadow-rebuild';
import { insertRecordedEvents } from '../src/event-store/pg-event-store';
import { eventFromJson } from '../src/http/event-json';
import { lianyungang2021 } from '../src/seed/lianyungang-2021';
import { fold } from '../src/shared/decider';
import { withDistricts } from '../src/webhooks/event-districts';
import { createTestDatabase, TestDatabase } from './support/database';

let db: TestDatabase;
let store: PgEventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PgEventStore(db.pool);
  await db.pool.query('CREATE TABLE applied (event_id uuid NOT NULL, position bigint NOT NULL, runner text NOT NULL)');
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const meta = () => ({ actor: { id: 'tester', role: 'city-admin' }, correlationId: randomUUID() });

async function appendMany(prefix: string, count: number, extra: (i: number) => object = () => ({})): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store.appendToStream(
      `${prefix}-${i % 7}`,
      [{ type: 'test.counted', data: { i, ...extra(i) }, metadata: meta() }],
      {
        expectedVersion: 'any',
      },
    );
  }
}

/** Records every event it applies, with no uniqueness constraint, so a double application would show. */
function recording(
  name: string,
  runner: string,
  onApply?: (tx: PoolClient, e: ProjectedEvent) => Promise<void>,
): Projection {
  return {
    name,
    tables: [],
    async apply(tx, e) {
      await tx.query('INSERT INTO applied (event_id, position, runner) VALUES ($1, $2, $3)', [
        e.eventId,
        e.globalPosition,
        `${name}/${runner}`,
      ]);
      await onApply?.(tx, e);
    },
  };
}

/** The last position written (committed or not yet safe to read): what a runner must reach eventually. */
async function lastPosition(): Promise<number> {
  return Number((await db.pool.query('SELECT coalesce(max(global_position), 0) AS p FROM events')).rows[0].p);
}

/**
 * catchUp stops at what is safe to read now; a transaction of another test database on the same server can
 * hold that back for a moment, so tests wait for the last written position.
 */
async function catchUpFully(runner: ProjectionRunner, projection: Projection): Promise<number> {
  const target = await lastPosition();
  let applied = 0;
  const deadline = Date.now() + 20000;
  while ((await runner.checkpoint(projection.name)) < target && Date.now() < deadline) {
    applied += await runner.catchUp(projection);
  }
  return applied;
}

/** Waits until everything written is safe to read (another test database's transaction may hold it back). */
async function settled(): Promise<void> {
  const target = await lastPosition();
  for (let i = 0; i < 500 && (await store.positions()).safe < target; i++) await new Promise((r) => setTimeout(r, 10));
}

async function eventCount(): Promise<number> {
  return Number((await db.pool.query('SELECT count(*) FROM events')).rows[0].count);
}

async function appliedBy(name: string): Promise<{ total: number; distinct: number }> {
  const r = await db.pool.query(
    `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied WHERE runner LIKE $1`,
    [`${name}/%`],
  );
  return r.rows[0];
}

/** The words of each statement `tx` sends while `use` runs (a COPY is sent as a stream with its text). */
async function statementsSent(tx: PoolClient, use: () => Promise<unknown>): Promise<string[][]> {
  const sent: string[][] = [];
  const query = tx.query.bind(tx);
  (tx as unknown as { query: unknown }).query = (text: string | { text: string }, params: unknown[]) => {
    sent.push((typeof text === 'string' ? text : text.text).trim().split(/\s+/));
    return query(text as string, params);
  };
  try {
    await use();
  } finally {
    (tx as unknown as { query: unknown }).query = query;
  }
  return sent;
}

/** The e2e run's log: a campaign's four phases, 8 subjects. */
const lifecycle = readFileSync(join(__dirname, '..', 'scripts', 'fixtures', 'lifecycle.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map(eventFromJson);

describe('checkpoints commit with the read model', () => {
  it('a batch that fails part-way leaves neither its rows nor its checkpoint', async () => {
    const name = `fails-${randomUUID().slice(0, 8)}`;
    await appendMany(`f${name}`, 5);
    const head = await lastPosition();
    const before = await eventCount();
    await store.appendToStream(`f${name}-x`, [{ type: 'test.poison', data: {}, metadata: meta() }], {
      expectedVersion: 'any',
    });
    await settled();
    const projection = recording(name, 'a', async (_tx, e) => {
      if (e.type === 'test.poison') throw new Error('cannot apply');
    });
    const runner = new ProjectionRunner(db.pool, store, [projection], { batchSize: 100000 });
    await runner.ensureCheckpoints();
    await expect(runner.catchUp(projection)).rejects.toThrow('cannot apply');
    expect(await runner.checkpoint(name)).toBe(0);
    expect((await appliedBy(name)).total).toBe(0);
    // With batches that end before the poison, the earlier events are applied and checkpointed exactly.
    const small = new ProjectionRunner(db.pool, store, [projection], { batchSize: 1 });
    await expect(small.catchUp(projection)).rejects.toThrow('cannot apply');
    expect(await small.checkpoint(name)).toBe(head);
    expect((await appliedBy(name)).total).toBe(before);
  });

  it('a connection killed inside a batch applies nothing of it; the next run applies every event once', async () => {
    const name = `killed-${randomUUID().slice(0, 8)}`;
    await appendMany(`k${name}`, 20);
    await settled();
    let killed = false;
    const projection = recording(name, 'a', async (tx, e) => {
      if (!killed && e.data.i === 10) {
        killed = true;
        // The database connection dies between the read-model write and the checkpoint update.
        await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
      }
    });
    const runner = new ProjectionRunner(db.pool, store, [projection], { batchSize: 1000 });
    await runner.ensureCheckpoints();
    await expect(runner.catchUp(projection)).rejects.toThrow();
    expect(await runner.checkpoint(name)).toBe(0);
    expect((await appliedBy(name)).total).toBe(0);
    const applied = await catchUpFully(runner, projection);
    const head = await lastPosition();
    const count = await eventCount();
    expect(applied).toBe(count);
    expect(await appliedBy(name)).toEqual({ total: count, distinct: count });
    expect(await runner.checkpoint(name)).toBe(head);
  });
});

describe('readWindows', () => {
  it('hands the whole log on in order, in windows of at least the size asked, one window at a time', async () => {
    await appendMany(`w${randomUUID().slice(0, 8)}`, 45);
    await settled();
    const expected = (await db.pool.query('SELECT global_position FROM events ORDER BY global_position')).rows.map(
      (r) => Number(r.global_position),
    );
    const windows: number[][] = [];
    let handling = 0;
    let overlapped = false;
    const total = await readWindows(store, 0, { page: 7, window: 20 }, async (events) => {
      overlapped ||= handling > 0;
      handling++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      windows.push(events.map((e) => e.globalPosition));
      handling--;
    });
    expect(overlapped).toBe(false);
    expect(total).toBe(expected.length);
    expect(windows.flat()).toEqual(expected);
    expect(windows.length).toBeGreaterThan(2);
    for (const w of windows.slice(0, -1)) expect(w.length).toBeGreaterThanOrEqual(20);
    for (const w of windows) expect(w.length).toBeLessThan(27);
  });

  it('rejects with the error of a window that fails', async () => {
    let handled = 0;
    await expect(
      readWindows(store, 0, { page: 5, window: 5 }, async () => {
        if (++handled === 2) throw new Error('window failed');
      }),
    ).rejects.toThrow('window failed');
  });
});

describe('several runners of one projection', () => {
  it('apply each event exactly once while events keep arriving', async () => {
    const name = `shared-${randomUUID().slice(0, 8)}`;
    const runners = ['a', 'b', 'c'].map(
      (r) => new ProjectionRunner(db.pool, store, [recording(name, r)], { batchSize: 7, pollMs: 50 }),
    );
    await runners[0].ensureCheckpoints();
    runners.forEach((r) => r.start());
    await appendMany(`s${name}`, 150);
    const head = await lastPosition();
    expect(await Promise.all(runners.map((r) => r.waitFor(head, 20000)))).toEqual([true, true, true]);
    await Promise.all(runners.map((r) => r.stop()));
    const count = await eventCount();
    expect(await appliedBy(name)).toEqual({ total: count, distinct: count });
    expect(await runners[0].checkpoint(name)).toBe(head);
  });
});

describe('the projections as a group', () => {
  it('three runners of three projections apply each event once to each, while events keep arriving', async () => {
    const names = ['x', 'y', 'z'].map((n) => `grp-${n}-${randomUUID().slice(0, 8)}`);
    const runners = ['a', 'b', 'c'].map(
      (r) =>
        new ProjectionRunner(
          db.pool,
          store,
          names.map((n) => recording(n, r)),
          { batchSize: 7 },
        ),
    );
    await runners[0].ensureCheckpoints();
    runners.forEach((r) => r.start());
    await appendMany(`g${names[0]}`, 120);
    const head = await lastPosition();
    expect(await Promise.all(runners.map((r) => r.waitFor(head, 20000)))).toEqual([true, true, true]);
    await Promise.all(runners.map((r) => r.stop()));
    const count = await eventCount();
    for (const n of names) expect(await appliedBy(n)).toEqual({ total: count, distinct: count });
  });

  it('a projection that keeps failing leaves the group: the others go on; once it heals it catches up', async () => {
    const good = `good-${randomUUID().slice(0, 8)}`;
    const bad = `bad-${randomUUID().slice(0, 8)}`;
    let broken = true;
    const failures: string[] = [];
    const runner = new ProjectionRunner(
      db.pool,
      store,
      [
        recording(good, 'r'),
        recording(bad, 'r', async () => {
          if (broken) throw new Error('cannot apply yet');
        }),
      ],
      { batchSize: 5, onError: (name) => failures.push(name) },
    );
    await runner.ensureCheckpoints();
    runner.start();
    await appendMany(`f${good}`, 30);
    const head = await lastPosition();
    // the healthy projection reaches the head although its partner fails on every batch (more than one page: 30 > 5)
    expect(await runner.waitFor(head, 20000, [good])).toBe(true);
    expect(failures).toContain(bad);
    expect(await runner.checkpoint(bad)).toBeLessThan(head);
    broken = false;
    expect(await runner.waitFor(head, 20000, [bad])).toBe(true);
    await runner.stop();
    const count = await eventCount();
    expect(await appliedBy(good)).toEqual({ total: count, distinct: count });
    expect(await appliedBy(bad)).toEqual({ total: count, distinct: count });
  });
});

describe('the campaigns projection', () => {
  async function runCommands(): Promise<void> {
    const ctx = {
      now: new Date('2022-04-01T00:00:00Z'),
      principal: { sub: 'a', role: 'city-admin' as const, districts: [] },
    };
    for (let n = 0; n < 12; n++) {
      const id = randomUUID();
      const stream = campaignStream(id);
      const commands: CampaignCommand[] = [
        { ...lianyungang2021, campaignId: id, title: `第${n}号 ${lianyungang2021.title}` },
      ];
      PHASES.slice(0, n % 5).forEach((phase: PhaseId, i) => {
        commands.push({ type: 'OpenPhase', phase });
        if (i < (n % 5) - 1 || n % 2 === 0) commands.push({ type: 'ClosePhase', phase });
      });
      if (n % 3 === 0)
        commands.push({ type: 'SetDeadline', key: 'summary-report', due: '2022-09-30', reason: `改期 ${n}` });
      let version = 0;
      for (const c of commands) {
        const state = fold(
          campaignDecider,
          (await store.readStream(stream)).map((e) => ({ type: e.type, data: e.data })),
        );
        const events = campaignDecider.decide(c, state, ctx);
        if (!events.length) continue;
        const r = await store.appendToStream(
          stream,
          events.map((e) => ({ type: e.type, data: e.data, metadata: meta() })),
          {
            expectedVersion: version,
          },
        );
        version = r.nextExpectedVersion;
      }
    }
  }

  const snapshot = async () => (await db.pool.query('SELECT * FROM rm_campaigns ORDER BY id')).rows;

  it('a rebuild from the log produces the same read model as live processing', async () => {
    const runner = new ProjectionRunner(db.pool, store, [campaignsProjection], { pollMs: 20 });
    await runner.ensureCheckpoints();
    runner.start();
    await runCommands();
    expect(await runner.waitFor(await lastPosition(), 20000)).toBe(true);
    await runner.stop();
    const live = await snapshot();
    expect(live).toHaveLength(12);
    expect(live.map((r) => r.status).sort()).toEqual(expect.arrayContaining(['launched', 'in-progress', 'completed']));

    const report = await runner.rebuild(campaignsProjection);
    expect(report.events).toBe(await eventCount());
    expect(await snapshot()).toEqual(live);
    // in windows of a few events, each its own transaction: the same rows, the same checkpoint
    const windowed = new ProjectionRunner(db.pool, store, [campaignsProjection], { batchSize: 3, rebuildWindow: 10 });
    expect((await windowed.rebuild(campaignsProjection)).events).toBe(report.events);
    expect(await snapshot()).toEqual(live);

    await runner.refreshLagMetrics();
    expect(await runner.checkpoint('campaigns')).toBe(await lastPosition());
  });
});

describe('batched projections', () => {
  const tables = ALL_PROJECTIONS.flatMap((p) => p.tables);

  /**
   * What `read` finds after the log is applied in batches of `size`, in a transaction that is rolled back. The events
   * are stored in the log first, as a projection only applies events of the log (it may read a stream's earlier ones).
   */
  async function afterApplying<T>(
    events: StoredEvent[],
    size: number,
    read: (tx: PoolClient) => Promise<T>,
  ): Promise<T> {
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query(`TRUNCATE ${tables.join(', ')}`);
      // the fixture's positions are fixed; this file's own appends (xid-based) may have reached them on this server
      await tx.query('DELETE FROM events');
      await insertRecordedEvents(tx, events);
      for (let i = 0; i < events.length; i += size) {
        for (const p of ALL_PROJECTIONS) await applyEvents(tx, p, events.slice(i, i + size));
      }
      return await read(tx);
    } finally {
      await tx.query('ROLLBACK');
      tx.release();
    }
  }

  /** Every read model after the log is applied in batches of `size`. */
  const projected = (events: StoredEvent[], size: number) =>
    afterApplying(events, size, async (tx) => {
      const out: Record<string, { rows: number; checksum: string }> = {};
      for (const t of tables) out[t] = await tableChecksum(tx, t);
      return out;
    });

  it('leave every table as applying the events one by one does, whatever the batch size', async () => {
    const one = await projected(lifecycle, 1);
    // the fixture (a campaign's four phases, recorded before files were stored) fills every read model but the webhook
    // subscriptions and the file references
    expect(
      Object.entries(one)
        .filter(([, t]) => t.rows === 0)
        .map(([name]) => name)
        .sort(),
    ).toEqual(['rm_file_references', 'rm_webhook_subscriptions']);
    for (const size of [2, 7, 50, lifecycle.length])
      expect({ size, tables: await projected(lifecycle, size) }).toEqual({ size, tables: one });
  });

  it('keep an event whose stream began in an earlier batch, and skip one whose stream was never begun', async () => {
    const tip = lifecycle.filter((e) => e.streamId.startsWith('tip-'));
    const byStream = new Map<string, StoredEvent[]>();
    for (const e of tip) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    const [stream, events] = [...byStream.entries()].find(([, es]) => es.length > 2)!;
    const whole = await projected(events, events.length);
    expect(whole.rm_documents.rows).toBe(1);
    // the first event alone, then the rest in one batch: the rest continues the stored row
    expect(await projected(events, 1)).toEqual(whole);
    // without the stream's first event nothing is written for it
    const headless = await projected(events.slice(1), events.length);
    expect({ stream, rows: headless.rm_documents.rows }).toEqual({ stream, rows: 0 });
  });

  it('drop a finding when its item is answered again without a problem, in the same batch or a later one', async () => {
    const answered = lifecycle.find(
      (e) =>
        e.type === 'inspection.answered' &&
        (e.data as { answers: { problemPresent: boolean }[] }).answers.some((a) => a.problemPresent),
    )!;
    const stream = lifecycle.filter((e) => e.streamId === answered.streamId);
    const data = answered.data as {
      inspectionId: string;
      answers: { itemCode: string; problemPresent: boolean; manifestation?: string }[];
    };
    const problem = data.answers.find((a) => a.problemPresent)!.itemCode;
    const clean = data.answers.find((a) => !a.problemPresent)!.itemCode;
    const last = stream[stream.length - 1];
    const reanswered: StoredEvent = {
      ...answered,
      eventId: randomUUID(),
      streamVersion: last.streamVersion + 1,
      globalPosition: Math.max(...lifecycle.map((e) => e.globalPosition)) + 1,
      data: {
        ...data,
        answers: [
          { itemCode: problem, problemPresent: false },
          { itemCode: clean, problemPresent: true, manifestation: '复查发现：台账缺页' },
        ],
      },
    };
    const findings = (tx: PoolClient) =>
      tx.query('SELECT item_code, manifestation FROM rm_findings WHERE inspection_id = $1 ORDER BY item_code', [
        data.inspectionId,
      ]);
    const before = (await afterApplying(stream, stream.length, findings)).rows;
    expect(before.map((r) => r.item_code)).toContain(problem);
    const expected = [
      ...before.filter((r) => r.item_code !== problem),
      { item_code: clean, manifestation: '复查发现：台账缺页' },
    ].sort((a, b) => a.item_code.localeCompare(b.item_code));
    for (const size of [1, stream.length, stream.length + 1]) {
      expect({ size, rows: (await afterApplying([...stream, reanswered], size, findings)).rows }).toEqual({
        size,
        rows: expected,
      });
    }
  });
});

describe('foldStreams', () => {
  const stream = lifecycle.filter(
    (e) => e.streamId === lifecycle.find((x) => x.type === 'self-inspection.problem-listed')!.streamId,
  );
  const asEvent = (e: StoredEvent) => ({ type: e.type, data: e.data }) as SelfInspectionEvent;
  const steps = (events: StoredEvent[]) =>
    events.map((e) => ({ key: e.streamId, version: e.streamVersion, event: asEvent(e), first: e.streamVersion === 1 }));

  /** foldStreams over `batch`, with `logged` stored in the log first (rolled back afterwards). */
  async function folded(logged: StoredEvent[], batch: StoredEvent[]) {
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query('DELETE FROM events');
      await insertRecordedEvents(tx, logged);
      return await foldStreams(tx, selfInspectionDecider, steps(batch));
    } finally {
      await tx.query('ROLLBACK');
      tx.release();
    }
  }

  it('continues a stream from its earlier events in the log: the states around each event are those of folding the whole stream', async () => {
    expect(stream.length).toBeGreaterThan(3);
    const upTo = (n: number) => fold(selfInspectionDecider, stream.slice(0, n).map(asEvent));
    for (const cut of [1, 2, stream.length - 1]) {
      const out = await folded(stream, stream.slice(cut));
      expect({ cut, states: out }).toEqual({
        cut,
        states: stream.slice(cut).map((_, i) => ({ before: upTo(cut + i), after: upTo(cut + i + 1), created: false })),
      });
    }
    // a batch that starts the stream reads nothing and marks it created
    expect((await folded([], stream)).map((f) => [f.after, f.created])).toEqual(
      stream.map((_, i) => [upTo(i + 1), true]),
    );
  });

  it('gives no state to a stream whose first event is in neither the log nor the batch', async () => {
    const out = await folded(stream.slice(1), stream.slice(2));
    expect(out.map((f) => [f.before, f.after])).toEqual(stream.slice(2).map(() => [null, null]));
  });
});

describe('the rectification projection', () => {
  it('writes a batch that starts its streams by COPY only: forms, problems, findings and penalties', async () => {
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query(`TRUNCATE ${rectificationProjection.tables.join(', ')}`);
      const sent = await statementsSent(tx, () => applyEvents(tx, rectificationProjection, lifecycle));
      const writes = new Set(
        sent
          .filter(([verb]) => verb !== 'SELECT')
          .map(([verb, ...rest]) => `${verb} ${verb === 'INSERT' ? rest[1] : rest[0]}`),
      );
      const counts = await tx.query(
        `SELECT ${rectificationProjection.tables.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`,
      );
      // the fixture fills every table of the projection
      expect(Object.entries(counts.rows[0]).filter(([, n]) => n === 0)).toEqual([]);
      expect([...writes].sort()).toEqual(rectificationProjection.tables.map((t) => `COPY ${t}`).sort());
    } finally {
      await tx.query('ROLLBACK');
      tx.release();
    }
  });
});

describe('RowBuffer', () => {
  interface Row {
    k: string;
    n: string;
    a: string;
    tags: string[];
    doc: object | null;
  }
  const spec = (onConflict: 'nothing' | (keyof Row)[]): TableSpec<Row> => ({
    table: 'buffered',
    columns: { k: 'text', n: 'text', a: 'text', tags: 'text[]', doc: 'jsonb' },
    key: ['k', 'n'],
    onConflict,
  });
  const rows = async () => (await db.pool.query('SELECT * FROM buffered ORDER BY k, n')).rows;

  beforeEach(async () => {
    await db.pool.query('DROP TABLE IF EXISTS buffered');
    await db.pool.query('CREATE TABLE buffered (k text, n text, a text, tags text[], doc jsonb, PRIMARY KEY (k, n))');
    await db.pool.query(
      `INSERT INTO buffered VALUES ('old', '1', 'stored', '{x}', '{"v": 0}'), ('gone', '1', 'stored', '{}', null)`,
    );
  });

  /** Flushes the buffer and returns the verb of each statement it sent. */
  async function flushed(b: RowBuffer<Row>): Promise<string[]> {
    const tx = await db.pool.connect();
    try {
      return (await statementsSent(tx, () => b.flush(tx))).map(([verb]) => verb);
    } finally {
      tx.release();
    }
  }

  it('writes what the same upserts and deletes would, one by one: one DELETE, a COPY of what the DELETE cleared the way for, one INSERT', async () => {
    const b = new RowBuffer(spec(['tags', 'doc']));
    b.upsert({ k: 'old', n: '1', a: 'ignored: not an updated column', tags: ['y'], doc: { v: 1 } });
    b.upsert({ k: 'new', n: '1', a: 'first', tags: [], doc: null });
    b.upsert({ k: 'new', n: '1', a: 'second', tags: ['页', 'a"b', 'c,d'], doc: { 名称: '培训' } });
    b.delete({ k: 'gone', n: '1' });
    b.upsert({ k: 'again', n: '1', a: 'before', tags: [], doc: null });
    b.delete({ k: 'again', n: '1' });
    b.upsert({ k: 'again', n: '1', a: 'after', tags: ['z'], doc: null });
    b.delete({ k: 'old', n: '2' });
    expect(await flushed(b)).toEqual(['DELETE', 'COPY', 'INSERT']);
    expect(b.size).toBe(0);
    expect(await rows()).toEqual([
      { k: 'again', n: '1', a: 'after', tags: ['z'], doc: null },
      { k: 'new', n: '1', a: 'first', tags: ['页', 'a"b', 'c,d'], doc: { 名称: '培训' } },
      { k: 'old', n: '1', a: 'stored', tags: ['y'], doc: { v: 1 } },
    ]);
  });

  it('merges many upserts of a key into one row (insert-only columns from the first) without changing the rows it was given', async () => {
    const b = new RowBuffer(spec(['tags', 'doc']));
    const given = [1, 2, 3].map((i) => ({ k: 'new', n: '1', a: `upsert ${i}`, tags: [`t${i}`], doc: { i } }));
    const copies = structuredClone(given);
    for (const row of given) b.upsert(row, true);
    expect(await flushed(b)).toEqual(['COPY']);
    expect(await rows()).toContainEqual({ k: 'new', n: '1', a: 'upsert 1', tags: ['t3'], doc: { i: 3 } });
    expect(given).toEqual(copies);
  });

  it('sends a large flush in statements of at most FLUSH_ROWS rows, deletes first', async () => {
    const b = new RowBuffer(spec(['a']));
    const many = 2 * FLUSH_ROWS + 1;
    for (let i = 0; i < FLUSH_ROWS; i++) b.delete({ k: 'absent', n: String(i) });
    b.delete({ k: 'gone', n: '1' });
    for (let i = 0; i < many; i++) b.upsert({ k: 'many', n: String(i), a: `第${i}行`, tags: [], doc: { i } });
    b.upsert({ k: 'old', n: '1', a: 'updated', tags: [], doc: null });
    expect(await flushed(b)).toEqual(['DELETE', 'DELETE', 'INSERT', 'INSERT', 'INSERT']);
    const { rows: counts } = await db.pool.query(
      `SELECT k, count(*)::int AS n, max(doc->>'i') FILTER (WHERE n = '${many - 1}') AS last FROM buffered GROUP BY k ORDER BY k`,
    );
    expect(counts).toEqual([
      { k: 'many', n: many, last: String(many - 1) },
      { k: 'old', n: 1, last: null },
    ]);
    expect(
      (await db.pool.query(`SELECT a FROM buffered WHERE k = 'old' OR (k = 'many' AND n = '${FLUSH_ROWS}') ORDER BY k`))
        .rows,
    ).toEqual([{ a: `第${FLUSH_ROWS}行` }, { a: 'updated' }]);
  });

  /** Text the COPY format and the array and JSON syntaxes each have to escape, and Chinese. */
  const awkward = (n: string): Row => ({
    k: 'awkward',
    n,
    a: `tab\there, new\nline, cr\rhere, back\\slash, \\N, "引号" 安全培训 ${n}`,
    tags: ['a"b', 'c,d', 'back\\slash', '{brace}', '', 'tab\t', 'NULL', '页'],
    doc: { s: 'x\ty\n"z"\\', 名称: '培训', n: Number(n), empty: null },
  });

  it('sends rows created in the batch by COPY, storing exactly what the upsert stores', async () => {
    const created = new RowBuffer(spec(['a']));
    for (const n of ['1', '2']) created.upsert(awkward(n), true);
    created.upsert({ k: 'awkward', n: '3', a: 'nulls', tags: [], doc: null }, true);
    expect(await flushed(created)).toEqual(['COPY']);
    const copied = (await rows()).filter((r) => r.k === 'awkward');
    expect(copied).toEqual([awkward('1'), awkward('2'), { k: 'awkward', n: '3', a: 'nulls', tags: [], doc: null }]);
    await db.pool.query(`DELETE FROM buffered WHERE k = 'awkward'`);
    const upserted = new RowBuffer(spec(['a']));
    for (const n of ['1', '2']) upserted.upsert(awkward(n));
    upserted.upsert({ k: 'awkward', n: '3', a: 'nulls', tags: [], doc: null });
    expect(await flushed(upserted)).toEqual(['INSERT']);
    expect((await rows()).filter((r) => r.k === 'awkward')).toEqual(copied);
  });

  it('COPY takes timestamps, dates, numbers, booleans and uuids as the table types them', async () => {
    interface Typed {
      id: string;
      at: Date | string;
      day: string;
      n: number;
      amount: number | null;
      ok: boolean;
    }
    await db.pool.query('DROP TABLE IF EXISTS typed');
    await db.pool.query(
      'CREATE TABLE typed (id uuid PRIMARY KEY, at timestamptz, day date, n bigint, amount numeric(14, 2), ok boolean)',
    );
    const b = new RowBuffer<Typed>({
      table: 'typed',
      columns: { id: 'uuid', at: 'timestamptz', day: 'date', n: 'bigint', amount: 'numeric', ok: 'boolean' },
      key: ['id'],
      onConflict: 'nothing',
    });
    const id = randomUUID();
    b.upsert(
      { id, at: new Date('2022-08-15T15:59:00.123Z'), day: '2022-09-30', n: 2 ** 40, amount: 12345.67, ok: false },
      true,
    );
    b.upsert(
      { id: randomUUID(), at: '2022-03-25T00:00:00+08:00', day: '2022-03-25', n: 0, amount: null, ok: true },
      true,
    );
    const tx = await db.pool.connect();
    try {
      await b.flush(tx);
    } finally {
      tx.release();
    }
    const { rows: stored } = await db.pool.query(
      `SELECT id, at, day::text, n::text, amount::text, ok FROM typed ORDER BY at`,
    );
    expect(stored).toEqual([
      {
        id: expect.any(String),
        at: new Date('2022-03-24T16:00:00Z'),
        day: '2022-03-25',
        n: '0',
        amount: null,
        ok: true,
      },
      {
        id,
        at: new Date('2022-08-15T15:59:00.123Z'),
        day: '2022-09-30',
        n: String(2 ** 40),
        amount: '12345.67',
        ok: false,
      },
    ]);
  });

  it('sends rows in key order', async () => {
    const b = new RowBuffer(spec(['a']));
    for (const n of ['e', 'b', 'd', 'a', 'c']) b.upsert({ k: 'ordered', n, a: n, tags: [], doc: null }, true);
    await flushed(b);
    // a fresh table's rows lie in the order they were inserted
    expect(
      (await db.pool.query(`SELECT n FROM buffered WHERE k = 'ordered' ORDER BY ctid`)).rows.map((r) => r.n),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a created row deleted again in the batch sends nothing; one created after that is copied, with no DELETE', async () => {
    const b = new RowBuffer(spec(['a']));
    b.upsert({ k: 'brief', n: '1', a: 'created', tags: [], doc: null }, true);
    b.delete({ k: 'brief', n: '1' });
    expect(await flushed(b)).toEqual([]);
    b.upsert({ k: 'brief', n: '2', a: 'created', tags: [], doc: null }, true);
    b.delete({ k: 'brief', n: '2' });
    b.upsert({ k: 'brief', n: '2', a: 'again', tags: [], doc: null });
    expect(await flushed(b)).toEqual(['COPY']);
    expect((await rows()).filter((r) => r.k === 'brief').map((r) => [r.n, r.a])).toEqual([['2', 'again']]);
  });

  it('fails the flush, changing nothing, when the table holds a key said to be created', async () => {
    const b = new RowBuffer(spec(['a']));
    b.upsert({ k: 'old', n: '1', a: 'overwritten?', tags: [], doc: null }, true);
    await expect(flushed(b)).rejects.toMatchObject({ code: '23505' });
    expect((await rows()).find((r) => r.k === 'old')).toEqual({
      k: 'old',
      n: '1',
      a: 'stored',
      tags: ['x'],
      doc: { v: 0 },
    });
  });

  it('sends a large flush of created rows in COPYs of at most FLUSH_ROWS rows', async () => {
    const b = new RowBuffer(spec(['a']));
    const many = 2 * FLUSH_ROWS + 1;
    for (let i = 0; i < many; i++) b.upsert({ k: 'many', n: String(i), a: `第${i}行`, tags: [], doc: { i } }, true);
    expect(await flushed(b)).toEqual(['COPY', 'COPY', 'COPY']);
    expect(
      (await db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT a)::int AS a FROM buffered WHERE k = 'many'`))
        .rows,
    ).toEqual([{ n: many, a: many }]);
  });

  it('keeps the first row of a key with DO NOTHING, and the stored one', async () => {
    const b = new RowBuffer(spec('nothing'));
    b.upsert({ k: 'old', n: '1', a: 'not written', tags: [], doc: null });
    b.upsert({ k: 'new', n: '1', a: 'first', tags: [], doc: null });
    b.upsert({ k: 'new', n: '1', a: 'second', tags: [], doc: null });
    await flushed(b);
    expect((await rows()).map((r) => [r.k, r.a])).toEqual([
      ['gone', 'stored'],
      ['new', 'first'],
      ['old', 'stored'],
    ]);
  });
});

describe('migration 007 (a subject timeline as one row of positions)', () => {
  it('carries every position over, ascending, one row per subject', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query('DROP TABLE rm_subject_timeline');
      await tx.query(
        'CREATE TABLE rm_subject_timeline (subject_id uuid NOT NULL, global_position bigint NOT NULL, PRIMARY KEY (subject_id, global_position))',
      );
      await tx.query('INSERT INTO rm_subject_timeline VALUES ($1, 30), ($2, 5), ($1, 7), ($1, 4294967296012)', [a, b]);
      await tx.query(readFileSync(join(__dirname, '..', 'migrations', '007_subject_timeline_arrays.sql'), 'utf8'));
      const { rows } = await tx.query(
        'SELECT subject_id, positions FROM rm_subject_timeline ORDER BY cardinality(positions)',
      );
      expect(rows).toEqual([
        { subject_id: b, positions: ['5'] },
        { subject_id: a, positions: ['7', '30', '4294967296012'] },
      ]);
    } finally {
      await tx.query('ROLLBACK');
      tx.release();
    }
  });
});

describe('districts of events recorded before events carried them', () => {
  it('are derived by folding each stream (withDistricts), as the command path records them', async () => {
    const fresh = await createTestDatabase(4);
    try {
      await insertRecordedEvents(fresh.pool, lifecycle);
      const derived = await withDistricts(new PgEventStore(fresh.pool), lifecycle);
      const districtsOfType = (type: string) => [
        ...new Set(derived.filter((e) => e.type === type).map((e) => JSON.stringify(e.metadata.districts))),
      ];
      // a subject's events, an inspection's penalty and a self-inspection's problems: the subject's district
      for (const e of derived.filter((x) => x.type === 'subject.registered'))
        expect(e.metadata.districts).toEqual([(e.data as { districtCode: string }).districtCode]);
      const inspectionDistrict = new Map(
        derived
          .filter((e) => e.type === 'inspection.scheduled')
          .map((e) => [e.streamId, (e.data as { districtCode: string }).districtCode]),
      );
      for (const e of derived.filter((x) => x.type === 'inspection.penalty-recorded'))
        expect(e.metadata.districts).toEqual([inspectionDistrict.get(e.streamId)]);
      expect(districtsOfType('self-inspection.problem-listed').every((d) => JSON.parse(d).length === 1)).toBe(true);
      // the campaign's own events, groups and bulletins concern the whole campaign
      for (const type of [
        'campaign.launched',
        'campaign.phase-opened',
        'supervision.group-formed',
        'bulletin.published',
      ])
        expect([type, districtsOfType(type)]).toEqual([type, ['["*"]']]);
      // nothing is left without districts, and nothing but the campaign-wide aggregates is campaign-wide
      expect(derived.filter((e) => !Array.isArray(e.metadata.districts))).toEqual([]);
      expect(
        derived.filter(
          (e) =>
            (e.metadata.districts as string[]).includes('*') && !/^(campaign|supervision|bulletin)-/.test(e.streamId),
        ),
      ).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });
});
