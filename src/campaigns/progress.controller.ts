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
import { campaignDistrict } from './campaign.reader';
import { DistrictFigures } from './district-figures';
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
    private readonly figures: DistrictFigures,
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
  async problem(
    @Param('id', UuidParam) id: string,
    @Param('problemId', UuidParam) problemId: string,
    @CurrentPrincipal() p: Principal,
  ) {
    const today = cstDate(this.clock.now());
    const { rows } = await this.pool.query(
      `SELECT p.*, s.name AS subject_name, (p.status <> 'verified' AND p.deadline < $3::date) AS overdue
         FROM rm_problems p LEFT JOIN rm_subjects s ON s.id = p.subject_id WHERE p.id = $1 AND p.campaign_id = $2`,
      [problemId, id, today],
    );
    if (!rows.length || !AccessPolicy.canActOnSubject(p, rows[0].subject_id, rows[0].district_code))
      throw notFound(`problem ${problemId} not found`);
    return rowToProblem(rows[0]);
  }

  @Get('progress')
  @Roles('city-admin', 'district-officer', 'supervisor', 'auditor', 'integration')
  async progress(@Param('id', UuidParam) id: string, @Query() q: ProgressQuery, @CurrentPrincipal() p: Principal) {
    const all = await this.campaignDistricts(id);
    const districts = q.district
      ? [campaignDistrict({ id, districts: all }, q.district, p)]
      : all.filter((d) => AccessPolicy.canActOnDistrict(p, d.code));
    const today = cstDate(this.clock.now());
    const report = await this.figures.of(id, districts, today);
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
