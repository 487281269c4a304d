import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres';
import { freePort } from '../../src/infra/free-port';
import { ADMIN_DATABASE_URL, REDIS_URL } from './services';
import { NOT_RUN_DIR_ENV, NO_REDIS_ENV } from './tiers';

/**
 * The services the contract and e2e tests run on. Under CI=true both real ones are required (Postgres at
 * TEST_DATABASE_URL, Redis at TEST_REDIS_URL) and a missing one fails the run at once, saying what to start.
 * Elsewhere, on a machine with Node and nothing else, the suite still runs:
 * - no Postgres answering: an embedded Postgres (the npm package, as `npm start` uses) in a temporary directory;
 * - no Redis answering: suites that would use Redis run on BullMQ's Postgres backend, and the tests about Redis
 *   itself are skipped and named at the end (global-teardown), never counted as passed.
 */
export default async function globalSetup(): Promise<void> {
  const ci = process.env.CI === 'true';
  process.env[NOT_RUN_DIR_ENV] = mkdtempSync(join(tmpdir(), 'rectify-not-run-'));
  if (!(await postgresAnswers(ADMIN_DATABASE_URL))) {
    if (ci) throw new Error(`tests need Postgres at ${ADMIN_DATABASE_URL} under CI=true (set TEST_DATABASE_URL)`);
    const dir = mkdtempSync(join(tmpdir(), 'rectify-test-pg-'));
    // as root, the cluster runs as the postgres user, who must be able to enter the directory
    chmodSync(dir, 0o755);
    process.stderr.write(`\nno Postgres at ${ADMIN_DATABASE_URL}: starting an embedded one in ${dir}\n`);
    // the suites' apps, and BullMQ's Postgres backend standing in for Redis, hold more connections than 100
    const embedded = await startEmbeddedPostgres(dir, await freePort(), () => undefined, false, [
      '-c',
      'max_connections=400',
    ]);
    (globalThis as { __embeddedPostgres?: typeof embedded }).__embeddedPostgres = embedded;
    const admin = new URL(embedded.url);
    admin.pathname = '/postgres';
    process.env.TEST_DATABASE_URL = admin.toString();
  }
  if (!(await redisAnswers(REDIS_URL))) {
    if (ci) throw new Error(`tests need Redis at ${REDIS_URL} under CI=true (set TEST_REDIS_URL)`);
    process.stderr.write(
      `no Redis at ${REDIS_URL}: suites meant for Redis run on BullMQ's Postgres backend; tests of Redis itself are not run\n`,
    );
    process.env[NO_REDIS_ENV] = '1';
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const pg = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  pg.on('error', () => undefined);
  try {
    await pg.connect();
    await pg.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await pg.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
