import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddedDatabase } from '../../src/infra/embedded-postgres';
import { NOT_RUN_DIR_ENV } from './tiers';

/** Says plainly what did not run here and why (skipped, never passed), and stops an embedded Postgres. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[NOT_RUN_DIR_ENV];
  if (dir) {
    const lines = readdirSync(dir)
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
      .filter(Boolean);
    const notes = [...new Set(lines)].sort();
    if (notes.length)
      process.stderr.write(
        `\nNOT RUN here (reported as skipped, not passed):\n${notes.map((n) => `  - ${n}`).join('\n')}\n`,
      );
    rmSync(dir, { recursive: true, force: true });
  }
  await (globalThis as { __embeddedPostgres?: EmbeddedDatabase }).__embeddedPostgres?.stop();
}
