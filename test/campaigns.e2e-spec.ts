import { randomUUID } from 'node:crypto';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';

const C = '/api/v1/campaigns';
const ONE = `${C}/{id}`;
const OPEN = `${C}/{id}/phases/{phase}/open`;
const CLOSE = `${C}/{id}/phases/{phase}/close`;
const DEADLINE = `${C}/{id}/deadlines/{key}`;
const EVENTS = `${C}/{id}/events`;

const { type: _t, campaignId: _c, ...cq } = chongqing2022;
const body = (over: Record<string, unknown> = {}) => ({ ...cq, ...over });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ queue: 'postgres', probeIfMatch: true });
});
afterAll(async () => {
  await t.close();
});

async function eventCount(): Promise<number> {
  return Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
}

describe('the campaign flow', () => {
  it('launches, reads, runs the four phases in order, amends deadlines and keeps the history', async () => {
    const launched = await t.call('post', C, C, 'city-admin', body());
    expect(launched.status).toBe(201);
    const id = launched.body.id;
    expect(launched.headers.location).toBe(`${C}/${id}`);
    expect(launched.headers.etag).toBe('"1"');
    // the command answers from its own result, with the log position it reached in the header and the body
    expect(launched.body).toEqual({ id, version: 1, logPosition: Number(launched.headers['x-log-position']) });
    expect(launched.body.logPosition).toBeGreaterThan(0);

    const got = await t.call('get', ONE, `${C}/${id}`, 'district-officer');
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.body).toMatchObject({
      id,
      title: '重庆市安全生产培训“走过场”专项整治工作落实情况督查',
      issuer: '重庆市安全生产考试中心',
      jurisdiction: '500000',
      status: 'launched',
      currentPhase: null,
      version: 1,
    });
    expect(got.body.districts).toHaveLength(42);
    expect(got.body.districts).toContainEqual({ code: 'CQ-LJXQ', name: '两江新区' });
    expect(got.body.phases.map((p: { status: string }) => p.status)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);

    const notModified = await t.call('get', ONE, `${C}/${id}`, 'auditor', undefined, { 'If-None-Match': '"1"' });
    expect(notModified.status).toBe(304);

    const outOfOrder = await t.call('post', OPEN, `${C}/${id}/phases/enforcement/open`);
    expect(outOfOrder.status).toBe(409);
    expect(outOfOrder.headers['content-type']).toContain('application/problem+json');
    expect(outOfOrder.body.detail).toContain('self-correction is not yet run');

    let version = 1;
    for (const phase of ['self-correction', 'enforcement', 'cross-check', 'summary']) {
      const opened = await t.call('post', OPEN, `${C}/${id}/phases/${phase}/open`, 'city-admin', undefined, {
        'If-Match': `"${version}"`,
      });
      expect(opened.status).toBe(200);
      expect(opened.headers.etag).toBe(`"${++version}"`);
      const current = await t.call('get', ONE, `${C}/${id}`);
      expect(current.body).toMatchObject({ currentPhase: phase, status: 'in-progress', version });
      if (phase === 'summary') {
        const amended = await t.call('put', DEADLINE, `${C}/${id}/deadlines/summary-report`, 'city-admin', {
          due: '2022-10-08',
          reason: '国庆假期顺延',
        });
        expect(amended.status).toBe(200);
        expect(amended.body).toEqual({
          id,
          version: ++version,
          key: 'summary-report',
          changed: true,
          logPosition: expect.any(Number),
        });
        const added = await t.call('put', DEADLINE, `${C}/${id}/deadlines/bulletin`, 'city-admin', {
          due: '2022-10-20',
          reason: '通报',
          title: '全市通报',
          owedBy: 'city',
        });
        expect(added.status).toBe(201);
        expect(added.headers.location).toBe(`${C}/${id}/deadlines/bulletin`);
        version++;
        const same = await t.call('put', DEADLINE, `${C}/${id}/deadlines/bulletin`, 'city-admin', {
          due: '2022-10-20',
          reason: '重复',
        });
        expect(same.body).toMatchObject({ changed: false, version });
      }
      const closed = await t.call('post', CLOSE, `${C}/${id}/phases/${phase}/close`);
      expect(closed.status).toBe(200);
      expect(closed.body.version).toBe(++version);
    }

    const final = await t.call('get', ONE, `${C}/${id}`);
    expect(final.body.status).toBe('completed');
    expect(final.body.deadlines).toContainEqual({
      key: 'summary-report',
      title: '专项整治工作总结报告',
      due: '2022-10-08',
      owedBy: 'district-bureau',
    });
    expect(final.body.deadlines).toContainEqual({
      key: 'bulletin',
      title: '全市通报',
      due: '2022-10-20',
      owedBy: 'city',
    });

    const history = await t.call('get', EVENTS, `${C}/${id}/events`, 'auditor');
    expect(history.status).toBe(200);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual([
      'campaign.launched',
      'campaign.phase-opened',
      'campaign.phase-closed',
      'campaign.phase-opened',
      'campaign.phase-closed',
      'campaign.phase-opened',
      'campaign.phase-closed',
      'campaign.phase-opened',
      'campaign.deadline-amended',
      'campaign.deadline-added',
      'campaign.phase-closed',
    ]);
    const first = history.body.items[0];
    expect(first.metadata.actor).toEqual({ id: 't-city-admin', role: 'city-admin' });
    expect(first.data.districts).toContainEqual({ code: '500241', name: '秀山县' });
    const page = await t.call('get', EVENTS, `${C}/${id}/events?fromVersion=10&limit=5`, 'auditor');
    expect(page.body.items.map((e: { streamVersion: number }) => e.streamVersion)).toEqual([10, 11]);
    expect(page.body.nextFromVersion).toBeNull();

    const list = await t.call('get', C, `${C}?jurisdiction=500000&status=completed`, 'integration');
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(id);
  });

  it('echoes the caller correlation id and writes it into the events', async () => {
    const correlation = randomUUID();
    const res = await t.call('post', C, C, 'city-admin', body(), { 'X-Correlation-Id': correlation });
    expect(res.headers['x-correlation-id']).toBe(correlation);
    const history = await t.call('get', EVENTS, `${C}/${res.body.id}/events`);
    expect(history.body.items[0].metadata.correlationId).toBe(correlation);
  });

  it('a client-chosen id is honoured once; launching it again is 409', async () => {
    const id = randomUUID();
    expect((await t.call('post', C, C, 'city-admin', body({ id }))).status).toBe(201);
    const again = await t.call('post', C, C, 'city-admin', body({ id }));
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already exists');
  });
});

