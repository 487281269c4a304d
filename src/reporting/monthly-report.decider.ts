import type { CampaignState } from '../campaigns';
import { lateFrom } from '../shared/dates';
import { Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';

/** A district's monthly report for one month, as the timeliness matrix and the rubric see it. */
export type MonthlyStatus = 'on-time' | 'late' | 'missing' | 'pending';
export interface MonthlyFact {
  month: string;
  status: MonthlyStatus;
}

/**
 * 每月调度: each district bureau's report on one month's work, one stream per (campaign, district, month). The
 * figures are pre-filled from the read models; a district may edit them, with a note saying why. A report is
 * on time or late by its first submission; later amendments keep that.
 */

/** A campaign deadline `monthly-report-YYYY-MM` is the report due in that month, covering the month before. */
export const MONTHLY_KEY = /^monthly-report-(\d{4})-(\d{2})$/;

export interface MonthlyObligation {
  /** the month reported on, YYYY-MM */
  month: string;
  key: string;
  due: string;
}

const previousMonth = (y: number, m: number) => (m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`);

/** The months a campaign asks reports for, in order. */
export function monthlyObligations(c: Pick<CampaignState, 'deadlines'>): MonthlyObligation[] {
  return c.deadlines
    .flatMap((d) => {
      const m = MONTHLY_KEY.exec(d.key);
      return m && d.owedBy === 'district-bureau'
        ? [{ month: previousMonth(Number(m[1]), Number(m[2])), key: d.key, due: d.due }]
        : [];
    })
    .sort((a, b) => a.month.localeCompare(b.month));
}

/** on time / late by the first submission; missing once the due day has passed with nothing; pending before. */
export function monthlyStatus(
  report: { submittedAt: string | null; late: boolean } | undefined,
  due: string,
  now: Date,
): MonthlyStatus {
  if (report?.submittedAt) return report.late ? 'late' : 'on-time';
  return now.getTime() >= lateFrom(due).getTime() ? 'missing' : 'pending';
}

/** Every district's status for every month the campaign asks for, given its reports' states. */
export function timeliness(
  campaign: Pick<CampaignState, 'deadlines' | 'districts'>,
  reports: Pick<MonthlyReportState, 'districtCode' | 'month' | 'submittedAt' | 'late'>[],
  now: Date,
): Map<string, MonthlyFact[]> {
  const byKey = new Map(reports.map((r) => [`${r.districtCode}|${r.month}`, r]));
  const months = monthlyObligations(campaign);
  return new Map(
    campaign.districts.map((d) => [
      d.code,
      months.map((m) => ({ month: m.month, status: monthlyStatus(byKey.get(`${d.code}|${m.month}`), m.due, now) })),
    ]),
  );
}

export interface MonthlyFigures {
  inspections: number;
  penalties: number;
  finesCny: number;
  cases: number;
}
export const FIGURE_KEYS: (keyof MonthlyFigures)[] = ['inspections', 'penalties', 'finesCny', 'cases'];

export interface SubmitMonthlyReport {
  kind: 'SubmitMonthlyReport';
  campaignId: string;
  districtCode: string;
  obligation: MonthlyObligation | null;
  month: string;
  /** what the read models say for the month, computed by the caller */
  prefilled: MonthlyFigures;
  figures: MonthlyFigures;
  note?: string;
}
export type MonthlyReportCommand = SubmitMonthlyReport;

type E<T extends string, D> = DomainEvent<T, { campaignId: string; districtCode: string; month: string } & D>;
export type MonthlyReportSubmitted = E<
  'monthly-report.submitted',
  {
    due: string;
    submittedAt: string;
    late: boolean;
    prefilled: MonthlyFigures;
    figures: MonthlyFigures;
    note: string | null;
  }
>;
export type MonthlyReportAmended = E<
  'monthly-report.amended',
  { amendedAt: string; prefilled: MonthlyFigures; figures: MonthlyFigures; note: string | null }
>;
export type MonthlyReportEvent = MonthlyReportSubmitted | MonthlyReportAmended;
export const MONTHLY_REPORT_EVENT_TYPES: MonthlyReportEvent['type'][] = [
  'monthly-report.submitted',
  'monthly-report.amended',
];

export interface MonthlyReportState {
  exists: boolean;
  campaignId: string;
  districtCode: string;
  month: string;
  due: string;
  submittedAt: string | null;
  late: boolean;
  prefilled: MonthlyFigures | null;
  figures: MonthlyFigures | null;
  note: string | null;
  amendments: number;
  updatedAt: string | null;
}
export const initialMonthlyReportState: MonthlyReportState = {
  exists: false,
  campaignId: '',
  districtCode: '',
  month: '',
  due: '',
  submittedAt: null,
  late: false,
  prefilled: null,
  figures: null,
  note: null,
  amendments: 0,
  updatedAt: null,
};

export const monthlyReportStream = (campaignId: string, districtCode: string, month: string) =>
  `monthly-report-${campaignId}.${districtCode}.${month}`;

const edited = (a: MonthlyFigures, b: MonthlyFigures) => FIGURE_KEYS.filter((k) => a[k] !== b[k]);

function decide(c: MonthlyReportCommand, s: MonthlyReportState, ctx: DecideContext): MonthlyReportEvent[] {
  if (!c.obligation) throw notFound(`the campaign asks no monthly report for ${c.month}`);
  const changed = edited(c.prefilled, c.figures);
  const note = c.note?.trim() ? c.note : null;
  if (changed.length && !note) {
    throw invalid(
      'note',
      'is required when figures differ from the pre-filled ones',
      `figures edited (${changed.join(', ')}): say why in note`,
    );
  }
  const key = { campaignId: c.campaignId, districtCode: c.districtCode, month: c.month };
  const at = ctx.now.toISOString();
  if (!s.exists) {
    const late = ctx.now.getTime() >= lateFrom(c.obligation.due).getTime();
    return [
      {
        type: 'monthly-report.submitted',
        data: {
          ...key,
          due: c.obligation.due,
          submittedAt: at,
          late,
          prefilled: c.prefilled,
          figures: c.figures,
          note,
        },
      },
    ];
  }
  if (edited(s.figures!, c.figures).length === 0 && note === s.note) return [];
  if (!note) throw invalid('note', 'is required to amend a submitted report');
  return [
    {
      type: 'monthly-report.amended',
      data: { ...key, amendedAt: at, prefilled: c.prefilled, figures: c.figures, note },
    },
  ];
}

function evolve(s: MonthlyReportState, e: MonthlyReportEvent): MonthlyReportState {
  switch (e.type) {
    case 'monthly-report.submitted':
      return {
        ...s,
        exists: true,
        campaignId: e.data.campaignId,
        districtCode: e.data.districtCode,
        month: e.data.month,
        due: e.data.due,
        submittedAt: e.data.submittedAt,
        late: e.data.late,
        prefilled: e.data.prefilled,
        figures: e.data.figures,
        note: e.data.note,
        updatedAt: e.data.submittedAt,
      };
    case 'monthly-report.amended':
      return {
        ...s,
        prefilled: e.data.prefilled,
        figures: e.data.figures,
        note: e.data.note,
        amendments: s.amendments + 1,
        updatedAt: e.data.amendedAt,
      };
    default:
      return s;
  }
}

export const monthlyReportDecider: Decider<MonthlyReportCommand, MonthlyReportEvent, MonthlyReportState> = {
  aggregate: 'monthly-report',
  initialState: initialMonthlyReportState,
  decide,
  evolve,
};
