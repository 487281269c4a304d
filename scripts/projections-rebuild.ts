/**
 * npm run projections:rebuild -- NAME|--all
 *   Empties the projections' read-model tables and replays the whole log into them in one pass (each window of
 *   100,000 events applied to every projection at once, each in its own transaction), checkpoint by checkpoint
 *   (each window commits with its checkpoint, so an interrupted rebuild resumes where it stopped when the
 *   service or this command runs again). Safe while the service runs: batches take turns on the checkpoint row.
 * npm run projections:rebuild -- --verify NAME|--all [--swap]
 *   Rebuilds into shadow tables instead, compares them with the live tables row by row (checksums, rows only on
 *   one side), prints the differences, and replaces the live rows only with --swap. Exit status 0 when equal
 *   (or swapped), 3 when they differ.
 */
import { resolveDatabase } from '../src/infra/database';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { verifiedRebuild } from '../src/projections/shadow-rebuild';
import { runCli } from './lib/cli';
import { withRebuildRunner } from './lib/rebuild-runner';

runCli(async (config, args) => {
  const names = ALL_PROJECTIONS.map((p) => p.name);
  const verify = args.includes('--verify');
  const swap = args.includes('--swap');
  const target = args.find((a) => !a.startsWith('-')) ?? (args.includes('--all') ? '--all' : undefined);
  if (!target) throw new Error(`usage: npm run projections:rebuild -- [--verify [--swap]] <${names.join('|')}|--all>`);
  if (target !== '--all' && !names.includes(target))
    throw new Error(`unknown projection ${target}; known: ${names.join(', ')}`);
  if (swap && !verify) throw new Error('--swap goes with --verify');
  const database = await resolveDatabase(config);
  try {
    await withRebuildRunner(database.url, async ({ pool, store, runner }) => {
      const chosen = target === '--all' ? ALL_PROJECTIONS : [runner.find(target)];
      if (verify) {
        const r = await verifiedRebuild(pool, store, chosen, { swap });
        process.stdout.write(
          `shadow rebuild of ${r.projections.join(', ')}: ${r.events} events in ${r.seconds.toFixed(2)} s (${Math.round(r.eventsPerSecond)} events/s), compared at position ${r.position}\n`,
        );
        for (const t of r.tables) {
          process.stdout.write(
            `  ${t.equal ? 'equal ' : 'DIFFER'} ${t.table}: live ${t.liveRows} rows ${t.liveChecksum}, shadow ${t.shadowRows} rows ${t.shadowChecksum}` +
              (t.equal ? '' : `; ${t.onlyLive} rows only live, ${t.onlyShadow} only in the shadow`) +
              '\n',
          );
        }
        process.stdout.write(
          r.equal
            ? 'the live read models equal a rebuild from the log\n'
            : r.swapped
              ? 'differences found; the live tables now hold the rebuild\n'
              : 'differences found; nothing changed (add --swap to replace the live rows)\n',
        );
        if (!r.equal && !r.swapped) process.exitCode = 3;
        return;
      }
      const r = await runner.rebuildAll(chosen);
      process.stdout.write(
        `${r.projection}: ${r.events} events in ${r.seconds.toFixed(2)} s (${Math.round(r.eventsPerSecond)} events/s)\n`,
      );
    });
  } finally {
    await database.stop();
  }
});
