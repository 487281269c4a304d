/**
 * npm run audit:verify [-- --stream ID]
 * Checks the hash chains of the whole log (or one stream) in the service's database (DATABASE_URL, else the
 * embedded one) and names the first broken link; for the whole log, also re-hashes every stored evidence file and
 * names any whose bytes no longer match what the events recorded. Exit status 0 when all holds, 2 otherwise.
 */
import { verifyChains } from '../src/audit/chain-verification';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { openFileStore } from '../src/files/open-file-store';
import { verifyFiles } from '../src/files/files.service';
import { resolveDatabase } from '../src/infra/database';
import { createPool } from '../src/infra/pool';
import { runCli } from './lib/cli';

runCli(async (config, args) => {
  const at = args.indexOf('--stream');
  const streamId = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !streamId) throw new Error('usage: npm run audit:verify [-- --stream ID]');
  const database = await resolveDatabase(config);
  const pool = createPool(database.url, 2);
  const store = openFileStore(pool, config.fileStore);
  try {
    const r = await verifyChains(new PgEventStore(pool), { streamId });
    if (r.firstBroken) {
      const b = r.firstBroken;
      process.stdout.write(
        `BROKEN: ${b.streamId} v${b.streamVersion} (position ${b.globalPosition}, event ${b.eventId}): ${b.reason}\n`,
      );
      process.exitCode = 2;
    } else {
      process.stdout.write(
        `ok: ${r.events} events in ${r.streams} streams, every hash chain holds (${r.seconds.toFixed(2)} s)\n`,
      );
    }
    if (!streamId) {
      const files = await verifyFiles(pool, store);
      for (const m of files.mismatched) {
        process.stdout.write(
          `FILE CHANGED: ${m.sha256} now hashes to ${m.found} (files ${m.fileIds.join(', ') || 'none'}; cited by events ${m.eventIds.join(', ') || 'none'})\n`,
        );
      }
      if (files.mismatched.length) process.exitCode = 2;
      else process.stdout.write(`ok: ${files.blobs} stored files, every one's bytes match its sha256\n`);
    }
  } finally {
    store.close();
    await pool.end();
    await database.stop();
  }
});
