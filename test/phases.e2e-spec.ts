import { CHECKLISTS } from '../src/checklists/checklist';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { lianyungang2021 } from '../src/seed/lianyungang-2021';
import { randomUUID } from 'node:crypto';
import { EventStore } from '../src/event-store/event-store';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { FixedClock } from '../src/shared/clock';
import { Caller, startTestApp, TestApp } from './support/app';
import { PROBED_IN_PHASES } from './support/if-match';
import { launchBody, uscc } from './support/fixtures';
import { ok } from './support/waiting';
import { misplacedDistricts } from './support/districts';

const C = '/api/v1/campaigns';
const SI = `${C}/{id}/self-inspections`;
const SI1 = `${SI}/{subjectId}`;
const IN = `${C}/{id}/inspections`;
const IN1 = `${IN}/{inspectionId}`;
const clock = new FixedClock(new Date('2021-12-01T02:00:00Z'));
const cst = (local: string) => new Date(`${local}+08:00`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ queue: 'postgres', clock, probeIfMatch: true });
});
afterAll(async () => {
  await t.close();
});

const eventCount = async () => Number((await t.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
const items = (templateId: string) => CHECKLISTS.get(templateId)!.items.map((i) => i.code);
/** every item answered: the listed codes "problem present" with a manifestation, the rest "no" */
const answers = (templateId: string, yes: Record<string, string>) =>
  items(templateId).map((itemCode) =>
    yes[itemCode]
      ? { itemCode, problemPresent: true, manifestation: yes[itemCode] }
      : { itemCode, problemPresent: false },
  );

interface Unit {
  id: string;
  type: string;
  principal: string;
}

async function launch(seed: typeof chongqing2022) {
  const res = await t.call('post', C, C, 'city-admin', launchBody(seed));
  expect(res.status).toBe(201);
  return res.body.id as string;
}
async function phase(id: string, p: string, action: 'open' | 'close') {
  const res = await t.call(
    'post',
    `${C}/{id}/phases/{phase}/${action}`,
    `${C}/${id}/phases/${p}/${action}`,
    'city-admin',
  );
  expect(res.status).toBe(200);
}
async function importUnits(campaignId: string, rows: Record<string, unknown>[]): Promise<Unit[]> {
  const res = await t.call(
    'post',
    '/api/v1/subjects/import',
    `/api/v1/subjects/import?campaign=${campaignId}`,
    'city-admin',
    rows,
  );
  expect(res.status).toBe(201);
  return res.body.subjects.map((s: { id: string }, i: number) => ({
    id: s.id,
    type: rows[i].type as string,
    principal: (rows[i].principal as { name: string }).name,
  }));
}

/** Drives one self-inspection to submission: start, answer everything, list each problem, sign, submit. */
async function selfInspect(
  campaignId: string,
  unit: Unit,
  who: Caller,
  templateId: string,
  yes: Record<string, string>,
  deadline: string,
) {
  const base = `${C}/${campaignId}/self-inspections`;
  const started = await t.call('post', SI, base, who, { subjectId: unit.id });
  expect(started.status).toBe(201);
  expect(started.headers.location).toBe(`${base}/${unit.id}`);
  expect(
    (await t.call('put', `${SI1}/answers`, `${base}/${unit.id}/answers`, who, { answers: answers(templateId, yes) }))
      .status,
  ).toBe(200);
  const problems: string[] = [];
  for (const itemCode of Object.keys(yes)) {
    const listed = await t.call('post', `${SI1}/problems`, `${base}/${unit.id}/problems`, who, {
      itemCode,
      description: `自查发现：${yes[itemCode]}`,
      measure: '立查立改，补齐材料',
      deadline,
      responsible: '培训部负责人',
    });
    expect(listed.status).toBe(201);
    problems.push(listed.body.problemId);
  }
  expect(
    (
      await t.call('put', `${SI1}/commitment`, `${base}/${unit.id}/commitment`, who, {
        name: unit.principal,
        date: '2022-03-01',
      })
    ).status,
  ).toBe(200);
  const submitted = await t.call('post', `${SI1}/submit`, `${base}/${unit.id}/submit`, who);
  expect(submitted.status).toBe(200);
  return problems;
}

/** Schedules, conducts, fills and completes one inspection. */
async function inspect(campaignId: string, unit: Unit, who: Caller, templateId: string, yes: Record<string, string>) {
  const base = `${C}/${campaignId}/inspections`;
  const scheduled = await t.call('post', IN, base, who, { subjectId: unit.id, plannedOn: '2022-04-15' });
  expect(scheduled.status).toBe(201);
  const id = scheduled.body.inspectionId;
  const conducted = await t.call('post', `${IN1}/conduct`, `${base}/${id}/conduct`, who, {
    conductedOn: '2022-04-15',
    officers: [
      { name: '赵执法', badgeNumber: 'A-001' },
      { name: '钱执法', badgeNumber: 'A-002' },
    ],
  });
  expect(conducted.status).toBe(200);
  expect(
    (await t.call('put', `${IN1}/answers`, `${base}/${id}/answers`, who, { answers: answers(templateId, yes) })).status,
  ).toBe(200);
  expect((await t.call('post', `${IN1}/complete`, `${base}/${id}/complete`, who)).status).toBe(200);
  return id as string;
}

describe('Chongqing 2022: a district through self-correction and enforcement, all four subject types', () => {
  const officer = { role: 'district-officer' as const, districts: ['500103'] };
  const otherOfficer = { role: 'district-officer' as const, districts: ['500104'] };
  let id: string;
  let ti: Unit, ei: Unit, es: Unit, pu: Unit, elsewhere: Unit;
  const selfProblems: Record<string, string[]> = {};
  const inspections: Record<string, string> = {};
  const orders: Record<string, string> = {};

  it('registers the four units and opens self-correction', async () => {
    id = await launch(chongqing2022);
    [ti, ei, es, pu, elsewhere] = await importUnits(id, [
      {
        type: 'training-institution',
        name: '重庆渝中安全技术培训中心',
        uscc: uscc(1),
        districtCode: '500103',
        industry: 'safety-training',
        principal: { name: '张培训' },
      },
      {
        type: 'exam-institution',
        name: '渝中区安全生产考试分中心',
        uscc: uscc(2),
        districtCode: '500103',
        industry: 'safety-training',
        principal: { name: '李考试' },
      },
      {
        type: 'exam-site',
        name: '渝中区大坪考试点',
        uscc: uscc(3),
        districtCode: '500103',
        industry: 'safety-training',
        principal: { name: '王考点' },
      },
      {
        type: 'production-unit',
        name: '重庆某危险化学品有限公司',
        uscc: uscc(4),
        districtCode: '500103',
        industry: 'hazardous-chemicals',
        principal: { name: '赵企业' },
      },
      {
        type: 'training-institution',
        name: '大渡口区某培训学校',
        uscc: uscc(5, '500104'),
        districtCode: '500104',
        industry: 'safety-training',
        principal: { name: '孙校长' },
      },
    ]);
    const early = await t.call('post', SI, `${C}/${id}/self-inspections`, officer, { subjectId: ti.id });
    expect(early.status).toBe(409);
    expect(early.body.type).toBe('urn:rectify:problem:phase-not-open');
    await phase(id, 'self-correction', 'open');
  });

  it('each unit checks itself, lists its problems, signs and submits (the institution itself, or its district officer)', async () => {
    clock.set(cst('2022-03-01T10:00:00'));
    const self = { role: 'subject-user' as const, subjectId: ti.id };
    selfProblems.ti = await selfInspect(
      id,
      ti,
      self,
      'CQ2022-TI',
      { 'CQ2022-TI-01': '专职教师不足 2 名' },
      '2022-03-15',
    );
    clock.set(cst('2022-03-01T11:00:00'));
    selfProblems.ei = await selfInspect(
      id,
      ei,
      officer,
      'CQ2022-EI',
      { 'CQ2022-EI-06': '监考员未佩戴证件' },
      '2022-03-15',
    );
    clock.set(cst('2022-03-01T12:00:00'));
    selfProblems.es = await selfInspect(
      id,
      es,
      officer,
      'CQ2022-ES',
      { 'CQ2022-ES-06': '录像资料保存不足三年' },
      '2022-03-15',
    );
    selfProblems.pu = await selfInspect(id, pu, officer, 'CQ2022-PU', {}, '2022-03-15');
    const got = await t.call('get', SI1, `${C}/${id}/self-inspections/${ti.id}`, self);
    expect(got.body).toMatchObject({
      status: 'submitted',
      late: false,
      templateId: 'CQ2022-TI',
      templateVersion: 1,
      unanswered: [],
      commitment: { name: '张培训', date: '2022-03-01' },
      problems: [
        {
          itemCode: 'CQ2022-TI-01',
          description: '自查发现：专职教师不足 2 名',
          status: 'open',
          responsible: '培训部负责人',
        },
      ],
    });
    expect(got.body.answers).toHaveLength(10);
    expect(got.body.answers[0]).toEqual({
      itemCode: 'CQ2022-TI-01',
      problemPresent: true,
      manifestation: '专职教师不足 2 名',
    });
  });

  it('refuses what the rules forbid, with nothing written', async () => {
    const before = await eventCount();
    const self = { role: 'subject-user' as const, subjectId: ti.id };
    const base = `${C}/${id}/self-inspections`;
    const cases: [Promise<{ status: number; body: { errors?: unknown[]; type?: string } }>, number, string?][] = [
      [t.call('post', `${SI1}/submit`, `${base}/${ti.id}/submit`, self), 409, 'urn:rectify:problem:submitted'],
      [t.call('post', SI, base, self, { subjectId: ti.id }), 409, 'urn:rectify:problem:already-started'],
      [t.call('post', `${SI1}/accept`, `${base}/${ti.id}/accept`, self), 403],
      [t.call('post', `${SI1}/accept`, `${base}/${ti.id}/accept`, 'auditor'), 403],
      [t.call('get', SI1, `${base}/${ei.id}`, self), 404],
      [t.call('get', SI1, `${base}/${ti.id}`, otherOfficer), 404],
      [t.call('post', `${SI1}/accept`, `${base}/${ti.id}/accept`, otherOfficer), 404],
      [t.call('post', SI, base, officer, { subjectId: elsewhere.id }), 404],
      [t.call('post', `${SI1}/return`, `${base}/${ti.id}/return`, officer, {}), 400],
      [
        t.call('put', `${SI1}/answers`, `${base}/${ti.id}/answers`, officer, {
          answers: [{ itemCode: 'CQ2022-TI-02', problemPresent: 'yes' }],
        }),
        400,
      ],
      [t.call('get', SI, `${base}?district=500104`, officer), 403],
    ];
    for (const [pending, status, type] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      if (type) expect(res.body.type).toBe(type);
    }
    expect(await eventCount()).toBe(before);
  });

  it('the district officer accepts, or returns with a reason; a returned report is corrected and resubmitted', async () => {
    const base = `${C}/${id}/self-inspections`;
    for (const u of [ti, es, pu])
      expect(
        (await t.call('post', `${SI1}/accept`, `${base}/${u.id}/accept`, officer, { comment: '同意' })).status,
      ).toBe(200);
    const returned = await t.call('post', `${SI1}/return`, `${base}/${ei.id}/return`, officer, {
      reason: '问题清单整改措施不具体',
    });
    expect(returned.status).toBe(200);
    expect((await t.call('get', SI1, `${base}/${ei.id}`, officer)).body).toMatchObject({
      status: 'returned',
      returns: [{ reason: '问题清单整改措施不具体' }],
    });
    const fix = await t.call('put', `${SI1}/answers`, `${base}/${ei.id}/answers`, officer, {
      answers: [{ itemCode: 'CQ2022-EI-06', problemPresent: true, manifestation: '监考员未佩戴证件，巡考员证过期' }],
    });
    expect(fix.status).toBe(200);
    expect((await t.call('post', `${SI1}/submit`, `${base}/${ei.id}/submit`, officer)).status).toBe(200);
    expect((await t.call('post', `${SI1}/accept`, `${base}/${ei.id}/accept`, officer)).status).toBe(200);
    const list = await t.call('get', SI, `${base}?district=500103&status=accepted`, officer);
    expect(list.body.total).toBe(4);
    expect(list.body.items.find((s: { subjectId: string }) => s.subjectId === ei.id)).toMatchObject({ submissions: 2 });
  });

  it('self-correction problems are rectified with evidence and verified; a failed verification reopens', async () => {
    const base = `${C}/${id}/self-inspections`;
    const self = { role: 'subject-user' as const, subjectId: ti.id };
    const evidence = { text: '已新聘专职教师 2 名，劳动合同附后', fileRef: 'files/ti/contract-2022.pdf' };
    expect(
      (
        await t.call(
          'post',
          `${SI1}/problems/{problemId}/rectification`,
          `${base}/${ti.id}/problems/${selfProblems.ti[0]}/rectification`,
          self,
          { evidence },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await t.call(
          'post',
          `${SI1}/problems/{problemId}/verification`,
          `${base}/${ti.id}/problems/${selfProblems.ti[0]}/verification`,
          officer,
          { result: 'passed' },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await t.call(
          'post',
          `${SI1}/problems/{problemId}/rectification`,
          `${base}/${es.id}/problems/${selfProblems.es[0]}/rectification`,
          officer,
          { evidence: { text: '已扩容存储' } },
        )
      ).status,
    ).toBe(200);
    const failed = await t.call(
      'post',
      `${SI1}/problems/{problemId}/verification`,
      `${base}/${es.id}/problems/${selfProblems.es[0]}/verification`,
      officer,
      { result: 'failed', reason: '2021 年录像仍缺失' },
    );
    expect(failed.status).toBe(200);
    const verifyBySubject = await t.call(
      'post',
      `${SI1}/problems/{problemId}/verification`,
      `${base}/${ti.id}/problems/${selfProblems.ti[0]}/verification`,
      self,
      { result: 'passed' },
    );
    expect(verifyBySubject.status).toBe(403);
    const problem = await t.call(
      'get',
      `${C}/{id}/problems/{problemId}`,
      `${C}/${id}/problems/${selfProblems.ti[0]}`,
      self,
    );
    expect(problem.body).toMatchObject({
      source: 'self-correction',
      status: 'verified',
      evidence,
      subjectName: '重庆渝中安全技术培训中心',
    });
  });

  it('enforcement: one form per visit, two officers, findings, orders and penalties', async () => {
    clock.set(cst('2022-04-01T09:00:00'));
    await phase(id, 'self-correction', 'close');
    await phase(id, 'enforcement', 'open');
    clock.set(cst('2022-04-15T16:00:00'));
    inspections.ti = await inspect(id, ti, officer, 'CQ2022-TI', {
      'CQ2022-TI-02': '压缩培训学时，模拟题代替授课',
      'CQ2022-TI-04': '举办“包过班”',
    });
    inspections.ei = await inspect(id, ei, officer, 'CQ2022-EI', { 'CQ2022-EI-05': '考试密码泄露给培训机构' });
    inspections.es = await inspect(id, es, officer, 'CQ2022-ES', {});
    const base = `${C}/${id}/inspections`;
    // the production unit's visit: one officer is refused, and a second form while the first is open
    const scheduled = await t.call('post', IN, base, officer, { subjectId: pu.id, plannedOn: '2022-04-15' });
    inspections.pu = scheduled.body.inspectionId;
    const second = await t.call('post', IN, base, officer, { subjectId: pu.id, plannedOn: '2022-04-16' });
    expect([second.status, second.body.type]).toEqual([409, 'urn:rectify:problem:one-form']);
    const alone = await t.call('post', `${IN1}/conduct`, `${base}/${inspections.pu}/conduct`, officer, {
      conductedOn: '2022-04-15',
      officers: [{ name: '赵执法', badgeNumber: 'A-001' }],
    });
    expect(alone.status).toBe(400);
    expect(alone.body.errors[0]).toMatchObject({ field: 'officers', rule: 'arrayMinSize' });
    await t.call('post', `${IN1}/conduct`, `${base}/${inspections.pu}/conduct`, officer, {
      conductedOn: '2022-04-15',
      officers: [
        { name: '赵执法', badgeNumber: 'A-001' },
        { name: '孙执法', badgeNumber: 'A-003' },
      ],
    });
    const partial = answers('CQ2022-PU', {
      'CQ2022-PU-01': '未制定年度安全培训计划',
      'CQ2022-PU-03': '3 名特种作业人员无证上岗',
    }).slice(0, 5);
    await t.call('put', `${IN1}/answers`, `${base}/${inspections.pu}/answers`, officer, { answers: partial });
    const early = await t.call('post', `${IN1}/complete`, `${base}/${inspections.pu}/complete`, officer);
    expect([early.status, early.body.type]).toEqual([409, 'urn:rectify:problem:unanswered-items']);
    await t.call('put', `${IN1}/answers`, `${base}/${inspections.pu}/answers`, officer, {
      answers: answers('CQ2022-PU', {
        'CQ2022-PU-01': '未制定年度安全培训计划',
        'CQ2022-PU-03': '3 名特种作业人员无证上岗',
      }),
    });
    expect((await t.call('post', `${IN1}/complete`, `${base}/${inspections.pu}/complete`, officer)).status).toBe(200);

    const order = async (key: string, itemCode: string, deadline: string) => {
      const insp = inspections[key.split('-')[0]];
      const res = await t.call('post', `${IN1}/orders`, `${base}/${insp}/orders`, officer, {
        itemCode,
        measure: '限期整改并提交整改报告',
        deadline,
      });
      expect(res.status).toBe(201);
      orders[key] = res.body.orderId;
    };
    await order('ti-02', 'CQ2022-TI-02', '2022-05-15');
    await order('ti-04', 'CQ2022-TI-04', '2022-05-01');
    await order('pu-01', 'CQ2022-PU-01', '2022-06-30');
    await order('ei-05', 'CQ2022-EI-05', '2022-04-30');

    const penalty = async (key: string, body: Record<string, unknown>, status = 201) => {
      const res = await t.call('post', `${IN1}/penalties`, `${base}/${inspections[key]}/penalties`, officer, body);
      expect(res.status).toBe(status);
      return res;
    };
    await penalty('ti', {
      kind: 'fine',
      itemCode: 'CQ2022-TI-04',
      amountCny: 50000,
      legalBasis: '《安全生产培训管理办法》第三十四条',
    });
    await penalty('ti', {
      kind: 'suspension',
      itemCode: 'CQ2022-TI-04',
      legalBasis: '《安全生产法》第九十七条',
      period: { from: '2022-04-20', to: '2022-05-20' },
    });
    await penalty('ti', {
      kind: 'warning',
      itemCode: 'CQ2022-TI-02',
      legalBasis: '《安全生产培训管理办法》第三十六条',
    });
    await penalty('pu', {
      kind: 'fine',
      itemCode: 'CQ2022-PU-03',
      amountCny: 20000,
      legalBasis: '《安全生产法》第九十七条',
    });
    await penalty('ei', {
      kind: 'referral',
      itemCode: 'CQ2022-EI-05',
      legalBasis: '涉嫌组织考试作弊罪',
      note: '线索移交渝中区公安分局',
    });
    const before = await eventCount();
    const noFinding = await penalty('es', { kind: 'warning', itemCode: 'CQ2022-ES-01', legalBasis: 'x' }, 409);
    expect(noFinding.body.type).toBe('urn:rectify:problem:finding-required');
    const zero = await penalty('ti', { kind: 'fine', itemCode: 'CQ2022-TI-04', amountCny: 0, legalBasis: 'x' }, 400);
    expect(zero.body.errors[0]).toMatchObject({ field: 'amountCny' });
    const outsider = await t.call('post', `${IN1}/penalties`, `${base}/${inspections.ti}/penalties`, otherOfficer, {
      kind: 'warning',
      itemCode: 'CQ2022-TI-02',
      legalBasis: 'x',
    });
    expect(outsider.status).toBe(404);
    expect(await eventCount()).toBe(before);

    const got = await t.call('get', IN1, `${base}/${inspections.ti}`, 'auditor');
    expect(got.body).toMatchObject({
      status: 'completed',
      findings: ['CQ2022-TI-02', 'CQ2022-TI-04'],
      officers: [{ name: '赵执法' }, { name: '钱执法' }],
    });
    expect(got.body.penalties.map((p: { kind: string }) => p.kind)).toEqual(['fine', 'suspension', 'warning']);
  });

  it('rectification orders are reported rectified by the subject and verified by the officer', async () => {
    const base = `${C}/${id}/inspections`;
    const self = { role: 'subject-user' as const, subjectId: ti.id };
    const path = (insp: string, o: string, what: string) => `${base}/${insp}/orders/${o}/${what}`;
    expect(
      (
        await t.call(
          'post',
          `${IN1}/orders/{orderId}/rectification`,
          path(inspections.ti, orders['ti-02'], 'rectification'),
          self,
          { evidence: { text: '已按大纲补足学时' } },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await t.call(
          'post',
          `${IN1}/orders/{orderId}/verification`,
          path(inspections.ti, orders['ti-02'], 'verification'),
          officer,
          { result: 'passed' },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await t.call(
          'post',
          `${IN1}/orders/{orderId}/rectification`,
          path(inspections.ei, orders['ei-05'], 'rectification'),
          officer,
          { evidence: { text: '已更换密码管理制度' } },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await t.call(
          'post',
          `${IN1}/orders/{orderId}/verification`,
          path(inspections.ei, orders['ei-05'], 'verification'),
          officer,
          { result: 'failed', reason: '制度未落实' },
        )
      ).status,
    ).toBe(200);
    const notYours = await t.call(
      'post',
      `${IN1}/orders/{orderId}/rectification`,
      path(inspections.ei, orders['ei-05'], 'rectification'),
      self,
      { evidence: { text: 'x' } },
    );
    expect(notYours.status).toBe(404);
  });

  it('the problem list spans both phases: filters, overdue against the clock (CST), sort by deadline', async () => {
    clock.set(cst('2022-05-10T08:00:00'));
    const list = (query: string, who: Caller = officer) =>
      t.call('get', `${C}/{id}/problems`, `${C}/${id}/problems${query}`, who);
    const all = await list('?district=500103');
    expect(all.body.total).toBe(7);
    expect(all.body.asOf).toBe('2022-05-10');
    const overdue = await list('?status=overdue');
    expect(overdue.body.items.map((p: { itemCode: string; deadline: string }) => [p.itemCode, p.deadline])).toEqual([
      ['CQ2022-EI-06', '2022-03-15'],
      ['CQ2022-ES-06', '2022-03-15'],
      ['CQ2022-EI-05', '2022-04-30'],
      ['CQ2022-TI-04', '2022-05-01'],
    ]);
    expect(overdue.body.items.every((p: { overdue: boolean }) => p.overdue)).toBe(true);
    const latest = await list('?sort=-deadline&limit=1');
    expect(latest.body.items[0]).toMatchObject({
      itemCode: 'CQ2022-PU-01',
      source: 'enforcement',
      overdue: false,
      description: '未制定年度安全培训计划',
    });
    expect((await list('?source=self-correction')).body.total).toBe(3);
    expect((await list('?type=training-institution&status=verified')).body.total).toBe(2);
    expect((await list('?itemCode=CQ2022-TI-04')).body.items[0]).toMatchObject({
      status: 'open',
      measure: '限期整改并提交整改报告',
    });
    expect((await list('', { role: 'subject-user', subjectId: pu.id })).body.total).toBe(1);
    expect((await list('', otherOfficer)).body.total).toBe(0);
    expect((await list('?district=500103', otherOfficer)).status).toBe(403);
    // the end of the due day in Shanghai is still on time: 2022-05-01 is overdue from 2022-05-02T00:00+08:00
    clock.set(cst('2022-05-01T23:59:59'));
    expect((await list('?itemCode=CQ2022-TI-04')).body.items[0].overdue).toBe(false);
    clock.set(cst('2022-05-02T00:00:00'));
    expect((await list('?itemCode=CQ2022-TI-04')).body.items[0].overdue).toBe(true);
    clock.set(cst('2022-05-10T08:00:00'));
  });

  it('progress per district, exactly', async () => {
    const res = await t.call('get', `${C}/{id}/progress`, `${C}/${id}/progress?district=500103`, officer);
    expect(res.status).toBe(200);
    expect(res.body.districts).toEqual([
      {
        districtCode: '500103',
        districtName: '渝中区',
        subjects: {
          total: 4,
          highRisk: 1,
          byType: { 'training-institution': 1, 'exam-institution': 1, 'exam-site': 1, 'production-unit': 1 },
        },
        selfInspections: { started: 4, submitted: 4, late: 0, returned: 0, accepted: 4 },
        inspections: { scheduled: 4, conducted: 4, completed: 4, subjectsInspected: 4, coveragePercent: 100 },
        findingsByItem: {
          'CQ2022-EI-05': 1,
          'CQ2022-PU-01': 1,
          'CQ2022-PU-03': 1,
          'CQ2022-TI-02': 1,
          'CQ2022-TI-04': 1,
        },
        penalties: {
          total: 5,
          byKind: { warning: 1, fine: 2, suspension: 1, disqualification: 0, referral: 1 },
          finesCny: 70000,
        },
        rectification: { problems: 7, verified: 2, closureRatePercent: 28.6, overdue: 4 },
      },
    ]);
    const mine = await t.call('get', `${C}/{id}/progress`, `${C}/${id}/progress`, otherOfficer);
    expect(mine.body.districts.map((d: { districtCode: string }) => d.districtCode)).toEqual(['500104']);
    expect(mine.body.districts[0]).toMatchObject({
      subjects: { total: 1 },
      inspections: { coveragePercent: 0 },
      rectification: { closureRatePercent: null },
    });
    const city = await t.call('get', `${C}/{id}/progress`, `${C}/${id}/progress`, 'city-admin');
    expect(city.body.districts).toHaveLength(42);
    expect(
      (await t.call('get', `${C}/{id}/progress`, `${C}/${id}/progress`, { role: 'subject-user', subjectId: ti.id }))
        .status,
    ).toBe(403);
  });

  it("a subject's timeline has the registry, its self-inspection and its inspection, in order", async () => {
    const res = await t.call('get', '/api/v1/subjects/{id}/timeline', `/api/v1/subjects/${ti.id}/timeline`, {
      role: 'subject-user',
      subjectId: ti.id,
    });
    const types = res.body.items.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('subject.registered');
    expect(types.indexOf('self-inspection.accepted')).toBeLessThan(types.indexOf('inspection.scheduled'));
    expect(types.filter((x: string) => x === 'inspection.penalty-recorded')).toHaveLength(3);
    const positions = res.body.items.map((e: { globalPosition: number }) => e.globalPosition);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('a form is served folded from its own stream: each listed one as its own GET serves it, and as it stood at a version or an instant', async () => {
    for (const [list, one, key] of [
      [SI, SI1, 'subjectId'],
      [IN, IN1, 'inspectionId'],
    ] as const) {
      const base = `${C}/${id}/${list === SI ? 'self-inspections' : 'inspections'}`;
      const page = (await ok(t.call('get', list, base, 'auditor'))).body;
      expect(page.items).toHaveLength(4);
      for (const item of page.items) {
        const got = await t.call('get', one, `${base}/${item[key]}`, 'auditor');
        expect([got.status, got.body]).toEqual([200, item]);
        expect(got.headers.etag).toBe(`"${item.version}"`);
      }
    }
    const form = `${C}/${id}/self-inspections/${ti.id}`;
    const now = (await ok(t.call('get', SI1, form, 'auditor'))).body;
    const first = (await ok(t.call('get', SI1, `${form}?version=1`, 'auditor'))).body;
    expect(first).toMatchObject({
      status: 'in-progress',
      version: 1,
      answers: [],
      problems: [],
      submittedAt: null,
      templateId: 'CQ2022-TI',
    });
    expect(first.unanswered).toHaveLength(10);
    const history = (
      await ok(
        t.call(
          'get',
          '/api/v1/streams/{streamId}/events',
          `/api/v1/streams/self-inspection-${ti.id}/events`,
          'auditor',
        ),
      )
    ).body.items;
    expect(history.map((e: { type: string }) => e.type).slice(0, 5)).toEqual([
      'self-inspection.started',
      'self-inspection.answered',
      'self-inspection.problem-listed',
      'self-inspection.commitment-signed',
      'self-inspection.submitted',
    ]);
    expect(first.updatedAt).toBe(history[0].recordedAt);
    // as it stood when its first problem had been listed: answered, one problem, not yet signed or submitted
    const listed = (await ok(t.call('get', SI1, `${form}?version=3`, 'auditor'))).body;
    expect(listed).toMatchObject({
      status: 'in-progress',
      version: 3,
      commitment: null,
      problems: [{ itemCode: 'CQ2022-TI-01', status: 'open' }],
    });
    expect(listed.answers).toHaveLength(10);
    // at an instant: every event recorded by then (events a millisecond apart may share it), none after
    const instant = history[2].recordedAt;
    const byThen = history.filter((e: { recordedAt: string }) => e.recordedAt <= instant).length;
    expect((await ok(t.call('get', SI1, `${form}?asOf=${encodeURIComponent(instant)}`, 'auditor'))).body.version).toBe(
      byThen,
    );
    expect(now.version).toBe(history.length);
    expect((await t.call('get', SI1, `${form}?asOf=2022-02-28T00:00:00Z`, 'auditor')).status).toBe(404);
    expect((await t.call('get', SI1, `${form}?version=${now.version + 1}`, 'auditor')).status).toBe(404);
    // served as far as the read model has got: an event the projection has not applied yet is not shown until it has
    const runner = t.app.get(ProjectionRunner);
    await runner.stop();
    let appended: { lastPosition: number };
    try {
      appended = await t.app.get(EventStore).appendToStream(
        `self-inspection-${ti.id}`,
        [
          {
            type: 'self-inspection.commitment-signed',
            data: { subjectId: ti.id, name: '张培训（补签）', date: '2022-04-02' },
            metadata: { actor: { id: 'tester', role: 'city-admin' }, correlationId: randomUUID() },
          },
        ],
        { expectedVersion: now.version },
      );
      const stale = await t.call('get', SI1, form, 'auditor');
      expect([stale.body.version, stale.body.commitment.name, stale.headers.etag]).toEqual([
        now.version,
        '张培训',
        `"${now.version}"`,
      ]);
    } finally {
      runner.start();
    }
    expect(await runner.waitFor(appended.lastPosition, 10000, ['rectification'])).toBe(true);
    expect((await ok(t.call('get', SI1, form, 'auditor'))).body).toMatchObject({
      version: now.version + 1,
      commitment: { name: '张培训（补签）', date: '2022-04-02' },
    });
    const visit = `${C}/${id}/inspections/${inspections.ti}`;
    expect((await ok(t.call('get', IN1, `${visit}?version=1`, 'auditor'))).body).toMatchObject({
      status: 'scheduled',
      version: 1,
      officers: [],
      findings: [],
      penalties: [],
    });
  });

  it('rebuilding the read models from the log gives the same tables', async () => {
    const tables = [
      'rm_subjects',
      'rm_self_inspections',
      'rm_inspections',
      'rm_problems',
      'rm_findings',
      'rm_penalties',
      'rm_subject_timeline',
    ];
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const table of tables)
        out[table] = (await t.db.pool.query(`SELECT to_jsonb(x) AS r FROM ${table} x ORDER BY 1`)).rows.map((r) => r.r);
      return out;
    };
    const before = await snapshot();
    const runner = t.app.get(ProjectionRunner);
    for (const name of ['subjects', 'subject-timeline', 'rectification']) await runner.rebuild(runner.find(name));
    expect(await snapshot()).toEqual(before);
  });
});

describe('Lianyungang 2021: three subject types, the self-correction-report deadline', () => {
  const officer = { role: 'district-officer' as const, districts: ['320706'] };
  let id: string;
  let units: Unit[];

  it('records a training institution submitting after 2022-03-25 (CST) as late, never refused; other types owe no such deadline', async () => {
    clock.set(cst('2022-01-04T09:00:00'));
    id = await launch(lianyungang2021);
    const bad = await t.call(
      'put',
      `${C}/{id}/checklists/{subjectType}`,
      `${C}/${id}/checklists/exam-site`,
      'city-admin',
      { templateId: 'CQ2022-ES' },
    );
    expect(bad.status).toBe(400);
    units = await importUnits(id, [
      {
        type: 'training-institution',
        name: '连云港市海州区安全培训学校',
        uscc: uscc(11, '320706'),
        districtCode: '320706',
        industry: 'safety-training',
        principal: { name: '周校长' },
      },
      {
        type: 'exam-institution',
        name: '连云港市安全生产宣传教育培训中心考试点',
        uscc: uscc(12, '320706'),
        districtCode: '320706',
        industry: 'safety-training',
        principal: { name: '吴主任' },
      },
      {
        type: 'production-unit',
        name: '连云港某烟花爆竹批发有限公司',
        uscc: uscc(13, '320706'),
        districtCode: '320706',
        industry: 'fireworks',
        principal: { name: '郑经理' },
      },
    ]);
    await phase(id, 'self-correction', 'open');
    const [ti, ei, pu] = units;
    clock.set(cst('2022-03-25T23:59:59'));
    await selfInspect(id, ei, officer, 'LYG2021-EI', { 'LYG2021-EI-06': '考试档案补签' }, '2022-04-30');
    clock.set(cst('2022-03-26T00:00:01'));
    await selfInspect(
      id,
      ti,
      { role: 'subject-user', subjectId: ti.id },
      'LYG2021-TI',
      { 'LYG2021-TI-03': '未落实“一班一档”' },
      '2022-04-30',
    );
    await selfInspect(id, pu, officer, 'LYG2021-PU', {}, '2022-04-30');
    const list = await t.call('get', SI, `${C}/${id}/self-inspections?late=true`, officer);
    expect(list.body.items.map((s: { subjectId: string; subjectType: string }) => s.subjectType)).toEqual([
      'training-institution',
    ]);
    expect(list.body.items[0]).toMatchObject({ status: 'submitted', late: true });
  });

  it('enforcement on the LYG checklists, and the figures', async () => {
    clock.set(cst('2022-04-02T09:00:00'));
    await phase(id, 'self-correction', 'close');
    await phase(id, 'enforcement', 'open');
    clock.set(cst('2022-04-20T09:00:00'));
    const [ti, ei, pu] = units;
    const tiInspection = await inspect(id, ti, officer, 'LYG2021-TI', {
      'LYG2021-TI-04': '与考试机构勾结举办“包过班”',
    });
    await inspect(id, ei, officer, 'LYG2021-EI', {});
    await inspect(id, pu, officer, 'LYG2021-PU', { 'LYG2021-PU-02': '特种作业人员持假证上岗' });
    const disq = await t.call('post', `${IN1}/penalties`, `${C}/${id}/inspections/${tiInspection}/penalties`, officer, {
      kind: 'disqualification',
      itemCode: 'LYG2021-TI-04',
      legalBasis: '《安全生产培训管理办法》',
    });
    expect(disq.status).toBe(201);
    const res = await t.call('get', `${C}/{id}/progress`, `${C}/${id}/progress?district=320706`, 'auditor');
    expect(res.body.districts[0]).toEqual({
      districtCode: '320706',
      districtName: '海州区',
      subjects: {
        total: 3,
        highRisk: 1,
        byType: { 'training-institution': 1, 'exam-institution': 1, 'exam-site': 0, 'production-unit': 1 },
      },
      selfInspections: { started: 3, submitted: 3, late: 1, returned: 0, accepted: 0 },
      inspections: { scheduled: 3, conducted: 3, completed: 3, subjectsInspected: 3, coveragePercent: 100 },
      findingsByItem: { 'LYG2021-PU-02': 1, 'LYG2021-TI-04': 1 },
      penalties: {
        total: 1,
        byKind: { warning: 0, fine: 0, suspension: 0, disqualification: 1, referral: 0 },
        finesCny: 0,
      },
      rectification: { problems: 2, verified: 0, closureRatePercent: 0, overdue: 0 },
    });
  });
});

describe('checklists', () => {
  it('lists the seven templates and serves one with its verbatim items and glosses', async () => {
    const list = await t.call('get', '/api/v1/checklists', '/api/v1/checklists', 'subject-user');
    expect(
      list.body.items.map((x: { templateId: string; itemCount: number }) => `${x.templateId}:${x.itemCount}`),
    ).toEqual([
      'CQ2022-EI:8',
      'CQ2022-ES:8',
      'CQ2022-PU:10',
      'CQ2022-TI:10',
      'LYG2021-EI:6',
      'LYG2021-PU:4',
      'LYG2021-TI:4',
    ]);
    const one = await t.call('get', '/api/v1/checklists/{templateId}', '/api/v1/checklists/LYG2021-PU', 'auditor');
    expect(one.body).toMatchObject({
      templateId: 'LYG2021-PU',
      version: 1,
      versions: [1],
      subjectType: 'production-unit',
    });
    expect(one.body.items[2]).toMatchObject({
      code: 'LYG2021-PU-03',
      text: '危险化学品、烟花爆竹、矿山、金属冶炼等生产经营单位(以下简称高危行业生产经营单位)主要负责人、安全生产管理人员是否存在未按照规定经应急管理部门对其安全生产知识和管理能力考核合格的情况。',
    });
    expect(
      (await t.call('get', '/api/v1/checklists/{templateId}', '/api/v1/checklists/LYG2021-PU?version=2', 'auditor'))
        .status,
    ).toBe(404);
    expect((await t.call('get', '/api/v1/checklists/{templateId}', '/api/v1/checklists/lyg', 'auditor')).status).toBe(
      400,
    );
  });
});

describe('If-Match', () => {
  it('was probed (stale → 412, nothing written) on the routes of the phases the full lifecycle does not take', () => {
    expect(PROBED_IN_PHASES.filter((r) => !t.probes.routes.has(r))).toEqual([]);
    expect(t.probes.problems).toEqual([]);
  });
});

describe('district scoping', () => {
  it('every event of these flows records the districts it concerns: the subject’s, the district’s, or the whole campaign', async () => {
    // the types the full lifecycle (campaign-lifecycle.e2e-spec.ts) does not take are among them
    const types = [
      'self-inspection.problem-verified',
      'self-inspection.accepted',
      'self-inspection.returned',
      'inspection.order-issued',
      'inspection.order-rectified',
      'inspection.order-verified',
    ];
    const { checked, wrong } = await misplacedDistricts(t.db.pool);
    expect(wrong).toEqual([]);
    expect(types.filter((type) => !checked.get(type))).toEqual([]);
  });
});
