import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/infra/free-port';

export interface ServiceProcess {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The service as deployed, for a bench: `node dist/src/main.js` on its own port and the given database and Redis
 * (a queue prefix of its own), with `env` on top, quiet but for warnings, with `nodeFlags` or BENCH_NODE_FLAGS (e.g. --cpu-prof); resolved once
 * /health answers.
 */
export async function startServiceProcess(o: {
  databaseUrl: string;
  redisUrl: string;
  jwtSecret: string;
  queuePrefix: string;
  nodeFlags?: string[];
  env?: Record<string, string>;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const flags = o.nodeFlags ?? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const service: ChildProcess = spawn(process.execPath, [...flags, join(__dirname, '..', '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: o.jwtSecret,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      QUEUE_PREFIX: o.queuePrefix,
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => service.once('exit', resolve));
  const stop = async () => {
    if (service.exitCode === null && service.signalCode === null) service.kill('SIGTERM');
    await exited;
  };
  for (
    let i = 0;
    !(await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 600 || service.exitCode !== null) {
      await stop();
      throw new Error('the service did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, pid: service.pid!, stop };
}
