import { notRun, redisPresent } from './tiers';

/**
 * Declares a suite once per queue backend, Redis and BullMQ's Postgres backend (`%s` in the name is the backend).
 * With no Redis here the Redis one is the same suite skipped (reported so, never passed) and named as not run.
 */
export function eachQueueBackend(file: string, name: string, body: (backend: 'redis' | 'postgres') => void): void {
  for (const backend of ['redis', 'postgres'] as const) {
    const title = name.replace('%s', backend);
    if (backend === 'postgres' || redisPresent()) describe(title, () => body(backend));
    else {
      notRun(`${file}: ${title} (no Redis here)`);
      describe.skip(title, () => body(backend));
    }
  }
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
