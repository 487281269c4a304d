import type { SubjectType } from '../domain';
import type { MonthlyFact } from '../reporting';

/**
 * The district self-evaluation rubric (自评细则, Chongqing 2022 Annex 6, domain.md §6) as a versioned template,
 * and the pure computation of the items the campaign's own events decide: 4, 5, 8, 11, 12, 13 and the bonus 16.
 * Every deduction stops at zero per item (扣完为止); the bonus is capped.
 */

export interface RubricSection {
  no: number;
  title: string;
  max: number;
}
export interface RubricItem {
  no: number;
  section: number;
  title: string;
  max: number;
  /** computed from the campaign's events; the others are declared by the district and reviewed by its group */
  computed: boolean;
  /** a bonus item adds points (up to max) instead of deducting from max */
  bonus?: boolean;
}
export interface Rubric {
  rubricId: string;
  version: number;
  title: string;
  sections: RubricSection[];
  items: RubricItem[];
  /** files a submission must carry: the stamped scan of the form and its electronic file (表格盖章扫描件和电子件) */
  submission?: { stampedScan: boolean; electronicFile: boolean };
}

const item = (
  no: number,
  section: number,
  max: number,
  title: string,
  computed = false,
  bonus = false,
): RubricItem => ({ no, section, max, title, computed, ...(bonus ? { bonus } : {}) });

export const CQ2022_SE: Rubric = {
  submission: { stampedScan: true, electronicFile: true },
  rubricId: 'CQ2022-SE',
  version: 1,
  title: '重庆市安全生产培训“走过场”专项整治工作自评细则',
  sections: [
    { no: 1, title: '部署和推进', max: 10 },
    { no: 2, title: '自查自改', max: 10 },
    { no: 3, title: '执法检查', max: 20 },
    { no: 4, title: '督导检查', max: 10 },
    { no: 5, title: '宣传曝光', max: 10 },
    { no: 6, title: '行政处罚', max: 10 },
    { no: 7, title: '每月调度', max: 15 },
    { no: 8, title: '建立长效机制', max: 15 },
    { no: 9, title: '加分项', max: 5 },
  ],
  items: [
    item(1, 1, 5, '正式印发专项整治工作方案'),
    item(2, 1, 5, '定期召开工作推进调度会议'),
    item(3, 2, 5, '摸排培训机构、考试机构和考点底数准确，建有机构基础台账'),
    item(4, 2, 5, '督促指导机构完成全覆盖自查自改：每一家未完成的扣1分', true),
    item(5, 3, 10, '执法检查覆盖率100%：每一家未检查的扣1分；未做到“一机构一表单”的扣5分', true),
    item(6, 3, 5, '对高危行业生产经营单位开展专项检查'),
    item(7, 3, 5, '对不合格机构停业整顿、取消资格'),
    item(8, 4, 10, '督导抽查发现违法违规行为或未依法严格处罚的，每一家扣2分', true),
    item(9, 5, 5, '主流媒体宣传报道'),
    item(10, 5, 5, '典型案例媒体曝光'),
    item(11, 6, 5, '对培训机构检查处罚率为零的扣5分', true),
    item(12, 6, 5, '考试机构问题不整改落实的每一项扣2分；考试点未完成升级达标或整改验收的每一项扣3分', true),
    item(13, 7, 15, '月度报送不准时、迟报的一次扣2分，两次及以上扣5分；不报送的每次扣5分', true),
    item(14, 8, 10, '形成书面总结报告并按时报送'),
    item(15, 8, 5, '任务清单未完成的每一项扣1分'),
    item(16, 9, 5, '材料被全市采纳每次加1分，被应急部采纳每次加2分，最多加5分', true, true),
  ],
};

export const RUBRICS: Rubric[] = [CQ2022_SE];

export function rubricOf(rubricId: string, version?: number): Rubric | undefined {
  const versions = RUBRICS.filter((r) => r.rubricId === rubricId).sort((a, b) => b.version - a.version);
  return version === undefined ? versions[0] : versions.find((r) => r.version === version);
}

export const declaredItems = (r: Rubric) => r.items.filter((i) => !i.computed);

// ---- facts: what the read models say about one district --------------------------------------------------

