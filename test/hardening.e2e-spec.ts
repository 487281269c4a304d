import { CHECKLISTS } from '../src/checklists/checklist';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody, uscc } from './support/fixtures';

/** Input that used to reach a 500, each now a 400 naming the field and the rule. */
const C = '/api/v1/campaigns';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ queue: 'redis', env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await t.close();
});

describe('numbers past what the database holds', () => {
  it.each([
    [C, `${C}?offset=9223372036854775807`, 'offset'],
    [C, `${C}?offset=1e19`, 'offset'],
    ['/api/v1/events', '/api/v1/events?after=1e19', 'after'],
    ['/api/v1/events', '/api/v1/events?after=9007199254740992', 'after'],
  ])('%s: %s is a 400 naming %s', async (template, path, field) => {
    const res = await t.call('get', template, path, 'city-admin');
    expect([res.status, res.body.errors?.map((e: { field: string }) => e.field)]).toEqual([
      400,
      expect.arrayContaining([field]),
    ]);
  });

  it('a version past any stream (GET …?version=99999999999999999999) is a 400 naming version', async () => {
    const { body } = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const res = await t.call('get', `${C}/{id}`, `${C}/${body.id}?version=99999999999999999999`, 'city-admin');
    expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, 'version']);
    expect((await t.call('get', `${C}/{id}`, `${C}/${body.id}?version=1`, 'city-admin')).status).toBe(200);
  });
});

describe('bodies', () => {
  it('a JSON body nested 4,000 deep is a 400 (maxDepth), on any JSON route', async () => {
    const deep = '['.repeat(4000) + ']'.repeat(4000);
    for (const [method, path] of [
      ['post', C],
      ['put', `${C}/00000000-0000-4000-8000-000000000000/deadlines/x`],
    ] as const) {
      const res = await t.http[method](path)
        .set('Authorization', `Bearer ${t.token('city-admin')}`)
        .set('Content-Type', 'application/json')
        .send(`{"title":${deep}}`);
      expect([res.status, res.body.errors?.[0]]).toEqual([
        400,
        expect.objectContaining({ field: 'body', rule: 'maxDepth' }),
      ]);
    }
  });

  it('a 400 names the rule that failed, not its follow-ons: a number for a title is "must be a string" alone', async () => {
    const res = await t.call(
      'post',
      C,
      C,
      'city-admin',
      launchBody(chongqing2022, { title: 1, jurisdiction: 'x'.repeat(5000) }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors.filter((e: { field: string }) => e.field === 'title')).toEqual([
      expect.objectContaining({ field: 'title', rule: 'isString' }),
    ]);
    // with the type right, every content rule that fails is named
    expect(res.body.errors.filter((e: { field: string }) => e.field === 'jurisdiction').length).toBeGreaterThan(0);
  });

  it('a route that takes no body refuses one, and takes nothing or {}', async () => {
    const { body } = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const open = `${C}/{id}/phases/{phase}/open`;
    const path = `${C}/${body.id}/phases/self-correction/open`;
    const refused = await t.call('post', open, path, 'city-admin', { zzUnknown: 1 });
    expect([refused.status, refused.body.errors]).toEqual([
      400,
      [expect.objectContaining({ field: 'zzUnknown', rule: 'unknown-field' })],
    ]);
    const array = await t.call('post', open, path, 'city-admin', [1]);
    expect([array.status, array.body.errors?.[0]?.rule]).toEqual([400, 'noBody']);
    expect((await t.call('post', open, path, 'city-admin', {})).status).toBe(200);
    expect(
      (
        await t.call(
          'post',
          `${C}/{id}/phases/{phase}/close`,
          `${C}/${body.id}/phases/self-correction/close`,
          'city-admin',
        )
      ).status,
    ).toBe(200);
  });
});

describe('If-Match (RFC 9110)', () => {
  const W = '/api/v1/webhooks';
  const ROTATE = `${W}/{webhookId}/rotate-secret`;

  it('a list is evaluated (any strong tag may match, weak ones never), * needs the resource, and a create fails any', async () => {
    const { body } = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const open = (ifMatch: string) =>
      t.call(
        'post',
        `${C}/{id}/phases/{phase}/open`,
        `${C}/${body.id}/phases/self-correction/open`,
        'city-admin',
        undefined,
        { 'If-Match': ifMatch },
      );
    expect((await open('"7", W/"1"')).status).toBe(412);
    expect((await open('W/"1"')).status).toBe(412);
    expect((await open('"1,"')).status).toBe(400);
    expect((await open('"7", "1"')).status).toBe(200);
    const close = await t.call(
      'post',
      `${C}/{id}/phases/{phase}/close`,
      `${C}/${body.id}/phases/self-correction/close`,
      'city-admin',
      undefined,
      { 'If-Match': '*' },
    );
    expect(close.status).toBe(200);
    // a launch creates its stream: neither * nor a tag can hold on what does not exist yet
    for (const ifMatch of ['*', '"1"'])
      expect(
        (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022), { 'If-Match': ifMatch })).status,
      ).toBe(412);
  });

  it('20 rotations of a webhook secret with one If-Match: one wins, the rest are 412, and one new secret is kept', async () => {
    const hook = await t.call('post', W, W, 'city-admin', { url: 'http://127.0.0.1:9/hook' });
    const rotations = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.call('post', ROTATE, `${W}/${hook.body.id}/rotate-secret`, 'city-admin', {}, { 'If-Match': '"1"' }),
      ),
    );
    expect(rotations.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(412)]);
    const won = rotations.find((r) => r.status === 200)!.body;
    expect(won.previousSecretId).toBe(hook.body.secretId);
    const now = await t.call('get', `${W}/{webhookId}`, `${W}/${hook.body.id}`, 'city-admin', undefined, {
      'X-Min-Position': String(won.logPosition),
    });
    expect([now.body.secretId, now.body.version]).toEqual([won.secretId, 2]);
  });

  it('rotations without If-Match run one at a time: each that loses a race is a 409, each that wins follows the last', async () => {
    const hook = await t.call('post', W, W, 'city-admin', { url: 'http://127.0.0.1:9/hook' });
    const rotations = await Promise.all(
      Array.from({ length: 10 }, () => t.call('post', ROTATE, `${W}/${hook.body.id}/rotate-secret`, 'city-admin', {})),
    );
    const won = rotations.filter((r) => r.status === 200).map((r) => r.body);
    expect(rotations.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(won.length).toBeGreaterThan(0);
    // the winners form one chain from the first secret: each replaced the one the previous winner set
    const next = new Map(won.map((w) => [w.previousSecretId, w.secretId]));
    expect(next.size).toBe(won.length);
    let at = hook.body.secretId;
    for (let i = 0; i < won.length; i++) at = next.get(at);
    expect(at).toBeDefined();
  });
});

