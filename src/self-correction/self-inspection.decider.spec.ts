import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import { SelfInspectionCommand, selfInspectionDecider, SelfInspectionEvent } from './self-inspection.decider';

const NOW = new Date('2022-03-20T02:00:00.000Z');
const at = (iso: string): DecideContext => ({
  now: new Date(iso),
  principal: { sub: 'u', role: 'subject-user', districts: [], subjectId: 'S' },
});
const ctx = at(NOW.toISOString());
const open = { phase: 'open' as const };
const ITEMS = ['LYG2021-TI-01', 'LYG2021-TI-02', 'LYG2021-TI-03', 'LYG2021-TI-04'];

const started: SelfInspectionEvent = {
  type: 'self-inspection.started',
  data: {
    subjectId: 'S',
    campaignId: 'C',
    subjectType: 'training-institution',
    districtCode: '320706',
    templateId: 'LYG2021-TI',
    templateVersion: 1,
    itemCodes: ITEMS,
    startedAt: NOW.toISOString(),
  },
};
const allAnswered: SelfInspectionEvent = {
  type: 'self-inspection.answered',
  data: {
    subjectId: 'S',
    answers: [
      { itemCode: 'LYG2021-TI-01', problemPresent: false },
      { itemCode: 'LYG2021-TI-02', problemPresent: true, manifestation: '压缩培训学时' },
      { itemCode: 'LYG2021-TI-03', problemPresent: false },
      { itemCode: 'LYG2021-TI-04', problemPresent: false },
    ],
  },
};
const listed: SelfInspectionEvent = {
  type: 'self-inspection.problem-listed',
  data: {
    subjectId: 'S',
    problemId: 'P1',
    itemCode: 'LYG2021-TI-02',
    description: '部分班次学时不足',
    measure: '补足学时',
    deadline: '2022-03-31',
    responsible: '王五',
    listedAt: NOW.toISOString(),
  },
};
const signed: SelfInspectionEvent = {
  type: 'self-inspection.commitment-signed',
  data: { subjectId: 'S', name: '张三', date: '2022-03-20' },
};
const submitted: SelfInspectionEvent = {
  type: 'self-inspection.submitted',
  data: { subjectId: 'S', submittedAt: NOW.toISOString(), due: '2022-03-25', late: false },
};
const ready = [started, allAnswered, listed, signed];

const when = (given: SelfInspectionEvent[], c: SelfInspectionCommand, context = ctx) =>
  selfInspectionDecider.decide(c, fold(selfInspectionDecider, given), context);
const refusal = (given: SelfInspectionEvent[], c: SelfInspectionCommand, context = ctx) =>
  refusalOf(() => when(given, c, context));

const start: SelfInspectionCommand = {
  kind: 'StartSelfInspection',
  ...open,
  campaignId: 'C',
  subjectId: 'S',
  subjectType: 'training-institution',
  districtCode: '320706',
  template: { templateId: 'LYG2021-TI', version: 1, itemCodes: ITEMS },
};

describe('StartSelfInspection', () => {
  it('starts against the pinned template version', () => {
    expect(when([], start)).toEqual([started]);
  });
  it.each([
    ['the phase is not open yet', [], { ...start, phase: 'pending' as const }, 'phase-not-open'],
    ['the phase is closed', [], { ...start, phase: 'closed' as const }, 'phase-not-open'],
    ['it is started already', [started], start, 'already-started'],
    ['the campaign chose no checklist', [], { ...start, template: null }, 'no-checklist'],
  ])('refuses when %s', (_, given, c, rule) => {
    expect(refusal(given, c as SelfInspectionCommand).rule).toBe(rule);
  });
});

describe('AnswerSelfInspection', () => {
  it('records only the answers that change', () => {
    const c: SelfInspectionCommand = {
      kind: 'AnswerSelfInspection',
      ...open,
      answers: [
        { itemCode: 'LYG2021-TI-01', problemPresent: false },
        { itemCode: 'LYG2021-TI-03', problemPresent: true, manifestation: '档案不全' },
      ],
    };
    expect(when([started, allAnswered], c)).toEqual([
      {
        type: 'self-inspection.answered',
        data: {
          subjectId: 'S',
          answers: [{ itemCode: 'LYG2021-TI-03', problemPresent: true, manifestation: '档案不全' }],
        },
      },
    ]);
    expect(
      when([started, allAnswered], { ...c, answers: [{ itemCode: 'LYG2021-TI-01', problemPresent: false }] }),
    ).toEqual([]);
  });
  it('refuses a "no" on an item with listed problems, and any change once submitted', () => {
    const no: SelfInspectionCommand = {
      kind: 'AnswerSelfInspection',
      ...open,
      answers: [{ itemCode: 'LYG2021-TI-02', problemPresent: false }],
    };
    expect(refusal([started, allAnswered, listed], no).rule).toBe('problem-listed');
    expect(refusal([...ready, submitted], no).rule).toBe('submitted');
    expect(refusal([], no).kind).toBe('not-found');
    expect(refusal([started], { ...no, phase: 'closed' }).rule).toBe('phase-not-open');
    expect(refusal([started], { ...no, answers: [{ itemCode: 'CQ2022-TI-01', problemPresent: false }] }).field).toBe(
      'answers[0].itemCode',
    );
  });
});

