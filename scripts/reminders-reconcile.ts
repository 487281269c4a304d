/**
 * npm run reminders:reconcile
 * Brings the obligations read model up to the log, then compares every open obligation's pending reminders with
 * the queue: recreates missing jobs (a wiped or lost Redis), removes stray ones. Idempotent; safe while the
 * service runs (the service also does this on every start).
 */
import { PgEventStore } from '../src/event-store/pg-event-store';
import { resolveDatabase } from '../src/infra/database';
import { migrate } from '../src/infra/migrate';
import { createPool } from '../src/infra/pool';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { QueueFactory } from '../src/queue/queue.factory';
import { REMINDER_QUEUE, ReminderScheduler } from '../src/reminders/reminder-scheduler';
import { SystemClock } from '../src/shared/clock';
import { runCli } from './lib/cli';

runCli(async (config) => {
  const database = await resolveDatabase(config);
  const pool = createPool(database.url, 4);
  const queues = new QueueFactory(database.url, config.redisUrl, config.queuePrefix);
  try {
    await migrate(pool);
    const runner = new ProjectionRunner(pool, new PgEventStore(pool), ALL_PROJECTIONS, { batchSize: 2000 });
    await runner.ensureCheckpoints();
    const applied = await runner.catchUp(runner.find('obligations'));
    const scheduler = new ReminderScheduler(
      pool,
      queues.queue(REMINDER_QUEUE),
      new SystemClock(),
      config.reminderGraceHours * 3_600_000,
    );
    const r = await scheduler.reconcile();
    process.stdout.write(
      `reminders:reconcile (${queues.kind} queue): obligations caught up by ${applied} events; ${r.obligations} obligations, ` +
        `${r.planned} reminders pending: ${r.added} jobs recreated, ${r.removed} stray jobs removed, ${r.kept} kept (${r.seconds.toFixed(2)} s)\n`,
    );
  } finally {
    await queues.close();
    await pool.end();
    await database.stop();
  }
});