describe('rules that span aggregates, decided against the log', () => {
  const A = '500103';
  const B = '500104';
  const officerA = { role: 'district-officer' as const, districts: [A] };
  const districts = [
    { code: A, name: '渝中区' },
    { code: B, name: '大渡口区' },
  ];
  const register = async (id: string, serial: number, districtCode = A) => {
    const res = await t.call('post', '/api/v1/subjects', '/api/v1/subjects', 'city-admin', {
      campaignId: id,
      type: 'training-institution',
      name: `第${serial}培训中心`,
      uscc: uscc(serial, districtCode),
      districtCode,
      industry: 'safety-training',
      principal: { name: '张培训' },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const phase = async (id: string, p: string, action: 'open' | 'close') =>
    expect(
      (await t.call('post', `${C}/{id}/phases/{phase}/${action}`, `${C}/${id}/phases/${p}/${action}`, 'city-admin'))
        .status,
    ).toBe(200);
  const obligations = async (id: string) =>
    (await t.call('get', '/api/v1/obligations', `/api/v1/obligations?campaignId=${id}&limit=200`, 'city-admin')).body
      .items as {
      id: string;
      kind: string;
      ref: string;
      party: string;
      districtCode: string | null;
      status: string;
      fulfilledAt: string | null;
    }[];

  it('one open inspection per subject (一机构一表单): of 20 parallel schedules exactly one wins; once completed, the next may follow', async () => {
    const id = (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022))).body.id;
    const subjectId = await register(id, 901);
    await phase(id, 'self-correction', 'open');
    await phase(id, 'self-correction', 'close');
    await phase(id, 'enforcement', 'open');
    const IN = `${C}/{id}/inspections`;
    const base = `${C}/${id}/inspections`;
    const tries = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        t.call('post', IN, base, officerA, { subjectId, plannedOn: `2022-04-${10 + (n % 9)}` }),
      ),
    );
    expect(tries.map((r) => r.status).sort()).toEqual([201, ...Array(19).fill(409)]);
    expect(new Set(tries.filter((r) => r.status === 409).map((r) => r.body.type))).toEqual(
      new Set(['urn:rectify:problem:one-form']),
    );
    const won = tries.find((r) => r.status === 201)!.body.inspectionId;
    // the log holds one inspection of the subject, and the subject's stream names it
    const { rows } = await t.db.pool.query(
      `SELECT type, data->>'inspectionId' AS inspection FROM events WHERE type IN ('inspection.scheduled', 'subject.inspection-opened') AND data->>'subjectId' = $1
        ORDER BY global_position`,
      [subjectId],
    );
    expect(rows).toEqual([
      { type: 'inspection.scheduled', inspection: won },
      { type: 'subject.inspection-opened', inspection: won },
    ]);

    const IN1 = `${IN}/{inspectionId}`;
    await t.call('post', `${IN1}/conduct`, `${base}/${won}/conduct`, officerA, {
      conductedOn: '2022-04-15',
      officers: [
        { name: '赵执法', badgeNumber: 'A-001' },
        { name: '钱执法', badgeNumber: 'A-002' },
      ],
    });
    const answers = CHECKLISTS.get('CQ2022-TI')!.items.map((i) => ({ itemCode: i.code, problemPresent: false }));
    expect((await t.call('put', `${IN1}/answers`, `${base}/${won}/answers`, officerA, { answers })).status).toBe(200);
    expect((await t.call('post', `${IN1}/complete`, `${base}/${won}/complete`, officerA)).status).toBe(200);
    expect((await t.call('post', IN, base, officerA, { subjectId, plannedOn: '2022-05-10' })).status).toBe(201);
    // the subject's ETag moved with its stream: an amendment conditional on the old one is refused
    const subject = await t.call('get', '/api/v1/subjects/{id}', `/api/v1/subjects/${subjectId}`, 'city-admin');
    expect(subject.body.version).toBe(3);
    const stale = await t.call(
      'patch',
      '/api/v1/subjects/{id}',
      `/api/v1/subjects/${subjectId}`,
      'city-admin',
      { name: '改名' },
      { 'If-Match': '"1"' },
    );
    expect(stale.status).toBe(412);
  });

  it('a deadline added after the report that meets it starts fulfilled (no false overdue reminder); one not yet met starts open', async () => {
    const deadlines = chongqing2022.deadlines.filter((d) => d.key !== 'typical-cases');
    const id = (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022, { districts, deadlines }))).body.id;
    const recorded = await t.call('post', `${C}/{id}/typical-cases`, `${C}/${id}/typical-cases`, officerA, {
      districtCode: A,
      title: '渝中某培训机构培训档案造假案',
      violation: '伪造培训档案',
      penalty: '罚款2万元',
      summary: '“走过场”典型：只签到不培训',
    });
    expect(recorded.status).toBe(201);
    const added = await t.call('put', `${C}/{id}/deadlines/{key}`, `${C}/${id}/deadlines/typical-cases`, 'city-admin', {
      title: '报送典型案例',
      due: '2022-08-15',
      owedBy: 'district-bureau',
      reason: '补充',
    });
    expect(added.status).toBe(201);
    const cases = async () =>
      (await obligations(id))
        .filter((o) => o.ref === 'typical-cases')
        .map((o) => [o.districtCode, o.status, o.fulfilledAt]);
    const recordedAt = (
      await t.db.pool.query(
        `SELECT recorded_at FROM events WHERE type = 'typical-case.recorded' AND data->>'campaignId' = $1`,
        [id],
      )
    ).rows[0].recorded_at;
    expect(await cases()).toEqual([
      [A, 'fulfilled', recordedAt.toISOString()],
      [B, 'open', null],
    ]);
    // a report after the deadline was added meets it as before
    expect(
      (
        await t.call(
          'post',
          `${C}/{id}/typical-cases`,
          `${C}/${id}/typical-cases`,
          { role: 'district-officer', districts: [B] },
          {
            districtCode: B,
            title: '大渡口某企业未开展三项岗位人员培训案',
            violation: '未按规定培训',
            penalty: '警告',
            summary: '……',
          },
        )
      ).status,
    ).toBe(201);
    expect((await cases()).map(([, status]) => status)).toEqual(['fulfilled', 'fulfilled']);
  });

  it('a subject moved to another district: the deadlines it still owes follow it; its problems and their obligations stay with the district that listed them', async () => {
    const deadlines = [
      ...chongqing2022.deadlines,
      { key: 'self-correction-report', title: '自查自改报告', due: '2022-03-25', owedBy: 'training-institution' },
    ];
    const id = (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022, { districts, deadlines }))).body.id;
    const subjectId = await register(id, 902);
    await phase(id, 'self-correction', 'open');
    const SI1 = `${C}/{id}/self-inspections/{subjectId}`;
    const base = `${C}/${id}/self-inspections/${subjectId}`;
    expect(
      (await t.call('post', `${C}/{id}/self-inspections`, `${C}/${id}/self-inspections`, officerA, { subjectId }))
        .status,
    ).toBe(201);
    const item = CHECKLISTS.get('CQ2022-TI')!.items[0].code;
    const answers = CHECKLISTS.get('CQ2022-TI')!.items.map((i) =>
      i.code === item
        ? { itemCode: i.code, problemPresent: true, manifestation: '专职教师不足' }
        : { itemCode: i.code, problemPresent: false },
    );
    expect((await t.call('put', `${SI1}/answers`, `${base}/answers`, officerA, { answers })).status).toBe(200);
    const listed = await t.call('post', `${SI1}/problems`, `${base}/problems`, officerA, {
      itemCode: item,
      description: '专职教师不足 2 名',
      measure: '补聘教师',
      deadline: '2022-03-15',
      responsible: '校长',
    });
    expect(listed.status).toBe(201);
    const moved = await t.call('patch', '/api/v1/subjects/{id}', `/api/v1/subjects/${subjectId}`, 'city-admin', {
      districtCode: B,
    });
    expect(moved.status).toBe(200);

    const own = (await obligations(id)).filter((o) => o.party === `subject:${subjectId}`);
    expect(own.map((o) => [o.kind, o.ref, o.districtCode, o.status]).sort()).toEqual([
      ['deadline', 'self-correction-report', B, 'open'],
      ['problem', listed.body.problemId, A, 'open'],
    ]);
    const problems = (district: string) =>
      t.call('get', `${C}/{id}/problems`, `${C}/${id}/problems?district=${district}`, 'city-admin');
    expect((await problems(A)).body.items.map((p: { id: string }) => p.id)).toEqual([listed.body.problemId]);
    expect((await problems(B)).body.total).toBe(0);
    // the subject itself is B's now
    const subject = await t.call('get', '/api/v1/subjects/{id}', `/api/v1/subjects/${subjectId}`, {
      role: 'district-officer',
      districts: [B],
    });
    expect([subject.status, subject.body.districtCode]).toEqual([200, B]);
  });
});

