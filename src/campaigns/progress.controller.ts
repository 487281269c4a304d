import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { pageOf } from '../http/paging';
import { UuidParam } from '../http/params';
import { PG_POOL } from '../infra/tokens';
import { Clock } from '../shared/clock';
import { cstDate } from '../shared/dates';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { SUBJECT_TYPES } from './campaign.decider';
import { PENALTY_KINDS } from '../enforcement/inspection.decider';
import { ProblemsQuery, ProgressQuery } from './progress.dto';

/**
 * Campaign-wide queries over both phases' read models: the problem list (清单) and per-district progress.
 * "Overdue" is computed here against the clock: a deadline is late from the start of the next CST day.
 */
@Controller('api/v1/campaigns/:id')
export class ProgressController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  @Get('problems')
  @Roles(...READ_ROLES)
  async problems(@Param('id', UuidParam) id: string, @Query() q: ProblemsQuery, @CurrentPrincipal() p: Principal) {
    await this.campaignDistricts(id);
    // a server-made YYYY-MM-DD, inlined so every statement types it the same (never user input)
    const today = cstDate(this.clock.now());
    const day = `'${today}'::date`;
    const { where, params } = AccessPolicy.campaignFilter(p, id, q, 'p.');
    if (q.itemCode) where.push(`p.item_code = $${params.push(q.itemCode)}`);
    if (q.source) where.push(`p.source = $${params.push(q.source)}`);
    if (q.subjectId) where.push(`p.subject_id = $${params.push(q.subjectId)}`);
    if (q.status === 'overdue') where.push(`p.status <> 'verified' AND p.deadline < ${day}`);
    else if (q.status) where.push(`p.status = $${params.push(q.status)}`);
    const page = await pageOf(
      this.pool,
      {
        from: 'rm_problems p LEFT JOIN rm_subjects s ON s.id = p.subject_id',
        select: `p.*, s.name AS subject_name, (p.status <> 'verified' AND p.deadline < ${day}) AS overdue`,
        where,
        params,
        orderBy: q.sort === '-deadline' ? 'p.deadline DESC, p.created_at DESC, p.id' : 'p.deadline, p.created_at, p.id',
        limit: q.limit,
        offset: q.offset,
      },
      rowToProblem,
    );
    return { ...page, asOf: today };
  }

  @Get('problems/:problemId')
  @Roles(...READ_ROLES)
  async problem(@Param('id', UuidParam) id: string, @Param('problemId', UuidParam) problemId: string, @CurrentPrincipal() p: Principal) {
    const today = cstDate(this.clock.now());
    const { rows } = await this.pool.query(
      `SELECT p.*, s.name AS subject_name, (p.status <> 'verified' AND p.deadline < $3::date) AS overdue
         FROM rm_problems p LEFT JOIN rm_subjects s ON s.id = p.subject_id WHERE p.id = $1 AND p.campaign_id = $2`,
      [problemId, id, today],
    );
    if (!rows.length || !AccessPolicy.canActOnSubject(p, rows[0].subject_id, rows[0].district_code)) throw notFound(`problem ${problemId} not found`);
    return rowToProblem(rows[0]);
  }

  @Get('progress')
  @Roles('city-admin', 'district-officer', 'supervisor', 'auditor', 'integration')
  async progress(@Param('id', UuidParam) id: string, @Query() q: ProgressQuery, @CurrentPrincipal() p: Principal) {
    const all = await this.campaignDistricts(id);
    if (q.district) {
      if (!all.some((d) => d.code === q.district)) throw notFound(`district ${q.district} is not in campaign ${id}`);
      AccessPolicy.assertDistrict(p, q.district);
    }
    const districts = all.filter((d) => (q.district ? d.code === q.district : AccessPolicy.canActOnDistrict(p, d.code)));
    const codes = districts.map((d) => d.code);
    const today = cstDate(this.clock.now());
    const args = [id, codes];
    const [subjects, selfs, inspections, covered, findings, penalties, problems] = await Promise.all([
      this.pool.query(
        `SELECT district_code, type, count(*)::int AS n, count(*) FILTER (WHERE high_risk)::int AS high_risk
           FROM rm_subjects WHERE campaign_id = $1 AND district_code = ANY($2) AND active GROUP BY 1, 2`, args),
      this.pool.query(
        `SELECT district_code, count(*)::int AS started, count(submitted_at)::int AS submitted, count(*) FILTER (WHERE late)::int AS late,
                count(*) FILTER (WHERE status = 'accepted')::int AS accepted, count(*) FILTER (WHERE status = 'returned')::int AS returned
           FROM rm_self_inspections WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1`, args),
      this.pool.query(
        `SELECT district_code, count(*)::int AS scheduled, count(*) FILTER (WHERE status <> 'scheduled')::int AS conducted,
                count(*) FILTER (WHERE status = 'completed')::int AS completed
           FROM rm_inspections WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1`, args),
      this.pool.query(
        `SELECT s.district_code, count(DISTINCT s.id)::int AS inspected
           FROM rm_subjects s JOIN rm_inspections i ON i.subject_id = s.id AND i.status = 'completed'
          WHERE s.campaign_id = $1 AND s.district_code = ANY($2) AND s.active GROUP BY 1`, args),
      this.pool.query(
        `SELECT f.district_code, f.item_code, count(*)::int AS n FROM rm_findings f JOIN rm_inspections i ON i.id = f.inspection_id
          WHERE f.campaign_id = $1 AND f.district_code = ANY($2) AND i.status = 'completed' GROUP BY 1, 2`, args),
      this.pool.query(
        `SELECT district_code, kind, count(*)::int AS n, coalesce(sum(amount_cny), 0)::text AS fines
           FROM rm_penalties WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1, 2`, args),
      this.pool.query(
        `SELECT district_code, count(*)::int AS total, count(*) FILTER (WHERE status = 'verified')::int AS verified,
                count(*) FILTER (WHERE status <> 'verified' AND deadline < $3::date)::int AS overdue
           FROM rm_problems WHERE campaign_id = $1 AND district_code = ANY($2) GROUP BY 1`, [...args, today]),
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
        findingsByItem: Object.fromEntries(by(findings.rows, d.code).sort((a, b) => a.item_code.localeCompare(b.item_code)).map((r) => [r.item_code, r.n])),
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
    return { campaignId: id, asOf: today, districts: report };
  }

  private async campaignDistricts(id: string): Promise<{ code: string; name: string }[]> {
    const { rows } = await this.pool.query('SELECT districts FROM rm_campaigns WHERE id = $1', [id]);
    if (!rows.length) throw notFound(`campaign ${id} not found`);
    return rows[0].districts;
  }
}

function rowToProblem(r: QueryResultRow) {
  return {
    id: r.id,
    source: r.source,
    sourceId: r.source_id,
    campaignId: r.campaign_id,
    districtCode: r.district_code,
    subjectId: r.subject_id,
    subjectName: r.subject_name ?? null,
    subjectType: r.subject_type,
    itemCode: r.item_code,
    description: r.description,
    measure: r.measure,
    deadline: r.deadline,
    responsible: r.responsible,
    status: r.status,
    overdue: r.overdue,
    evidence: r.evidence,
    verification: r.verification,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
