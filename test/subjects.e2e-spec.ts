import { chongqing2022 } from '../src/seed/chongqing-2022';
import type { RowError } from '../src/http/problem';
import { startTestApp, TestApp } from './support/app';
import { launchBody, uscc } from './support/fixtures';

const S = '/api/v1/subjects';
const ONE = `${S}/{id}`;
const IMPORT = `${S}/import`;
const officer = { role: 'district-officer' as const, districts: ['500103'] };
const otherOfficer = { role: 'district-officer' as const, districts: ['500104'] };

let t: TestApp;
let campaignId: string;
beforeAll(async () => {
  t = await startTestApp({ queue: 'postgres', probeIfMatch: true });
  const launched = await t.call(
    'post',
    '/api/v1/campaigns',
    '/api/v1/campaigns',
    'city-admin',
    launchBody(chongqing2022),
  );
  campaignId = launched.body.id;
});
afterAll(async () => {
  await t.close();
});

const eventCount = async () => Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
const subject = (n: number, over: Record<string, unknown> = {}) => ({
  type: 'training-institution',
  name: `重庆市渝中区第${n}安全培训学校（有限公司）`,
  uscc: uscc(n),
  districtCode: '500103',
  industry: 'safety-training',
  principal: { name: '张三' },
  ...over,
});

