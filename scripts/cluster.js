#!/usr/bin/env node
/**
 * npm run start:cluster — CLUSTER_SIZE (3) service processes side by side on one Postgres and one Redis (or, with
 * neither set, on the embedded Postgres and BullMQ's Postgres backend), on PORT (3000), PORT+1, … Any of them
 * answers any request: put a load balancer in front. The first starts alone (it migrates, and starts the embedded
 * Postgres when there is no DATABASE_URL); the others then join. Ctrl-C or SIGTERM stops them all. Plain
 * JavaScript: run after scripts/ensure-build.js.
 */
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const size = Number(process.env.CLUSTER_SIZE ?? 3);
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const children = [];
/** the first instance's database: the one configured, or the embedded Postgres it starts (src/infra/embedded-postgres.ts) */
const databaseUrl =
  process.env.DATABASE_URL || `postgres://postgres:postgres@127.0.0.1:${process.env.EMBEDDED_PG_PORT ?? 54329}/rectify`;
let stopping = false;

function start(i) {
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
    // the demo campaigns are seeded once, by the first; the others join its embedded Postgres when it runs one
    env: {
      ...process.env,
      PORT: String(port + i),
      ...(i > 0 ? { SEED_DEMO: 'false', DATABASE_URL: databaseUrl } : {}),
    },
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`instance ${i} (port ${port + i}) exited (${signal ?? code}); the others go on serving\n`);
  });
  children.push(child);
}

async function healthy(i) {
  for (let n = 0; n < 1200; n++) {
    if (children[i].exitCode !== null || children[i].signalCode !== null)
      throw new Error(`instance ${i} exited before it served`);
    const ok = await fetch(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port + i}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`instance ${i} did not become healthy`);
}

function stop() {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

(async () => {
  start(0);
  await healthy(0);
  for (let i = 1; i < size; i++) start(i);
  for (let i = 1; i < size; i++) await healthy(i);
  process.stderr.write(`${size} instances serving on ports ${port}-${port + size - 1}\n`);
})().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  stop();
  process.exitCode = 1;
});
