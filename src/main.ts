import 'reflect-metadata';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { resolveDatabase } from './infra/database';
import { seedDemo } from './seed/seed-demo';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`rectify: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const say = (msg: string) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), msg }) + '\n');
  const database = await resolveDatabase(config, { owner: true });
  if (database.embedded)
    say(`embedded Postgres running on 127.0.0.1:${config.embeddedPgPort}, data in ${config.dataDir}`);
  if (config.jwtSecretIsDefault) say('JWT_SECRET is not set: using the local development secret (never in production)');
  say(`queue backend: ${config.redisUrl ? 'Redis' : 'BullMQ Postgres backend'}`);

  // enableShutdownHooks: SIGTERM/SIGINT close the app (projections, queues, pool), then the embedded Postgres.
  const app = await createApp(config, { databaseUrl: database.url, onShutdown: () => database.stop() });
  await app.init();
  if (config.seedDemo) {
    const seeded = await seedDemo(app);
    if (seeded.length) say(`seeded demo campaigns: ${seeded.join(', ')}`);
  }
  await app.listen(config.port, config.host);
  say(`rectify listening on http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`);
}

main().catch((err) => {
  process.stderr.write(`rectify failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