export type SelfCorrectionStatus = 'in-progress' | 'submitted' | 'returned' | 'accepted';
export interface SubjectFact {
  subjectId: string;
  name: string;
  type: SubjectType;
  /** null: never started */
  selfCorrection: SelfCorrectionStatus | null;
  inspections: { inspectionId: string; status: 'scheduled' | 'conducted' | 'completed' }[];
  penalties: number;
}
export interface ProblemFact {
  problemId: string;
  subjectId: string;
  subjectName: string;
  subjectType: SubjectType;
  itemCode: string;
  status: 'open' | 'rectified' | 'verified';
}
export interface SpotCheckFact {
  visitId: string;
  subjectId: string;
  subjectName: string;
  violationFound: boolean;
  violationUnpunished: boolean;
}
export interface AdoptionFact {
  caseId: string;
  title: string;
  level: 'city' | 'ministry';
}
export interface DistrictFacts {
  /** active subjects of the district */
  subjects: SubjectFact[];
  problems: ProblemFact[];
  spotChecks: SpotCheckFact[];
  monthly: MonthlyFact[];
  adoptions: AdoptionFact[];
}

/** One reason a computed item lost (or, for the bonus, gained) points, naming what produced it. */
export interface Evidence {
  /** subject | inspection | problem | monthly-report | case */
  kind: string;
  ref: string;
  label: string;
  rule: string;
  points: number;
}
export interface ComputedItem {
  item: number;
  max: number;
  /** points before the floor (deductions) or the cap (bonus) */
  raw: number;
  points: number;
  evidence: Evidence[];
}

/** The institutions of domain.md §6 §2–3: training institutions, exam bodies and exam sites. */
const INSTITUTION_TYPES: SubjectType[] = ['training-institution', 'exam-institution', 'exam-site'];

function deduct(rubric: Rubric, no: number, evidence: Evidence[]): ComputedItem {
  const max = rubric.items.find((i) => i.no === no)!.max;
  const raw = max - evidence.reduce((a, e) => a + e.points, 0);
  return { item: no, max, raw, points: Math.max(0, raw), evidence };
}

const subjectEvidence = (s: SubjectFact, rule: string, points: number): Evidence => ({
  kind: 'subject',
  ref: s.subjectId,
  label: s.name,
  rule,
  points,
});

/**
 * Item 4: −1 per institution that has not completed self-correction (submitted or accepted). A district with no
 * institutions keeps a ledger of production units instead (Annex 6), so its production units count.
 */
export function item4(r: Rubric, f: DistrictFacts): ComputedItem {
  const institutions = f.subjects.filter((s) => INSTITUTION_TYPES.includes(s.type));
  const counted = institutions.length ? institutions : f.subjects.filter((s) => s.type === 'production-unit');
  const done = (s: SubjectFact) => s.selfCorrection === 'submitted' || s.selfCorrection === 'accepted';
  return deduct(
    r,
    4,
    counted
      .filter((s) => !done(s))
      .map((s) =>
        subjectEvidence(s, s.selfCorrection ? `self-correction-${s.selfCorrection}` : 'self-correction-not-started', 1),
      ),
  );
}

/**
 * Item 5: −1 per institution never inspected (no inspection conducted), −5 once if any visit was conducted
 * without its one form completed ("一机构一表单").
 */
export function item5(r: Rubric, f: DistrictFacts): ComputedItem {
  const institutions = f.subjects.filter((s) => INSTITUTION_TYPES.includes(s.type));
  const evidence: Evidence[] = institutions
    .filter((s) => !s.inspections.some((i) => i.status !== 'scheduled'))
    .map((s) => subjectEvidence(s, 'not-inspected', 1));
  const breaches = institutions.flatMap((s) =>
    s.inspections.filter((i) => i.status === 'conducted').map((i) => ({ s, i })),
  );
  breaches.forEach(({ s, i }, n) =>
    evidence.push({
      kind: 'inspection',
      ref: i.inspectionId,
      label: s.name,
      rule: 'one-form-not-completed',
      points: n === 0 ? 5 : 0,
    }),
  );
  return deduct(r, 5, evidence);
}

/** Item 8: −2 per spot-checked unit found with violations, or with violations not punished. */
export function item8(r: Rubric, f: DistrictFacts): ComputedItem {
  const seen = new Map<string, SpotCheckFact>();
  for (const c of f.spotChecks)
    if ((c.violationFound || c.violationUnpunished) && !seen.has(c.subjectId)) seen.set(c.subjectId, c);
  return deduct(
    r,
    8,
    [...seen.values()].map((c) => ({
      kind: 'subject',
      ref: c.subjectId,
      label: c.subjectName,
      rule: c.violationUnpunished ? 'violation-unpunished' : 'violation-found',
      points: 2,
    })),
  );
}

/** Item 11: −5 when the district has training institutions and none of them was penalised (penalty rate zero). */
export function item11(r: Rubric, f: DistrictFacts): ComputedItem {
  const ti = f.subjects.filter((s) => s.type === 'training-institution');
  const zero = ti.length > 0 && ti.every((s) => s.penalties === 0);
  return deduct(
    r,
    11,
    zero
      ? [
          {
            kind: 'district',
            ref: 'training-institutions',
            label: `${ti.length} 家培训机构，处罚 0 家`,
            rule: 'penalty-rate-zero',
            points: 5,
          },
        ]
      : [],
  );
}

