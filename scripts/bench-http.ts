/**
 * npm run bench:http — the REST path under load, in one run: autocannon against the service run as its own process
 * (node dist/src/main.js, Redis queues) on a scratch database with one seeded campaign of BENCH_SUBJECTS subjects
 * (1,000). For each case, BENCH_CONNECTIONS connections (32) for BENCH_SECONDS (8) after a warm-up, median of
 * BENCH_ROUNDS rounds (3): throughput and p50/p99 latency, each as a ratio to GET /health of the same run.
 *   health    GET /health
 *   get       GET /api/v1/campaigns/{id}
 *   list      GET /api/v1/subjects?campaign=…&limit=50 (the first page of the campaign's registry)
 *   command   POST /api/v1/subjects, every body distinct (a new USCC each)
 *   mixed     4 reads (get, list, a subject, the problem list) to 1 command
 * Goals (issue 21): command ≥ 0.5×, list ≥ 0.5×, get ≥ 0.8× of /health.
 * Env: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_SUBJECTS, BENCH_CONNECTIONS, BENCH_SECONDS, BENCH_ROUNDS, BENCH_CASES (some only),
 * BENCH_NODE_FLAGS (for the service, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof), BENCH_PROFILE=1: then each case that
 * misses its goal runs once more against a service under --cpu-prof, and where its time went is printed.
 */
import autocannon from 'autocannon';
import { signToken } from '../src/auth/jwt';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { runMain } from './lib/main';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfile } from './lib/cpu-profile';
import { launchCampaign, nextUscc } from './lib/bench-seed';
import { startServiceProcess } from './lib/service-process';

const SERVER = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
const GOALS: Record<string, number> = { command: 0.5, list: 0.5, get: 0.8 };

const subject = (campaignId: string) => {
  const { uscc, serial } = nextUscc();
  return {
    campaignId,
    type: 'production-unit',
    name: `重庆市某工贸有限公司（第${serial}号）`,
    uscc,
    districtCode: '500103',
    industry: 'industry-trade',
    principal: { name: '张三' },
  };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

runMain(async () => {
  const scratch = await scratchDatabase(SERVER, 'rectify_bench_http');
  const prefix = `benchh${Date.now()}`;
  let service = await startServiceProcess({
    databaseUrl: scratch.url,
    redisUrl: REDIS,
    jwtSecret: SECRET,
    queuePrefix: prefix,
  });
  let base = service.base;
  try {
    const headers = {
      authorization: `Bearer ${signToken({ sub: 'bench', role: 'city-admin' }, SECRET, 24 * 3600)}`,
      'content-type': 'application/json',
    };
    const campaignId = await launchCampaign(base, headers);
    const rows = Array.from({ length: SUBJECTS }, () => {
      const { campaignId: _c, ...row } = subject(campaignId);
      return row;
    });
    const imported = await fetch(`${base}/api/v1/subjects/import?campaign=${campaignId}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(rows),
    });
    if (imported.status !== 201) throw new Error(`import: ${imported.status} ${await imported.text()}`);
    const position = imported.headers.get('x-log-position')!;
    const oneSubject = ((await imported.json()) as { subjects: { id: string }[] }).subjects[0].id;
    // the read models have the import before anything is measured
    await fetch(`${base}/api/v1/subjects?campaign=${campaignId}&limit=1`, {
      headers: { ...headers, 'x-min-position': position },
    });

    const get = { method: 'GET' as const, path: `/api/v1/campaigns/${campaignId}`, headers };
    const list = { method: 'GET' as const, path: `/api/v1/subjects?campaign=${campaignId}&limit=50`, headers };
    const command = {
      method: 'POST' as const,
      path: '/api/v1/subjects',
      headers,
      setupRequest: (req: object) => ({ ...req, body: JSON.stringify(subject(campaignId)) }),
    };
    const cases: Record<string, autocannon.Request[]> = {
      health: [{ method: 'GET', path: '/health' }],
      get: [get],
      list: [list],
      command: [command],
      mixed: [
        get,
        list,
        { method: 'GET', path: `/api/v1/subjects/${oneSubject}`, headers },
        { method: 'GET', path: `/api/v1/campaigns/${campaignId}/problems?limit=50`, headers },
        command,
      ],
    };
    const run = async (requests: autocannon.Request[], seconds: number, url = base): Promise<Figures> => {
      const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, requests });
      return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
    };
    const only = process.env.BENCH_CASES?.split(',');
    const results: Record<string, Figures[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, requests] of Object.entries(cases)) {
        if (only && name !== 'health' && !only.includes(name)) continue;
        await run(requests, 2); // warm-up
        (results[name] ??= []).push(await run(requests, SECONDS));
      }
    }
    const fig = Object.fromEntries(
      Object.entries(results).map(([name, rs]) => [
        name,
        {
          rps: median(rs.map((r) => r.rps)),
          p50: median(rs.map((r) => r.p50)),
          p99: median(rs.map((r) => r.p99)),
          errors: rs.reduce((n, r) => n + r.errors, 0),
        },
      ]),
    );
    const health = fig.health.rps;
    process.stdout.write(
      `bench:http — ${SUBJECTS} subjects, ${CONNECTIONS} connections, ${SECONDS} s × ${ROUNDS} rounds (median), ratios to GET /health\n`,
    );
    process.stdout.write('case      rps     ratio  p50 ms  p99 ms  non-2xx  goal\n');
    for (const [name, f] of Object.entries(fig)) {
      const ratio = f.rps / health;
      const goal = GOALS[name] === undefined ? '' : `≥ ${GOALS[name]}× ${ratio >= GOALS[name] ? 'met' : 'NOT met'}`;
      process.stdout.write(
        `${name.padEnd(8)} ${f.rps.toFixed(0).padStart(6)}  ${ratio.toFixed(2).padStart(5)}× ${String(f.p50).padStart(6)}  ${String(f.p99).padStart(6)}  ${String(f.errors).padStart(7)}  ${goal}\n`,
      );
    }
    const missed = Object.entries(fig)
      .filter(([name, f]) => GOALS[name] !== undefined && f.rps / health < GOALS[name])
      .map(([name]) => name);
    if (process.env.BENCH_PROFILE && missed.length) {
      // what stops each goal: the case again against a service of its own under the CPU profiler
      await service.stop();
      for (const name of missed) {
        const dir = mkdtempSync(join(tmpdir(), 'bench-http-prof-'));
        service = await startServiceProcess({
          databaseUrl: scratch.url,
          redisUrl: REDIS,
          jwtSecret: SECRET,
          queuePrefix: prefix,
          nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
        });
        base = service.base;
        await run(cases[name], 2, base);
        const f = await run(cases[name], SECONDS, base);
        await service.stop();
        process.stdout.write(
          `\nwhat stops ${name} (${f.rps.toFixed(0)} rps under the profiler; the profile includes the service's start):\n${summariseProfile(dir)}\n`,
        );
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await service.stop();
    await scratch.drop();
  }
});
