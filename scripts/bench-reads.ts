/**
 * npm run bench:reads — do reads stay flat as a campaign grows? One service process (node dist/src/main.js, Redis
 * queues) on a scratch database holds three campaigns of BENCH_SIZES subjects (1,000, 10,000 and 50,000; half of
 * them training institutions that have not started self-correction, so that the rubric's item 4 has evidence for
 * each). Every read route below runs under autocannon (BENCH_CONNECTIONS connections, 16, for BENCH_SECONDS, 5,
 * after a warm-up) against each campaign; the table prints throughput, p50 and the response size side by side,
 * and the cost ratio from the smallest to the largest campaign (its throughput over theirs).
 * Goal (issue 21): at most 3× from 1k to 50k for every read route.
 * Env: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_SIZES (e.g. 1000,10000,50000), BENCH_CONNECTIONS, BENCH_SECONDS,
 * BENCH_ROUTES (some only).
 */
import autocannon from 'autocannon';
import { signToken } from '../src/auth/jwt';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { MAX_IMPORT_ROWS } from '../src/subjects/subject-import.service';
import { runMain } from './lib/main';
import { launchCampaign, nextUscc } from './lib/bench-seed';
import { startServiceProcess } from './lib/service-process';

const SERVER = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
const GOAL = 3;
const DISTRICTS = ['500103', '500104'];

const subjectRow = (n: number) => {
  const { uscc, serial } = nextUscc();
  const institution = n % 2 === 0;
  return {
    type: institution ? 'training-institution' : 'production-unit',
    name: `重庆市第${serial}号${institution ? '职业培训学校' : '工贸有限公司'}`,
    uscc,
    districtCode: DISTRICTS[n % DISTRICTS.length],
    industry: institution ? 'safety-training' : 'industry-trade',
    principal: { name: '张三' },
  };
};

interface Figures {
  rps: number;
  p50: number;
  bytes: number;
  errors: number;
}