describe('registering a subject', () => {
  it('registers, reads back unchanged (Chinese included), and derives the high-risk flag from the industry', async () => {
    const body = {
      campaignId,
      ...subject(1, {
        type: 'production-unit',
        industry: 'hazardous-chemicals',
        contact: { name: '李四', phone: '023-63800000', address: '重庆市渝中区解放碑"民族路"88号' },
      }),
    };
    const res = await t.call('post', S, S, officer, body);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${S}/${res.body.id}`);
    const got = await t.call('get', ONE, `${S}/${res.body.id}`, officer);
    expect(got.status).toBe(200);
    const { campaignId: _c, ...fields } = body;
    expect(got.body).toMatchObject({
      ...fields,
      id: res.body.id,
      campaignId,
      highRisk: true,
      active: true,
      version: 1,
    });
  });

  it('refuses a wrong USCC check character with a 400 that says so, and writes nothing', async () => {
    const before = await eventCount();
    const code = uscc(2);
    const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    const res = await t.call('post', S, S, officer, { campaignId, ...subject(2, { uscc: wrong }) });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([
      { field: 'uscc', rule: 'check-character', message: 'uscc has a wrong check character (GB 32100-2015)' },
    ]);
    expect(await eventCount()).toBe(before);
  });

  it.each([
    ['an unknown field', { nickname: 'x' }, 'nickname', 'unknown-field'],
    ['an unknown type', { type: 'bank' }, 'type', 'isIn'],
    [
      'a district outside the campaign',
      { districtCode: '110101' },
      'districtCode',
      'must be a district of the campaign',
    ],
    ['no principal', { principal: undefined }, 'principal', 'isObject'],
  ])('refuses %s', async (_, over, field, rule) => {
    const res = await t.call('post', S, S, 'city-admin', { campaignId, ...subject(3, over) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("refuses the same USCC twice in a campaign (409), and a district outside an officer's districts (403)", async () => {
    const dup = await t.call('post', S, S, 'city-admin', { campaignId, ...subject(1) });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain('already registered');
    const outside = await t.call('post', S, S, otherOfficer, { campaignId, ...subject(4) });
    expect(outside.status).toBe(403);
    const unknownCampaign = await t.call('post', S, S, 'city-admin', {
      campaignId: '00000000-0000-4000-8000-000000000000',
      ...subject(4),
    });
    expect(unknownCampaign.status).toBe(404);
  });

  it('amends and deactivates with If-Match, and refuses a stale one', async () => {
    const created = await t.call('post', S, S, officer, { campaignId, ...subject(5) });
    const id = created.body.id;
    const amended = await t.call(
      'patch',
      ONE,
      `${S}/${id}`,
      officer,
      { industry: 'fireworks', principal: { name: '王五' } },
      { 'If-Match': '"1"' },
    );
    expect(amended.status).toBe(200);
    expect(amended.body).toEqual({
      id,
      version: 2,
      changed: true,
      logPosition: Number(amended.headers['x-log-position']),
    });
    const stale = await t.call('patch', ONE, `${S}/${id}`, officer, { name: '新名称' }, { 'If-Match': '"1"' });
    expect(stale.status).toBe(412);
    const moved = await t.call('patch', ONE, `${S}/${id}`, officer, { districtCode: '500104' });
    expect(moved.status).toBe(403);
    const off = await t.call('post', `${ONE}/deactivate`, `${S}/${id}/deactivate`, officer, { reason: '已注销' });
    expect(off.status).toBe(200);
    const got = await t.call('get', ONE, `${S}/${id}`, 'auditor');
    expect(got.body).toMatchObject({
      industry: 'fireworks',
      highRisk: true,
      principal: { name: '王五' },
      active: false,
      deactivationReason: '已注销',
      version: 3,
    });
    const again = await t.call('post', `${ONE}/deactivate`, `${S}/${id}/deactivate`, officer, { reason: '再次' });
    expect(again.status).toBe(409);
  });
});

describe('bulk import', () => {
  const rows = (from: number, n: number, over: (i: number) => Record<string, unknown> = () => ({})) =>
    Array.from({ length: n }, (_, i) => subject(from + i, { districtCode: i % 2 ? '500104' : '500103', ...over(i) }));

  it("imports a JSON array all at once and reports each row's id", async () => {
    const res = await t.call('post', IMPORT, `${IMPORT}?campaign=${campaignId}`, 'city-admin', rows(100, 5));
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(5);
    expect(res.body.subjects.map((s: { row: number }) => s.row)).toEqual([1, 2, 3, 4, 5]);
    const listed = await t.call(
      'get',
      S,
      `${S}?campaign=${campaignId}&q=${encodeURIComponent('第102安全培训')}`,
      'city-admin',
    );
    expect(listed.body.items.map((s: { uscc: string }) => s.uscc)).toEqual([uscc(102)]);
  });

  it('rejects the whole file when any row is bad, reporting every bad row, and writes nothing', async () => {
    const before = await eventCount();
    const body = [
      subject(200),
      subject(201, { uscc: uscc(201).slice(0, 17) + 'I' }),
      subject(202, { colour: 'red' }),
      subject(203, { uscc: uscc(200) }),
      subject(204, { uscc: uscc(100) }),
      subject(205, { districtCode: '999999' }),
      subject(206),
    ];
    const res = await t.call('post', IMPORT, `${IMPORT}?campaign=${campaignId}`, 'city-admin', body);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 422, rows: 7 });
    expect(res.body.errors).toEqual([
      { row: 2, field: 'uscc', rule: 'charset', message: 'uscc may use only 0-9 and A-Z without I, O, Z, S, V' },
      { row: 3, field: 'colour', rule: 'unknown-field', message: 'colour is not a known field' },
      { row: 4, field: 'uscc', rule: 'duplicate-in-file', message: `USCC ${uscc(200)} is also on row 1` },
      {
        row: 5,
        field: 'uscc',
        rule: 'already-registered',
        message: `a subject with USCC ${uscc(100)} is already registered in this campaign`,
      },
      {
        row: 6,
        field: 'districtCode',
        rule: 'must be a district of the campaign',
        message: "district 999999 is not one of the campaign's districts",
      },
    ]);
    expect(await eventCount()).toBe(before);
  });

  it("reports rows outside a district officer's districts", async () => {
    const res = await t.call('post', IMPORT, `${IMPORT}?campaign=${campaignId}`, officer, rows(300, 2));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        row: 2,
        field: 'districtCode',
        rule: 'outside-your-districts',
        message: 'district 500104 is outside your districts',
      },
    ]);
  });

  it('imports CSV (quoted commas, Chinese, a BOM), and a dry run writes nothing', async () => {
    const csv = [
      '\ufefftype,name,uscc,districtCode,industry,principalName,principalPhone,contactAddress',
      `exam-site,"重庆市渝中区考试点（一号, 二号考场）",${uscc(400)},500103,safety-training,赵六,,"渝中区""大坪""1号"`,
      `production-unit,重庆某烟花爆竹经营有限公司,${uscc(401)},500103,fireworks,钱七,023-12345678,`,
    ].join('\r\n');
    const dry = await t.http
      .post(`${IMPORT}?campaign=${campaignId}&dryRun=true`)
      .set('Authorization', `Bearer ${t.token('city-admin')}`)
      .type('text/csv')
      .send(csv);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ imported: 0, dryRun: true });
    expect((await t.call('get', S, `${S}?campaign=${campaignId}&type=exam-site`, 'city-admin')).body.total).toBe(0);
    const res = await t.http
      .post(`${IMPORT}?campaign=${campaignId}`)
      .set('Authorization', `Bearer ${t.token('city-admin')}`)
      .type('text/csv')
      .send(csv);
    expect(res.status).toBe(201);
    const site = await t.call('get', ONE, `${S}/${res.body.subjects[0].id}`, 'city-admin', undefined, {
      'X-Min-Position': res.headers['x-log-position'],
    });
    expect(site.body).toMatchObject({
      type: 'exam-site',
      name: '重庆市渝中区考试点（一号, 二号考场）',
      contact: { address: '渝中区"大坪"1号' },
      principal: { name: '赵六' },
    });
    const unit = await t.call('get', ONE, `${S}/${res.body.subjects[1].id}`, 'city-admin');
    expect(unit.body).toMatchObject({
      highRisk: true,
      principal: { name: '钱七', phone: '023-12345678' },
      contact: {},
    });
  });

  it('refuses a CSV with an unknown column, a broken quote, and a body that is neither array nor CSV', async () => {
    const post = (body: string, type: string) =>
      t.http
        .post(`${IMPORT}?campaign=${campaignId}`)
        .set('Authorization', `Bearer ${t.token('city-admin')}`)
        .type(type)
        .send(body);
    const unknown = await post('type,name,uscc,districtCode,industry,principalName,fax\n', 'text/csv');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'header.fax', rule: 'unknown-field' });
    const broken = await post('type,name,uscc,districtCode,industry,principalName\nexam-site,"unclosed', 'text/csv');
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0]).toMatchObject({ field: 'body', rule: 'csv' });
    const object = await t.call('post', IMPORT, `${IMPORT}?campaign=${campaignId}`, 'city-admin', { rows: [] });
    expect(object.status).toBe(400);
    expect(object.body.errors[0]).toMatchObject({ field: 'body', rule: 'isArray' });
    const plain = await post('hello', 'text/plain');
    expect(plain.status).toBe(415);
  });

  it('a dry run refuses exactly what the real import refuses: a NUL or a lone surrogate in a field', async () => {
    const csv = [
      'type,name,uscc,districtCode,industry,principalName',
      `exam-site,考试点\u0000一号,${uscc(480)},500103,safety-training,赵六`,
    ].join('\n');
    // a lone surrogate cannot travel as UTF-8 text: as a JSON escape it can
    const json = `[${JSON.stringify(subject(481, { type: 'exam-site' })).replace('"张三"', '"钱\\ud800七"')}]`;
    const send = (body: string, type: string, dryRun: boolean) =>
      t.http
        .post(`${IMPORT}?campaign=${campaignId}${dryRun ? '&dryRun=true' : ''}`)
        .set('Authorization', `Bearer ${t.token('city-admin')}`)
        .type(type)
        .send(body);
    const before = await eventCount();
    for (const dryRun of [true, false]) {
      const nul = await send(csv, 'text/csv', dryRun);
      expect([nul.status, nul.body.errors?.map((e: RowError) => [e.row, e.field, e.rule])]).toEqual([
        422,
        [[1, 'name', 'storable']],
      ]);
      const surrogate = await send(json, 'application/json', dryRun);
      expect([surrogate.status, surrogate.body.errors?.map((e: RowError) => [e.row, e.field, e.rule])]).toEqual([
        422,
        [[1, 'principal.name', 'storable']],
      ]);
    }
    expect(await eventCount()).toBe(before);
  });

  it('takes 10,000 rows in one atomic append, and refuses 10,001', async () => {
    const big = Array.from({ length: 10_000 }, (_, i) =>
      subject(100_000 + i, { districtCode: '500105', type: 'production-unit', industry: 'industry-trade' }),
    );
    const res = await t.call('post', IMPORT, `${IMPORT}?campaign=${campaignId}`, 'city-admin', big);
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(10_000);
    // past 1,000 rows a list's total is the planner's estimate (its statistics kept fresh after the import): no count
    // over the whole district; said so by totalExact
    const listed = await t.call('get', S, `${S}?campaign=${campaignId}&district=500105&limit=1`, 'city-admin');
    expect([listed.status, listed.body.totalExact, listed.body.items.length]).toEqual([200, false, 1]);
    expect(listed.body.total).toBeGreaterThan(1_000);
    expect(Math.abs(listed.body.total - 10_000)).toBeLessThan(2_000);
    // up to 1,000 the total is exact; a first page that is not full is its own total
    const few = await t.call('get', S, `${S}?campaign=${campaignId}&district=500103&limit=2`, 'city-admin');
    const all = await t.call('get', S, `${S}?campaign=${campaignId}&district=500103&limit=200`, 'city-admin');
    expect([few.body.totalExact, all.body.totalExact, few.body.total]).toEqual([true, true, all.body.items.length]);
    const tooMany = await t.call('post', IMPORT, `${IMPORT}?campaign=${campaignId}`, 'city-admin', [
      ...big,
      subject(999_999),
    ]);
    expect(tooMany.status).toBe(413);
  });
});

describe('listing and access', () => {
  it('filters by district, type, high risk and name, and pages', async () => {
    const all = await t.call('get', S, `${S}?campaign=${campaignId}&district=500103`, 'city-admin');
    expect(all.body.items.every((s: { districtCode: string }) => s.districtCode === '500103')).toBe(true);
    const risky = await t.call('get', S, `${S}?campaign=${campaignId}&highRisk=true`, 'city-admin');
    expect(risky.body.items.map((s: { industry: string }) => s.industry).sort()).toEqual([
      'fireworks',
      'fireworks',
      'hazardous-chemicals',
    ]);
    const page = await t.call(
      'get',
      S,
      `${S}?campaign=${campaignId}&type=training-institution&limit=2&offset=1`,
      'city-admin',
    );
    expect(page.body).toMatchObject({ limit: 2, offset: 1 });
    expect(page.body.items).toHaveLength(2);
    const bad = await t.call('get', S, `${S}?highRisk=yes`, 'city-admin');
    expect(bad.status).toBe(400);
  });

  it('scopes district officers to their districts and subject users to their own subject', async () => {
    const mine = await t.call('get', S, `${S}?campaign=${campaignId}`, otherOfficer);
    expect(mine.body.total).toBeGreaterThan(0);
    expect(mine.body.items.every((s: { districtCode: string }) => s.districtCode === '500104')).toBe(true);
    const cross = await t.call('get', S, `${S}?district=500103`, otherOfficer);
    expect(cross.status).toBe(403);
    const someone = (await t.call('get', S, `${S}?campaign=${campaignId}&district=500103&limit=1`, 'city-admin')).body
      .items[0];
    const hidden = await t.call('get', ONE, `${S}/${someone.id}`, otherOfficer);
    expect(hidden.status).toBe(404);
    const own = await t.call('get', S, `${S}?campaign=${campaignId}`, { role: 'subject-user', subjectId: someone.id });
    expect(own.body.items.map((s: { id: string }) => s.id)).toEqual([someone.id]);
    expect(
      (await t.call('get', ONE, `${S}/${someone.id}`, { role: 'subject-user', subjectId: someone.id })).status,
    ).toBe(200);
    const subjectWrite = await t.call(
      'patch',
      ONE,
      `${S}/${someone.id}`,
      { role: 'subject-user', subjectId: someone.id },
      { name: 'x' },
    );
    expect(subjectWrite.status).toBe(403);
    const auditorWrite = await t.call('post', S, S, 'auditor', { campaignId, ...subject(7) });
    expect(auditorWrite.status).toBe(403);
  });

  it("shows a subject's timeline in log order", async () => {
    const created = await t.call('post', S, S, officer, { campaignId, ...subject(8) });
    await t.call('patch', ONE, `${S}/${created.body.id}`, officer, { name: '改名后的学校' });
    const res = await t.call('get', `${ONE}/timeline`, `${S}/${created.body.id}/timeline`, officer);
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { type: string }) => e.type)).toEqual(['subject.registered', 'subject.amended']);
    expect(res.body.items[1].data.changes).toEqual({ name: '改名后的学校' });
    expect(res.body.next).toBeNull();
    // one at a time, with the cursor
    const first = await t.call('get', `${ONE}/timeline`, `${S}/${created.body.id}/timeline?limit=1`, officer);
    expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(['subject.registered']);
    expect(first.body.next).toBe(res.body.items[0].globalPosition);
    const second = await t.call(
      'get',
      `${ONE}/timeline`,
      `${S}/${created.body.id}/timeline?limit=1&after=${first.body.next}`,
      officer,
    );
    expect(second.body.items.map((e: { type: string }) => e.type)).toEqual(['subject.amended']);
    const rest = await t.call(
      'get',
      `${ONE}/timeline`,
      `${S}/${created.body.id}/timeline?after=${second.body.next}`,
      officer,
    );
    expect(rest.body).toEqual({ items: [], next: null });
  });
});
