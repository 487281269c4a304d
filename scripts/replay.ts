/**
 * npm run replay -- FILE.ndjson --database URL [--files DIR]
 * Rebuilds every read model from an exported log (GET /api/v1/events with Accept: application/x-ndjson) into a
 * fresh database of the auditor's own, checking the hash chains on the way. Nothing is kept if a chain breaks. With
 * --files, every evidence file the log cites must be in DIR (written by npm run export:files) with the SHA-256 the
 * events recorded. Exit status 0 on success, 2 when a chain is broken or a cited file is missing or changed.
 */
import { createReadStream } from 'node:fs';
import { linesOf, replayLog } from '../src/audit/replay';
import { checkCitedFiles } from '../src/files/file-export';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { runCli } from './lib/cli';

runCli(async (_config, args) => {
  const file = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--database' && args[i - 1] !== '--files');
  const at = args.indexOf('--database');
  const url = at >= 0 ? args[at + 1] : undefined;
  const filesAt = args.indexOf('--files');
  const filesDir = filesAt >= 0 ? args[filesAt + 1] : undefined;
  if (!file || !url || (filesAt >= 0 && !filesDir))
    throw new Error('usage: npm run replay -- FILE.ndjson --database postgres://…/fresh_db [--files DIR]');
  const pool = createPool(url, 2);
  try {
    await migrate(pool);
    const r = await replayLog(pool, linesOf(createReadStream(file, 'utf8')), ALL_PROJECTIONS);
    if (r.broken) {
      process.stdout.write(
        `BROKEN at line ${r.broken.line}: ${r.broken.streamId} v${r.broken.streamVersion} (position ${r.broken.globalPosition}): ${r.broken.reason}; nothing was kept\n`,
      );
      process.exitCode = 2;
      return;
    }
    process.stdout.write(
      `replayed ${r.events} events of ${r.streams} streams in ${r.seconds.toFixed(2)} s (${Math.round(r.eventsPerSecond)} events/s); every hash chain holds\n`,
    );
    if (filesDir) {
      const f = await checkCitedFiles(pool, filesDir);
      for (const sha256 of f.missing)
        process.stdout.write(`FILE MISSING: ${sha256} is cited by the log and not in ${filesDir}\n`);
      for (const sha256 of f.changed)
        process.stdout.write(`FILE CHANGED: ${filesDir}/${sha256} does not hash to ${sha256}\n`);
      if (f.missing.length || f.changed.length) process.exitCode = 2;
      else process.stdout.write(`every one of the ${f.checked} files the log cites is in ${filesDir}, byte for byte\n`);
    }
  } finally {
    await pool.end();
  }
});