describe('the spec and the service agree', () => {
  it('a supervision group is formed with one district at least; reassigning its last one leaves it with none, as the spec says', async () => {
    const id = (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022))).body.id;
    const G = `${C}/{id}/supervision-groups`;
    const group = (groupNo: number, districts: string[]) => ({
      groupNo,
      name: `第${groupNo}督查组`,
      leader: { name: '组长', account: `sup-${groupNo}` },
      members: [],
      liaison: { name: '联络员' },
      districts,
    });
    const none = await t.call('post', G, `${C}/${id}/supervision-groups`, 'city-admin', group(1, []));
    expect([none.status, none.body.errors?.[0]?.field]).toEqual([400, 'districts']);
    expect((await t.call('post', G, `${C}/${id}/supervision-groups`, 'city-admin', group(1, ['500103']))).status).toBe(
      201,
    );
    expect((await t.call('post', G, `${C}/${id}/supervision-groups`, 'city-admin', group(2, ['500104']))).status).toBe(
      201,
    );
    const moved = await t.call(
      'put',
      `${C}/{id}/districts/{districtCode}/supervision-group`,
      `${C}/${id}/districts/500103/supervision-group`,
      'city-admin',
      { groupNo: 2, reason: '力量调配' },
    );
    expect(moved.status).toBe(200);
    // the response is validated against the spec by t.call: a group with no district is a valid one
    const groups = await t.call('get', G, `${C}/${id}/supervision-groups`, 'auditor');
    expect(groups.body.groups.map((g: { districts: string[] }) => g.districts)).toEqual([[], ['500104', '500103']]);
  });
});
