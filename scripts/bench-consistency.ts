/**
 * npm run bench:consistency — command latency while other things hold transactions open, and what a command costs
 * the database. The service runs as its own process (node dist/src/main.js) on a scratch database and Redis; BENCH_CLIENTS
 * clients (4) register subjects (POST /api/v1/subjects, distinct bodies), BENCH_COMMANDS (400) per case, in four cases:
 *   quiet            nothing else runs;
 *   foreign-tx       a write transaction is held open in another database of the same server the whole time;
 *   import-10k       one 10,000-row import (one append of 10,000 events) runs; the commands sent meanwhile count;
 *   slow-append      an append of ours is held open the whole time (a transaction that never commits).
 * For each: command p50/p99 and, but for slow-append (whose reads must wait by design), the read-your-writes round trip
 * (the command, then GET of what it created with minPosition). Ratios are against the quiet case of the same run.
 * Then Postgres transactions per command (pg_stat_database.xact_commit over 100 commands in a row, projections,
 * outbox and scheduler included) and per second of idle.
 * Env: BENCH_DATABASE_URL (the server; default 127.0.0.1:5432), BENCH_REDIS_URL (127.0.0.1:6379), BENCH_COMMANDS,
 * BENCH_CLIENTS, BENCH_IDLE_SECONDS (20), BENCH_NODE_FLAGS (for the service, e.g. --cpu-prof).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { signToken } from '../src/auth/jwt';
import { appendStatement } from '../src/event-store/pg-event-store';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { nextUscc } from './lib/bench-seed';
import { runMain } from './lib/main';
import { startServiceProcess } from './lib/service-process';

const SERVER = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 400);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
/** commands before each case's measure: the first hundreds run slower (JIT, caches) */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
/** pg_stat_database is flushed by each backend at most every 10 s when idle (PGSTAT_IDLE_INTERVAL) */
const STATS_FLUSH_MS = 11_000;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const subject = (campaignId: string | undefined, districtCode: string) => {
  const { uscc, serial } = nextUscc();
  return {
    ...(campaignId ? { campaignId } : {}),
    type: 'production-unit',
    name: `重庆市某工贸有限公司（第${serial}号）`,
    uscc,
    districtCode,
    industry: 'industry-trade',
    principal: { name: '张三' },
  };
};

interface Case {
  name: string;
  command: number[];
  readYourWrites: number[];
  seconds: number;
  /** reads answered 503 (past the service's wait) and asked again */
  retried: number;
}

