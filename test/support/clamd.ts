import { notRun } from './tiers';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/infra/free-port';

/** Debian's clamd (package `clamav-daemon`), which `.ci/run` installs when it is missing. */
export const CLAMD = process.env.CLAMD_PATH ?? '/usr/sbin/clamd';

/** The EICAR test string: every virus scanner reports it, and it harms nothing. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * Whether the virus-scan tests can run here. Under CI=true they must: a missing clamd fails them. Elsewhere they are
 * reported as skipped (never as passed), with how to install it.
 */
export function clamdPresent(): boolean {
  if (existsSync(CLAMD)) return true;
  if (process.env.CI === 'true') throw new Error(`clamd is required under CI=true and is not at ${CLAMD}`);
  notRun(`the virus-scan tests: no clamd at ${CLAMD} (apt-get install clamav-daemon, or set CLAMD_PATH)`);
  return false;
}

export interface TestClamd {
  /** CLAMD_URL */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real clamd on a free loopback port. Its signature database is one signature of our own for the EICAR string
 * (this machine cannot download ClamAV's): clamd scans with it exactly as with its official ones.
 */
export async function startClamd(): Promise<TestClamd> {
  const dir = await mkdtemp(join(tmpdir(), 'rectify-clamd-'));
  await writeFile(join(dir, 'eicar.ndb'), `Eicar-Test-Signature:0:*:${Buffer.from(EICAR).toString('hex')}\n`);
  const port = await freePort();
  await writeFile(
    join(dir, 'clamd.conf'),
    [
      'Foreground yes',
      `DatabaseDirectory ${dir}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `PidFile ${join(dir, 'clamd.pid')}`,
      `LogFile ${join(dir, 'clamd.log')}`,
      'StreamMaxLength 30M',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(CLAMD, [`--config-file=${join(dir, 'clamd.conf')}`], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  while (!(await pong(port))) {
    if (exited) throw new Error(`clamd exited before answering (see ${join(dir, 'clamd.log')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `tcp://127.0.0.1:${port}`,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether clamd answers PING on `port`. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end('zPING\0'));
    let said = '';
    socket.on('data', (b) => (said += b.toString()));
    socket.on('close', () => resolve(said.startsWith('PONG')));
    socket.on('error', () => resolve(false));
  });
}
