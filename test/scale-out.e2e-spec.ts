import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { signToken } from '../src/auth/jwt';
import { freePort } from '../src/infra/free-port';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { createTestDatabase, TestDatabase } from './support/database';
import { launchBody, uscc } from './support/fixtures';
import { Receiver } from './support/receiver';
import { REDIS_URL } from './support/services';
import { notRun, redisPresent } from './support/tiers';
import { until } from './support/waiting';

/**
 * Three service processes (node dist/src/main.js, as deployed) side by side on one Postgres and one Redis: commands
 * spread over them; every projection row written once, every reminder fired once, every webhook delivered once and
 * in order per stream; then one of them killed with SIGKILL mid-load, and nothing acknowledged lost, the read models
 * equal to a verified rebuild.
 */
const ROOT = join(__dirname, '..');
const SECRET = 'scale-out-secret-that-is-long-enough-for-hs256';
const token = (role: 'city-admin' | 'auditor') => signToken({ sub: `scale-${role}`, role }, SECRET);
const A = '500103';

interface Instance {
  proc: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

let db: TestDatabase;
const prefix = `scale${Date.now()}`;
const receiver = new Receiver();
// the instances share Redis; without Redis here they share BullMQ's Postgres backend, and that is said
const QUEUE: Record<string, string> = redisPresent() ? { REDIS_URL } : {};
if (!redisPresent())
  notRun("test/scale-out.e2e-spec.ts on the Redis queue backend (it ran on BullMQ's Postgres backend)");
const instances: Instance[] = [];

async function startInstance(): Promise<Instance> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      ...QUEUE,
      QUEUE_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      REMINDER_GRACE_HOURS: '720',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  await until(
    `instance on ${port}`,
    () =>
      fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok,
    60_000,
  );
  return { proc, base, exited };
}

