import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { pageOf } from '../http/paging';
import { PG_POOL } from '../infra/tokens';
import { AggregateReader } from '../shared/aggregate-reader';
import type { PointInTime } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { inspectionDecider, inspectionStream } from './inspection.decider';
import type { ListInspectionsQuery } from './inspection.dto';
import { inspectionView } from './inspection.read-model';

/** Enforcement's reads: the rows of rm_inspections in the caller's scope, each form folded from its stream. */
@Injectable()
export class InspectionQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reader: AggregateReader,
  ) {}

  /** A page of a campaign's inspections the caller may see, by district, then planned day. */
  async list(campaignId: string, q: ListInspectionsQuery, p: Principal) {
    const { where, params } = AccessPolicy.campaignFilter(p, campaignId, q);
    if (q.subjectId) where.push(`subject_id = $${params.push(q.subjectId)}`);
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    const orderBy = 'district_code, planned_on, id';
    const page = await pageOf(
      this.pool,
      { from: 'rm_inspections', select: 'id, version', where, params, orderBy, limit: q.limit, offset: q.offset },
      (r) => ({ streamId: inspectionStream(r.id), version: Number(r.version) }),
    );
    return { ...page, items: (await this.reader.loadMany(inspectionDecider, page.items)).map(inspectionView) };
  }

  /** One inspection as the read model stands (its row's version), or as it stood at `at`; 404 outside the caller's scope. */
  async get(campaignId: string, inspectionId: string, p: Principal, at?: PointInTime) {
    const { rows } = await this.pool.query(
      'SELECT subject_id, district_code, version FROM rm_inspections WHERE id = $1 AND campaign_id = $2',
      [inspectionId, campaignId],
    );
    if (!rows.length || !AccessPolicy.canActOnSubject(p, rows[0].subject_id, rows[0].district_code))
      throw notFound(`inspection ${inspectionId} not found`);
    const form = await this.reader.loadRecorded(
      inspectionDecider,
      inspectionStream(inspectionId),
      at ?? { version: Number(rows[0].version) },
    );
    return { version: form.version, view: inspectionView(form) };
  }

  /** An inspection of the subject still open from before subjects' streams recorded them (none: null). */
  async openBeforeStreams(subjectId: string): Promise<string | null> {
    const { rows } = await this.pool.query(
      `SELECT id FROM rm_inspections WHERE subject_id = $1 AND status <> 'completed' ORDER BY planned_on LIMIT 1`,
      [subjectId],
    );
    return rows[0]?.id ?? null;
  }
}
