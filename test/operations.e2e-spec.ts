import { Client } from 'pg';
import { startTestApp, TestApp } from './support/app';
import { ADMIN_DATABASE_URL } from './support/services';
import { eachQueueBackend } from './support/backends';

eachQueueBackend('test/operations.e2e-spec.ts', 'operations on the %s queue backend', (queue) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ queue });
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /health reports the database and the queue backend up, without a token', async () => {
    const res = await t.call('get', '/health', '/health', null);
    expect(res.status).toBe(200);
    expect(res.body.details).toEqual({ database: { status: 'up' }, queue: { status: 'up', backend: queue } });
  });

  it('GET /metrics exposes appends and the lag of every projection', async () => {
    await t.call('post', '/api/v1/campaigns', '/api/v1/campaigns', 'city-admin', {
      title: '测试',
      issuer: '测试局',
      jurisdiction: '320700',
      districts: [{ code: '320703', name: '连云区' }],
      subjectTypes: ['training-institution'],
      phases: [
        { id: 'self-correction', start: '2022-01-01', end: '2022-01-31' },
        { id: 'enforcement', start: '2022-02-01', end: '2022-02-28' },
        { id: 'cross-check', start: '2022-03-01', end: '2022-03-31' },
        { id: 'summary', start: '2022-04-01', end: '2022-04-30' },
      ],
      deadlines: [],
    });
    const res = await t.call('get', '/metrics', '/metrics', null);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/rectify_events_appended_total \d+/);
    expect(res.text).toContain('rectify_projection_lag_events{projection="campaigns"} 0');
    expect(res.text).toContain('rectify_append_duration_seconds_bucket');
  });
});

describe('health when the database is gone', () => {
  it('reports 503 with the database down, and the process stays up', async () => {
    const t = await startTestApp();
    const name = new URL(t.db.url).pathname.slice(1);
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      const res = await t.call('get', '/health', '/health', null);
      expect(res.status).toBe(503);
      expect(res.body.details.database.status).toBe('down');
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      let back = 0;
      for (let i = 0; i < 50 && back !== 200; i++) {
        back = (await t.http.get('/health')).status;
        if (back !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(back).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await t.close();
    }
  });
});
