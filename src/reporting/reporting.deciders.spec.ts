import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import {
  MonthlyReportCommand,
  monthlyReportDecider,
  MonthlyReportEvent,
  monthlyObligations,
  monthlyStatus,
} from './monthly-report.decider';
import { TipCommand, tipDecider, TipEvent, tipOverdue } from './public-tip.decider';
import { TypicalCaseCommand, typicalCaseDecider, TypicalCaseEvent } from './typical-case.decider';

const at = (iso: string): DecideContext => ({
  now: new Date(iso),
  principal: { sub: 'u', role: 'district-officer', districts: ['500103'] },
});
const ctx = at('2022-06-01T02:00:00.000Z');

describe('monthly reports', () => {
  const campaign = {
    deadlines: [
      { key: 'monthly-report-2022-05', title: '', due: '2022-05-02', owedBy: 'district-bureau' as const },
      { key: 'monthly-report-2023-01', title: '', due: '2023-01-02', owedBy: 'district-bureau' as const },
      { key: 'summary-report', title: '', due: '2022-09-30', owedBy: 'district-bureau' as const },
    ],
  };
  it('a monthly-report-YYYY-MM deadline asks for the previous month, due on its day', () => {
    expect(monthlyObligations(campaign)).toEqual([
      { month: '2022-04', key: 'monthly-report-2022-05', due: '2022-05-02' },
      { month: '2022-12', key: 'monthly-report-2023-01', due: '2023-01-02' },
    ]);
  });
  it('is on time through the due day (CST), late after, missing once the day passed with nothing', () => {
    expect(monthlyStatus(undefined, '2022-05-02', new Date('2022-05-02T15:59:59Z'))).toBe('pending');
    expect(monthlyStatus(undefined, '2022-05-02', new Date('2022-05-02T16:00:00Z'))).toBe('missing');
    expect(monthlyStatus({ submittedAt: 'x', late: true }, '2022-05-02', new Date())).toBe('late');
    expect(monthlyStatus({ submittedAt: 'x', late: false }, '2022-05-02', new Date())).toBe('on-time');
  });
  const figures = { inspections: 3, penalties: 1, finesCny: 20000, cases: 0 };
  const obligation = { month: '2022-04', key: 'monthly-report-2022-05', due: '2022-05-02' };
  const submit = (over: Partial<MonthlyReportCommand> = {}): MonthlyReportCommand => ({
    kind: 'SubmitMonthlyReport',
    campaignId: 'C',
    districtCode: '500103',
    month: '2022-04',
    obligation,
    prefilled: figures,
    figures,
    ...over,
  });
  const when = (given: MonthlyReportEvent[], c: MonthlyReportCommand, c2 = ctx) =>
    monthlyReportDecider.decide(c, fold(monthlyReportDecider, given), c2);
  it('submits (late after the due day), and amends keeping the first timeliness', () => {
    const onTime = when([], submit(), at('2022-05-02T15:00:00Z'));
    expect(onTime[0]).toMatchObject({
      type: 'monthly-report.submitted',
      data: { late: false, due: '2022-05-02', figures, note: null },
    });
    const late = when([], submit());
    expect(late[0].data).toMatchObject({ late: true });
    const edited = { ...figures, cases: 1 };
    const amended = when(onTime, submit({ figures: edited, note: '补报一起典型案例' }));
    expect(amended).toEqual([
      {
        type: 'monthly-report.amended',
        data: {
          campaignId: 'C',
          districtCode: '500103',
          month: '2022-04',
          amendedAt: ctx.now.toISOString(),
          prefilled: figures,
          figures: edited,
          note: '补报一起典型案例',
        },
      },
    ]);
    expect(fold(monthlyReportDecider, [...onTime, ...amended])).toMatchObject({
      late: false,
      amendments: 1,
      figures: edited,
    });
    expect(when(onTime, submit())).toEqual([]);
  });
  it.each([
    ['the campaign asks no report for the month', [], submit({ obligation: null }), undefined, 'not-found'],
    [
      'figures are edited without a note',
      [],
      submit({ figures: { ...figures, penalties: 2 } }),
      'is required when figures differ from the pre-filled ones',
      'invalid',
    ],
  ])('refuses when %s', (_, given, c, rule, kind) => {
    const err = refusalOf(() => when(given as MonthlyReportEvent[], c));
    expect([err.rule, err.kind]).toEqual([rule, kind]);
  });
});

