/**
 * npm run bench:webhooks — commit-to-POST latency of webhook deliveries at a steady 200 events/s. The service runs
 * in-process on a scratch database with a local receiver subscribed to every event; events are appended to 50
 * streams at BENCH_RATE per second for BENCH_SECONDS; the latency of each is from its append returning (committed)
 * to the receiver reading the signed POST. Run on Redis (BENCH_REDIS_URL, default 127.0.0.1:6379) and on BullMQ's
 * Postgres backend, in the same run. Goals (issues 19, 21): beside 3 dead receivers ≤ 2× the p99 alone; on the Postgres
 * backend p99 < 2 s. Env: BENCH_DATABASE_URL, BENCH_RATE (200), BENCH_SECONDS (20), BENCH_BACKENDS (redis,postgres).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';
import { EventStore } from '../src/event-store/event-store';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { signToken } from '../src/auth/jwt';
import { createPool } from '../src/infra/pool';
import { runMain } from './lib/main';

const scratchPool = async (url: string) => createPool(url, 1);

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function run(backend: 'redis' | 'postgres', deadReceivers = 0): Promise<number> {
  const scratch = await scratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL, 'rectify_bench_webhooks');
  const committed = new Map<string, number>();
  const latencies: number[] = [];
  let secret = '';
  let bad = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch {
        bad++;
      }
      const id = String(req.headers['webhook-id']);
      const t0 = committed.get(id);
      if (t0 !== undefined) {
        latencies.push(at - t0);
        committed.delete(id);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  // a dead receiver takes each request and never answers (the worker's timeout ends each attempt)
  const held = new Set<import('node:http').ServerResponse>();
  const dead = createServer((_req, res) => void held.add(res));
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as { port: number }).port;
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch.url,
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...(process.env.WEBHOOK_MAX_IN_FLIGHT ? { WEBHOOK_MAX_IN_FLIGHT: process.env.WEBHOOK_MAX_IN_FLIGHT } : {}),
    QUEUE_PREFIX: `bench${Date.now()}`,
    ...(backend === 'redis' ? { REDIS_URL: REDIS } : {}),
  });
  const app = await createApp(config, { databaseUrl: scratch.url });
  await app.listen(0, '127.0.0.1');
  try {
    const base = await app.getUrl();
    const token = signToken({ sub: 'bench', role: 'city-admin' }, config.jwtSecret);
    for (let i = 0; i < deadReceivers; i++) {
      const r = await fetch(`${base.replace('[::1]', '127.0.0.1')}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `http://127.0.0.1:${deadPort}/dead`, eventTypes: ['*'], description: 'dead' }),
      });
      if (r.status !== 201) throw new Error(`subscribe dead: ${r.status} ${await r.text()}`);
    }
    const res = await fetch(`${base.replace('[::1]', '127.0.0.1')}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks`, eventTypes: ['*'], description: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${await res.text()}`);
    secret = ((await res.json()) as { secret: string }).secret;
    await new Promise((r) => setTimeout(r, 500));
    const store = app.get(EventStore);
    const total = RATE * SECONDS;
    const versions = new Array(50).fill(0);
    // each stream's appends in order: one waits for the one before it on its stream (a slow commit must not turn the
    // next into a version conflict)
    const tails: Promise<void>[] = new Array(50).fill(Promise.resolve());
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const s = i % 50;
      const v = versions[s]++;
      tails[s] = tails[s].then(() =>
        store
          .appendToStream(
            `bench-${s}`,
            [
              {
                type: 'bench.tick',
                data: { i, 说明: '压测' },
                metadata: { actor: { id: 'bench', role: 'system' }, correlationId: randomUUID() },
              },
            ],
            { expectedVersion: v },
          )
          .then((r) => void committed.set(r.events[0].eventId, performance.now())),
      );
      pending.push(tails[s]);
    }
    await Promise.all(pending);
    const sent = (performance.now() - started) / 1000;
    const deadline = Date.now() + 60_000;
    while (latencies.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    latencies.sort((a, b) => a - b);
    const {
      rows: [split],
    } = await scratchPool(scratch.url).then(async (pool) => {
      try {
        return await pool.query(
          `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.created_at - e.recorded_at)) * 1000 AS outbox_p50,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.created_at)) * 1000 AS queue_p50
             FROM webhook_deliveries d JOIN events e USING (event_id)`,
        );
      } finally {
        await pool.end();
      }
    });
    process.stdout.write(
      `${(deadReceivers ? `${backend}+${deadReceivers} dead` : backend).padEnd(15)} ${total} events at ${(total / sent).toFixed(0)}/s: delivered ${latencies.length}, bad signatures ${bad}; ` +
        `commit→POST p50 ${pct(latencies, 50).toFixed(1)} ms, p90 ${pct(latencies, 90).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms ` +
        `(of which log→outbox p50 ${Number(split.outbox_p50).toFixed(1)} ms, outbox→POST p50 ${Number(split.queue_p50).toFixed(1)} ms)\n`,
    );
    return pct(latencies, 99);
  } finally {
    for (const r of held) r.destroy();
    dead.close();
    await app.close();
    receiver.close();
    await scratch.drop();
  }
}

const BACKENDS = (process.env.BENCH_BACKENDS ?? 'redis,postgres').split(',');

async function main() {
  if (BACKENDS.includes('redis')) {
    const alone = await run('redis');
    // the healthy receiver beside three dead ones (each of which takes every event and never answers)
    const beside = await run('redis', 3);
    process.stdout.write(
      `healthy receiver's commit→POST p99 beside 3 dead receivers: ${(beside / alone).toFixed(2)}× the run without them (goal ≤ 2×: ${beside / alone <= 2 ? 'met' : 'NOT met'})\n`,
    );
  }
  if (BACKENDS.includes('postgres')) {
    const p99 = await run('postgres');
    process.stdout.write(
      `embedded default (BullMQ's Postgres backend): commit→POST p99 ${(p99 / 1000).toFixed(2)} s (goal < 2 s: ${p99 < 2000 ? 'met' : 'NOT met'})\n`,
    );
  }
}

runMain(main);
