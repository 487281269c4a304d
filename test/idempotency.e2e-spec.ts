import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody } from './support/fixtures';
import { until } from './support/waiting';

/** Idempotency-Key on POST, as Stripe defines it: a retried request gets the first answer, and appends nothing. */
const C = '/api/v1/campaigns';
const T = `${C}/{id}/tips`;

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await startTestApp({ env: { IDEMPOTENCY_KEY_TTL_HOURS: '48', CONSISTENCY_WAIT_MS: '60000' } });
  id = (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022))).body.id;
});
afterAll(async () => {
  await t.close();
});

const tip = (content = '举报某培训机构只签到不培训') => ({
  channel: 'hotline-12350',
  receivedAt: '2022-05-15T08:30:00+08:00',
  content,
});
const post = (key: string, body: object, caller: 'city-admin' | { role: 'city-admin'; sub: string } = 'city-admin') =>
  t.call('post', T, `${C}/${id}/tips`, caller, body, { 'Idempotency-Key': key });
const tips = async () =>
  Number(
    (
      await t.db.pool.query(`SELECT count(*) FROM events WHERE type = 'tip.received' AND data->>'campaignId' = $1`, [
        id,
      ])
    ).rows[0].count,
  );

it('the same key with the same request returns the first answer (status, headers, body) and appends nothing', async () => {
  const key = randomUUID();
  const before = await tips();
  const first = await post(key, tip());
  expect(first.status).toBe(201);
  const again = await post(key, tip());
  expect([
    again.status,
    again.body,
    again.headers.location,
    again.headers.etag,
    again.headers['x-log-position'],
  ]).toEqual([201, first.body, first.headers.location, first.headers.etag, first.headers['x-log-position']]);
  expect([first.headers['idempotent-replayed'], again.headers['idempotent-replayed']]).toEqual([undefined, 'true']);
  expect(again.body.content ?? again.body.tipId).toBeDefined();
  expect(await tips()).toBe(before + 1);
  // the content round-trips unchanged, in Chinese
  const got = await t.call('get', `${T}/{tipId}`, `${C}/${id}/tips/${first.body.tipId}`, 'city-admin');
  expect(got.body.content).toBe('举报某培训机构只签到不培训');
});

it('the same key with another body, or on another route, is a 422 idempotency-key-reused, and appends nothing', async () => {
  const key = randomUUID();
  expect((await post(key, tip())).status).toBe(201);
  const before = await tips();
  const other = await post(key, tip('另一条线索'));
  expect([other.status, other.body.type]).toEqual([422, 'urn:rectify:problem:idempotency-key-reused']);
  const route = await t.call(
    'post',
    `${C}/{id}/phases/{phase}/open`,
    `${C}/${id}/phases/self-correction/open`,
    'city-admin',
    {},
    { 'Idempotency-Key': key },
  );
  expect([route.status, route.body.type]).toEqual([422, 'urn:rectify:problem:idempotency-key-reused']);
  expect(await tips()).toBe(before);
});

it('20 concurrent requests with one key execute once: each gets the same answer', async () => {
  const key = randomUUID();
  const before = await tips();
  const all = await Promise.all(Array.from({ length: 20 }, () => post(key, tip('并发重试的线索'))));
  expect(all.map((r) => r.status)).toEqual(Array(20).fill(201));
  expect(new Set(all.map((r) => r.body.tipId)).size).toBe(1);
  expect(all.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
  expect(await tips()).toBe(before + 1);
});

it('a key belongs to its principal: another caller with the same key runs its own request', async () => {
  const key = randomUUID();
  const a = await post(key, tip(), { role: 'city-admin', sub: 'admin-a' });
  const b = await post(key, tip(), { role: 'city-admin', sub: 'admin-b' });
  expect([a.status, b.status, b.headers['idempotent-replayed']]).toEqual([201, 201, undefined]);
  expect(a.body.tipId).not.toBe(b.body.tipId);
});

it('a malformed request lets the key go (a corrected retry runs); a domain refusal is kept and given again', async () => {
  const key = randomUUID();
  const bad = await post(key, { ...tip(), channel: 1 });
  expect(bad.status).toBe(400);
  expect((await post(key, tip())).status).toBe(201);
  // opening a phase out of order is refused by the domain: the refusal is the outcome, kept for the key
  const refusedKey = randomUUID();
  const open = (k: string) =>
    t.call(
      'post',
      `${C}/{id}/phases/{phase}/open`,
      `${C}/${id}/phases/enforcement/open`,
      'city-admin',
      {},
      { 'Idempotency-Key': k },
    );
  const refused = await open(refusedKey);
  expect(refused.status).toBe(409);
  const again = await open(refusedKey);
  expect([again.status, again.body, again.headers['idempotent-replayed']]).toEqual([409, refused.body, 'true']);
});

it('keys are kept for IDEMPOTENCY_KEY_TTL_HOURS; a key that is not 1-255 visible ASCII characters is a 400 naming the header', async () => {
  const key = randomUUID();
  await post(key, tip());
  const { rows } = await t.db.pool.query(
    `SELECT extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM idempotency_keys WHERE key = $1`,
    [key],
  );
  expect(Number(rows[0].hours)).toBeCloseTo(48, 3);
  const res = await post('two words', tip());
  expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, 'Idempotency-Key']);
  const long = await post('k'.repeat(256), tip());
  expect(long.status).toBe(400);
});

it('a client that hangs up mid-request and retries gets the answer of the request it left, which ran once', async () => {
  const key = randomUUID();
  const before = await tips();
  const runner = t.app.get(ProjectionRunner);
  await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
  const port = (t.app.getHttpServer().address() as { port: number }).port;
  // held by the consistency wait: the read models are paused below a position the request asks for
  await runner.stop();
  let released = false;
  try {
    const ahead = await post(randomUUID(), tip('先到的线索'));
    const body = JSON.stringify(tip('断线重试的线索'));
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `${C}/${id}/tips`,
      headers: {
        Authorization: `Bearer ${t.token('city-admin')}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Idempotency-Key': key,
        'X-Min-Position': ahead.headers['x-log-position'],
      },
    });
    req.on('error', () => undefined);
    req.end(body);
    // the service has taken the key: the client hangs up before any answer
    await until(
      'the key to be taken',
      async () => (await t.db.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount,
      (n) => n === 1,
    );
    req.destroy();
    runner.start();
    released = true;
    await until(
      'the left request to be answered and its answer kept',
      async () => (await t.db.pool.query('SELECT status FROM idempotency_keys WHERE key = $1', [key])).rows[0]?.status,
      (s) => s === 201,
    );
  } finally {
    if (!released) runner.start();
  }
  const retry = await post(key, tip('断线重试的线索'));
  expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 'true']);
  expect(await tips()).toBe(before + 2); // the one ahead, and the left one once
});