describe('typical cases', () => {
  const record: TypicalCaseCommand = {
    kind: 'RecordCase',
    caseId: 'K',
    campaignId: 'C',
    districtCode: '500103',
    subject: { subjectId: 'S', name: '某培训机构' },
    title: '某培训机构虚假培训案',
    violation: '伪造培训档案',
    penalty: '罚款2万元',
    summary: '……',
  };
  const when = (given: TypicalCaseEvent[], c: TypicalCaseCommand) =>
    typicalCaseDecider.decide(c, fold(typicalCaseDecider, given), ctx);
  const recorded = when([], record);
  it('records, is adopted at each level once, and exposed', () => {
    expect(recorded[0]).toMatchObject({
      type: 'typical-case.recorded',
      data: { caseId: 'K', title: '某培训机构虚假培训案' },
    });
    const city = when(recorded, { kind: 'AdoptCase', level: 'city', adoptedOn: '2022-05-30' });
    expect(city).toEqual([
      { type: 'typical-case.adopted', data: { caseId: 'K', level: 'city', adoptedOn: '2022-05-30', note: null } },
    ]);
    expect(
      when([...recorded, ...city], { kind: 'AdoptCase', level: 'ministry', adoptedOn: '2022-05-31' }),
    ).toHaveLength(1);
    expect(
      refusalOf(() => when([...recorded, ...city], { kind: 'AdoptCase', level: 'city', adoptedOn: '2022-05-31' })).rule,
    ).toBe('already-adopted');
    const exposed = when(recorded, { kind: 'ExposeCase', exposedOn: '2022-05-31', outlet: '重庆日报' });
    expect(exposed).toEqual([
      { type: 'typical-case.exposed', data: { caseId: 'K', exposedOn: '2022-05-31', outlet: '重庆日报', url: null } },
    ]);
    expect(
      when([...recorded, ...exposed], { kind: 'ExposeCase', exposedOn: '2022-05-31', outlet: '重庆日报' }),
    ).toEqual([]);
  });
  it.each([
    ['the case exists', 'recorded', record, 'already-exists'],
    ['the title is blank', [], { ...record, title: ' ' }, 'must not be blank'],
    [
      'the adoption is in the future',
      'recorded',
      { kind: 'AdoptCase', level: 'city', adoptedOn: '2022-06-02' },
      'must not be in the future (Asia/Shanghai)',
    ],
    [
      'the outlet is blank',
      'recorded',
      { kind: 'ExposeCase', exposedOn: '2022-05-31', outlet: ' ' },
      'must not be blank',
    ],
  ])('refuses when %s', (_, given, c, rule) => {
    expect(
      refusalOf(() => when(given === 'recorded' ? recorded : (given as TypicalCaseEvent[]), c as TypicalCaseCommand))
        .rule,
    ).toBe(rule);
  });
  it('refuses to adopt a case never recorded', () =>
    expect(refusalOf(() => when([], { kind: 'AdoptCase', level: 'city', adoptedOn: '2022-05-30' })).kind).toBe(
      'not-found',
    ));
});

