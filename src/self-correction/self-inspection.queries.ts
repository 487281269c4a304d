import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { pageOf } from '../http/paging';
import { PG_POOL } from '../infra/tokens';
import { AggregateReader } from '../shared/aggregate-reader';
import type { PointInTime } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { selfInspectionDecider, selfInspectionStream } from './self-inspection.decider';
import type { ListSelfInspectionsQuery } from './self-inspection.dto';
import { selfInspectionView } from './self-inspection.read-model';

/** Self-correction's reads: the rows of rm_self_inspections in the caller's scope, each form folded from its stream. */
@Injectable()
export class SelfInspectionQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reader: AggregateReader,
  ) {}

  /** A page of a campaign's self-inspections the caller may see, by district, then when each was started. */
  async list(campaignId: string, q: ListSelfInspectionsQuery, p: Principal) {
    const { where, params } = AccessPolicy.campaignFilter(p, campaignId, q);
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.late) where.push(`late = $${params.push(q.late === 'true')}`);
    const orderBy = 'district_code, started_at, subject_id';
    const page = await pageOf(
      this.pool,
      {
        from: 'rm_self_inspections',
        select: 'subject_id, version',
        where,
        params,
        orderBy,
        limit: q.limit,
        offset: q.offset,
      },
      (r) => ({ streamId: selfInspectionStream(r.subject_id), version: Number(r.version) }),
    );
    return { ...page, items: (await this.reader.loadMany(selfInspectionDecider, page.items)).map(selfInspectionView) };
  }

  /**
   * One subject's self-inspection as the read model stands (its row's version), or as it stood at `at`; a 404 when
   * there is none or the caller may not see it.
   */
  async get(campaignId: string, subjectId: string, p: Principal, at?: PointInTime) {
    const { rows } = await this.pool.query(
      'SELECT district_code, version FROM rm_self_inspections WHERE subject_id = $1 AND campaign_id = $2',
      [subjectId, campaignId],
    );
    if (!rows.length || !AccessPolicy.canActOnSubject(p, subjectId, rows[0].district_code))
      throw notFound(`no self-inspection of subject ${subjectId}`);
    const form = await this.reader.loadRecorded(
      selfInspectionDecider,
      selfInspectionStream(subjectId),
      at ?? { version: Number(rows[0].version) },
    );
    return { version: form.version, view: selfInspectionView(form) };
  }
}
