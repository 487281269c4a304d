/** npm run migrate — applies migrations/ to DATABASE_URL (or the embedded Postgres). The service also does this on start. */
import { resolveDatabase } from '../src/infra/database';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { runCli } from './lib/cli';

runCli(async (config) => {
  const database = await resolveDatabase(config);
  const pool = createPool(database.url, 2);
  try {
    const applied = await migrate(pool);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'up to date\n');
  } finally {
    await pool.end();
    await database.stop();
  }
});