describe('public tips', () => {
  const receive: TipCommand = {
    kind: 'ReceiveTip',
    tipId: 'T',
    campaignId: 'C',
    channel: 'hotline-12350',
    receivedAt: '2022-05-01T10:00:00+08:00',
    content: '某机构只签到不培训',
    subject: null,
    districtCode: null,
    handlingDays: 30,
  };
  const when = (given: TipEvent[], c: TipCommand) => tipDecider.decide(c, fold(tipDecider, given), ctx);
  const received = when([], receive);
  const assigned = when(received, {
    kind: 'AssignTip',
    districtCode: '500103',
    campaignDistricts: ['500103', '500104'],
  });
  const substantiated = when([...received, ...assigned], {
    kind: 'VerifyTip',
    substantiated: true,
    note: '经核实属实',
  });
  const history = [...received, ...assigned, ...substantiated];
  it('runs intake, assignment, verification, handling and closure; the handling due day is intake + 30 days (CST)', () => {
    expect(received).toEqual([
      {
        type: 'tip.received',
        data: {
          tipId: 'T',
          campaignId: 'C',
          channel: 'hotline-12350',
          receivedAt: '2022-05-01T02:00:00.000Z',
          content: '某机构只签到不培训',
          subject: null,
          handlingDue: '2022-05-31',
        },
      },
    ]);
    expect(assigned[0].data).toMatchObject({ districtCode: '500103', previousDistrict: null });
    const handled = when(history, { kind: 'HandleTip', inspectionId: 'I', penaltyId: null, note: '已立案查处' });
    expect(handled[0]).toMatchObject({ type: 'tip.handled', data: { inspectionId: 'I' } });
    const closed = when([...history, ...handled], { kind: 'CloseTip', outcome: '已办结' });
    expect(closed[0]).toMatchObject({ type: 'tip.closed' });
    const s = fold(tipDecider, history);
    expect(tipOverdue(s, new Date('2022-05-31T15:59:59Z'))).toBe(false);
    expect(tipOverdue(s, new Date('2022-05-31T16:00:00Z'))).toBe(true);
    expect(tipOverdue(fold(tipDecider, [...history, ...handled, ...closed]), new Date('2023-01-01'))).toBe(false);
  });
  it('assigns at intake when the district is known, and closes an unsubstantiated tip without handling', () => {
    const withDistrict = when([], { ...receive, districtCode: '500104' });
    expect(withDistrict.map((e) => e.type)).toEqual(['tip.received', 'tip.assigned']);
    const unfounded = when([...received, ...assigned], { kind: 'VerifyTip', substantiated: false, note: '查无实据' });
    expect(
      when([...received, ...assigned, ...unfounded], { kind: 'CloseTip', outcome: '不属实，已回复举报人' }),
    ).toHaveLength(1);
    expect(
      refusalOf(() =>
        when([...received, ...assigned, ...unfounded], {
          kind: 'HandleTip',
          inspectionId: null,
          penaltyId: null,
          note: 'x',
        }),
      ).rule,
    ).toBe('not-substantiated');
  });
  it.each([
    ['received in the future', [], { ...receive, receivedAt: '2022-06-02T00:00:00Z' }, 'must not be in the future'],
    ['the content is blank', [], { ...receive, content: ' ' }, 'must not be blank'],
    [
      'assigned outside the campaign',
      'received',
      { kind: 'AssignTip', districtCode: '500199', campaignDistricts: ['500103'] },
      'must be a district of the campaign',
    ],
    ['verified before assignment', 'received', { kind: 'VerifyTip', substantiated: true, note: 'x' }, 'tip-status'],
    [
      'reassigned after verification',
      'verified',
      { kind: 'AssignTip', districtCode: '500104', campaignDistricts: ['500103', '500104'] },
      'tip-status',
    ],
    ['closed before a substantiated tip is handled', 'verified', { kind: 'CloseTip', outcome: 'x' }, 'not-handled'],
  ])('refuses when %s', (_, given, c, rule) => {
    const h = given === 'received' ? received : given === 'verified' ? history : (given as TipEvent[]);
    expect(refusalOf(() => when(h, c as TipCommand)).rule).toBe(rule);
  });
});
