import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { DistrictFigures } from '../campaigns/campaigns.module';
import type { CampaignState } from '../campaigns';
import type { District } from '../domain';
import { Scores } from '../cross-check/cross-check.module';
import { PG_POOL } from '../infra/tokens';
import { DOC } from '../projections/documents.projection';
import type { TypicalCaseState } from '../reporting';
import { cstDate } from '../shared/dates';

/**
 * The figures a summary report and the bulletin carry per district: the progress figures (subjects by type,
 * inspections, penalties by kind and fines, closure rate, overdue), problems by item code across both phases,
 * the typical cases, and the rubric score and rank as they stand.
 */
@Injectable()
export class SummaryFigures {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly figures: DistrictFigures,
    private readonly scores: Scores,
  ) {}

  async of(campaign: CampaignState, districts: District[], now: Date) {
    const codes = districts.map((d) => d.code);
    const [base, problems, cases, scores] = await Promise.all([
      this.figures.of(campaign.id, districts, cstDate(now)),
      this.pool.query(
        `SELECT district_code, item_code, count(*)::int AS n FROM rm_problems WHERE campaign_id = $1 AND district_code = ANY($2)
          GROUP BY 1, 2 ORDER BY 1, 2`,
        [campaign.id, codes],
      ),
      this.cases(campaign.id, codes),
      this.scores.table(campaign, now),
    ]);
    const figures = base.map((f) => {
      const score = scores.districts.find((s) => s.districtCode === f.districtCode)!;
      return {
        ...f,
        problemsByItem: Object.fromEntries(
          problems.rows.filter((r) => r.district_code === f.districtCode).map((r) => [r.item_code, r.n]),
        ),
        cases: cases.filter((c) => c.districtCode === f.districtCode).length,
        score: { total: score.total, partial: score.card.partial, rank: score.rank, status: score.status },
      };
    });
    return { districts: figures, cases };
  }

  private async cases(campaignId: string, codes: string[]) {
    const { rows } = await this.pool.query(
      `SELECT state FROM rm_documents WHERE campaign_id = $1 AND kind = $2 AND district_code = ANY($3) ORDER BY state->>'recordedAt', district_code, stream_id`,
      [campaignId, DOC.typicalCase, codes],
    );
    return rows.map((r) => {
      const c = r.state as TypicalCaseState;
      return {
        caseId: c.caseId,
        districtCode: c.districtCode,
        title: c.title,
        subject: c.subject?.name ?? null,
        violation: c.violation,
        penalty: c.penalty,
        adoptions: c.adoptions.map((a) => a.level),
        exposures: c.exposures.length,
      };
    });
  }
}
