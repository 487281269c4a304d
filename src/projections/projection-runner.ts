import { EventEmitter } from 'node:events';
import { Pool, PoolClient } from 'pg';
import { EventStore, HeldBack, ProjectedEvent } from '../event-store/event-store';
import { inTransaction } from '../infra/transaction';
import { projectionErrors, projectionLag, projectionPosition } from '../metrics/metrics';
import { Projection } from './projection';
import { HeldBackDelay, Wake } from '../shared/wake';

export interface RunnerOptions {
  batchSize?: number;
  /** fallback poll when no append notification arrives */
  pollMs?: number;
  onError?: (projection: string, err: unknown) => void;
  /** events per transaction in a rebuild (default REBUILD_WINDOW), read in pages of `batchSize` */
  rebuildWindow?: number;
}

/** Events per page when a rebuild reads the whole log (the most one read returns). */
export const REBUILD_PAGE = 10000;

/**
 * Events per transaction when a rebuild applies the log: its pages gathered into a window, so a row that several
 * of the window's events change (a subject's self-inspection, answered and then submitted) is folded in memory
 * and written once per window rather than once per page. Measured on 1,000,000 events: 100,000 beats 10,000 by
 * 1.6×; 200,000 gains nothing more and 333,000 loses to garbage collection.
 */
export const REBUILD_WINDOW = 100000;
/** Events applied to a projection between two ANALYZEs of its tables. */
const ANALYZE_EVERY = 10000;

export interface RebuildReport {
  projection: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/** Applies a batch of the log (in order) to one projection inside the caller's transaction: its events only. */
export async function applyEvents(tx: PoolClient, projection: Projection, events: ProjectedEvent[]): Promise<void> {
  const wanted = projection.eventTypes ? new Set(projection.eventTypes) : null;
  const relevant = wanted ? events.filter((e) => wanted.has(e.type)) : events;
  if (projection.applyBatch) {
    if (relevant.length) await projection.applyBatch(tx, relevant);
  } else {
    for (const event of relevant) await projection.apply(tx, event);
  }
}

/**
 * Reads the committed log after `after` page by page, handing each page to `handle` while the next one is read;
 * returns the number of events handed on.
 */
async function readPages(
  store: EventStore,
  after: number,
  limit: number,
  handle: (events: ProjectedEvent[]) => Promise<void>,
): Promise<number> {
  let total = 0;
  let next = store.readProjected(after, limit);
  for (;;) {
    const events = await next;
    if (!events.length) return total;
    next = store.readProjected(events[events.length - 1].globalPosition, limit);
    next.catch(() => undefined); // reported when awaited; not unhandled if `handle` throws first
    await handle(events);
    total += events.length;
  }
}

/**
 * Reads the committed log after `after` in pages of `page` and hands it on in windows of at least `window` events
 * (the last one shorter): each window is handed on while the next one is read, one window at a time. Returns the
 * number of events handed on.
 */
export async function readWindows(
  store: EventStore,
  after: number,
  sizes: { page: number; window: number },
  handle: (events: ProjectedEvent[]) => Promise<void>,
): Promise<number> {
  let gathered: ProjectedEvent[] = [];
  let handling: Promise<void> = Promise.resolve();
  const handOn = async () => {
    const window = gathered;
    gathered = [];
    await handling;
    handling = handle(window);
    handling.catch(() => undefined); // reported when awaited: at the next window or the end
  };
  const total = await readPages(store, after, sizes.page, async (events) => {
    for (const e of events) gathered.push(e);
    if (gathered.length >= sizes.window) await handOn();
  });
  if (gathered.length) await handOn();
  await handling;
  return total;
}

/**
 * Runs projections catch-up-then-live from their checkpoints. Live, all projections move together: one read of
 * the log from the lowest checkpoint, then one transaction that locks every checkpoint row, applies to each
 * projection the events past its own checkpoint and moves them all. So a command costs the projections two
 * transactions, not two per projection. Several processes may run the projections; the row locks make them take
 * turns, and a projection whose checkpoint another process moved meanwhile is left out of the batch and read
 * again. A projection whose batch fails leaves the group: it retries on its own, with backoff, one transaction per
 * batch, and rejoins the group once it has caught up, so one broken projection never holds the others back.
 */
export class ProjectionRunner {
  private readonly progress = new EventEmitter();
  private readonly positions = new Map<string, number>();
  private readonly sinceAnalyze = new Map<string, number>();
  private readonly failing = new Set<string>();
  private readonly loops: Promise<void>[] = [];
  private running = false;
  private unsubscribe: (() => void) | null = null;
  private readonly batchSize: number;
  private readonly pollMs: number;
  /** the highest position read live: a wake-up for a position already read (our own NOTIFY) reads nothing */
  private readThrough = 0;
  /** why the last live read stopped short of committed events (null: it did not) */
  private held: HeldBack | null = null;
  private readonly wake = new Wake();

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly projections: Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 10_000;
    this.progress.setMaxListeners(0);
  }

