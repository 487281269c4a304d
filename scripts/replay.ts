/**
 * npm run replay -- FILE.ndjson --database URL
 * Rebuilds every read model from an exported log (GET /api/v1/events with Accept: application/x-ndjson) into a
 * fresh database of the auditor's own, checking the hash chains on the way. Nothing is kept if a chain breaks.
 * Exit status 0 on success, 2 when a chain is broken.
 */
import { createReadStream } from 'node:fs';
import { linesOf, replayLog } from '../src/audit/replay';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { runCli } from './lib/cli';

runCli(async (_config, args) => {
  const file = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--database');
  const at = args.indexOf('--database');
  const url = at >= 0 ? args[at + 1] : undefined;
  if (!file || !url) throw new Error('usage: npm run replay -- FILE.ndjson --database postgres://…/fresh_db');
  const pool = createPool(url, 2);
  try {
    await migrate(pool);
    const r = await replayLog(pool, linesOf(createReadStream(file, 'utf8')), ALL_PROJECTIONS);
    if (r.broken) {
      process.stdout.write(`BROKEN at line ${r.broken.line}: ${r.broken.streamId} v${r.broken.streamVersion} (position ${r.broken.globalPosition}): ${r.broken.reason}; nothing was kept\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`replayed ${r.events} events of ${r.streams} streams in ${r.seconds.toFixed(2)} s (${Math.round(r.eventsPerSecond)} events/s); every hash chain holds\n`);
  } finally {
    await pool.end();
  }
});
