/**
 * npm run export:files -- DIR
 * The companion of the NDJSON export (GET /api/v1/events with Accept: application/x-ndjson): every evidence file the
 * log cites, written to DIR under the SHA-256 the events recorded, in the service's database (DATABASE_URL, else the
 * embedded one). A file whose stored bytes changed, or that is gone, is named and not written; exit status 2 then.
 * `npm run replay -- FILE.ndjson --database URL --files DIR` checks a replayed log against DIR.
 */
import { openFileStore } from '../src/files/open-file-store';
import { exportCitedFiles } from '../src/files/file-export';
import { resolveDatabase } from '../src/infra/database';
import { createPool } from '../src/infra/pool';
import { runCli } from './lib/cli';

runCli(async (config, args) => {
  const dir = args.find((a) => !a.startsWith('-'));
  if (!dir) throw new Error('usage: npm run export:files -- DIR');
  const database = await resolveDatabase(config);
  const pool = createPool(database.url, 2);
  const store = openFileStore(pool, config.fileStore);
  try {
    const r = await exportCitedFiles(pool, store, dir);
    for (const sha256 of r.changed)
      process.stdout.write(`FILE CHANGED: ${sha256} no longer hashes to what the events recorded; not written\n`);
    for (const sha256 of r.missing) process.stdout.write(`FILE MISSING: ${sha256} is cited but no longer stored\n`);
    process.stdout.write(`wrote ${r.written} cited files (${r.bytes} bytes) to ${dir}, each under its sha256\n`);
    if (r.changed.length || r.missing.length) process.exitCode = 2;
  } finally {
    store.close();
    await pool.end();
    await database.stop();
  }
});
