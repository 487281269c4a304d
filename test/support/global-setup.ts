import { Client } from 'pg';
import { Redis } from 'ioredis';
import { ADMIN_DATABASE_URL, REDIS_URL } from './services';

/** Fail fast, with a message that says what to start, when the real services are not there. */
export default async function globalSetup(): Promise<void> {
  const pg = new Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (err) {
    throw new Error(`tests need Postgres at ${ADMIN_DATABASE_URL} (set TEST_DATABASE_URL): ${(err as Error).message}`, { cause: err });
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`tests need Redis at ${REDIS_URL} (set TEST_REDIS_URL): ${(err as Error).message}`, { cause: err });
  } finally {
    redis.disconnect();
  }
}
