import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChains } from '../src/audit/chain-verification';
import { linesOf, replayLog } from '../src/audit/replay';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { tableChecksum, verifiedRebuild } from '../src/projections/shadow-rebuild';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { FixedClock } from '../src/shared/clock';
import { spec } from './support/openapi';
import { Caller, startTestApp, TestApp } from './support/app';
import { createTestDatabase } from './support/database';
import { launchBody, uscc } from './support/fixtures';
import { ok } from './support/waiting';

/** Auditors: the log API, time travel, tamper evidence, verified rebuilds, export and offline replay, read-only. */
const C = '/api/v1/campaigns';
const S = '/api/v1/subjects';
const A = '500103';
const officerA: Caller = { role: 'district-officer', districts: [A] };

describe('history for auditors', () => {
  let t: TestApp;
  let campaignId: string;
  let subjectId: string;
  let tipId: string;
  const tables = ALL_PROJECTIONS.flatMap((p) => p.tables);

  const ndjson = async (query = '') => {
    const res = await t.http
      .get(`/api/v1/events${query}`)
      .set('Authorization', `Bearer ${t.token('auditor')}`)
      .set('Accept', 'application/x-ndjson')
      .buffer(true)
      .parse((r, cb) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (text += c));
        r.on('end', () => cb(null, text));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    return res.body as string;
  };

  beforeAll(async () => {
    t = await startTestApp({ clock: new FixedClock(new Date('2022-05-15T01:00:00Z')) });
    campaignId = (
      await ok(
        t.call('post', C, C, 'city-admin', launchBody(chongqing2022, { districts: [{ code: A, name: '渝中区' }] })),
        201,
      )
    ).body.id;
    subjectId = (
      await ok(
        t.call('post', S, S, officerA, {
          campaignId,
          type: 'training-institution',
          name: '重庆市渝中区"安达"安全培训学校',
          uscc: uscc(1),
          districtCode: A,
          industry: 'safety-training',
          principal: { name: '张三' },
        }),
        201,
      )
    ).body.id;
    await ok(t.call('patch', `${S}/{id}`, `${S}/${subjectId}`, officerA, { name: '重庆市渝中区安达职业培训学校' }));
    tipId = (
      await ok(
        t.call('post', `${C}/{id}/tips`, `${C}/${campaignId}/tips`, 'city-admin', {
          channel: 'website',
          receivedAt: '2022-05-15T08:00:00+08:00',
          content: '反映某企业特种作业人员无证上岗',
        }),
        201,
      )
    ).body.tipId;
    await ok(
      t.call('post', `${C}/{id}/tips/{tipId}/assignment`, `${C}/${campaignId}/tips/${tipId}/assignment`, 'city-admin', {
        districtCode: A,
      }),
    );
  });
  afterAll(() => t?.close());

  it('pages through the whole log in position order with a cursor, filtered by type, stream and time', async () => {
    const all: any[] = [];
    let after = 0;
    for (;;) {
      const page = (await ok(t.call('get', '/api/v1/events', `/api/v1/events?after=${after}&limit=7`, 'auditor'))).body;
      all.push(...page.items);
      if (page.next === null) break;
      after = page.next;
    }
    const count = Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
    expect(all).toHaveLength(count);
    expect(all.map((e) => e.globalPosition)).toEqual([...all.map((e) => e.globalPosition)].sort((a, b) => a - b));
    const tips = (
      await ok(t.call('get', '/api/v1/events', '/api/v1/events?type=tip.received,tip.assigned', 'integration'))
    ).body.items;
    expect(tips.map((e: any) => e.type)).toEqual(['tip.received', 'tip.assigned']);
    const subject = (
      await ok(t.call('get', '/api/v1/events', `/api/v1/events?stream=subject-${subjectId}`, 'city-admin'))
    ).body.items;
    expect(subject.map((e: any) => e.data.name ?? e.data.changes?.name)).toEqual([
      '重庆市渝中区"安达"安全培训学校',
      '重庆市渝中区安达职业培训学校',
    ]);
    const from = subject[1].recordedAt;
    const since = (
      await ok(t.call('get', '/api/v1/events', `/api/v1/events?from=${encodeURIComponent(from)}`, 'auditor'))
    ).body.items;
    expect(since.every((e: any) => e.recordedAt >= from)).toBe(true);
    expect(since.length).toBeLessThan(count);
    expect((await t.call('get', '/api/v1/events', '/api/v1/events', officerA)).status).toBe(403);
    const bad = await t.call('get', '/api/v1/events', '/api/v1/events?after=-1', 'auditor');
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'after']);
  });

  it('streams the whole selection as ndjson, one event per line, the same as the pages', async () => {
    const lines = (await ndjson())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const count = Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
    expect(lines).toHaveLength(count);
    expect(lines[0]).toEqual(
      (await ok(t.call('get', '/api/v1/events', '/api/v1/events?limit=1', 'auditor'))).body.items[0],
    );
    expect((await ndjson('?limit=3')).trim().split('\n')).toHaveLength(3);
    expect(
      (await ndjson(`?stream=tip-${tipId}`))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['tip.received', 'tip.assigned']);
  });

  it('serves one aggregate’s history, and 404 for a stream that has none', async () => {
    const h = (
      await ok(
        t.call('get', '/api/v1/streams/{streamId}/events', `/api/v1/streams/subject-${subjectId}/events`, 'auditor'),
      )
    ).body;
    expect(h.items.map((e: any) => e.streamVersion)).toEqual([1, 2]);
    expect(
      (await t.call('get', '/api/v1/streams/{streamId}/events', '/api/v1/streams/subject-nobody/events', 'auditor'))
        .status,
    ).toBe(404);
  });

  it('time travels: an aggregate as of a version or an instant, from a read model or from its stream', async () => {
    const G = `${S}/{id}`;
    expect((await ok(t.call('get', G, `${S}/${subjectId}?version=1`, 'auditor'))).body).toMatchObject({
      name: '重庆市渝中区"安达"安全培训学校',
      version: 1,
    });
    expect((await ok(t.call('get', G, `${S}/${subjectId}`, 'auditor'))).body).toMatchObject({
      name: '重庆市渝中区安达职业培训学校',
      version: 2,
    });
    const [v1] = (
      await ok(
        t.call('get', '/api/v1/streams/{streamId}/events', `/api/v1/streams/subject-${subjectId}/events`, 'auditor'),
      )
    ).body.items;
    expect(
      (await ok(t.call('get', G, `${S}/${subjectId}?asOf=${encodeURIComponent(v1.recordedAt)}`, 'auditor'))).body
        .version,
    ).toBe(1);
    expect((await t.call('get', G, `${S}/${subjectId}?version=3`, 'auditor')).status).toBe(404);
    expect((await t.call('get', G, `${S}/${subjectId}?asOf=2020-01-01T00:00:00Z`, 'auditor')).status).toBe(404);
    const both = await t.call('get', G, `${S}/${subjectId}?version=1&asOf=2022-01-01T00:00:00Z`, 'auditor');
    expect([both.status, both.body.errors[0].rule]).toEqual([400, 'exclusiveWith']);
    // the live read model is untouched by a look into the past
    expect((await t.db.pool.query('SELECT name FROM rm_subjects WHERE id = $1', [subjectId])).rows[0].name).toBe(
      '重庆市渝中区安达职业培训学校',
    );

    const T = `${C}/{id}/tips/{tipId}`;
    expect((await ok(t.call('get', T, `${C}/${campaignId}/tips/${tipId}?version=1`, 'auditor'))).body).toMatchObject({
      status: 'received',
      version: 1,
    });
    expect((await ok(t.call('get', T, `${C}/${campaignId}/tips/${tipId}`, 'auditor'))).body).toMatchObject({
      status: 'assigned',
      districtCode: A,
      version: 2,
    });
    const campaign = (await ok(t.call('get', `${C}/{id}`, `${C}/${campaignId}?version=1`, 'auditor'))).body;
    expect(campaign).toMatchObject({ id: campaignId, version: 1, title: chongqing2022.title });
  });

  it('verifies the hash chains, and names the first link of a row altered by hand', async () => {
    const whole = (await ok(t.call('get', '/api/v1/audit/verify', '/api/v1/audit/verify', 'auditor'))).body;
    expect(whole).toMatchObject({ scope: 'all', ok: true, firstBroken: null });
    expect(whole.events).toBe(Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count));
    await t.db.pool.query(
      `UPDATE events SET data = jsonb_set(data, '{content}', '"反映某企业持证上岗"') WHERE stream_id = $1 AND stream_version = 1`,
      [`tip-${tipId}`],
    );
    try {
      const one = (
        await ok(t.call('get', '/api/v1/audit/verify', `/api/v1/audit/verify?stream=tip-${tipId}`, 'auditor'))
      ).body;
      expect(one).toMatchObject({
        ok: false,
        firstBroken: {
          streamId: `tip-${tipId}`,
          streamVersion: 1,
          reason: 'hash does not match the event and its predecessor',
        },
      });
      const all = await verifyChains(new PgEventStore(t.db.pool));
      expect(all.firstBroken).toMatchObject({ streamId: `tip-${tipId}`, streamVersion: 1 });
      // an export of the tampered log is refused on replay, and nothing is kept
      const fresh = await createTestDatabase(4);
      try {
        const r = await replayLog(fresh.pool, (await ndjson()).split('\n'), ALL_PROJECTIONS);
        expect(r.broken).toMatchObject({ streamId: `tip-${tipId}`, streamVersion: 1 });
        expect(Number((await fresh.pool.query('SELECT count(*) FROM events')).rows[0].count)).toBe(0);
      } finally {
        await fresh.drop();
      }
    } finally {
      await t.db.pool.query(
        `UPDATE events SET data = jsonb_set(data, '{content}', '"反映某企业特种作业人员无证上岗"') WHERE stream_id = $1 AND stream_version = 1`,
        [`tip-${tipId}`],
      );
    }
    expect((await verifyChains(new PgEventStore(t.db.pool))).ok).toBe(true);
  });

  it('replays an export into a fresh database with read models equal to the live ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rectify-export-'));
    const file = join(dir, 'log.ndjson');
    writeFileSync(file, await ndjson());
    const fresh = await createTestDatabase(4);
    try {
      const r = await replayLog(fresh.pool, linesOf(createReadStream(file, 'utf8')), ALL_PROJECTIONS);
      expect(r.broken).toBeNull();
      expect(r.events).toBe(Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count));
      for (const table of tables) {
        expect([table, await tableChecksum(fresh.pool, table)]).toEqual([table, await tableChecksum(t.db.pool, table)]);
      }
      expect((await verifyChains(new PgEventStore(fresh.pool))).ok).toBe(true);
    } finally {
      await fresh.drop();
    }
  });

  it('rebuilds into shadow tables, reports a hand-altered read-model row, and swaps only on request', async () => {
    const store = new PgEventStore(t.db.pool);
    const clean = await verifiedRebuild(t.db.pool, store, ALL_PROJECTIONS);
    expect(clean.equal).toBe(true);
    expect(clean.tables.map((x) => x.table).sort()).toEqual([...tables].sort());
    await t.db.pool.query(`UPDATE rm_subjects SET name = '篡改' WHERE id = $1`, [subjectId]);
    const dirty = await verifiedRebuild(t.db.pool, store, [ALL_PROJECTIONS.find((p) => p.name === 'subjects')!]);
    expect(dirty.equal).toBe(false);
    expect(dirty.tables).toEqual([
      expect.objectContaining({ table: 'rm_subjects', onlyLive: 1, onlyShadow: 1, equal: false }),
    ]);
    expect((await t.db.pool.query('SELECT name FROM rm_subjects WHERE id = $1', [subjectId])).rows[0].name).toBe(
      '篡改',
    );
    const swapped = await verifiedRebuild(t.db.pool, store, [ALL_PROJECTIONS.find((p) => p.name === 'subjects')!], {
      swap: true,
    });
    expect(swapped.swapped).toBe(true);
    expect((await t.db.pool.query('SELECT name FROM rm_subjects WHERE id = $1', [subjectId])).rows[0].name).toBe(
      '重庆市渝中区安达职业培训学校',
    );
    expect((await verifiedRebuild(t.db.pool, store, ALL_PROJECTIONS)).equal).toBe(true);
  });

  it('refuses the auditor every write route, and lets it read', async () => {
    const writes: [string, string][] = [];
    for (const [path, item] of Object.entries(spec.paths as Record<string, Record<string, unknown>>)) {
      for (const method of ['post', 'put', 'patch', 'delete']) if (item[method]) writes.push([method, path]);
    }
    expect(writes.length).toBeGreaterThan(40);
    const fill = (path: string) =>
      path.replace(/\{(\w+)\}/g, (_, name: string) =>
        name === 'phase'
          ? 'enforcement'
          : name === 'subjectType'
            ? 'training-institution'
            : name === 'districtCode'
              ? A
              : name === 'month'
                ? '2022-05'
                : name === 'key'
                  ? 'summary-report'
                  : name === 'issueNo'
                    ? '1'
                    : name === 'reminderId' || name === 'obligationId'
                      ? 'x.y'
                      : campaignId,
      );
    for (const [method, path] of writes) {
      const send = (t.http as any)[method].bind(t.http);
      const res = await send(fill(path))
        .set('Authorization', `Bearer ${t.token('auditor')}`)
        .send({});
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await t.call('get', `${C}/{id}`, `${C}/${campaignId}`, 'auditor')).status).toBe(200);
  });
});