describe('refusals', () => {
  let id: string;
  beforeAll(async () => {
    id = (await t.call('post', C, C, 'city-admin', body())).body.id;
  });

  it('400 names each bad field and rule, and writes nothing', async () => {
    const before = await eventCount();
    const res = await t.call(
      'post',
      C,
      C,
      'city-admin',
      body({ title: '', extra: 1, phases: [{ id: 'x', start: '2022', end: '2022-01-01' }] }),
    );
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'title:isNotEmpty',
        'extra:unknown-field',
        'phases[0].id:isIn',
        'phases[0].start:matches',
      ]),
    );
    expect(await eventCount()).toBe(before);
  });

  it('400 for rules the domain checks (district outside the jurisdiction), naming the field', async () => {
    const res = await t.call('post', C, C, 'city-admin', body({ districts: [{ code: '320703', name: '连云区' }] }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'districts[0].code', rule: 'must lie within the jurisdiction', message: expect.any(String) },
    ]);
  });

  it('400 for malformed JSON, a non-object body, bad query values and bad path parameters', async () => {
    const bad = await t.http
      .post(C)
      .set('Authorization', `Bearer ${t.token('city-admin')}`)
      .set('Content-Type', 'application/json')
      .send('{"title": ');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect((await t.call('post', C, C, 'city-admin', [1, 2])).status).toBe(400);
    const q = await t.call('get', C, `${C}?limit=0&bogus=1`);
    expect(q.status).toBe(400);
    expect(q.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['limit', 'bogus']));
    expect((await t.call('get', ONE, `${C}/not-a-uuid`)).body.errors[0]).toMatchObject({ field: 'id', rule: 'isUuid' });
    expect((await t.call('post', OPEN, `${C}/${id}/phases/holiday/open`)).body.errors[0]).toMatchObject({
      field: 'phase',
    });
    expect(
      (await t.call('put', DEADLINE, `${C}/${id}/deadlines/Bad_Key`, 'city-admin', { due: '2022-01-01', reason: 'x' }))
        .status,
    ).toBe(400);
  });

  it('415 for a body that is not JSON', async () => {
    const res = await t.http
      .post(C)
      .set('Authorization', `Bearer ${t.token('city-admin')}`)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('401 without a token or with a bad one', async () => {
    expect((await t.call('get', C, C, null)).status).toBe(401);
    const forged = await t.http.get(C).set('Authorization', 'Bearer not.a.token');
    expect(forged.status).toBe(401);
    expect(forged.body.detail).toContain('invalid token');
  });

  it('403 for roles that may not launch or run phases (auditors change nothing)', async () => {
    for (const role of ['district-officer', 'supervisor', 'subject-user', 'auditor', 'integration'] as const) {
      expect((await t.call('post', C, C, role, body())).status).toBe(403);
      expect((await t.call('post', OPEN, `${C}/${id}/phases/self-correction/open`, role)).status).toBe(403);
      expect(
        (await t.call('put', DEADLINE, `${C}/${id}/deadlines/summary-report`, role, { due: '2022-10-01', reason: 'x' }))
          .status,
      ).toBe(403);
    }
  });

  it('404 for a campaign that does not exist', async () => {
    const missing = randomUUID();
    expect((await t.call('get', ONE, `${C}/${missing}`)).status).toBe(404);
    expect((await t.call('post', OPEN, `${C}/${missing}/phases/self-correction/open`)).status).toBe(404);
    expect((await t.call('get', EVENTS, `${C}/${missing}/events`)).status).toBe(404);
    const unknownRoute = await t.http
      .get('/api/v1/nothing-here')
      .set('Authorization', `Bearer ${t.token('city-admin')}`);
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers['content-type']).toContain('application/problem+json');
  });

  it('409 for a phase out of order, 412 for a stale If-Match, with nothing written', async () => {
    const before = await eventCount();
    expect((await t.call('post', CLOSE, `${C}/${id}/phases/self-correction/close`)).status).toBe(409);
    const stale = await t.call('post', OPEN, `${C}/${id}/phases/self-correction/open`, 'city-admin', undefined, {
      'If-Match': '"7"',
    });
    expect(stale.status).toBe(412);
    expect(stale.body.currentVersion).toBe(1);
    expect(
      (
        await t.call('post', OPEN, `${C}/${id}/phases/self-correction/open`, 'city-admin', undefined, {
          'If-Match': 'W/"1"',
        })
      ).status,
    ).toBe(412);
    expect(
      (
        await t.call('post', OPEN, `${C}/${id}/phases/self-correction/open`, 'city-admin', undefined, {
          'If-Match': 'garbage',
        })
      ).status,
    ).toBe(400);
    expect(await eventCount()).toBe(before);
    const ok = await t.call('post', OPEN, `${C}/${id}/phases/self-correction/open`, 'city-admin', undefined, {
      'If-Match': '*',
    });
    expect(ok.status).toBe(200);
  });

  it('concurrent commands with the same If-Match: one wins, the rest get 412', async () => {
    const fresh = (await t.call('post', C, C, 'city-admin', body())).body.id;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.call('post', OPEN, `${C}/${fresh}/phases/self-correction/open`, 'city-admin', undefined, {
          'If-Match': '"1"',
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(7);
    const events = await t.call('get', EVENTS, `${C}/${fresh}/events`);
    expect(events.body.items).toHaveLength(2);
  });

  it('concurrent commands without If-Match: one wins, the rest are refused by the state they lost to (409)', async () => {
    const fresh = (await t.call('post', C, C, 'city-admin', body())).body.id;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.call('post', OPEN, `${C}/${fresh}/phases/self-correction/open`)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(7);
    refused.forEach((r) => expect(r.body.detail).toContain('already open'));
  });
});
