import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import { VisitCommand, visitDecider, VisitEvent } from './district-visit.decider';
import { CQ2022_SE } from './rubric';
import { SelfEvaluationCommand, selfEvaluationDecider, SelfEvaluationEvent } from './self-evaluation.decider';
import {
  isSupervisorOf,
  SupervisionCommand,
  supervisionDecider,
  SupervisionEvent,
  SupervisionGroup,
} from './supervision.decider';

const NOW = '2022-08-10T02:00:00.000Z';
const ctx: DecideContext = { now: new Date(NOW), principal: { sub: 'u', role: 'city-admin', districts: [] } };
const DISTRICTS = ['500103', '500104', '500105'];

describe('supervision groups', () => {
  const group: SupervisionGroup = {
    groupNo: 1,
    name: '第一督查组',
    leader: { name: '组长', account: 'lead' },
    members: [{ name: '组员', account: 'm1' }],
    liaison: { name: '联络员' },
    districts: ['500103', '500104'],
  };
  const formed: SupervisionEvent = { type: 'supervision.group-formed', data: { campaignId: 'C', ...group } };
  const form = (g: Partial<SupervisionGroup> = {}): SupervisionCommand => ({
    kind: 'FormGroup',
    campaignId: 'C',
    campaignDistricts: DISTRICTS,
    group: { ...group, ...g },
  });
  const when = (given: SupervisionEvent[], c: SupervisionCommand) =>
    supervisionDecider.decide(c, fold(supervisionDecider, given), ctx);

  it('forms a group', () => expect(when([], form())).toEqual([formed]));
  it.each([
    ['the number is taken', [formed], form({ districts: ['500105'] }), 'already-exists'],
    ['a district already has a group', [formed], form({ groupNo: 2, districts: ['500104'] }), 'one-group-per-district'],
    ["a district is not the campaign's", [], form({ districts: ['500199'] }), 'must be a district of the campaign'],
    ['a district is listed twice', [], form({ districts: ['500103', '500103'] }), 'must be unique'],
    ['the leader has no name', [], form({ leader: { name: ' ' } }), 'must not be blank'],
  ])('refuses when %s', (_, given, c, rule) =>
    expect(refusalOf(() => when(given as SupervisionEvent[], c)).rule).toBe(rule),
  );

  it('reassigns a district as an event, and membership follows', () => {
    const second: SupervisionEvent = {
      type: 'supervision.group-formed',
      data: {
        campaignId: 'C',
        ...group,
        groupNo: 2,
        districts: ['500105'],
        leader: { name: '二组长', account: 'lead2' },
      },
    };
    const moved = when([formed, second], {
      kind: 'AssignDistrict',
      campaignDistricts: DISTRICTS,
      districtCode: '500104',
      groupNo: 2,
      reason: '工作调整',
    });
    expect(moved).toEqual([
      {
        type: 'supervision.district-reassigned',
        data: { campaignId: 'C', districtCode: '500104', fromGroup: 1, toGroup: 2, reason: '工作调整' },
      },
    ]);
    const s = fold(supervisionDecider, [formed, second, ...moved]);
    const sup = (sub: string) => ({ sub, role: 'supervisor' as const, districts: [] });
    expect(isSupervisorOf(s, sup('lead2'), '500104')).toBe(true);
    expect(isSupervisorOf(s, sup('lead'), '500104')).toBe(false);
    expect(isSupervisorOf(s, sup('m1'), '500103')).toBe(true);
    expect(isSupervisorOf(s, { ...sup('m1'), role: 'district-officer' }, '500103')).toBe(false);
    expect(
      when([formed, second, ...moved], {
        kind: 'AssignDistrict',
        campaignDistricts: DISTRICTS,
        districtCode: '500104',
        groupNo: 2,
        reason: 'x',
      }),
    ).toEqual([]);
    expect(
      refusalOf(() =>
        when([formed], {
          kind: 'AssignDistrict',
          campaignDistricts: DISTRICTS,
          districtCode: '500104',
          groupNo: 9,
          reason: 'x',
        }),
      ).kind,
    ).toBe('not-found');
    expect(
      refusalOf(() =>
        when([formed], {
          kind: 'AssignDistrict',
          campaignDistricts: DISTRICTS,
          districtCode: '500104',
          groupNo: 1,
          reason: ' ',
        }),
      ).field,
    ).toBe('reason');
  });
});

