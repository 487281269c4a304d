import { Inject, Injectable } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { pageOf } from '../http/paging';
import { PG_POOL } from '../infra/tokens';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { ProblemsQuery } from './progress.dto';

/**
 * The problem list (清单) as read across both phases (rm_problems, written by the rectification projection), with
 * the subject's name; "overdue" against `today` (CST), a deadline being late from the start of the next day.
 */
@Injectable()
export class ProblemListQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async page(campaignId: string, q: ProblemsQuery, p: Principal, today: string) {
    // a server-made YYYY-MM-DD, inlined so every statement types it the same (never user input)
    const day = `'${today}'::date`;
    const { where, params } = AccessPolicy.campaignFilter(p, campaignId, q, 'p.');
    if (q.itemCode) where.push(`p.item_code = $${params.push(q.itemCode)}`);
    if (q.source) where.push(`p.source = $${params.push(q.source)}`);
    if (q.subjectId) where.push(`p.subject_id = $${params.push(q.subjectId)}`);
    if (q.status === 'overdue') where.push(`p.status <> 'verified' AND p.deadline < ${day}`);
    else if (q.status) where.push(`p.status = $${params.push(q.status)}`);
    return pageOf(
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
  }

  /** One problem of the campaign the caller may see; 404 otherwise. */
  async one(campaignId: string, problemId: string, p: Principal, today: string) {
    const { rows } = await this.pool.query(
      `SELECT p.*, s.name AS subject_name, (p.status <> 'verified' AND p.deadline < $3::date) AS overdue
         FROM rm_problems p LEFT JOIN rm_subjects s ON s.id = p.subject_id WHERE p.id = $1 AND p.campaign_id = $2`,
      [problemId, campaignId, today],
    );
    if (!rows.length || !AccessPolicy.canActOnSubject(p, rows[0].subject_id, rows[0].district_code))
      throw notFound(`problem ${problemId} not found`);
    return rowToProblem(rows[0]);
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