runMain(async () => {
  const scratch = await scratchDatabase(SERVER, 'rectify_bench_consistency');
  const service = await startServiceProcess({
    databaseUrl: scratch.url,
    redisUrl: REDIS,
    jwtSecret: SECRET,
    queuePrefix: `benchc${Date.now()}`,
  });
  const base = service.base;
  const db = new Client({ connectionString: scratch.url });
  try {
    const auth = {
      authorization: `Bearer ${signToken({ sub: 'bench', role: 'city-admin' }, SECRET)}`,
      'content-type': 'application/json',
    };
    await db.connect();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
      return { json, position: Number(res.headers.get('x-log-position')) };
    };
    const { type: _t, campaignId: _c, ...launch } = chongqing2022;
    const campaignId = String((await post('/api/v1/campaigns', { ...launch, id: randomUUID() })).json.id);

    /** CLIENTS clients, COMMANDS commands in all; each a registration, and (rw) the GET of it at its position. */
    let retried = 0;
    const drive = async (count: number, rw: boolean) => {
      const command: number[] = [];
      const readYourWrites: number[] = [];
      let left = count;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (left-- > 0) {
            const t0 = performance.now();
            const { json, position } = await post('/api/v1/subjects', subject(campaignId, '500103'));
            command.push(performance.now() - t0);
            if (!rw) continue;
            for (;;) {
              const res = await fetch(`${base}/api/v1/subjects/${json.id}?minPosition=${position}`, { headers: auth });
              await res.arrayBuffer();
              if (res.status === 200) break;
              // 503: the read models were not there within the service's bound; retry, as a client would
              if (res.status !== 503) throw new Error(`read your write: ${res.status}`);
              retried++;
            }
            readYourWrites.push(performance.now() - t0);
          }
        }),
      );
      return { command, readYourWrites };
    };
    const runCase = async (
      name: string,
      rw: boolean,
      beside?: { start(): Promise<void>; stop(): Promise<void> },
    ): Promise<Case> => {
      await drive(WARM_UP, false); // warm-up
      await beside?.start();
      try {
        retried = 0;
        const started = performance.now();
        const r = await drive(COMMANDS, rw);
        return { name, ...r, seconds: (performance.now() - started) / 1000, retried };
      } finally {
        await beside?.stop();
      }
    };

    const cases: Case[] = [];
    cases.push(await runCase('quiet', true));

    let foreign: Client | null = null;
    cases.push(
      await runCase('foreign-tx', true, {
        async start() {
          foreign = new Client({ connectionString: SERVER });
          await foreign.connect();
          await foreign.query('BEGIN');
          await foreign.query('SELECT txid_current()');
        },
        async stop() {
          await foreign!.query('ROLLBACK');
          await foreign!.end();
        },
      }),
    );

    // one import of 10,000 rows; the commands measured are those sent while it is in flight (at least 20)
    const importCase = async (): Promise<Case> => {
      await drive(WARM_UP, false); // warm-up
      const rows = Array.from({ length: 10_000 }, () => subject(undefined, '500105'));
      let inFlight = true;
      const started = performance.now();
      const imported = post(`/api/v1/subjects/import?campaign=${campaignId}`, rows).finally(() => {
        inFlight = false;
      });
      const command: number[] = [];
      const readYourWrites: number[] = [];
      retried = 0;
      while (inFlight || command.length < 20) {
        const r = await drive(CLIENTS, true);
        command.push(...r.command);
        readYourWrites.push(...r.readYourWrites);
      }
      await imported;
      return { name: 'import-10k', command, readYourWrites, seconds: (performance.now() - started) / 1000, retried };
    };
    cases.push(await importCase());

    const held = new Client({ connectionString: scratch.url });
    cases.push(
      await runCase('slow-append', false, {
        async start() {
          await held.connect();
          await held.query('BEGIN');
          await held.query(
            appendStatement(`bench-held-${randomUUID()}`, 'no-stream', [
              {
                type: 'bench.held',
                data: { note: '长事务' },
                metadata: { actor: { id: 'bench', role: 'system' }, correlationId: randomUUID() },
              },
            ]),
          );
        },
        async stop() {
          await held.query('ROLLBACK');
          await held.end();
        },
      }),
    );

    // the quiet case once more: how far the run drifts by itself (a larger log, warmer caches)
    cases.push(await runCase('quiet-again', true));

    // transactions per command: the database settled (read models caught up, statistics flushed) around 100 commands
    let settlePolls = 0;
    const settle = async () => {
      for (;;) {
        settlePolls++;
        const { rows } = await db.query(
          `SELECT (SELECT min(position) FROM projection_checkpoints) >= (SELECT max(global_position) FROM events) AS done`,
        );
        if (rows[0].done) break;
        await sleep(50);
      }
      await sleep(STATS_FLUSH_MS);
    };
    const commits = async () =>
      Number(
        (await db.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0]
          .xact_commit,
      );
    await settle();
    const before = await commits();
    settlePolls = 0;
    let left = 100;
    while (left-- > 0) await post('/api/v1/subjects', subject(campaignId, '500103'));
    await settle();
    const after = await commits();
    // idle: the count between two reads IDLE_SECONDS apart, nothing sent meanwhile (this connection's own two reads aside)
    const idleFrom = await commits();
    const idleStarted = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const idleTo = await commits();
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    // the settle loops poll the checkpoints: count their reads out (one transaction each)
    const perCommand = (after - before - settlePolls) / 100;
    const idlePerSecond = Math.max(0, idleTo - idleFrom - 1) / idleSeconds;

    const quiet = cases[0];
    const line = (label: string, xs: number[], q: number[]) =>
      xs.length
        ? `${label} p50 ${pct(xs, 50).toFixed(1)} ms (${(pct(xs, 50) / pct(q, 50)).toFixed(2)}×), p99 ${pct(xs, 99).toFixed(1)} ms (${(pct(xs, 99) / pct(q, 99)).toFixed(2)}×)`
        : `${label} — (waits for the held append by design)`;
    process.stdout.write(
      `bench:consistency: ${COMMANDS} registrations per case, ${CLIENTS} clients, Redis queues; ratios against quiet\n`,
    );
    for (const c of cases) {
      process.stdout.write(
        `${c.name.padEnd(12)} ${line('command', c.command, quiet.command)}; ${line('read-your-write', c.readYourWrites, quiet.readYourWrites)}` +
          `; ${c.seconds.toFixed(1)} s${c.retried ? `, ${c.retried} reads past the wait (503, retried)` : ''}\n`,
      );
    }
    const imp = cases.find((c) => c.name === 'import-10k')!;
    process.stdout.write(
      `(import-10k: ${imp.command.length} commands sent while one import of 10,000 rows ran, ${imp.seconds.toFixed(1)} s)\n`,
    );
    const worst = Math.max(
      ...cases
        .slice(1)
        .flatMap((c) => [pct(c.command, 50) / pct(quiet.command, 50), pct(c.command, 99) / pct(quiet.command, 99)]),
    );
    process.stdout.write(
      `worst command ratio ${worst.toFixed(2)}× (goal ≤ 1.2×: ${worst <= 1.2 ? 'met' : 'NOT met'})\n`,
    );
    process.stdout.write(
      `Postgres transactions per command: ${perCommand.toFixed(1)} (goal ≤ 12: ${perCommand <= 12 ? 'met' : 'NOT met'}); ` +
        `idle: ${idlePerSecond.toFixed(2)} per second over ${IDLE_SECONDS} s\n`,
    );
  } finally {
    await service.stop();
    await db.end().catch(() => undefined);
    await scratch.drop();
  }
});