  get names(): string[] {
    return this.projections.map((p) => p.name);
  }

  find(name: string): Projection {
    const p = this.projections.find((x) => x.name === name);
    if (!p) throw new Error(`unknown projection ${name}; known: ${this.names.join(', ')}`);
    return p;
  }

  async ensureCheckpoints(): Promise<void> {
    for (const p of this.projections) {
      await this.pool.query(
        'INSERT INTO projection_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING',
        [p.name],
      );
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.store.onAppended((position) => {
      // held back: only the append holding us back (or a rollback) can let us on; else anything new, or 0 (look again)
      if (this.held ? this.held.releasedBy(position) : position === 0 || position > this.readThrough) this.wake.poke();
    });
    this.loops.push(this.liveLoop());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake.poke();
    this.progress.emit('stop');
    await Promise.allSettled(this.loops);
    this.loops.length = 0;
  }

  private onStop(listener: () => void): () => void {
    this.progress.on('stop', listener);
    return () => this.progress.off('stop', listener);
  }

  /** Called whenever a projection's checkpoint moves (name and new position); returns the unsubscribe. */
  onProgress(listener: (projection: string, position: number) => void): () => void {
    this.progress.on('moved', listener);
    return () => this.progress.off('moved', listener);
  }

  /** Resolves once every projection (or only those named) has applied `position`, or the timeout passes. */
  async waitFor(position: number, timeoutMs = 5000, only?: string[]): Promise<boolean> {
    const watched = only ? this.projections.filter((p) => only.includes(p.name)) : this.projections;
    const done = () => watched.every((p) => (this.positions.get(p.name) ?? 0) >= position);
    if (done()) return true;
    this.wake.poke();
    return new Promise<boolean>((resolve) => {
      const onProgress = () => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.progress.off('progress', onProgress);
        resolve(ok);
      };
      this.progress.on('progress', onProgress);
    });
  }

