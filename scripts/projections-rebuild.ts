/**
 * npm run projections:rebuild -- NAME|--all
 * Empties the projection's read-model tables and replays the whole log into them, checkpoint by checkpoint
 * (each batch commits with its checkpoint, so an interrupted rebuild resumes where it stopped when the
 * service or this command runs again). Safe while the service runs: batches take turns on the checkpoint row.
 */
import { PgEventStore } from '../src/event-store/pg-event-store';
import { resolveDatabase } from '../src/infra/database';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { runCli } from './lib/cli';

runCli(async (config, args) => {
  const names = ALL_PROJECTIONS.map((p) => p.name);
  const target = args.find((a) => !a.startsWith('-')) ?? (args.includes('--all') ? '--all' : undefined);
  if (!target) throw new Error(`usage: npm run projections:rebuild -- <${names.join('|')}|--all>`);
  if (target !== '--all' && !names.includes(target)) throw new Error(`unknown projection ${target}; known: ${names.join(', ')}`);
  const database = await resolveDatabase(config);
  const pool = createPool(database.url, 4);
  try {
    await migrate(pool);
    const store = new PgEventStore(pool);
    const runner = new ProjectionRunner(pool, store, ALL_PROJECTIONS, { batchSize: 2000 });
    await runner.ensureCheckpoints();
    for (const projection of target === '--all' ? ALL_PROJECTIONS : [runner.find(target)]) {
      const r = await runner.rebuild(projection);
      process.stdout.write(
        `${r.projection}: ${r.events} events in ${r.seconds.toFixed(2)} s (${Math.round(r.eventsPerSecond)} events/s)\n`,
      );
    }
  } finally {
    await pool.end();
    await database.stop();
  }
});
