import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { PG_POOL } from '../infra/tokens';
import { DOC, rowToDocument } from '../projections/documents.projection';
import { startOfCstDay } from '../shared/dates';
import type { Principal } from '../shared/decider';
import type { MonthlyFigures, MonthlyReportState } from './monthly-report.decider';
import { tipOverdue } from './public-tip.decider';
import type { TipState } from './public-tip.decider';
import type { ListCasesQuery, ListTipsQuery } from './reporting.dto';
import type { TypicalCaseState } from './typical-case.decider';

/** Reporting's reads over the read models: monthly reports and their figures, typical cases, public tips. */
@Injectable()
export class ReportingQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Every monthly report of the campaign, as its stream folds. */
  async monthlyReports(campaignId: string): Promise<MonthlyReportState[]> {
    const { rows } = await this.pool.query('SELECT state FROM rm_documents WHERE campaign_id = $1 AND kind = $2', [
      campaignId,
      DOC.monthlyReport,
    ]);
    return rows.map((r) => r.state);
  }

  /** The month's figures from the read models: inspections completed, penalties and fines recorded, cases recorded (CST month). */
  async monthlyFigures(campaignId: string, district: string, month: string): Promise<MonthlyFigures> {
    const [y, m] = month.split('-').map(Number);
    const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
    const args = [campaignId, district, startOfCstDay(`${month}-01`), startOfCstDay(`${next}-01`)];
    const [insp, pen, cases] = await Promise.all([
      this.pool.query(
        `SELECT count(*)::int AS n FROM rm_inspections WHERE campaign_id = $1 AND district_code = $2 AND completed_at >= $3 AND completed_at < $4`,
        args,
      ),
      this.pool.query(
        `SELECT count(*)::int AS n, coalesce(sum(amount_cny), 0)::float8 AS fines FROM rm_penalties
          WHERE campaign_id = $1 AND district_code = $2 AND recorded_at >= $3 AND recorded_at < $4`,
        args,
      ),
      this.pool.query(
        `SELECT count(*)::int AS n FROM rm_documents WHERE campaign_id = $1 AND district_code = $2 AND kind = '${DOC.typicalCase}'
            AND (state->>'recordedAt')::timestamptz >= $3 AND (state->>'recordedAt')::timestamptz < $4`,
        args,
      ),
    ]);
    return {
      inspections: insp.rows[0].n,
      penalties: pen.rows[0].n,
      finesCny: Number(pen.rows[0].fines),
      cases: cases.rows[0].n,
    };
  }

  /** The campaign's typical cases the caller may see, filtered by district and adoption, in the order recorded. */
  async typicalCases(campaignId: string, q: ListCasesQuery, p: Principal) {
    const params: unknown[] = [campaignId, DOC.typicalCase];
    const where = ['campaign_id = $1', 'kind = $2'];
    if (q.district) where.push(`district_code = $${params.push(q.district)}`);
    if (q.adopted === 'any') where.push(`jsonb_array_length(state->'adoptions') > 0`);
    else if (q.adopted)
      where.push(`state->'adoptions' @> $${params.push(JSON.stringify([{ level: q.adopted }]))}::jsonb`);
    const scope = AccessPolicy.sqlScope(p, params, 'district_code', `(state->'subject'->>'subjectId')::uuid`);
    if (scope) where.push(scope);
    const { rows } = await this.pool.query(
      `SELECT * FROM rm_documents WHERE ${where.join(' AND ')} ORDER BY state->>'recordedAt', stream_id`,
      params,
    );
    return { items: rows.map((r) => rowToDocument<TypicalCaseState>(r)) };
  }

  /** The campaign's public tips the caller may see, in the order received, each saying whether it is overdue at `now`. */
  async tips(campaignId: string, q: ListTipsQuery, p: Principal, now: Date) {
    const params: unknown[] = [campaignId, DOC.tip];
    const where = ['campaign_id = $1', 'kind = $2'];
    if (q.district) where.push(`district_code = $${params.push(q.district)}`);
    if (q.status && q.status !== 'overdue') where.push(`state->>'status' = $${params.push(q.status)}`);
    // an unassigned tip (no district) is the city's: outside city scope the district condition excludes it (subject
    // users do not read tips, hence no subject column)
    const scope = AccessPolicy.sqlScope(p, params, 'district_code', `NULL::uuid`);
    if (scope) where.push(scope);
    const { rows } = await this.pool.query(
      `SELECT * FROM rm_documents WHERE ${where.join(' AND ')} ORDER BY state->>'receivedAt', stream_id`,
      params,
    );
    const items = rows
      .map((r) => ({ ...rowToDocument<TipState>(r), overdue: tipOverdue(r.state, now) }))
      .filter((t) => q.status !== 'overdue' || t.overdue);
    return { items, overdue: items.filter((t) => t.overdue).length };
  }

  /** Whether an inspection or a penalty of this campaign belongs to the district. */
  async inDistrict(
    table: 'rm_inspections' | 'rm_penalties',
    rowId: string,
    campaignId: string,
    district: string | null,
  ): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM ${table} WHERE id = $1 AND campaign_id = $2 AND district_code = $3`,
      [rowId, campaignId, district],
    );
    return rows.length > 0;
  }
}
