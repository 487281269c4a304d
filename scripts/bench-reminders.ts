/**
 * npm run bench:reminders — derive and schedule reminders for 100,000 obligations, on Redis and on BullMQ's
 * Postgres backend, in the same run, the way the service does it (the scheduler re-plans after each projection
 * batch, so deriving and scheduling overlap). The log holds one campaign with four deadlines owed by every training
 * institution (all due months ahead, so each obligation has its 4 reminders pending, of which the next is queued)
 * and 25,000 institutions: 100,000 obligations, 100,000 delayed jobs. Per backend: rebuild the obligations projection from the log
 * (derive) while the scheduler plans and adds the jobs, then a full reconcile against the queue (what a restart
 * does, here with nothing to repair).
 * Env: BENCH_DATABASE_URL (a server to create a scratch database on), BENCH_REDIS_URL, BENCH_SUBJECTS.
 */
import { randomUUID } from 'node:crypto';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { QueueFactory } from '../src/queue/queue.factory';
import { REMINDER_QUEUE, ReminderScheduler } from '../src/reminders/reminder-scheduler';
import { cstDate } from '../src/shared/dates';
import { SystemClock } from '../src/shared/clock';

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 25_000);
const DEADLINES = 4;
const TARGET_SECONDS = 30;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

async function main(): Promise<void> {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const scratch = await scratchDatabase(server, 'rectify_bench');
  const pool = createPool(scratch.url, 8);
  try {
    await migrate(pool);
    const store = new PgEventStore(pool);
    const campaignId = randomUUID();
    const districts = Array.from({ length: 40 }, (_, i) => ({ code: String(500101 + i), name: `区县${i + 1}` }));
    const day = (d: number) => cstDate(new Date(Date.now() + d * 86_400_000));
    const deadlines = Array.from({ length: DEADLINES }, (_, i) => ({
      key: `report-${i + 1}`,
      title: `培训机构报告${i + 1}`,
      due: day(60 + 30 * i),
      owedBy: 'training-institution',
    }));
    const meta = () => ({ actor: { id: 'bench', role: 'city-admin' }, correlationId: randomUUID() });
    const started = process.hrtime.bigint();
    await store.appendToStream(
      `campaign-${campaignId}`,
      [
        {
          type: 'campaign.launched',
          data: {
            campaignId,
            title: '基准测试专项整治',
            issuer: '基准',
            jurisdiction: '500000',
            districts,
            subjectTypes: ['training-institution'],
            phases: [],
            deadlines,
          },
          metadata: meta(),
        },
      ],
      { expectedVersion: 'no-stream' },
    );
    for (let i = 0; i < SUBJECTS; i += 500) {
      await store.appendToStreams(
        Array.from({ length: Math.min(500, SUBJECTS - i) }, (_, k) => {
          const subjectId = randomUUID();
          const district = districts[(i + k) % districts.length].code;
          return {
            streamId: `subject-${subjectId}`,
            expectedVersion: 'no-stream' as const,
            events: [
              {
                type: 'subject.registered',
                data: {
                  subjectId,
                  campaignId,
                  type: 'training-institution',
                  name: `第${i + k}号培训机构`,
                  uscc: '',
                  districtCode: district,
                  industry: 'safety-training',
                  principal: { name: '负责人' },
                  contact: {},
                  highRisk: false,
                },
                metadata: meta(),
              },
            ],
          };
        }),
      );
    }
    process.stdout.write(
      `log: 1 campaign with ${DEADLINES} deadlines owed by training institutions, ${SUBJECTS} institutions (${seconds(started).toFixed(1)} s to append)\n\n`,
    );

    const runner = new ProjectionRunner(pool, store, ALL_PROJECTIONS, { batchSize: 2000 });
    await runner.ensureCheckpoints();
    const rows: Record<string, unknown>[] = [];
    for (const kind of ['redis', 'postgres'] as const) {
      const queues = new QueueFactory(
        scratch.url,
        kind === 'redis' ? redisUrl : undefined,
        `bench-${randomUUID().slice(0, 8)}`,
      );
      const queue = queues.queue(REMINDER_QUEUE);
      await queue.waitUntilReady();
      const scheduler = new ReminderScheduler(pool, queue as never, new SystemClock(), 0);
      await pool.query('TRUNCATE reminder_sync');
      // as in the service: the scheduler re-plans after each batch the projection commits, so the two overlap
      const t0 = process.hrtime.bigint();
      let syncing: Promise<unknown> = Promise.resolve();
      const stop = runner.onProgress((name) => {
        if (name === 'obligations') syncing = syncing.then(() => scheduler.syncChanged());
      });
      const derived = await runner.rebuild(runner.find('obligations'));
      const deriveS = seconds(t0);
      stop();
      await syncing;
      await scheduler.syncChanged();
      const total = seconds(t0);
      const scheduleS = total - deriveS;
      const {
        rows: [{ n: obligations }],
      } = await pool.query('SELECT count(*)::int AS n FROM rm_obligations');
      const jobs = (await queue.getJobCounts('delayed')).delayed;
      const rssAfterSchedule = peakRss;
      const reconcile = await scheduler.reconcile();
      rows.push({
        backend: kind,
        events: derived.events,
        obligations,
        jobs,
        deriveSeconds: deriveS,
        scheduleSeconds: scheduleS,
        totalSeconds: total,
        jobsPerSecond: jobs / total,
        obligationsPerSecond: obligations / total,
        peakRssMiB: Number(mib(rssAfterSchedule)),
        reconcileSeconds: reconcile.seconds,
        reconcileAdded: reconcile.added,
        reconcileRemoved: reconcile.removed,
      });
      await queue.obliterate({ force: true });
      await queues.close();
    }
    await store.close();
    const r = (k: string) => rows.map((x) => x[k]);
    const f = (n: unknown, d = 1) => (typeof n === 'number' ? n.toFixed(d) : String(n)).padStart(12);
    process.stdout.write(
      `bench:reminders — ${SUBJECTS * DEADLINES} obligations, Postgres at ${new URL(server).host}, Redis at ${new URL(redisUrl).host}\n`,
    );
    process.stdout.write(`${''.padEnd(34)}${f('Redis')}${f('Postgres')}\n`);
    const line = (label: string, key: string, d = 1) =>
      process.stdout.write(
        `${label.padEnd(34)}${r(key)
          .map((v) => f(v, d))
          .join('')}\n`,
      );
    line('obligations', 'obligations', 0);
    line('delayed jobs', 'jobs', 0);
    line('derive (projection rebuild), s', 'deriveSeconds', 2);
    line('scheduling after derive ended, s', 'scheduleSeconds', 2);
    line('derive + schedule, s', 'totalSeconds', 2);
    line('jobs/s (derive + schedule)', 'jobsPerSecond', 0);
    line('obligations/s (derive + schedule)', 'obligationsPerSecond', 0);
    line('peak RSS so far, MiB', 'peakRssMiB', 0);
    line('full reconcile (nothing to do), s', 'reconcileSeconds', 2);
    const redis = rows[0].totalSeconds as number;
    process.stdout.write(
      `\nPostgres backend / Redis time: ${((rows[1].totalSeconds as number) / redis).toFixed(2)}x\n`,
    );
    for (const r of rows) {
      const total = r.totalSeconds as number;
      process.stdout.write(
        `${r.backend} derive + schedule ${total.toFixed(1)} s (target < ${TARGET_SECONDS} s): ${total < TARGET_SECONDS ? 'met' : 'NOT met'}\n`,
      );
    }
    process.stdout.write(JSON.stringify({ bench: 'reminders', subjects: SUBJECTS, rows }) + '\n');
  } finally {
    clearInterval(sampler);
    await pool.end();
    await scratch.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
