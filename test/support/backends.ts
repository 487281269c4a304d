import { notRun, redisPresent } from './tiers';

/**
 * The queue backends a suite runs on: Redis and BullMQ's Postgres backend, or (no Redis here) Postgres alone, with
 * the Redis run named as not run and shown as skipped.
 */
export function queueBackends(suite: string): readonly ('redis' | 'postgres')[] {
  if (redisPresent()) return ['redis', 'postgres'];
  notRun(`${suite} on the redis queue backend (no Redis here)`);
  describe.skip(`${suite} on the redis queue backend`, () => it('needs Redis', () => undefined));
  return ['postgres'];
}

/**
 * `describe` for a suite that looks into Redis itself (its BullMQ queues, jobs): without Redis here it is skipped,
 * and named as not run.
 */
export function describeOnRedis(suite: string): jest.Describe {
  if (redisPresent()) return describe;
  notRun(`${suite} (it reads Redis's queues; no Redis here)`);
  return describe.skip;
}