describe('district visits and spot checks', () => {
  const open = { phase: 'open' as const };
  const visit: VisitCommand = {
    kind: 'RecordVisit',
    ...open,
    visitId: 'V',
    campaignId: 'C',
    districtCode: '500103',
    groupNo: 1,
    visitedOn: '2022-08-09',
    supervisors: ['组长', '组员'],
  };
  const recorded: VisitEvent = {
    type: 'cross-check.visit-recorded',
    data: {
      visitId: 'V',
      campaignId: 'C',
      districtCode: '500103',
      groupNo: 1,
      visitedOn: '2022-08-09',
      supervisors: ['组长', '组员'],
      summary: null,
      recordedAt: NOW,
    },
  };
  const subject = { subjectId: 'S', name: '某培训机构', type: 'training-institution' as const, districtCode: '500103' };
  const check = (over: object = {}): VisitCommand => ({
    kind: 'RecordSpotCheck',
    ...open,
    subject,
    check: {
      spotCheckId: 'K',
      checkedOn: '2022-08-09',
      violationFound: true,
      violationUnpunished: false,
      findings: '培训档案缺失',
      itemCodes: ['CQ2022-TI-03'],
      ...over,
    },
  });
  const when = (given: VisitEvent[], c: VisitCommand) => visitDecider.decide(c, fold(visitDecider, given), ctx);

  it('records a visit and a spot check', () => {
    expect(when([], visit)).toEqual([recorded]);
    expect(when([recorded], check())).toEqual([
      {
        type: 'cross-check.spot-checked',
        data: {
          visitId: 'V',
          recordedAt: NOW,
          spotCheckId: 'K',
          checkedOn: '2022-08-09',
          violationFound: true,
          violationUnpunished: false,
          findings: '培训档案缺失',
          itemCodes: ['CQ2022-TI-03'],
          subjectId: 'S',
          subjectName: '某培训机构',
          subjectType: 'training-institution',
        },
      },
    ]);
  });
  const checked = (): VisitEvent => when([recorded], check())[0];
  it.each([
    ['cross-check is not open', [], { ...visit, phase: 'pending' }, 'phase-not-open'],
    ['the visit exists', [recorded], visit, 'already-exists'],
    [
      'the visit is in the future',
      [],
      { ...visit, visitedOn: '2022-08-11' },
      'must not be in the future (Asia/Shanghai)',
    ],
    ['a supervisor name is blank', [], { ...visit, supervisors: [' '] }, 'must not contain blank names'],
    [
      'the subject is in another district',
      [recorded],
      { ...check(), subject: { ...subject, districtCode: '500104' } },
      'must be a subject of the visited district',
    ],
    ['the subject was checked on this visit', 'checked', check(), 'already-checked'],
    ['a violation has no findings', [recorded], check({ findings: ' ' }), 'is required when a violation is found'],
    ['the check predates the visit', [recorded], check({ checkedOn: '2022-08-01' }), 'must not be before the visit'],
  ])('refuses when %s', (_, given, c, rule) => {
    const history = given === 'checked' ? [recorded, checked()] : (given as VisitEvent[]);
    expect(refusalOf(() => when(history, c as VisitCommand)).rule).toBe(rule);
  });
  it('refuses a spot check without a visit', () => expect(refusalOf(() => when([], check())).kind).toBe('not-found'));
});

