import { Controller, Get, Param, Query } from '@nestjs/common';
import { AccessPolicy } from '../auth/access-policy';
import { CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { UuidParam } from '../http/params';
import { Clock } from '../shared/clock';
import { cstDate } from '../shared/dates';
import type { Principal } from '../shared/decider';
import { CampaignQueries } from './campaign.queries';
import { campaignDistrict } from './campaign.reader';
import { DistrictFigures } from './district-figures';
import { ProblemListQueries } from './problem-list.queries';
import { ProblemsQuery, ProgressQuery } from './progress.dto';

/**
 * Campaign-wide queries over both phases' read models: the problem list (清单) and per-district progress.
 * "Overdue" is computed here against the clock: a deadline is late from the start of the next CST day.
 */
@Controller('api/v1/campaigns/:id')
export class ProgressController {
  constructor(
    private readonly campaigns: CampaignQueries,
    private readonly problemList: ProblemListQueries,
    private readonly clock: Clock,
    private readonly figures: DistrictFigures,
  ) {}

  @Get('problems')
  @Roles(...READ_ROLES)
  async problems(@Param('id', UuidParam) id: string, @Query() q: ProblemsQuery, @CurrentPrincipal() p: Principal) {
    await this.campaigns.districts(id);
    const today = cstDate(this.clock.now());
    const page = await this.problemList.page(id, q, p, today);
    return { ...page, asOf: today };
  }

  @Get('problems/:problemId')
  @Roles(...READ_ROLES)
  async problem(
    @Param('id', UuidParam) id: string,
    @Param('problemId', UuidParam) problemId: string,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.problemList.one(id, problemId, p, cstDate(this.clock.now()));
  }

  @Get('progress')
  @Roles('city-admin', 'district-officer', 'supervisor', 'auditor', 'integration')
  async progress(@Param('id', UuidParam) id: string, @Query() q: ProgressQuery, @CurrentPrincipal() p: Principal) {
    const all = await this.campaigns.districts(id);
    const districts = q.district
      ? [campaignDistrict({ id, districts: all }, q.district, p)]
      : all.filter((d) => AccessPolicy.canActOnDistrict(p, d.code));
    const today = cstDate(this.clock.now());
    const report = await this.figures.of(id, districts, today);
    return { campaignId: id, asOf: today, districts: report };
  }
}
