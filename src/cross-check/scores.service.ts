import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { CampaignState } from '../campaigns/campaign.decider';
import { PG_POOL } from '../infra/tokens';
import { DOC } from '../projections/documents.projection';
import { cstDate } from '../shared/dates';
import { ComputedItem, computeItems, CQ2022_SE, rank, Rubric, rubricOf, scoreCard, ScoreCard } from './rubric';
import { RubricFacts } from './rubric-facts';
import { finalDeclared, initialSelfEvaluationState, SelfEvaluationState } from './self-evaluation.decider';

export interface DistrictScore {
  districtCode: string;
  districtName: string;
  /** none: the district has not declared anything yet */
  status: SelfEvaluationState['status'] | 'none';
  late: boolean;
  /** live until the group finalises the evaluation, then as frozen by it */
  computed: ComputedItem[];
  computedAsOf: string;
  card: ScoreCard;
  total: number | null;
  rank: number | null;
}

/** The scores table (评分): every district's rubric items, section totals, total and rank. */
@Injectable()
export class Scores {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly facts: RubricFacts,
  ) {}

  /** The rubric a campaign's districts are scored against (today there is one: Chongqing Annex 6). */
  static rubricFor(_campaign: CampaignState): Rubric {
    return CQ2022_SE;
  }

  async evaluations(campaignId: string): Promise<Map<string, SelfEvaluationState>> {
    const { rows } = await this.pool.query('SELECT district_code, state FROM rm_documents WHERE campaign_id = $1 AND kind = $2', [campaignId, DOC.selfEvaluation]);
    return new Map(rows.map((r) => [r.district_code, r.state]));
  }

  async table(campaign: CampaignState, now: Date): Promise<{ rubricId: string; rubricVersion: number; asOf: string; districts: DistrictScore[] }> {
    const [facts, evaluations] = await Promise.all([this.facts.of(campaign, now), this.evaluations(campaign.id)]);
    const asOf = now.toISOString();
    const rows = campaign.districts.map((d) => {
      const e = evaluations.get(d.code) ?? initialSelfEvaluationState;
      const rubric = (e.exists && rubricOf(e.rubricId, e.rubricVersion)) || Scores.rubricFor(campaign);
      const computed = e.finalised ? e.finalised.computed : computeItems(rubric, facts.get(d.code)!);
      const card = scoreCard(rubric, computed, finalDeclared(e));
      return {
        districtCode: d.code,
        districtName: d.name,
        status: e.exists ? e.status : ('none' as const),
        late: e.late,
        computed,
        computedAsOf: e.finalised ? e.finalised.asOf : asOf,
        card,
        total: card.total,
      };
    });
    const rubric = Scores.rubricFor(campaign);
    return { rubricId: rubric.rubricId, rubricVersion: rubric.version, asOf: cstDate(now), districts: rank(rows) };
  }
}
