import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { DOC, rowToDocument } from '../projections/documents.projection';
import type { VisitState } from './district-visit.decider';

/** The cross-check's reads over rm_documents (besides the scores, ScoresService). */
@Injectable()
export class CrossCheckQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A campaign's district visits (of one district, or all), in the order visited, with the district each is of. */
  async visits(campaignId: string, district: string | undefined) {
    const { rows } = await this.pool.query(
      `SELECT * FROM rm_documents WHERE campaign_id = $1 AND kind = $2 AND ($3::text IS NULL OR district_code = $3)
        ORDER BY state->>'visitedOn', stream_id`,
      [campaignId, DOC.visit, district ?? null],
    );
    return rows.map((r) => ({ districtCode: r.district_code as string, visit: rowToDocument<VisitState>(r) }));
  }
}
