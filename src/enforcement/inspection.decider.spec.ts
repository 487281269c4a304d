import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import { InspectionCommand, inspectionDecider, InspectionEvent, Penalty } from './inspection.decider';

const NOW = '2022-05-10T02:00:00.000Z';
const ctx: DecideContext = {
  now: new Date(NOW),
  principal: { sub: 'o', role: 'district-officer', districts: ['500103'] },
};
const open = { phase: 'open' as const };
const ITEMS = ['CQ2022-EI-01', 'CQ2022-EI-02', 'CQ2022-EI-03'];
const ids = { inspectionId: 'I', subjectId: 'S' };

const scheduled: InspectionEvent = {
  type: 'inspection.scheduled',
  data: {
    ...ids,
    campaignId: 'C',
    subjectType: 'exam-institution',
    districtCode: '500103',
    templateId: 'CQ2022-EI',
    templateVersion: 1,
    itemCodes: ITEMS,
    plannedOn: '2022-05-10',
    scheduledAt: NOW,
  },
};
const officers = [
  { name: '赵六', badgeNumber: '50010301' },
  { name: '钱七', badgeNumber: '50010302' },
];
const conducted: InspectionEvent = {
  type: 'inspection.conducted',
  data: { ...ids, conductedOn: '2022-05-10', officers },
};
const answered: InspectionEvent = {
  type: 'inspection.answered',
  data: {
    ...ids,
    answers: [
      { itemCode: 'CQ2022-EI-01', problemPresent: false },
      { itemCode: 'CQ2022-EI-02', problemPresent: true, manifestation: '烟花爆竹经营单位主要负责人未使用国家考试系统' },
      { itemCode: 'CQ2022-EI-03', problemPresent: false },
    ],
  },
};
const completed: InspectionEvent = {
  type: 'inspection.completed',
  data: { ...ids, completedAt: NOW, findings: ['CQ2022-EI-02'] },
};
const issued: InspectionEvent = {
  type: 'inspection.order-issued',
  data: {
    ...ids,
    orderId: 'O1',
    itemCode: 'CQ2022-EI-02',
    measure: '全部改用国家考试系统',
    deadline: '2022-06-10',
    issuedAt: NOW,
  },
};

const when = (given: InspectionEvent[], c: InspectionCommand) =>
  inspectionDecider.decide(c, fold(inspectionDecider, given), ctx);
const refusal = (given: InspectionEvent[], c: InspectionCommand) => refusalOf(() => when(given, c));

describe('ScheduleInspection', () => {
  const schedule: InspectionCommand = {
    kind: 'ScheduleInspection',
    ...open,
    inspectionId: 'I',
    campaignId: 'C',
    plannedOn: '2022-05-10',
    openInspectionId: null,
    subject: { subjectId: 'S', subjectType: 'exam-institution', districtCode: '500103', active: true },
    template: { templateId: 'CQ2022-EI', version: 1, itemCodes: ITEMS },
  };
  it('schedules one inspection with its one form', () => {
    expect(when([], schedule)).toEqual([scheduled]);
  });
  it.each([
    ['enforcement is not open', { phase: 'pending' }, 'phase-not-open'],
    ['enforcement is closed', { phase: 'closed' }, 'phase-not-open'],
    ['the subject is deactivated', { subject: { ...schedule.subject, active: false } }, 'inactive'],
    ['the campaign has no checklist for the type', { template: null }, 'no-checklist'],
    ['another inspection of the subject is open', { openInspectionId: 'I0' }, 'one-form'],
  ])('refuses when %s', (_, over, rule) => {
    expect(refusal([], { ...schedule, ...over } as InspectionCommand).rule).toBe(rule);
  });
  it('refuses an id that exists and a bad date', () => {
    expect(refusal([scheduled], schedule).rule).toBe('already-exists');
    expect(refusal([], { ...schedule, plannedOn: '2022-5-1' }).field).toBe('plannedOn');
  });
});

