import { Pool } from 'pg';
import { PgEventStore } from '../../src/event-store/pg-event-store';
import { migrate } from '../../src/infra/migrate';
import { createPool } from '../../src/infra/pool';
import { ALL_PROJECTIONS } from '../../src/projections/all-projections';
import { ProjectionRunner, REBUILD_PAGE } from '../../src/projections/projection-runner';

export interface RebuildContext {
  pool: Pool;
  store: PgEventStore;
  runner: ProjectionRunner;
}

/**
 * Runs `use` with a migrated database, its event store and a runner of every projection that reads the log in
 * pages of REBUILD_PAGE; the pool has a connection for each projection of a one-pass rebuild, plus the log reader,
 * the checkpoint lock and the comparison of a verified rebuild. The pool is closed afterwards.
 */
export async function withRebuildRunner<T>(url: string, use: (context: RebuildContext) => Promise<T>): Promise<T> {
  const pool = createPool(url, ALL_PROJECTIONS.length + 4);
  try {
    await migrate(pool);
    const store = new PgEventStore(pool);
    const runner = new ProjectionRunner(pool, store, ALL_PROJECTIONS, { batchSize: REBUILD_PAGE });
    await runner.ensureCheckpoints();
    return await use({ pool, store, runner });
  } finally {
    await pool.end();
  }
}