runMain(async () => {
  const scratch = await scratchDatabase(SERVER, 'rectify_bench_reads');
  const service = await startServiceProcess({
    databaseUrl: scratch.url,
    redisUrl: REDIS,
    jwtSecret: SECRET,
    queuePrefix: `benchr${Date.now()}`,
  });
  const base = service.base;
  try {
    const headers = {
      authorization: `Bearer ${signToken({ sub: 'bench', role: 'city-admin' }, SECRET, 24 * 3600)}`,
      'content-type': 'application/json',
    };
    const campaigns: { size: number; id: string; subjectId: string }[] = [];
    let position = '0';
    for (const size of SIZES) {
      const id = await launchCampaign(base, headers);
      let subjectId = '';
      const started = Date.now();
      for (let done = 0; done < size; done += MAX_IMPORT_ROWS) {
        const rows = Array.from({ length: Math.min(MAX_IMPORT_ROWS, size - done) }, (_, n) => subjectRow(done + n));
        const imported = await fetch(`${base}/api/v1/subjects/import?campaign=${id}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(rows),
        });
        if (imported.status !== 201) throw new Error(`import: ${imported.status} ${await imported.text()}`);
        position = imported.headers.get('x-log-position')!;
        subjectId ||= ((await imported.json()) as { subjects: { id: string }[] }).subjects[0].id;
      }
      campaigns.push({ size, id, subjectId });
      process.stdout.write(`seeded ${size} subjects in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    // the read models have every import before anything is measured
    const caught = await fetch(`${base}/api/v1/subjects?campaign=${campaigns[0].id}&limit=1`, {
      headers: { ...headers, 'x-min-position': position },
    });
    if (caught.status !== 200) throw new Error(`the read models did not catch up: ${caught.status}`);

    const routes: Record<string, (c: { id: string; subjectId: string }) => string> = {
      campaign: (c) => `/api/v1/campaigns/${c.id}`,
      subjects: (c) => `/api/v1/subjects?campaign=${c.id}&limit=50`,
      'subjects?type': (c) => `/api/v1/subjects?campaign=${c.id}&type=training-institution&limit=50&offset=100`,
      'subjects?none': (c) => `/api/v1/subjects?campaign=${c.id}&type=training-institution&district=500104&limit=50`,
      subject: (c) => `/api/v1/subjects/${c.subjectId}`,
      progress: (c) => `/api/v1/campaigns/${c.id}/progress`,
      scores: (c) => `/api/v1/campaigns/${c.id}/scores`,
      'self-eval': (c) => `/api/v1/campaigns/${c.id}/self-evaluations/500103`,
      evidence: (c) => `/api/v1/campaigns/${c.id}/scores/500103/items/4/evidence?limit=50&offset=200`,
    };
    const only = process.env.BENCH_ROUTES?.split(',');
    const run = async (path: string, seconds: number): Promise<Figures> => {
      const r = await autocannon({
        url: base,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [{ method: 'GET', path, headers }],
      });
      return {
        rps: r.requests.average,
        p50: r.latency.p50,
        bytes: Math.round(r.throughput.total / Math.max(1, r.requests.total)),
        errors: r.errors + r.non2xx,
      };
    };
    const results: Record<string, Figures[]> = {};
    for (const [name, path] of Object.entries(routes)) {
      if (only && !only.includes(name)) continue;
      for (const c of campaigns) {
        await run(path(c), 1); // warm-up
        (results[name] ??= []).push(await run(path(c), SECONDS));
      }
    }
    const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
    process.stdout.write(
      `bench:reads — ${CONNECTIONS} connections, ${SECONDS} s per route and size; cost ratio = rps at ${k(SIZES[0])} / rps at ${k(SIZES[SIZES.length - 1])}\n`,
    );
    process.stdout.write(
      `route         ${SIZES.map((s) => `${k(s).padStart(4)}: rps  p50 ms    bytes`.padEnd(30)).join('')}ratio  non-2xx  goal\n`,
    );
    for (const [name, fs] of Object.entries(results)) {
      const ratio = fs[0].rps / fs[fs.length - 1].rps;
      const cells = fs
        .map((f) =>
          `${f.rps.toFixed(0).padStart(9)} ${String(f.p50).padStart(7)} ${String(f.bytes).padStart(8)}`.padEnd(30),
        )
        .join('');
      const errors = fs.reduce((n, f) => n + f.errors, 0);
      process.stdout.write(
        `${name.padEnd(13)} ${cells}${ratio.toFixed(2).padStart(5)}× ${String(errors).padStart(7)}  ≤ ${GOAL}× ${ratio <= GOAL ? 'met' : 'NOT met'}\n`,
      );
    }
    // the cost the memo saves: scores and progress read right after a write, when they must be computed again
    const afterWrite: string[] = [];
    for (const c of campaigns) {
      const times: Record<string, number[]> = { scores: [], progress: [] };
      for (let i = 0; i < 5; i++) {
        const row = subjectRow(0);
        const created = await fetch(`${base}/api/v1/subjects`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ ...row, campaignId: c.id }),
        });
        if (created.status !== 201) throw new Error(`register: ${created.status} ${await created.text()}`);
        const at = created.headers.get('x-log-position')!;
        for (const [name, path] of [
          ['scores', routes.scores(c)],
          ['progress', routes.progress(c)],
        ] as const) {
          const t0 = performance.now();
          const r = await fetch(`${base}${path}`, { headers: { ...headers, 'x-min-position': at } });
          await r.arrayBuffer();
          times[name].push(performance.now() - t0);
        }
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[2].toFixed(0);
      afterWrite.push(`${k(c.size)}: scores ${med(times.scores)} ms, progress ${med(times.progress)} ms`);
    }
    process.stdout.write(`right after a write (computed again; median of 5, one client): ${afterWrite.join('; ')}\n`);
  } finally {
    await service.stop();
    await scratch.drop();
  }
});
