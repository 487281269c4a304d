import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set by the global setup when no Redis answers (never under CI=true). */
export const NO_REDIS_ENV = 'RECTIFY_TEST_NO_REDIS';
/** Where suites note what they could not run, for the global teardown to say. */
export const NOT_RUN_DIR_ENV = 'RECTIFY_TEST_NOT_RUN_DIR';

/** Whether Redis is there to test with. */
export const redisPresent = (): boolean => process.env[NO_REDIS_ENV] !== '1';

/** Notes a test or suite that cannot run here, and why; the global teardown lists them all. */
export function notRun(what: string): void {
  const dir = process.env[NOT_RUN_DIR_ENV];
  if (dir) appendFileSync(join(dir, `${process.pid}.txt`), `${what}\n`);
  else process.stderr.write(`NOT RUN: ${what}\n`);
}
