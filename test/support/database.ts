import { Pool } from 'pg';
import { migrate } from '../../src/infra/migrate';
import { createPool } from '../../src/infra/pool';
import { scratchDatabase } from '../../src/infra/scratch-database';
import { ADMIN_DATABASE_URL } from './services';

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file; dropped afterwards. */
export async function createTestDatabase(poolSize = 20): Promise<TestDatabase> {
  const scratch = await scratchDatabase(ADMIN_DATABASE_URL, `rectify_test_${Math.random().toString(36).slice(2, 8)}`);
  const pool = createPool(scratch.url, poolSize);
  await migrate(pool);
  return {
    url: scratch.url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await scratch.drop();
    },
  };
}

/** How many events the request with this correlation id appended (its own, not what others did meanwhile). */
export async function eventsUnder(db: TestDatabase, correlationId: string): Promise<number> {
  return (await db.pool.query('SELECT count(*)::int AS n FROM events WHERE correlation_id = $1', [correlationId]))
    .rows[0].n;
}
