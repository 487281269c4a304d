/**
 * npm run bench:files — evidence uploads under load: the service as its own process (node dist/src/main.js) on a
 * scratch database, BENCH_FILES (10) uploads of BENCH_MB (25) MB each sent at once (distinct bytes, a PDF header),
 * then the same files downloaded at once. Prints throughput (MB/s) both ways and the service's peak resident memory
 * (VmHWM) before and after, so that what an upload costs in memory shows: bounded, not the file's size.
 * Env: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_FILES, BENCH_MB; BENCH_FILE_STORE=s3 stores the bytes in s3rver (the
 * S3 REST API on loopback, in this process) instead of Postgres; BENCH_CLAMD=1 scans every upload with a clamd started
 * here (Debian's clamav-daemon, one EICAR signature).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signToken } from '../src/auth/jwt';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { runMain } from './lib/main';
import { startServiceProcess } from './lib/service-process';
import { startClamd } from '../test/support/clamd';
import { startTestS3 } from '../test/support/s3';

const SERVER = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const FILES = Number(process.env.BENCH_FILES ?? 10);
const MB = Number(process.env.BENCH_MB ?? 25);
const SECRET = 'bench-secret-that-is-long-enough-for-hs256';

/** The process's resident memory now and at its peak, in MiB (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

runMain(async () => {
  const scratch = await scratchDatabase(SERVER, 'rectify_bench_files');
  const s3 = process.env.BENCH_FILE_STORE === 's3' ? await startTestS3() : null;
  const clamd = process.env.BENCH_CLAMD === '1' ? await startClamd() : null;
  const env = { ...(s3 ? { FILE_STORE_URL: s3.url } : {}), ...(clamd ? { CLAMD_URL: clamd.url } : {}) };
  const service = await startServiceProcess({
    databaseUrl: scratch.url,
    redisUrl: REDIS,
    jwtSecret: SECRET,
    queuePrefix: `benchf${Date.now()}`,
    env,
  });
  try {
    const auth = {
      authorization: `Bearer ${signToken({ sub: 'bench', role: 'district-officer', districts: ['500103'] }, SECRET, 3600)}`,
    };
    const size = MB * 1024 * 1024;
    const bodies = Array.from({ length: FILES }, () => {
      const b = randomBytes(size);
      b.write('%PDF-1.7\n', 0, 'latin1');
      return b;
    });
    const idle = memory(service.pid);
    const t0 = performance.now();
    const uploaded = await Promise.all(
      bodies.map(async (body, i) => {
        const res = await fetch(`${service.base}/api/v1/files?name=${encodeURIComponent(`整改材料-${i + 1}.pdf`)}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/pdf' },
          body,
        });
        if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { fileId: string }).fileId;
      }),
    );
    const up = (performance.now() - t0) / 1000;
    const afterUp = memory(service.pid);
    const t1 = performance.now();
    const sizes = await Promise.all(
      uploaded.map(async (fileId) => {
        const res = await fetch(`${service.base}/api/v1/files/${fileId}`, { headers: auth });
        if (res.status !== 200) throw new Error(`download: ${res.status}`);
        return (await res.arrayBuffer()).byteLength;
      }),
    );
    const down = (performance.now() - t1) / 1000;
    if (sizes.some((s) => s !== size)) throw new Error('a download came back short');
    const afterDown = memory(service.pid);
    const total = (FILES * size) / 1024 / 1024;
    process.stdout.write(
      `bench:files — ${FILES} × ${MB} MB at once, stored in ${s3 ? 's3rver (S3 API)' : 'Postgres'}${clamd ? ', scanned by clamd' : ''}\n`,
    );
    process.stdout.write(`upload:   ${total.toFixed(0)} MB in ${up.toFixed(1)} s = ${(total / up).toFixed(1)} MB/s\n`);
    process.stdout.write(
      `download: ${total.toFixed(0)} MB in ${down.toFixed(1)} s = ${(total / down).toFixed(1)} MB/s\n`,
    );
    process.stdout.write(
      `service memory (MiB): idle rss ${idle.rss.toFixed(0)} (peak so far ${idle.peak.toFixed(0)}); peak after the uploads ${afterUp.peak.toFixed(0)}; after the downloads ${afterDown.peak.toFixed(0)}\n`,
    );
  } finally {
    await service.stop();
    await clamd?.stop();
    await s3?.stop();
    await scratch.drop();
  }
});
