import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { District } from '../domain';
import { pageOf } from '../http/paging';
import { PG_POOL } from '../infra/tokens';
import { TimeTravel } from '../projections/time-travel';
import type { PointInTime } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import { campaignStream } from './campaign.decider';
import type { ListCampaignsQuery } from './campaign.dto';
import { campaignsProjection, rowToCampaign } from './campaigns.projection';

/** The campaigns' reads over rm_campaigns: the list, one campaign (now or at a point in time), its districts. */
@Injectable()
export class CampaignQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly timeTravel: TimeTravel,
  ) {}

  list(q: ListCampaignsQuery) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.jurisdiction) where.push(`jurisdiction = $${params.push(q.jurisdiction)}`);
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    return pageOf(
      this.pool,
      { from: 'rm_campaigns', where, params, orderBy: 'launched_at DESC, id', limit: q.limit, offset: q.offset },
      rowToCampaign,
    );
  }

  /** One campaign as the read model has it, or as it stood at `at` (rebuilt from the log); 404 when there is none. */
  async get(id: string, at?: PointInTime) {
    const select = { sql: 'SELECT * FROM rm_campaigns WHERE id = $1', params: [id] };
    const rows = at
      ? [await this.timeTravel.row(campaignsProjection, campaignStream(id), at, select)]
      : (await this.pool.query(select.sql, select.params)).rows;
    if (!rows.length) throw notFound(`campaign ${id} not found`);
    return rowToCampaign(rows[0]);
  }

  /** A campaign's districts; 404 when there is no such campaign. */
  async districts(id: string): Promise<District[]> {
    const { rows } = await this.pool.query('SELECT districts FROM rm_campaigns WHERE id = $1', [id]);
    if (!rows.length) throw notFound(`campaign ${id} not found`);
    return rows[0].districts;
  }
}