describe('RecordConduct', () => {
  const conduct: InspectionCommand = { kind: 'RecordConduct', ...open, conductedOn: '2022-05-10', officers };
  it('records the date and the officers', () => {
    expect(when([scheduled], conduct)).toEqual([conducted]);
  });
  it.each([
    ['one officer', { officers: officers.slice(0, 1) }, 'officers', 'must list at least two officers'],
    [
      'a badge twice',
      { officers: [officers[0], { name: '孙八', badgeNumber: '50010301' }] },
      'officers[1].badgeNumber',
      'must be unique',
    ],
    [
      'a blank badge',
      { officers: [officers[0], { name: '孙八', badgeNumber: ' ' }] },
      'officers[1].badgeNumber',
      'must not be blank',
    ],
    [
      'a blank name',
      { officers: [officers[0], { name: '', badgeNumber: '9' }] },
      'officers[1].name',
      'must not be blank',
    ],
    ['a future date', { conductedOn: '2022-05-11' }, 'conductedOn', 'must not be in the future (Asia/Shanghai)'],
  ])('refuses %s', (_, over, field, rule) => {
    const e = refusal([scheduled], { ...conduct, ...over } as InspectionCommand);
    expect([e.field, e.rule]).toEqual([field, rule]);
  });
  it('refuses a second record', () => {
    expect(refusal([scheduled, conducted], conduct).rule).toBe('already-conducted');
  });
});

describe('the form', () => {
  const answer: InspectionCommand = {
    kind: 'AnswerInspection',
    ...open,
    answers: (answered as Extract<InspectionEvent, { type: 'inspection.answered' }>).data.answers,
  };
  it('is filled after the visit is recorded, and completes when every item is answered', () => {
    expect(refusal([scheduled], answer).rule).toBe('not-conducted');
    expect(when([scheduled, conducted], answer)).toEqual([answered]);
    expect(when([scheduled, conducted, answered], { kind: 'CompleteInspection', ...open })).toEqual([completed]);
  });
  it('refuses completion with items unanswered or before the visit, and answers after completion', () => {
    const partial: InspectionEvent = {
      type: 'inspection.answered',
      data: { ...ids, answers: [{ itemCode: 'CQ2022-EI-01', problemPresent: false }] },
    };
    const e = refusal([scheduled, conducted, partial], { kind: 'CompleteInspection', ...open });
    expect(e.rule).toBe('unanswered-items');
    expect(e.message).toContain('CQ2022-EI-02, CQ2022-EI-03');
    expect(refusal([scheduled], { kind: 'CompleteInspection', ...open }).rule).toBe('not-conducted');
    expect(refusal([scheduled, conducted, answered, completed], answer).rule).toBe('completed');
    expect(refusal([scheduled, conducted, answered, completed], { kind: 'CompleteInspection', ...open }).rule).toBe(
      'completed',
    );
  });
  it('refuses turning a finding with an order into "no"', () => {
    expect(
      refusal([scheduled, conducted, answered, issued], {
        kind: 'AnswerInspection',
        ...open,
        answers: [{ itemCode: 'CQ2022-EI-02', problemPresent: false }],
      }).rule,
    ).toBe('finding-in-use');
  });
});

describe('orders', () => {
  const issue: InspectionCommand = {
    kind: 'IssueOrder',
    phase: 'closed',
    orderId: 'O1',
    itemCode: 'CQ2022-EI-02',
    measure: '全部改用国家考试系统',
    deadline: '2022-06-10',
  };
  it('are issued on findings, also after the phase closed', () => {
    expect(when([scheduled, conducted, answered, completed], issue)).toEqual([issued]);
  });
  it('need a finding on the item', () => {
    expect(refusal([scheduled, conducted, answered], { ...issue, itemCode: 'CQ2022-EI-01' }).rule).toBe(
      'finding-required',
    );
    expect(refusal([scheduled, conducted, answered], { ...issue, itemCode: 'CQ2022-TI-01' }).field).toBe('itemCode');
    expect(refusal([scheduled, conducted, answered], { ...issue, deadline: 'soon' }).field).toBe('deadline');
    expect(refusal([scheduled, conducted, answered, issued], issue).rule).toBe('already-exists');
  });
  it('are rectified with evidence, then verified; a failure reopens', () => {
    const rectified = when([scheduled, conducted, answered, issued], {
      kind: 'ReportOrderRectified',
      ...open,
      orderId: 'O1',
      evidence: { text: '已整改' },
    });
    expect(rectified).toEqual([
      {
        type: 'inspection.order-rectified',
        data: { ...ids, orderId: 'O1', evidence: { text: '已整改' }, rectifiedAt: NOW },
      },
    ]);
    const failed = when([scheduled, conducted, answered, issued, ...rectified], {
      kind: 'VerifyOrder',
      ...open,
      orderId: 'O1',
      result: 'failed',
      reason: '仍有纸质考试',
    });
    let s = fold(inspectionDecider, [scheduled, conducted, answered, issued, ...rectified, ...failed]);
    expect(s.orders[0]).toMatchObject({ status: 'open', verification: { result: 'failed', reason: '仍有纸质考试' } });
    const again = when([scheduled, conducted, answered, issued, ...rectified, ...failed], {
      kind: 'ReportOrderRectified',
      ...open,
      orderId: 'O1',
      evidence: { text: '已全部改用' },
    });
    const passed = when([scheduled, conducted, answered, issued, ...rectified, ...failed, ...again], {
      kind: 'VerifyOrder',
      ...open,
      orderId: 'O1',
      result: 'passed',
    });
    s = fold(inspectionDecider, [scheduled, conducted, answered, issued, ...rectified, ...failed, ...again, ...passed]);
    expect(s.orders[0].status).toBe('verified');
    expect(
      refusal([scheduled, conducted, answered, issued], {
        kind: 'VerifyOrder',
        ...open,
        orderId: 'O1',
        result: 'passed',
      }).rule,
    ).toBe('not-rectified');
  });
});

