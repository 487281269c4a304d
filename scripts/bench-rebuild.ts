/**
 * npm run bench:rebuild — how fast the read models are rebuilt from a long log. The log is generated: the
 * campaign-lifecycle fixture (scripts/fixtures/lifecycle.ndjson, every event type of a campaign's four phases,
 * exported from the e2e run) cloned under fresh ids — and re-chained — until it holds BENCH_EVENTS events
 * (default 1,000,000). Measured in the same run on the same scratch database:
 *   1. each projection rebuilt alone (its own pass over the log: where the time goes);
 *   2. projections:rebuild --all: one pass over the log, every page applied to all projections at once;
 *   3. the verified shadow rebuild (projections:rebuild --verify --all): the same pass into shadow tables, then the
 *      row-by-row comparison with the live tables;
 *   4. the hash-chain verification of the whole log (audit:verify).
 * Env: BENCH_DATABASE_URL (a server to create the scratch database on), BENCH_EVENTS.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyChains } from '../src/audit/chain-verification';
import { insertStoredEvents } from '../src/audit/replay';
import { eventFromJson } from '../src/http/event-json';
import { StoredEvent } from '../src/event-store/event-store';
import { chainHash } from '../src/event-store/hash-chain';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { verifiedRebuild } from '../src/projections/shadow-rebuild';
import { runMain } from './lib/main';

const TARGET = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} events/s`;

/** The same uuid always maps to the same fresh one within a clone. */
function remap(text: string, clone: number): string {
  return text.replace(UUID, (u) => {
    const h = createHash('md5').update(`${u}/${clone}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  });
}

async function main() {
  const template = readFileSync(join(__dirname, '..', '..', 'scripts', 'fixtures', 'lifecycle.ndjson'), 'utf8').trim().split('\n');
  const scratch = await scratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL, 'rectify_bench_rebuild');
  const pool = createPool(scratch.url, ALL_PROJECTIONS.length + 4);
  try {
    await migrate(pool);
    const store = new PgEventStore(pool);
    const runner = new ProjectionRunner(pool, store, ALL_PROJECTIONS, { batchSize: 5000 });
    await runner.ensureCheckpoints();

    const t0 = Date.now();
    let position = 0;
    let clone = 0;
    while (position < TARGET) {
      clone++;
      const heads = new Map<string, string>();
      let batch: StoredEvent[] = [];
      for (const line of template) {
        if (position >= TARGET) break;
        const e = eventFromJson(remap(line, clone));
        e.globalPosition = ++position;
        e.hash = chainHash(heads.get(e.streamId) ?? '', e);
        heads.set(e.streamId, e.hash);
        batch.push(e);
      }
      // streams cut short at the target keep a whole prefix: still valid chains
      while (batch.length) await insertStoredEvents(pool, batch.splice(0, 5000));
      batch = [];
    }
    await pool.query('ANALYZE events');
    process.stdout.write(`generated ${position.toLocaleString('en')} events (${clone} clones of ${template.length}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    process.stdout.write('each projection alone (its own pass over the whole log):\n');
    for (const p of ALL_PROJECTIONS) {
      const r = await runner.rebuild(p);
      process.stdout.write(`  ${p.name.padEnd(22)} ${r.seconds.toFixed(1).padStart(6)} s  ${rate(r.events, r.seconds)}\n`);
    }
    const all = await runner.rebuildAll(ALL_PROJECTIONS);
    process.stdout.write(`projections:rebuild --all: ${all.events.toLocaleString('en')} events through ${ALL_PROJECTIONS.length} projections in one pass in ${all.seconds.toFixed(1)} s = ${rate(all.events, all.seconds)}\n`);

    const v = await verifiedRebuild(pool, store, ALL_PROJECTIONS, { batchSize: 5000 });
    process.stdout.write(`projections:rebuild --verify --all: one pass in ${v.seconds.toFixed(1)} s = ${rate(v.events, v.seconds)}; tables equal: ${v.equal} (${v.tables.length} tables)\n`);

    const c = await verifyChains(pool);
    process.stdout.write(`audit:verify: ${c.events.toLocaleString('en')} events in ${c.streams.toLocaleString('en')} streams in ${c.seconds.toFixed(1)} s = ${rate(c.events, c.seconds)}; ok: ${c.ok}\n`);
    process.stdout.write(`target >= 50,000 events/s: rebuild --all ${all.eventsPerSecond >= 50000 ? 'met' : 'NOT met'} (ratio ${(all.eventsPerSecond / 50000).toFixed(2)}), verified one-pass ${v.eventsPerSecond >= 50000 ? 'met' : 'NOT met'} (ratio ${(v.eventsPerSecond / 50000).toFixed(2)})\n`);
  } finally {
    await pool.end();
    await scratch.drop();
  }
}

runMain(main);