describe('self-evaluation', () => {
  const phase = { phase: 'open' as const };
  const declaredItems = [1, 2, 3, 6, 7, 9, 10, 14, 15].map((item) => ({
    item,
    points: 5,
    evidence: [`渝应急〔2022〕${item}号`],
  }));
  const declare = (items = declaredItems): SelfEvaluationCommand => ({
    kind: 'DeclareItems',
    ...phase,
    campaignId: 'C',
    districtCode: '500103',
    rubric: { rubricId: 'CQ2022-SE', version: 1 },
    items,
  });
  const when = (given: SelfEvaluationEvent[], c: SelfEvaluationCommand) =>
    selfEvaluationDecider.decide(c, fold(selfEvaluationDecider, given), ctx);
  const declared = when([], declare());
  const file = (fileId: string, name: string, mediaType: string) => ({
    fileId,
    sha256: 'a'.repeat(64),
    size: 1024,
    mediaType,
    name,
  });
  const files = {
    stampedScan: file('f1', '自评表（盖章）.pdf', 'application/pdf'),
    electronicFile: file('f2', '自评表.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
  };
  const submitted = when(declared, { kind: 'SubmitEvaluation', ...phase, due: '2022-08-15', files });
  const reviews = [1, 2, 3, 6, 7, 9, 10, 15].map((item) => ({ item, decision: 'confirm' as const }));
  const reviewed = when([...declared, ...submitted], {
    kind: 'ReviewItems',
    ...phase,
    groupNo: 1,
    reviews: [...reviews, { item: 14, decision: 'adjust', points: 6, reason: '总结报告未按时报送' }],
  });

  it('declares, submits on time, is reviewed and finalised with the computed items frozen', () => {
    expect(declared[0]).toMatchObject({
      type: 'self-evaluation.items-declared',
      data: { rubricId: 'CQ2022-SE', rubricVersion: 1, items: declaredItems },
    });
    expect(submitted).toEqual([
      {
        type: 'self-evaluation.submitted',
        data: { campaignId: 'C', districtCode: '500103', submittedAt: NOW, due: '2022-08-15', late: false, ...files },
      },
    ]);
    expect(fold(selfEvaluationDecider, [...declared, ...submitted]).files).toEqual(files);
    const computed = [4, 5, 8, 11, 12, 13].map((item) => ({
      item,
      max: CQ2022_SE.items[item - 1].max,
      raw: 1,
      points: 1,
      evidence: [],
    }));
    const [final] = when([...declared, ...submitted, ...reviewed], {
      kind: 'FinaliseEvaluation',
      ...phase,
      groupNo: 1,
      computed,
      asOf: NOW,
    });
    expect(final.type).toBe('self-evaluation.finalised');
    expect(final.data).toMatchObject({ total: 8 * 5 + 6 + 6, declared: { 14: 6, 1: 5 } });
  });
  it('records a submission after the due day as late', () => {
    const late = selfEvaluationDecider.decide(
      { kind: 'SubmitEvaluation', ...phase, due: '2022-08-09', files },
      fold(selfEvaluationDecider, declared),
      ctx,
    );
    expect(late[0].data).toMatchObject({ late: true });
  });
  it.each([
    ['stampedScan', { electronicFile: files.electronicFile }],
    ['electronicFile', { stampedScan: files.stampedScan }],
  ])('refuses a submission without the %s the rubric asks for (表格盖章扫描件和电子件)', (field, given) => {
    const refusal = refusalOf(() =>
      when(declared, { kind: 'SubmitEvaluation', ...phase, due: '2022-08-15', files: given }),
    );
    expect([refusal.kind, refusal.field, refusal.rule]).toEqual(['invalid', field, 'required by the rubric']);
  });
  const finalised = (): SelfEvaluationEvent[] => [
    ...declared,
    ...submitted,
    ...reviewed,
    ...when([...declared, ...submitted, ...reviewed], {
      kind: 'FinaliseEvaluation',
      ...phase,
      groupNo: 1,
      computed: [],
      asOf: NOW,
    }),
  ];
  it.each([
    ['cross-check has not started', [], { ...declare(), phase: 'pending' }, 'phase-not-open'],
    [
      'a computed item is declared',
      [],
      declare([{ item: 4, points: 5, evidence: ['x'] }]),
      'must be a declared item of the rubric',
    ],
    [
      'points exceed the item',
      [],
      declare([{ item: 14, points: 11, evidence: ['x'] }]),
      'must be between 0 and 10 in half points',
    ],
    [
      'points are negative',
      [],
      declare([{ item: 1, points: -1, evidence: ['x'] }]),
      'must be between 0 and 5 in half points',
    ],
    [
      'points are claimed without evidence',
      [],
      declare([{ item: 1, points: 5, evidence: [] }]),
      'must name the supporting documents when points are claimed',
    ],
    [
      'an item is declared twice',
      [],
      declare([
        { item: 1, points: 1, evidence: ['x'] },
        { item: 1, points: 2, evidence: ['y'] },
      ]),
      'must be unique',
    ],
    ['it is already submitted', 'submitted', declare(), 'submitted'],
    [
      'items are missing at submission',
      'partial',
      { kind: 'SubmitEvaluation', ...phase, due: null },
      'items-undeclared',
    ],
    [
      'review comes before submission',
      'declared',
      { kind: 'ReviewItems', ...phase, groupNo: 1, reviews },
      'not-submitted',
    ],
    [
      'an adjustment has no reason',
      'submitted',
      { kind: 'ReviewItems', ...phase, groupNo: 1, reviews: [{ item: 1, decision: 'adjust', points: 2 }] },
      'is required to adjust an item',
    ],
    [
      'a confirmation carries points',
      'submitted',
      { kind: 'ReviewItems', ...phase, groupNo: 1, reviews: [{ item: 1, decision: 'confirm', points: 2 }] },
      'is given only to adjust an item',
    ],
    [
      'an item is left unreviewed',
      'partly-reviewed',
      { kind: 'FinaliseEvaluation', ...phase, groupNo: 1, computed: [], asOf: NOW },
      'review-incomplete',
    ],
    ['it is finalised', 'finalised', { kind: 'ReviewItems', ...phase, groupNo: 1, reviews }, 'finalised'],
  ])('refuses when %s', (_, given, c, rule) => {
    const histories: Record<string, SelfEvaluationEvent[]> = {
      submitted: [...declared, ...submitted],
      declared,
      partial: when([], declare(declaredItems.slice(1))),
      'partly-reviewed': [
        ...declared,
        ...submitted,
        ...when([...declared, ...submitted], { kind: 'ReviewItems', ...phase, groupNo: 1, reviews }),
      ],
      finalised: finalised(),
    };
    const history = typeof given === 'string' ? histories[given] : (given as SelfEvaluationEvent[]);
    expect(refusalOf(() => when(history, c as SelfEvaluationCommand)).rule).toBe(rule);
  });
});
