import {
  computeItems,
  CQ2022_SE,
  DistrictFacts,
  item12,
  item13,
  item16,
  item4,
  item5,
  item8,
  item11,
  rank,
  scoreCard,
  SubjectFact,
} from './rubric';

const r = CQ2022_SE;
const subject = (n: number, type: SubjectFact['type'], over: Partial<SubjectFact> = {}): SubjectFact => ({
  subjectId: `s${n}`,
  name: `单位${n}`,
  type,
  selfCorrection: 'submitted',
  inspections: [{ inspectionId: `i${n}`, status: 'completed' }],
  penalties: 1,
  ...over,
});
const facts = (over: Partial<DistrictFacts> = {}): DistrictFacts => ({
  subjects: [],
  problems: [],
  spotChecks: [],
  monthly: [],
  adoptions: [],
  ...over,
});

describe('the rubric template (Annex 6)', () => {
  it('has 16 items in 9 sections; sections 1–8 sum to 100 and the bonus is at most 5', () => {
    expect(r.items).toHaveLength(16);
    expect(r.sections.filter((s) => s.no <= 8).reduce((a, s) => a + s.max, 0)).toBe(100);
    for (const s of r.sections)
      expect(r.items.filter((i) => i.section === s.no).reduce((a, i) => a + i.max, 0)).toBe(s.max);
    expect(r.items.filter((i) => i.computed).map((i) => i.no)).toEqual([4, 5, 8, 11, 12, 13, 16]);
  });
});

describe('item 4: self-correction completed by every institution', () => {
  it('deducts 1 per institution not submitted (returned and in-progress included), naming each', () => {
    const f = facts({
      subjects: [
        subject(1, 'training-institution'),
        subject(2, 'training-institution', { selfCorrection: 'returned' }),
        subject(3, 'exam-site', { selfCorrection: null }),
        subject(4, 'exam-institution', { selfCorrection: 'accepted' }),
        subject(5, 'production-unit', { selfCorrection: null }),
      ],
    });
    const i = item4(r, f);
    expect(i.points).toBe(3);
    expect(i.evidence.map((e) => [e.ref, e.rule])).toEqual([
      ['s2', 'self-correction-returned'],
      ['s3', 'self-correction-not-started'],
    ]);
  });
  it('floors at zero (7 missing of max 5)', () => {
    const f = facts({
      subjects: Array.from({ length: 7 }, (_, n) =>
        subject(n, 'training-institution', { selfCorrection: 'in-progress' }),
      ),
    });
    expect(item4(r, f)).toMatchObject({ raw: -2, points: 0 });
  });
  it('counts production units when the district has no institutions', () => {
    const f = facts({
      subjects: [subject(1, 'production-unit', { selfCorrection: null }), subject(2, 'production-unit')],
    });
    expect(item4(r, f).points).toBe(4);
  });
});

describe('item 5: inspection coverage and one form', () => {
  it('deducts 1 per institution never inspected and 5 once for visits without their completed form', () => {
    const f = facts({
      subjects: [
        subject(1, 'training-institution', { inspections: [] }),
        subject(2, 'exam-site', { inspections: [{ inspectionId: 'i2', status: 'scheduled' }] }),
        subject(3, 'exam-institution', { inspections: [{ inspectionId: 'i3', status: 'conducted' }] }),
        subject(4, 'training-institution', { inspections: [{ inspectionId: 'i4', status: 'conducted' }] }),
        subject(5, 'production-unit', { inspections: [] }),
      ],
    });
    const i = item5(r, f);
    expect(i.points).toBe(10 - 2 - 5);
    expect(i.evidence.map((e) => [e.ref, e.rule, e.points])).toEqual([
      ['s1', 'not-inspected', 1],
      ['s2', 'not-inspected', 1],
      ['i3', 'one-form-not-completed', 5],
      ['i4', 'one-form-not-completed', 0],
    ]);
  });
  it('floors at zero', () => {
    const f = facts({
      subjects: Array.from({ length: 7 }, (_, n) =>
        subject(n, 'exam-site', { inspections: n ? [] : [{ inspectionId: 'x', status: 'conducted' }] }),
      ),
    });
    expect(item5(r, f)).toMatchObject({ raw: -1, points: 0 });
  });
});

describe('item 8: supervision spot checks', () => {
  it('deducts 2 per unit with a violation or an unpunished one, once per unit', () => {
    const f = facts({
      spotChecks: [
        { visitId: 'v1', subjectId: 'a', subjectName: 'A', violationFound: true, violationUnpunished: false },
        { visitId: 'v2', subjectId: 'a', subjectName: 'A', violationFound: true, violationUnpunished: true },
        { visitId: 'v1', subjectId: 'b', subjectName: 'B', violationFound: false, violationUnpunished: true },
        { visitId: 'v1', subjectId: 'c', subjectName: 'C', violationFound: false, violationUnpunished: false },
      ],
    });
    expect(item8(r, f)).toMatchObject({
      points: 6,
      evidence: [
        { ref: 'a', rule: 'violation-found' },
        { ref: 'b', rule: 'violation-unpunished' },
      ],
    });
  });
  it('floors at zero with six bad units', () => {
    const spotChecks = Array.from({ length: 6 }, (_, n) => ({
      visitId: 'v',
      subjectId: `u${n}`,
      subjectName: 'U',
      violationFound: true,
      violationUnpunished: false,
    }));
    expect(item8(r, facts({ spotChecks }))).toMatchObject({ raw: -2, points: 0 });
  });
});