/** Item 12: −2 per exam-body problem not rectified, −3 per exam site with a problem not verified (整改验收). */
export function item12(r: Rubric, f: DistrictFacts): ComputedItem {
  const evidence: Evidence[] = f.problems
    .filter((p) => p.subjectType === 'exam-institution' && p.status === 'open')
    .map((p) => ({
      kind: 'problem',
      ref: p.problemId,
      label: `${p.subjectName} ${p.itemCode}`,
      rule: 'exam-body-problem-not-rectified',
      points: 2,
    }));
  const sites = new Map<string, ProblemFact>();
  for (const p of f.problems)
    if (p.subjectType === 'exam-site' && p.status !== 'verified' && !sites.has(p.subjectId)) sites.set(p.subjectId, p);
  for (const p of sites.values())
    evidence.push({
      kind: 'subject',
      ref: p.subjectId,
      label: p.subjectName,
      rule: 'exam-site-not-verified',
      points: 3,
    });
  return deduct(r, 12, evidence);
}

/** Item 13: late reports −2 once, −5 for two or more (in all); each report never submitted −5. */
export function item13(r: Rubric, f: DistrictFacts): ComputedItem {
  const late = f.monthly.filter((m) => m.status === 'late');
  const evidence: Evidence[] = late.map((m, n) => ({
    kind: 'monthly-report',
    ref: m.month,
    label: `${m.month} 月报`,
    rule: 'late',
    points: n === 0 ? 2 : n === 1 ? 3 : 0,
  }));
  for (const m of f.monthly.filter((x) => x.status === 'missing')) {
    evidence.push({ kind: 'monthly-report', ref: m.month, label: `${m.month} 月报`, rule: 'missing', points: 5 });
  }
  return deduct(r, 13, evidence);
}

/** Item 16 (bonus): +1 per adoption by the city, +2 per adoption by the Ministry, at most +5. */
export function item16(r: Rubric, f: DistrictFacts): ComputedItem {
  const max = r.items.find((i) => i.no === 16)!.max;
  const evidence = f.adoptions.map((a) => ({
    kind: 'case',
    ref: a.caseId,
    label: a.title,
    rule: `adopted-${a.level}`,
    points: a.level === 'ministry' ? 2 : 1,
  }));
  const raw = evidence.reduce((a, e) => a + e.points, 0);
  return { item: 16, max, raw, points: Math.min(max, raw), evidence };
}

export function computeItems(r: Rubric, f: DistrictFacts): ComputedItem[] {
  return [item4(r, f), item5(r, f), item8(r, f), item11(r, f), item12(r, f), item13(r, f), item16(r, f)];
}

// ---- the score card ---------------------------------------------------------------------------------------

export interface ItemScore {
  item: number;
  section: number;
  max: number;
  points: number | null;
  source: 'computed' | 'declared' | 'reviewed';
}
export interface ScoreCard {
  items: ItemScore[];
  sections: { section: number; max: number; points: number }[];
  /** null until every item has points */
  total: number | null;
  /** points so far (undeclared items count 0) */
  partial: number;
}

/** Sums a district's items into section totals and a total; `declared` holds the final points of declared items. */
export function scoreCard(
  r: Rubric,
  computed: ComputedItem[],
  declared: Record<number, { points: number; source: 'declared' | 'reviewed' }>,
): ScoreCard {
  const items: ItemScore[] = r.items.map((i) => {
    if (i.computed)
      return {
        item: i.no,
        section: i.section,
        max: i.max,
        points: computed.find((c) => c.item === i.no)!.points,
        source: 'computed',
      };
    const d = declared[i.no];
    return { item: i.no, section: i.section, max: i.max, points: d ? d.points : null, source: d?.source ?? 'declared' };
  });
  const sections = r.sections.map((s) => ({
    section: s.no,
    max: s.max,
    points: items.filter((i) => i.section === s.no).reduce((a, i) => a + (i.points ?? 0), 0),
  }));
  const partial = sections.reduce((a, s) => a + s.points, 0);
  return { items, sections, total: items.every((i) => i.points !== null) ? partial : null, partial };
}

/** Competition ranking (1, 2, 2, 4) by total, highest first; districts without a total are unranked. */
export function rank<T extends { total: number | null }>(rows: T[]): (T & { rank: number | null })[] {
  const totals = rows.map((r) => r.total).filter((t): t is number => t !== null);
  return rows.map((r) => ({ ...r, rank: r.total === null ? null : 1 + totals.filter((t) => t > r.total!).length }));
}