const call = async (
  i: Instance,
  method: string,
  path: string,
  body?: unknown,
  role: 'city-admin' | 'auditor' = 'city-admin',
) => {
  const res = await fetch(`${i.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token(role)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    position: Number(res.headers.get('x-log-position') ?? 0),
  };
};

beforeAll(async () => {
  // the processes run the compiled service: build dist/ if it is missing or older than the sources
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.js')], { cwd: ROOT, stdio: 'inherit' });
  db = await createTestDatabase(4);
  await receiver.start();
  for (let n = 0; n < 3; n++) instances.push(await startInstance());
}, 180_000);
afterAll(async () => {
  for (const i of instances) if (i.proc.exitCode === null && i.proc.signalCode === null) i.proc.kill('SIGTERM');
  await Promise.all(instances.map((i) => i.exited));
  await receiver.stop();
  await db?.drop();
});

let campaignId = '';
const subjects: string[] = [];

it('commands spread over three processes: every projection row once, every reminder once, every webhook once and in order per stream', async () => {
  const [one, two] = instances;
  const hook = await call(one, 'POST', '/api/v1/webhooks', { url: receiver.url });
  expect(hook.status).toBe(201);
  receiver.secrets.push(hook.body.secret);
  // deadlines due in the past (within REMINDER_GRACE_HOURS): their overdue reminders fire as soon as they are planned
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const past = (days: number) => new Date(Date.parse(today) - days * 864e5).toISOString().slice(0, 10);
  const deadlines = [
    { key: 'implementation-plan', title: '实施方案', due: past(3), owedBy: 'district-bureau' },
    { key: 'self-correction-report', title: '自查自改报告', due: past(4), owedBy: 'production-unit' },
  ];
  const launched = await call(two, 'POST', '/api/v1/campaigns', launchBody(chongqing2022, { deadlines }));
  expect(launched.status).toBe(201);
  campaignId = launched.body.id;
  const results = await Promise.all(
    Array.from({ length: 60 }, (_, n) =>
      call(instances[n % 3], 'POST', '/api/v1/subjects', {
        campaignId,
        type: 'production-unit',
        name: `重庆市某工贸有限公司（第${n}号）`,
        uscc: uscc(5000 + n, A),
        districtCode: A,
        industry: 'industry-trade',
        principal: { name: '张三' },
      }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(Array(60).fill(201));
  subjects.push(...results.map((r) => r.body.id));
  const last = Math.max(...results.map((r) => r.position));

  // each process's read models reach the last position; each table holds each row once
  for (const i of instances) {
    const page = await fetch(`${i.base}/api/v1/subjects?campaign=${campaignId}&limit=200`, {
      headers: { authorization: `Bearer ${token('auditor')}`, 'x-min-position': String(last) },
    });
    expect(((await page.json()) as { total: number }).total).toBe(60);
  }
  const once = async (sql: string) => (await db.pool.query(sql)).rows;
  expect(await once(`SELECT id FROM rm_subjects GROUP BY id HAVING count(*) > 1`)).toEqual([]);
  expect(
    await once(
      `SELECT subject_id FROM rm_subject_timeline WHERE cardinality(positions) <> (SELECT count(DISTINCT p) FROM unnest(positions) p)`,
    ),
  ).toEqual([]);
  expect(Number((await once(`SELECT count(*) FROM rm_subjects WHERE campaign_id = '${campaignId}'`))[0].count)).toBe(
    60,
  );

  // every obligation that is overdue gets its one overdue reminder, from whichever process, once
  const owed = 60 + chongqing2022.districts.length; // each subject's report, each district's plan
  const reminders = () =>
    once(
      `SELECT data->>'obligationId' AS obligation, data->>'reminderId' AS reminder FROM events WHERE type = 'obligation.overdue'`,
    );
  const fired = await until(
    'the overdue reminders',
    reminders,
    (rows) => new Set(rows.map((r) => r.obligation)).size >= owed,
    120_000,
  );
  expect(fired.length).toBe(new Set(fired.map((r) => r.reminder)).size);

  // every event a webhook may carry, delivered once, each stream's in stream order
  const deliverable = await once(`SELECT event_id FROM events WHERE type NOT LIKE 'webhook.%'
    AND global_position > (SELECT global_position FROM events WHERE type = 'webhook.subscribed')`);
  const got = await until(
    'every delivery',
    async () => receiver.accepted(),
    (r) => new Set(r.map((x) => x.json.data.eventId)).size >= deliverable.length,
    120_000,
  );
  expect(got.length).toBe(new Set(got.map((r) => r.id)).size);
  const byStream = new Map<string, number[]>();
  for (const r of got)
    byStream.set(r.json.data.stream, [...(byStream.get(r.json.data.stream) ?? []), r.json.data.version]);
  for (const versions of byStream.values()) expect(versions).toEqual([...versions].sort((a, b) => a - b));
});

it('one process killed with SIGKILL mid-load: every acknowledged command is in the log, and the read models equal a verified rebuild', async () => {
  const victim = instances[1];
  const acknowledged: string[] = [];
  let n = 0;
  const load = Promise.all(
    Array.from({ length: 6 }, async (_, c) => {
      for (let k = 0; k < 25; k++) {
        const i = instances[(c + k) % 3];
        const id = n++;
        const res = await call(i, 'POST', `/api/v1/campaigns/${campaignId}/tips`, {
          channel: 'hotline-12350',
          receivedAt: '2022-05-15T08:30:00+08:00',
          content: `线索${id}`,
        }).catch(() => null);
        if (res?.status === 201) acknowledged.push(res.body.tipId);
      }
    }),
  );
  await until(
    'load under way',
    async () => acknowledged.length,
    (k) => k >= 20,
  );
  victim.proc.kill('SIGKILL');
  await victim.exited;
  await load;
  const { rows } = await db.pool.query(
    `SELECT data->>'tipId' AS tip FROM events WHERE type = 'tip.received' AND data->>'campaignId' = $1`,
    [campaignId],
  );
  const logged = new Set(rows.map((r) => r.tip));
  expect(acknowledged.filter((tip) => !logged.has(tip))).toEqual([]);
  expect(acknowledged.length).toBeGreaterThan(50);

  // the survivors catch up; a rebuild from the log into shadow tables equals the live read models
  const head = Number((await db.pool.query('SELECT max(global_position) AS p FROM events')).rows[0].p);
  const survivor = instances[0];
  const caught = await fetch(`${survivor.base}/api/v1/campaigns/${campaignId}`, {
    headers: { authorization: `Bearer ${token('auditor')}`, 'x-min-position': String(head) },
  });
  expect(caught.status).toBe(200);
  const out = execFileSync(
    process.execPath,
    [join(ROOT, 'dist', 'scripts', 'projections-rebuild.js'), '--verify', '--all'],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    },
  );
  expect(out).toContain('the live read models equal a rebuild from the log');
});