describe('item 11: penalty rate on training institutions', () => {
  it('deducts 5 when no training institution was penalised', () => {
    expect(
      item11(
        r,
        facts({
          subjects: [subject(1, 'training-institution', { penalties: 0 }), subject(2, 'exam-site', { penalties: 3 })],
        }),
      ).points,
    ).toBe(0);
  });
  it('keeps 5 when one was', () => {
    expect(
      item11(
        r,
        facts({ subjects: [subject(1, 'training-institution', { penalties: 0 }), subject(2, 'training-institution')] }),
      ).points,
    ).toBe(5);
  });
  it('keeps 5 for a district with no training institutions (no rate to be zero)', () => {
    expect(item11(r, facts({ subjects: [subject(1, 'production-unit', { penalties: 0 })] })).points).toBe(5);
  });
});

describe('item 12: exam bodies and exam sites', () => {
  const p = (
    id: string,
    subjectId: string,
    subjectType: 'exam-institution' | 'exam-site',
    status: 'open' | 'rectified' | 'verified',
  ) => ({ problemId: id, subjectId, subjectName: subjectId, subjectType, itemCode: 'X', status });
  it('deducts 2 per open exam-body problem and 3 per exam site with an unverified problem; floors at zero', () => {
    expect(
      item12(
        r,
        facts({
          problems: [p('p1', 'ei', 'exam-institution', 'open'), p('p2', 'ei', 'exam-institution', 'rectified')],
        }),
      ).points,
    ).toBe(3);
    expect(
      item12(
        r,
        facts({
          problems: [
            p('p3', 'es', 'exam-site', 'rectified'),
            p('p4', 'es', 'exam-site', 'open'),
            p('p5', 'es2', 'exam-site', 'verified'),
          ],
        }),
      ).points,
    ).toBe(2);
    expect(
      item12(r, facts({ problems: [p('p1', 'ei', 'exam-institution', 'open'), p('p3', 'es', 'exam-site', 'open')] })),
    ).toMatchObject({ raw: 0, points: 0 });
    expect(
      item12(
        r,
        facts({
          problems: [
            p('p1', 'ei', 'exam-institution', 'open'),
            p('p6', 'ei', 'exam-institution', 'open'),
            p('p3', 'es', 'exam-site', 'open'),
          ],
        }),
      ),
    ).toMatchObject({ raw: -2, points: 0 });
  });
});

describe('item 13: monthly reporting', () => {
  const m = (...s: ('on-time' | 'late' | 'missing' | 'pending')[]) =>
    facts({ monthly: s.map((status, n) => ({ month: `2022-0${n + 4}`, status })) });
  it.each([
    [['on-time', 'on-time', 'pending'], 15],
    [['late', 'on-time'], 13],
    [['late', 'late'], 10],
    [['late', 'late', 'late'], 10],
    [['missing', 'on-time'], 10],
    [['late', 'missing'], 8],
    [['missing', 'missing', 'missing', 'late'], 0],
  ] as const)('%j scores %d', (statuses, points) => {
    expect(item13(r, m(...statuses)).points).toBe(points);
  });
});

describe('item 16: adoptions bonus', () => {
  it('adds 1 per city adoption and 2 per ministry adoption, capped at 5', () => {
    const a = (level: 'city' | 'ministry', n: number) => ({ caseId: `c${n}`, title: 't', level });
    expect(item16(r, facts({ adoptions: [a('city', 1), a('ministry', 2)] })).points).toBe(3);
    expect(item16(r, facts({ adoptions: [a('ministry', 1), a('ministry', 2), a('city', 3)] }))).toMatchObject({
      raw: 5,
      points: 5,
    });
    expect(item16(r, facts({ adoptions: [a('ministry', 1), a('ministry', 2), a('ministry', 3)] }))).toMatchObject({
      raw: 6,
      points: 5,
    });
  });
});

describe('the score card', () => {
  it('sums sections and the total once every declared item has points, and ranks 1, 2, 2, 4', () => {
    const computed = computeItems(r, facts());
    const declared = Object.fromEntries(
      [1, 2, 3, 6, 7, 9, 10, 14, 15].map((n) => [
        n,
        { points: n === 14 ? 8 : r.items[n - 1].max, source: 'declared' as const },
      ]),
    );
    const card = scoreCard(r, computed, declared);
    expect(card.sections.map((s) => s.points)).toEqual([10, 10, 20, 10, 10, 10, 15, 13, 0]);
    expect(card.total).toBe(98);
    expect(scoreCard(r, computed, {}).total).toBeNull();
    expect(
      rank([{ total: 90 }, { total: 95 }, { total: 90 }, { total: 80 }, { total: null }]).map((x) => x.rank),
    ).toEqual([2, 1, 2, 4, null]);
  });
});
