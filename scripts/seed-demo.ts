/** npm run seed:demo — launches the Chongqing 2022 and Lianyungang 2021 campaigns unless they exist. */
import { createApp } from '../src/bootstrap';
import { resolveDatabase } from '../src/infra/database';
import { seedDemo } from '../src/seed/seed-demo';
import { runCli } from './lib/cli';

runCli(async (config) => {
  const database = await resolveDatabase(config);
  const app = await createApp(config, { databaseUrl: database.url, onShutdown: () => database.stop() });
  await app.init();
  try {
    const launched = await seedDemo(app);
    process.stdout.write(
      launched.length ? `launched:\n  ${launched.join('\n  ')}\n` : 'both demo campaigns already exist\n',
    );
  } finally {
    await app.close();
  }
});