describe('RecordPenalty', () => {
  const fine: Penalty = {
    kind: 'fine',
    itemCode: 'CQ2022-EI-02',
    legalBasis: '《安全生产法》第九十七条',
    amountCny: 50000,
  };
  const record = (penalty: Penalty): InspectionCommand => ({ kind: 'RecordPenalty', ...open, penaltyId: 'X', penalty });
  it('records each kind of penalty on a finding', () => {
    expect(when([scheduled, conducted, answered], record(fine))).toEqual([
      { type: 'inspection.penalty-recorded', data: { ...ids, penaltyId: 'X', ...fine, recordedAt: NOW } },
    ]);
    for (const p of [
      { kind: 'warning', itemCode: 'CQ2022-EI-02', legalBasis: '令30号' },
      {
        kind: 'suspension',
        itemCode: 'CQ2022-EI-02',
        legalBasis: '《安全生产法》第九十七条',
        period: { from: '2022-05-11', to: '2022-06-10' },
      },
      { kind: 'disqualification', itemCode: 'CQ2022-EI-02', legalBasis: '令44号' },
      { kind: 'referral', itemCode: 'CQ2022-EI-02', legalBasis: '涉嫌组织考试作弊罪', note: '移交区公安分局' },
    ] as Penalty[]) {
      expect(when([scheduled, conducted, answered], record(p))).toHaveLength(1);
    }
  });
  it.each([
    ['on an item without a finding', { ...fine, itemCode: 'CQ2022-EI-01' }, 'rule', 'finding-required'],
    ['a fine of zero', { ...fine, amountCny: 0 }, 'field', 'amountCny'],
    ['a fine without amount', { ...fine, amountCny: undefined }, 'field', 'amountCny'],
    ['a fine in fractions of a fen', { ...fine, amountCny: 0.001 }, 'field', 'amountCny'],
    ['an amount on a warning', { ...fine, kind: 'warning' }, 'field', 'amountCny'],
    ['no legal basis', { ...fine, legalBasis: ' ' }, 'field', 'legalBasis'],
    [
      'a suspension without period',
      { kind: 'suspension', itemCode: 'CQ2022-EI-02', legalBasis: 'x' },
      'field',
      'period',
    ],
    [
      'a period ending before it starts',
      {
        kind: 'suspension',
        itemCode: 'CQ2022-EI-02',
        legalBasis: 'x',
        period: { from: '2022-06-01', to: '2022-05-01' },
      },
      'field',
      'period.to',
    ],
    ['a period on a fine', { ...fine, period: { from: '2022-06-01', to: '2022-07-01' } }, 'field', 'period'],
  ])('refuses %s', (_, p, key, value) => {
    expect(refusal([scheduled, conducted, answered], record(p as Penalty))[key as 'rule' | 'field']).toBe(value);
  });
  it('refuses before the enforcement phase opened and on an unknown inspection', () => {
    expect(refusal([scheduled, conducted, answered], { ...record(fine), phase: 'pending' }).rule).toBe(
      'phase-not-open',
    );
    expect(refusal([], record(fine)).kind).toBe('not-found');
  });
});
