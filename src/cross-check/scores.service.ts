import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { CampaignState } from '../campaigns';
import { PG_POOL } from '../infra/tokens';
import { DOC } from '../projections/documents.projection';
import { ReadModelMemo } from '../projections/read-model-memo';
import { cstDate } from '../shared/dates';
import {
  ComputedItem,
  computeItems,
  CQ2022_SE,
  DistrictFacts,
  rank,
  Rubric,
  rubricOf,
  scoreCard,
  ScoreCard,
} from './rubric';
import { CampaignFacts, RubricFacts } from './rubric-facts';
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

/** A computed item as the scores answer it: its evidence counted, and paged on its own route. */
export type ComputedItemSummary = Omit<ComputedItem, 'evidence'> & { evidenceCount: number };

export const summariseItems = (items: ComputedItem[]): ComputedItemSummary[] =>
  items.map(({ evidence, ...item }) => ({ ...item, evidenceCount: evidence.length }));

/** A district's score without its evidence: its size does not grow with the campaign. */
export const summariseScore = ({ computed, ...score }: DistrictScore) => ({
  ...score,
  computed: summariseItems(computed),
});

/** What the scores of one campaign are computed from while the read models stay where they are. */
interface ScoreBasis {
  facts: CampaignFacts;
  evaluations: Map<string, SelfEvaluationState>;
  /** computed items per district, rubric and monthly timeliness (the only part that moves with the clock) */
  computed: Map<string, ComputedItem[]>;
}

/** The scores table (评分): every district's rubric items, section totals, total and rank. */
@Injectable()
export class Scores {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly facts: RubricFacts,
    private readonly memo: ReadModelMemo,
  ) {}

  /** The rubric a campaign's districts are scored against (today there is one: Chongqing Annex 6). */
  static rubricFor(_campaign: CampaignState): Rubric {
    return CQ2022_SE;
  }

  async evaluations(campaignId: string): Promise<Map<string, SelfEvaluationState>> {
    const { rows } = await this.pool.query(
      'SELECT district_code, state FROM rm_documents WHERE campaign_id = $1 AND kind = $2',
      [campaignId, DOC.selfEvaluation],
    );
    return new Map(rows.map((r) => [r.district_code, r.state]));
  }

  /**
   * Every district's score as of `now`. The facts are read once per position of the read models (ReadModelMemo):
   * while nothing is projected, a campaign of 50,000 subjects answers as fast as one of 1,000. The items and
   * evidence handed out are shared between callers and must not be changed.
   */
  async table(
    campaign: CampaignState,
    now: Date,
  ): Promise<{ rubricId: string; rubricVersion: number; asOf: string; districts: DistrictScore[] }> {
    const basis = await this.memo.get(
      `scores:${campaign.id}:${campaign.districts.map((d) => d.code).join(',')}`,
      async (): Promise<ScoreBasis> => {
        const [facts, evaluations] = await Promise.all([this.facts.load(campaign), this.evaluations(campaign.id)]);
        return { facts, evaluations, computed: new Map() };
      },
    );
    const facts = RubricFacts.withMonthly(campaign, basis.facts, now);
    const asOf = now.toISOString();
    const rows = campaign.districts.map((d) => {
      const e = basis.evaluations.get(d.code) ?? initialSelfEvaluationState;
      const rubric = (e.exists && rubricOf(e.rubricId, e.rubricVersion)) || Scores.rubricFor(campaign);
      const computed = e.finalised ? e.finalised.computed : Scores.computed(basis, rubric, d.code, facts.get(d.code)!);
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

  private static computed(basis: ScoreBasis, rubric: Rubric, code: string, facts: DistrictFacts): ComputedItem[] {
    const key = `${code}|${rubric.rubricId}@${rubric.version}|${JSON.stringify(facts.monthly)}`;
    let items = basis.computed.get(key);
    if (!items) {
      if (basis.computed.size >= 1_000) basis.computed.clear();
      items = computeItems(rubric, facts);
      basis.computed.set(key, items);
    }
    return items;
  }
}
