import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { signToken } from '../../src/auth/jwt';
import { createApp } from '../../src/bootstrap';
import { randomUUID } from 'node:crypto';
import { AppConfig, loadConfig } from '../../src/config/config';
import { Clock } from '../../src/shared/clock';
import { Role } from '../../src/shared/decider';
import { notRun, redisPresent } from './tiers';
import { createTestDatabase, eventsUnder, TestDatabase } from './database';
import { expectConforms } from './openapi';
import { REDIS_URL } from './services';

/** Who calls: a role (token with no districts), or a role with its districts or subject. */
export type Caller = Role | { role: Role; sub?: string; districts?: string[]; subjectId?: string };

export interface TestApp {
  app: INestApplication;
  db: TestDatabase;
  config: AppConfig;
  http: TestAgent;
  token(role: Role, extra?: { sub?: string; districts?: string[]; subjectId?: string }): string;
  /**
   * a request whose response is checked against openapi.yaml (route template given). It reads its own writes as a
   * client should: every call sends the highest X-Log-Position seen so far as X-Min-Position.
   */
  call(
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    template: string,
    path: string,
    caller?: Caller | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<request.Response>;
  close(): Promise<void>;
  /** stop the app but keep its database (to start again on it) */
  stop(): Promise<void>;
  /** with probeIfMatch: the command routes probed, and what went wrong (empty when every precondition held) */
  probes: { routes: Set<string>; problems: string[] };
}

export interface TestAppOptions {
  queue?: 'redis' | 'postgres';
  clock?: Clock;
  /** a Redis other than the shared one (e.g. one the test may FLUSHALL) */
  redisUrl?: string;
  /** start on this database (a restart) instead of a new one */
  db?: TestDatabase;
  env?: Record<string, string>;
  /**
   * Before every command sent through `call` without an If-Match of its own, send the same request with a stale one
   * (a single strong ETag, then a list): it must write nothing, and when the command itself then succeeds, the probe
   * must have been a 412 (If-Match is evaluated on every command route).
   */
  probeIfMatch?: boolean;
}

/** Routes that act on no stream (they queue deliveries again): If-Match does not apply. */
const NOT_ON_A_STREAM = new Set([
  'post /api/v1/webhooks/{webhookId}/deliveries/{eventId}/redeliver',
  'post /api/v1/webhooks/{webhookId}/replay',
]);

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  // without Redis (outside CI), a suite meant for it runs on BullMQ's Postgres backend, and says so
  if (options.queue === 'redis' && !options.redisUrl && !redisPresent()) {
    notRun(
      `the Redis queue backend for ${expect.getState().testPath?.replace(/.*\/test\//, 'test/') ?? 'a suite'} (it ran on BullMQ's Postgres backend)`,
    );
    options = { ...options, queue: 'postgres' };
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256',
    // suites share one Redis: each test database gets its own queues
    QUEUE_PREFIX: new URL(db.url).pathname.slice(1),
    ...(options.queue === 'redis' ? { REDIS_URL: options.redisUrl ?? REDIS_URL } : {}),
    ...options.env,
  });
  const app = await createApp(config, { databaseUrl: db.url, clock: options.clock });
  await app.init();
  const http = request(app.getHttpServer());
  const token: TestApp['token'] = (role, extra = {}) =>
    signToken({ sub: extra.sub ?? `t-${role}`, role, ...extra }, config.jwtSecret);
  let reached = 0;
  const probes = { routes: new Set<string>(), problems: [] as string[] };
  let probeNo = 0;
  return {
    app,
    db,
    config,
    http,
    token,
    async call(method, template, path, caller = 'city-admin', body, headers = {}) {
      const send = (extra: Record<string, string>) => {
        let req = http[method](path);
        if (caller) {
          const bearer = typeof caller === 'string' ? token(caller) : token(caller.role, caller);
          req = req.set('Authorization', `Bearer ${bearer}`);
        }
        if (reached > 0) req = req.set('X-Min-Position', String(reached));
        for (const [k, v] of Object.entries({ ...headers, ...extra })) req = req.set(k, v);
        return body === undefined ? req : req.send(body as object);
      };
      const key = `${method} ${template}`;
      const probing =
        options.probeIfMatch &&
        method !== 'get' &&
        template.startsWith('/api/v1') &&
        !NOT_ON_A_STREAM.has(key) &&
        !Object.keys(headers).some((h) => h.toLowerCase() === 'if-match');
      let probe: request.Response | null = null;
      if (probing) {
        const correlationId = randomUUID();
        probe = await send({
          'If-Match': probeNo++ % 2 ? '"999999998", W/"1", "999999999"' : '"999999999"',
          'X-Correlation-Id': correlationId,
        });
        if (await eventsUnder(db, correlationId))
          probes.problems.push(`${key}: a stale If-Match wrote to the log (${probe.status})`);
      }
      const res = await send({});
      if (probe && res.status < 300) {
        probes.routes.add(key);
        if (probe.status !== 412)
          probes.problems.push(`${key}: a stale If-Match got ${probe.status}, the command itself ${res.status}`);
      }
      const position = Number(res.headers['x-log-position'] ?? 0);
      if (position > reached) reached = position;
      expectConforms(method, template, res);
      return res;
    },
    async close() {
      await app.close();
      await db.drop();
      // a suite that probed If-Match fails here if any precondition was not evaluated
      if (probes.problems.length) throw new Error(`If-Match was not evaluated:\n${probes.problems.join('\n')}`);
    },
    async stop() {
      await app.close();
    },
    probes,
  };
}
