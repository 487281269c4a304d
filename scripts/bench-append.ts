/**
 * npm run bench:append — appends/s through the event store's own API (single-event and 10-event appends, 1 and 8
 * concurrent writers) against the raw INSERT ceiling of the same rows into a same-shaped table, in the same run,
 * on the same database. Env: BENCH_DATABASE_URL (a server to create a scratch database on), BENCH_SECONDS.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { canonicalJson } from '../src/shared/canonical-json';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { runMain } from './lib/main';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const payload = (i: number) => ({
  campaignId: randomUUID(),
  subject: '重庆某安全培训有限公司',
  item: 'CQ2022-TI-02',
  manifestation: '压缩培训学时，以模拟题代替理论培训',
  i,
});
const metadata = () => ({ actor: { id: 'bench', role: 'city-admin' }, correlationId: randomUUID() });

async function during(seconds: number, writers: number, work: (writer: number) => Promise<void>): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (Date.now() < until) {
        await work(w);
        count++;
      }
    }),
  );
  return count / seconds;
}

function rawAppend(pool: Pool, streams: string[], versions: number[]) {
  return async (w: number, size: number) => {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let k = 0; k < size; k++) {
      const m = metadata();
      params.push(
        randomUUID(),
        streams[w],
        ++versions[w],
        canonicalJson(payload(k)),
        canonicalJson(m),
        m.correlationId,
      );
      const b = params.length - 6;
      values.push(
        `(nextval('bench_raw_seq'), $${b + 1}, $${b + 2}, $${b + 3}, 'bench.appended', 1, $${b + 4}::jsonb, $${b + 5}::jsonb, 'bench', $${b + 6}, NULL, now(), '\\x00'::bytea)`,
      );
    }
    await pool.query(
      `INSERT INTO bench_raw (global_position, event_id, stream_id, stream_version, type, schema_version, data, metadata, actor, correlation_id, causation_id, recorded_at, hash) VALUES ${values.join(',')}`,
      params,
    );
  };
}

async function main(): Promise<void> {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;
  const scratch = await scratchDatabase(server, 'rectify_bench');
  const pool = createPool(scratch.url, 16);
  try {
    await migrate(pool);
    await pool.query('CREATE TABLE bench_raw (LIKE events INCLUDING ALL)');
    await pool.query('CREATE SEQUENCE bench_raw_seq');
    const store = new PgEventStore(pool);
    const rows: { scenario: string; raw: number; store: number; ratio: number }[] = [];
    // BENCH_ONLY=10x8 (events x writers) runs one scenario.
    const only = process.env.BENCH_ONLY;
    for (const size of [1, 10]) {
      for (const writers of [1, 8]) {
        if (only && only !== `${size}x${writers}`) continue;
        const tag = randomUUID().slice(0, 8);
        const rawStreams = Array.from({ length: writers }, (_, w) => `raw-${tag}-${w}`);
        const rawVersions = rawStreams.map(() => 0);
        const raw = rawAppend(pool, rawStreams, rawVersions);
        const storeStreams = Array.from({ length: writers }, (_, w) => `bench-${tag}-${w}`);
        const storeVersions = storeStreams.map(() => 0);
        const viaStore = async (w: number) => {
          const r = await store.appendToStream(
            storeStreams[w],
            Array.from({ length: size }, (_, k) => ({
              type: 'bench.appended',
              data: payload(k),
              metadata: metadata(),
            })),
            { expectedVersion: storeVersions[w] },
          );
          storeVersions[w] = r.nextExpectedVersion;
        };
        // Warm up both paths, then alternate them so that drift (checkpoints, autovacuum, the other process on
        // the machine's two cores) falls on both; report the median of the rounds.
        await during(1, writers, (w) => raw(w, size));
        await during(1, writers, viaStore);
        const rawRates: number[] = [];
        const storeRates: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          rawRates.push(await during(SECONDS, writers, (w) => raw(w, size)));
          storeRates.push(await during(SECONDS, writers, viaStore));
        }
        const rawRate = median(rawRates);
        const storeRate = median(storeRates);
        rows.push({
          scenario: `${size} event${size > 1 ? 's' : ''}/append, ${writers} writer${writers > 1 ? 's' : ''}`,
          raw: rawRate,
          store: storeRate,
          ratio: storeRate / rawRate,
        });
      }
    }
    await store.close();
    const fmt = (n: number) => n.toFixed(0).padStart(8);
    process.stdout.write(
      `\nbench:append — median of ${ROUNDS} alternating rounds of ${SECONDS}s, Postgres at ${new URL(server).host}\n`,
    );
    process.stdout.write('scenario                          raw INSERT/s  store appends/s  store events/s  ratio\n');
    for (const r of rows) {
      const events = r.store * Number(r.scenario.split(' ')[0]);
      process.stdout.write(
        `${r.scenario.padEnd(34)}${fmt(r.raw)}      ${fmt(r.store)}         ${fmt(events)}      ${r.ratio.toFixed(2)}\n`,
      );
    }
    const worst = Math.min(...rows.map((r) => r.ratio));
    process.stdout.write(`\nlowest ratio ${worst.toFixed(2)} (target >= 0.70): ${worst >= 0.7 ? 'met' : 'NOT met'}\n`);
    process.stdout.write(JSON.stringify({ bench: 'append', seconds: SECONDS, rounds: ROUNDS, rows }) + '\n');
  } finally {
    await pool.end();
    await scratch.drop();
  }
}

runMain(main);