describe('ListProblem', () => {
  const c: SelfInspectionCommand = {
    kind: 'ListProblem',
    ...open,
    problemId: 'P1',
    itemCode: 'LYG2021-TI-02',
    description: '部分班次学时不足',
    measure: '补足学时',
    deadline: '2022-03-31',
    responsible: '王五',
  };
  it('lists a problem against an item found present', () => {
    expect(when([started, allAnswered], c)).toEqual([listed]);
  });
  it.each([
    ['an item answered "no"', { itemCode: 'LYG2021-TI-01' }, 'rule', 'item-not-found-present'],
    ['an item outside the form', { itemCode: 'LYG2021-EI-01' }, 'field', 'itemCode'],
    ['a blank measure', { measure: ' ' }, 'field', 'measure'],
    ['a bad deadline', { deadline: '2022-02-30' }, 'field', 'deadline'],
    ['no responsible person', { responsible: '' }, 'field', 'responsible'],
    ['a blank description', { description: '' }, 'field', 'description'],
  ])('refuses %s', (_, over, key, value) => {
    expect(refusal([started, allAnswered], { ...c, ...over } as SelfInspectionCommand)[key as 'rule' | 'field']).toBe(
      value,
    );
  });
  it('refuses the same problem id twice', () => {
    expect(refusal([started, allAnswered, listed], c).rule).toBe('already-listed');
  });
});

describe('rectifying and verifying problems', () => {
  const rectify: SelfInspectionCommand = {
    kind: 'RectifyProblem',
    phase: 'closed',
    problemId: 'P1',
    evidence: { text: '已补课 8 学时', fileRef: 'files/2022/p1.pdf' },
  };
  const rectified: SelfInspectionEvent = {
    type: 'self-inspection.problem-rectified',
    data: { subjectId: 'S', problemId: 'P1', evidence: rectify.evidence, rectifiedAt: NOW.toISOString() },
  };
  it('records rectification with evidence, also after the phase closed', () => {
    expect(when([...ready], rectify)).toEqual([rectified]);
  });
  it('refuses rectifying twice, an unknown problem, blank evidence, or before the phase opened', () => {
    expect(refusal([...ready, rectified], rectify).rule).toBe('already-rectified');
    expect(refusal([...ready], { ...rectify, problemId: 'P9' }).kind).toBe('not-found');
    expect(refusal([...ready], { ...rectify, evidence: { text: ' ' } }).field).toBe('evidence.text');
    expect(refusal([...ready], { ...rectify, phase: 'pending' }).rule).toBe('phase-not-open');
  });
  it('verification passes (closed) or fails with a reason (reopened)', () => {
    const pass: SelfInspectionCommand = { kind: 'VerifyProblem', ...open, problemId: 'P1', result: 'passed' };
    expect(when([...ready, rectified], pass)).toEqual([
      {
        type: 'self-inspection.problem-verified',
        data: { subjectId: 'S', problemId: 'P1', result: 'passed', verifiedAt: NOW.toISOString() },
      },
    ]);
    const fail: SelfInspectionCommand = { ...pass, result: 'failed', reason: '证据不足' };
    const failed = when([...ready, rectified], fail);
    const state = fold(selfInspectionDecider, [...ready, rectified, ...failed]);
    expect(state.problems[0]).toMatchObject({ status: 'open', verification: { result: 'failed', reason: '证据不足' } });
    expect(refusal([...ready, rectified], { ...fail, reason: undefined }).field).toBe('reason');
    expect(refusal([...ready], pass).rule).toBe('not-rectified');
  });
});

describe('SignCommitment', () => {
  const sign: SelfInspectionCommand = {
    kind: 'SignCommitment',
    ...open,
    name: '张三',
    date: '2022-03-20',
    principalName: '张三',
  };
  it('is signed by the principal, dated today or earlier (CST)', () => {
    expect(when([started], sign)).toEqual([signed]);
    // 2022-03-20T17:00Z is already 03-21 in Shanghai
    expect(when([started], { ...sign, date: '2022-03-21' }, at('2022-03-20T17:00:00Z'))).toHaveLength(1);
    expect(when([started, signed], sign)).toEqual([]);
  });
  it('refuses another signer, a future date and a bad date', () => {
    expect(refusal([started], { ...sign, name: '李四' }).rule).toBe("must be the subject's principal");
    expect(refusal([started], { ...sign, date: '2022-03-21' }).rule).toBe('must not be in the future (Asia/Shanghai)');
    expect(refusal([started], { ...sign, date: '2022-13-01' }).field).toBe('date');
  });
});

