import { Inject, Injectable } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { ReadModelMemo } from '../projections/read-model-memo';
import { PENALTY_KINDS, SUBJECT_TYPES } from '../domain';
import type { District } from '../domain';

/**
 * Per-district figures over the phases' read models: subjects, self-inspections, inspections and coverage,
 * findings, penalties and fines, rectification closure and overdue problems (overdue against `today`, CST).
 * Shared by the progress report, the summary reports and the bulletin.
 */
@Injectable()
export class DistrictFigures {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly memo: ReadModelMemo,
  ) {}

  /**
   * The figures, counted once per position of the read models (ReadModelMemo): they are aggregates over every
   * subject of the campaign. The objects handed out are shared between callers and must not be changed.
   */
  of(id: string, districts: District[], today: string) {
    return this.memo.get(`figures:${id}:${today}:${districts.map((d) => `${d.code}=${d.name}`).join(',')}`, () =>
      this.count(id, districts, today),
    );
  }

  private async count(id: string, districts: District[], today: string) {
    const codes = districts.map((d) => d.code);
    const args = [id, codes];
    const [subjects, selfs, inspections, covered, findings, penalties, problems] = await Promise.all([
      this.pool.query(
        `SELECT district_code, type, count(*)::int AS n, count(*) FILTER (WHERE high_risk)::int AS high_risk
           FROM rm_subjects WHERE campaign_id = $1 AND district_code = ANY($2) AND active GROUP BY 1, 2`,
        args,
      ),
      this.pool.query(
        `SELECT district_code, count(*)::int AS started, count(submitted_at)::int AS submitted, count(*) FILTER (WHERE late)::int AS late,
                count(*) FILTER (WHERE status = 'accepted')::int AS accepted, count(*) FILTER (WHERE status = 'returned')::int AS returned
           FROM rm_self_inspections WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1`,
        args,
      ),
      this.pool.query(
        `SELECT district_code, count(*)::int AS scheduled, count(*) FILTER (WHERE status <> 'scheduled')::int AS conducted,
                count(*) FILTER (WHERE status = 'completed')::int AS completed
           FROM rm_inspections WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1`,
        args,
      ),
      this.pool.query(
        `SELECT s.district_code, count(DISTINCT s.id)::int AS inspected
           FROM rm_subjects s JOIN rm_inspections i ON i.subject_id = s.id AND i.status = 'completed'
          WHERE s.campaign_id = $1 AND s.district_code = ANY($2) AND s.active GROUP BY 1`,
        args,
      ),
      this.pool.query(
        `SELECT f.district_code, f.item_code, count(*)::int AS n FROM rm_findings f JOIN rm_inspections i ON i.id = f.inspection_id
          WHERE f.campaign_id = $1 AND f.district_code = ANY($2) AND i.status = 'completed' GROUP BY 1, 2`,
        args,
      ),
      this.pool.query(
        `SELECT district_code, kind, count(*)::int AS n, coalesce(sum(amount_cny), 0)::text AS fines
           FROM rm_penalties WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1, 2`,
        args,
      ),
      this.pool.query(
        `SELECT district_code, count(*)::int AS total, count(*) FILTER (WHERE status = 'verified')::int AS verified,
                count(*) FILTER (WHERE status <> 'verified' AND deadline < $3::date)::int AS overdue
           FROM rm_problems WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1`,
        [...args, today],
      ),
    ]);
    const by = (rows: QueryResultRow[], code: string) => rows.filter((r) => r.district_code === code);
    const report = districts.map((d) => {
      const subj = by(subjects.rows, d.code);
      const subjectsTotal = subj.reduce((a, r) => a + r.n, 0);
      const self = by(selfs.rows, d.code)[0];
      const insp = by(inspections.rows, d.code)[0];
      const inspected = by(covered.rows, d.code)[0]?.inspected ?? 0;
      const pen = by(penalties.rows, d.code);
      const prob = by(problems.rows, d.code)[0];
      return {
        districtCode: d.code,
        districtName: d.name,
        subjects: {
          total: subjectsTotal,
          highRisk: subj.reduce((a, r) => a + r.high_risk, 0),
          byType: Object.fromEntries(SUBJECT_TYPES.map((t) => [t, subj.find((r) => r.type === t)?.n ?? 0])),
        },
        selfInspections: {
          started: self?.started ?? 0,
          submitted: self?.submitted ?? 0,
          late: self?.late ?? 0,
          returned: self?.returned ?? 0,
          accepted: self?.accepted ?? 0,
        },
        inspections: {
          scheduled: insp?.scheduled ?? 0,
          conducted: insp?.conducted ?? 0,
          completed: insp?.completed ?? 0,
          subjectsInspected: inspected,
          coveragePercent: subjectsTotal ? Math.round((inspected / subjectsTotal) * 1000) / 10 : null,
        },
        findingsByItem: Object.fromEntries(
          by(findings.rows, d.code)
            .sort((a, b) => a.item_code.localeCompare(b.item_code))
            .map((r) => [r.item_code, r.n]),
        ),
        penalties: {
          total: pen.reduce((a, r) => a + r.n, 0),
          byKind: Object.fromEntries(PENALTY_KINDS.map((k) => [k, pen.find((r) => r.kind === k)?.n ?? 0])),
          finesCny: pen.reduce((a, r) => a + Number(r.fines), 0),
        },
        rectification: {
          problems: prob?.total ?? 0,
          verified: prob?.verified ?? 0,
          closureRatePercent: prob?.total ? Math.round((prob.verified / prob.total) * 1000) / 10 : null,
          overdue: prob?.overdue ?? 0,
        },
      };
    });
    return report;
  }
}