  /** Apply everything committed so far; returns the number of events applied. */
  async catchUp(projection: Projection): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.processBatch(projection);
      if (n < 0) continue;
      total += n;
      if (n === 0) return total;
    }
  }

  /** Empty the projection's tables and replay the whole log into them. */
  async rebuild(projection: Projection): Promise<RebuildReport> {
    return this.rebuildAll([projection]);
  }

  /**
   * Empty the projections' tables and replay the whole log into them in one pass: the log is read once, in windows
   * (REBUILD_WINDOW, the next one read while this one is applied), and each window is applied to every projection
   * at the same time, each in its own transaction that also moves its checkpoint, so an interrupted rebuild
   * resumes from the checkpoints. A projection whose checkpoint another runner moves meanwhile leaves the pass and
   * catches up on its own.
   */
  async rebuildAll(projections: Projection[]): Promise<RebuildReport> {
    const started = process.hrtime.bigint();
    const names = projections.map((p) => p.name);
    await inTransaction(this.pool, async (tx) => {
      await tx.query(
        'SELECT position FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE',
        [names],
      );
      const tables = projections.flatMap((p) => p.tables);
      if (tables.length) await tx.query(`TRUNCATE ${tables.join(', ')}`);
      await tx.query(
        `INSERT INTO projection_checkpoints (name, position, updated_at) SELECT unnest($1::text[]), 0, now()
         ON CONFLICT (name) DO UPDATE SET position = 0, updated_at = now()`,
        [names],
      );
    });
    for (const name of names) this.positions.set(name, 0);
    const at = new Map(names.map((name) => [name, 0]));
    const strays: Projection[] = [];
    const sizes = { page: this.batchSize, window: this.options.rebuildWindow ?? REBUILD_WINDOW };
    const events = await readWindows(this.store, 0, sizes, async (window) => {
      await Promise.all(
        projections
          .filter((p) => at.has(p.name))
          .map(async (p) => {
            if ((await this.applyPage(p, window, at.get(p.name)!, false)) < 0) {
              at.delete(p.name);
              strays.push(p);
            } else {
              at.set(p.name, window[window.length - 1].globalPosition);
            }
          }),
      );
    });
    for (const p of strays) await this.catchUp(p);
    const rebuilt = projections.flatMap((p) => p.tables);
    if (rebuilt.length) await this.pool.query(`ANALYZE ${rebuilt.join(', ')}`);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { projection: names.join(', '), events, seconds, eventsPerSecond: seconds > 0 ? events / seconds : 0 };
  }

  async checkpoint(name: string): Promise<number> {
    const res = await this.pool.query('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
    return res.rows.length ? Number(res.rows[0].position) : 0;
  }

  /** Prometheus lag, read at scrape time: committed events past each checkpoint (counted up to a million). */
  async refreshLagMetrics(): Promise<void> {
    const res = await this.pool.query('SELECT name, position FROM projection_checkpoints');
    await Promise.all(
      res.rows.map(async (row) => {
        projectionPosition.set({ projection: row.name }, Number(row.position));
        projectionLag.set({ projection: row.name }, await this.store.countAfter(Number(row.position), 1_000_000));
      }),
    );
  }

  /** One batch: the events after the checkpoint we last saw, applied (-1: the checkpoint moved meanwhile; re-read). */
  private async processBatch(projection: Projection): Promise<number> {
    const seen = await this.checkpoint(projection.name);
    this.noteProgress(projection.name, seen);
    const events = await this.store.readProjected(seen, this.batchSize);
    if (events.length === 0) return 0;
    return this.applyPage(projection, events, seen);
  }

  /**
   * Applies events read after `seen` in one transaction that locks the checkpoint row first and moves it last;
   * if the checkpoint is no longer at `seen` (another process, a rebuild) nothing is applied and -1 returned.
   */
  /** `analyze`: keep statistics fresh as it goes (a rebuild analyses once, at its end, instead). */
  private async applyPage(
    projection: Projection,
    events: ProjectedEvent[],
    seen: number,
    analyze = true,
  ): Promise<number> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const locked = await client.query('SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [
        projection.name,
      ]);
      const current = locked.rows.length ? Number(locked.rows[0].position) : 0;
      if (current !== seen) {
        await client.query('ROLLBACK');
        return -1;
      }
      await applyEvents(client, projection, events);
      if (analyze) await this.analyzeIfDue(client, projection, events.length);
      const last = events[events.length - 1].globalPosition;
      await client.query(
        `INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET position = $2, updated_at = now()`,
        [projection.name, last],
      );
      await client.query('COMMIT');
      this.noteProgress(projection.name, last);
      return events.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      broken = err;
      throw err;
    } finally {
      client.release(broken as Error | undefined);
    }
  }

  private noteProgress(name: string, position: number): void {
    if ((this.positions.get(name) ?? -1) < position) {
      this.positions.set(name, position);
      this.progress.emit('progress');
      this.progress.emit('moved', name, position);
    }
  }

  /** The live loop: the group's batches while there are events, then wait for an append (or poll). */
  private async liveLoop(): Promise<void> {
    let failures = 0;
    const heldBack = new HeldBackDelay();
    while (this.running) {
      this.wake.reset();
      let next: 'read' | 'soon' | 'idle';
      try {
        next = await this.groupStep();
        failures = 0;
      } catch (err) {
        // reading the log or the checkpoints failed (the database is away): every projection waits for it
        failures++;
        for (const p of this.projections) this.options.onError?.(p.name, err);
        await this.wake.sleep(backoff(failures), this.running);
        continue;
      }
      if (next !== 'soon') heldBack.reset();
      if (next === 'read') continue;
      // committed events are held back behind an append of ours still in flight: look again soon (its commit or
      // rollback wakes us through the store; the growing delay is for an appender that died without a word)
      await this.wake.sleep(next === 'soon' ? heldBack.next() : this.pollMs, this.running);
    }
  }

  /**
   * One batch for every projection not failing: read once from the lowest checkpoint, apply in one transaction.
   * A batch that fails is applied again projection by projection, each in its own transaction, so that only the
   * projections that fail leave the group (and retry on their own).
   */
  private async groupStep(): Promise<'read' | 'soon' | 'idle'> {
    const group = this.projections.filter((p) => !this.failing.has(p.name));
    if (!group.length) return 'idle';
    if (group.some((p) => !this.positions.has(p.name))) await this.loadCheckpoints();
    const from = Math.min(...group.map((p) => this.positions.get(p.name)!));
    const page = await this.store.readProjectedPage(from, this.batchSize);
    this.held = page.heldBack;
    if (!page.events.length) return page.heldBack ? 'soon' : 'idle';
    this.readThrough = Math.max(this.readThrough, page.events[page.events.length - 1].globalPosition);
    try {
      await this.applyGroup(group, page.events);
    } catch {
      for (const p of group) {
        const seen = this.positions.get(p.name)!;
        const events = page.events.filter((e) => e.globalPosition > seen);
        if (!events.length) continue;
        try {
          if ((await this.applyPage(p, events, seen)) < 0) this.positions.delete(p.name);
        } catch (err) {
          this.leaveGroup(p, err);
        }
      }
    }
    return 'read';
  }

  /** The group's transaction: lock every checkpoint, apply each projection's part of the page, move them. */
  private async applyGroup(group: Projection[], events: ProjectedEvent[]): Promise<void> {
    const moved: { name: string; position: number }[] = [];
    await inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ name: string; position: string }>(
        'SELECT name, position FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE',
        [group.map((p) => p.name)],
      );
      const current = new Map(rows.map((r) => [r.name, Number(r.position)]));
      const last = events[events.length - 1].globalPosition;
      for (const p of group) {
        const seen = this.positions.get(p.name)!;
        const at = current.get(p.name) ?? 0;
        if (at !== seen) {
          // another process (or a rebuild) moved it: what it applied counts as progress; read again from there
          this.noteProgress(p.name, at);
          if (at < seen) this.positions.set(p.name, at);
          continue;
        }
        const mine = events.filter((e) => e.globalPosition > seen);
        if (!mine.length) continue;
        await applyEvents(tx, p, mine);
        await this.analyzeIfDue(tx, p, mine.length);
        moved.push({ name: p.name, position: last });
      }
      if (moved.length) {
        await tx.query(
          `UPDATE projection_checkpoints c SET position = m.position, updated_at = now()
             FROM unnest($1::text[], $2::bigint[]) AS m(name, position) WHERE c.name = m.name`,
          [moved.map((m) => m.name), moved.map((m) => m.position)],
        );
      }
    });
    for (const m of moved) this.noteProgress(m.name, m.position);
  }

  /**
   * Keeps the planner's statistics of a projection's tables fresh after large changes (an import of thousands of
   * subjects, a rebuild): a plan chosen on stale statistics (a sort spilled to disk after an import) stays wrong, and
   * a list's estimated total far off, until autovacuum comes by. Every ANALYZE_EVERY events applied, the batch that
   * crosses the mark analyses the tables in its own transaction (ANALYZE sees its rows), so a read at that
   * position already plans and estimates on them.
   */
  private async analyzeIfDue(tx: PoolClient, projection: Projection, applied: number): Promise<void> {
    const total = (this.sinceAnalyze.get(projection.name) ?? 0) + applied;
    if (total < ANALYZE_EVERY || !projection.tables.length) {
      this.sinceAnalyze.set(projection.name, total);
      return;
    }
    this.sinceAnalyze.set(projection.name, 0);
    await tx.query(`ANALYZE ${projection.tables.join(', ')}`);
  }

  private async loadCheckpoints(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string; position: string }>(
      'SELECT name, position FROM projection_checkpoints WHERE name = ANY($1::text[])',
      [this.projections.map((p) => p.name)],
    );
    const at = new Map(rows.map((r) => [r.name, Number(r.position)]));
    for (const p of this.projections) {
      const position = at.get(p.name) ?? 0;
      this.positions.set(p.name, position);
      this.noteProgress(p.name, position);
    }
  }

  /** A projection whose batch failed retries on its own (with backoff) and rejoins the group once caught up. */
  private leaveGroup(projection: Projection, err: unknown): void {
    projectionErrors.inc({ projection: projection.name });
    this.options.onError?.(projection.name, err);
    if (this.failing.has(projection.name)) return;
    this.failing.add(projection.name);
    const retry = new Wake();
    const unsubscribe = this.onStop(() => retry.poke());
    this.loops.push(
      (async () => {
        let failures = 1;
        while (this.running) {
          await retry.sleep(backoff(failures), this.running);
          if (!this.running) break;
          try {
            await this.catchUp(projection);
            break;
          } catch (err) {
            failures++;
            projectionErrors.inc({ projection: projection.name });
            this.options.onError?.(projection.name, err);
          }
        }
        unsubscribe();
        this.failing.delete(projection.name);
        this.positions.delete(projection.name);
        this.wake.poke();
      })(),
    );
  }
}

const backoff = (failures: number) => Math.min(30000, 200 * 2 ** Math.min(failures, 8));