describe('SubmitSelfInspection', () => {
  const submit: SelfInspectionCommand = { kind: 'SubmitSelfInspection', ...open, due: '2022-03-25' };
  it('submits on time up to the end of the due day in Asia/Shanghai, late from the next day', () => {
    const onTime = at('2022-03-25T15:59:59.999Z');
    expect(when(ready, submit, onTime)).toEqual([
      {
        type: 'self-inspection.submitted',
        data: { subjectId: 'S', submittedAt: '2022-03-25T15:59:59.999Z', due: '2022-03-25', late: false },
      },
    ]);
    const late = at('2022-03-25T16:00:00.000Z');
    expect(when(ready, submit, late)[0].data).toMatchObject({ late: true });
    expect(when(ready, { ...submit, due: null }, late)[0].data).toMatchObject({ late: false, due: null });
  });
  it.each([
    ['items are unanswered', [started, signed], 'unanswered-items'],
    ['a problem found is not listed', [started, allAnswered, signed], 'problems-not-listed'],
    ['the commitment is unsigned', [started, allAnswered, listed], 'commitment-unsigned'],
    ['it is already submitted', [...ready, submitted], 'submitted'],
  ])('refuses when %s', (_, given, rule) => {
    expect(refusal(given as SelfInspectionEvent[], submit).rule).toBe(rule);
  });
});

describe('review', () => {
  const returned: SelfInspectionEvent = {
    type: 'self-inspection.returned',
    data: { subjectId: 'S', returnedAt: NOW.toISOString(), reason: '整改措施不具体' },
  };
  it('accepts a submitted report', () => {
    expect(when([...ready, submitted], { kind: 'AcceptSelfInspection', ...open, comment: '同意' })).toEqual([
      { type: 'self-inspection.accepted', data: { subjectId: 'S', acceptedAt: NOW.toISOString(), comment: '同意' } },
    ]);
  });
  it('returns it with a reason; a returned report is edited and resubmitted', () => {
    expect(when([...ready, submitted], { kind: 'ReturnSelfInspection', ...open, reason: '整改措施不具体' })).toEqual([
      returned,
    ]);
    const edit = when([...ready, submitted, returned], {
      kind: 'AnswerSelfInspection',
      ...open,
      answers: [
        { itemCode: 'LYG2021-TI-03', problemPresent: false },
        { itemCode: 'LYG2021-TI-02', problemPresent: true, manifestation: '压缩培训学时 2 个班次' },
      ],
    });
    expect(edit).toHaveLength(1);
    const again = when(
      [...ready, submitted, returned, ...edit],
      { kind: 'SubmitSelfInspection', ...open, due: '2022-03-25' },
      at('2022-03-28T01:00:00Z'),
    );
    const state = fold(selfInspectionDecider, [...ready, submitted, returned, ...edit, ...again]);
    expect(state).toMatchObject({
      status: 'submitted',
      late: true,
      submissions: 2,
      returns: [{ reason: '整改措施不具体' }],
    });
  });
  it('refuses review of a report that is not submitted, and a return without reason', () => {
    expect(refusal(ready, { kind: 'AcceptSelfInspection', ...open }).rule).toBe('not-submitted');
    expect(
      refusal(
        [
          ...ready,
          submitted,
          { type: 'self-inspection.accepted', data: { subjectId: 'S', acceptedAt: NOW.toISOString() } },
        ],
        { kind: 'ReturnSelfInspection', ...open, reason: 'x' },
      ).rule,
    ).toBe('not-submitted');
    expect(refusal([...ready, submitted], { kind: 'ReturnSelfInspection', ...open, reason: ' ' }).field).toBe('reason');
    expect(refusal([...ready, submitted], { kind: 'AcceptSelfInspection', phase: 'pending' }).rule).toBe(
      'phase-not-open',
    );
  });
  it('an accepted report is final', () => {
    const accepted: SelfInspectionEvent = {
      type: 'self-inspection.accepted',
      data: { subjectId: 'S', acceptedAt: NOW.toISOString() },
    };
    expect(
      refusal([...ready, submitted, accepted], {
        kind: 'SignCommitment',
        ...open,
        name: '张三',
        date: '2022-03-20',
        principalName: '张三',
      }).rule,
    ).toBe('accepted');
  });
});
