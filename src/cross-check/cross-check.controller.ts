import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { FilesService } from '../files/files.module';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { campaignDistrict, CampaignReader } from '../campaigns/campaigns.module';
import { phaseStatus } from '../campaigns';
import type { CampaignState } from '../campaigns';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { DistrictParam, ItemParam, UuidParam } from '../http/params';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';
import { withoutExists } from '../projections/evolve-row';
import { CrossCheckQueries } from './cross-check.queries';
import { AggregateReader } from '../shared/aggregate-reader';
import type { PointInTime } from '../shared/aggregate-reader';
import { Clock } from '../shared/clock';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { SubjectReader } from '../subjects/subjects.module';
import {
  AssignDistrictDto,
  DeclareItemsDto,
  EvidencePageQuery,
  SubmitEvaluationDto,
  FormGroupDto,
  ListVisitsQuery,
  RecordVisitDto,
  ReviewItemsDto,
  RubricQuery,
  SpotCheckDto,
} from './cross-check.dto';
import { visitDecider, visitStream } from './district-visit.decider';
import type { VisitCommand } from './district-visit.decider';
import { rubricOf } from './rubric';
import { Scores, summariseItems, summariseScore } from './scores.service';
import { selfEvaluationDecider, selfEvaluationStream } from './self-evaluation.decider';
import type { SelfEvaluationCommand, SubmissionFiles } from './self-evaluation.decider';
import { groupOfDistrict, isSupervisorOf, supervisionDecider, supervisionStream } from './supervision.decider';
import type { SupervisionGroup } from './supervision.decider';

const SCORE_READERS = READ_ROLES.filter((r) => r !== 'subject-user');

/** 督查互查: supervision groups, their district visits and spot checks, the districts' self-evaluations and scores. */
@Controller('api/v1')
export class CrossCheckController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    private readonly reader: AggregateReader,
    private readonly scores: Scores,
    private readonly files: FilesService,
    private readonly clock: Clock,
    private readonly queries: CrossCheckQueries,
  ) {}

  @Get('rubrics/:rubricId')
  @Roles(...READ_ROLES)
  rubric(@Param('rubricId') rubricId: string, @Query() q: RubricQuery) {
    const r = rubricOf(rubricId, q.version);
    if (!r) throw notFound(`no rubric ${rubricId}${q.version ? ` version ${q.version}` : ''}`);
    return r;
  }

  // ---- supervision groups -------------------------------------------------------------------------------

  @Get('campaigns/:id/supervision-groups')
  @Roles(...SCORE_READERS)
  async groups(
    @Param('id', UuidParam) id: string,
    @Query() pit: PointInTimeQuery,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.campaigns.get(id);
    const { state, version } = await this.reader.load(supervisionDecider, supervisionStream(id), pointInTime(pit));
    return conditionalGet(res, version, ifNoneMatch, { campaignId: id, groups: state.groups, version });
  }

  @Post('campaigns/:id/supervision-groups')
  @Roles('city-admin')
  async formGroup(
    @Param('id', UuidParam) id: string,
    @Body() body: FormGroupDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const result = await executeWithEtag(
      this.commands,
      supervisionDecider,
      supervisionStream(id),
      {
        kind: 'FormGroup',
        campaignId: id,
        campaignDistricts: campaign.districts.map((d) => d.code),
        group: body,
      },
      ctx,
      undefined,
      res,
    );
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/supervision-groups`);
    return { groupNo: body.groupNo, version: result.version };
  }

  @Put('campaigns/:id/districts/:districtCode/supervision-group')
  @Roles('city-admin')
  async assign(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: AssignDistrictDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const result = await executeWithEtag(
      this.commands,
      supervisionDecider,
      supervisionStream(id),
      {
        kind: 'AssignDistrict',
        campaignDistricts: campaign.districts.map((d) => d.code),
        districtCode: code,
        ...body,
      },
      ctx,
      ifMatch,
      res,
    );
    return { districtCode: code, groupNo: body.groupNo, version: result.version };
  }

  // ---- visits and spot checks ---------------------------------------------------------------------------

  @Post('campaigns/:id/cross-check-visits')
  @Roles('supervisor')
  async recordVisit(
    @Param('id', UuidParam) id: string,
    @Body() body: RecordVisitDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const group = await this.requireGroupMember(campaign, body.districtCode, ctx.principal);
    const visitId = randomUUID();
    const result = await executeWithEtag(
      this.commands,
      visitDecider,
      visitStream(visitId),
      {
        kind: 'RecordVisit',
        phase: phaseStatus(campaign, 'cross-check'),
        visitId,
        campaignId: id,
        groupNo: group.groupNo,
        ...body,
      } satisfies VisitCommand,
      ctx,
      undefined,
      res,
    );
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/cross-check-visits/${visitId}`);
    return { visitId, version: result.version };
  }

  @Get('campaigns/:id/cross-check-visits')
  @Roles(...SCORE_READERS)
  async visits(@Param('id', UuidParam) id: string, @Query() q: ListVisitsQuery, @CurrentPrincipal() p: Principal) {
    const campaign = await this.campaigns.get(id);
    if (q.district) campaignDistrict(campaign, q.district, p);
    const visits = await this.queries.visits(id, q.district);
    return { items: visits.filter((v) => this.canSee(p, v.districtCode)).map((v) => v.visit) };
  }

  @Get('campaigns/:id/cross-check-visits/:visitId')
  @Roles(...SCORE_READERS)
  async visit(
    @Param('id', UuidParam) id: string,
    @Param('visitId', UuidParam) visitId: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { state, version } = await this.loadVisit(id, visitId, p, pointInTime(pit));
    return conditionalGet(res, version, ifNoneMatch, { ...withoutExists(state), version });
  }

  @Post('campaigns/:id/cross-check-visits/:visitId/spot-checks')
  @Roles('supervisor')
  async spotCheck(
    @Param('id', UuidParam) id: string,
    @Param('visitId', UuidParam) visitId: string,
    @Body() body: SpotCheckDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const { state } = await this.loadVisit(id, visitId, ctx.principal);
    await this.requireGroupMember(campaign, state.districtCode, ctx.principal);
    // the group's mandate covers every subject of the district (the decider checks the subject is in it)
    const subject = await this.subjects.get(body.subjectId.toLowerCase(), id);
    const { subjectId: _s, ...check } = body;
    const spotCheckId = randomUUID();
    const result = await executeWithEtag(
      this.commands,
      visitDecider,
      visitStream(visitId),
      {
        kind: 'RecordSpotCheck',
        phase: phaseStatus(campaign, 'cross-check'),
        subject: {
          subjectId: subject.subjectId!,
          name: subject.name!,
          type: subject.type!,
          districtCode: subject.districtCode!,
        },
        check: { spotCheckId, itemCodes: [], ...check },
      } satisfies VisitCommand,
      ctx,
      undefined,
      res,
    );
    res.status(201);
    return { visitId, spotCheckId, version: result.version };
  }

  // ---- self-evaluations and scores ----------------------------------------------------------------------

  /** The scores table as a summary: per district its items with evidence counted, section totals, total and rank. */
  @Get('campaigns/:id/scores')
  @Roles(...SCORE_READERS)
  async scoreTable(@Param('id', UuidParam) id: string, @CurrentPrincipal() p: Principal) {
    const campaign = await this.campaigns.get(id);
    const table = await this.scores.table(campaign, this.clock.now());
    return {
      campaignId: id,
      ...table,
      districts: table.districts.filter((d) => AccessPolicy.canActOnDistrict(p, d.districtCode)).map(summariseScore),
    };
  }

  /** The evidence behind one computed item of one district, a page at a time, in the rubric's order. */
  @Get('campaigns/:id/scores/:districtCode/items/:item/evidence')
  @Roles(...SCORE_READERS)
  async evidence(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Param('item', ItemParam) item: number,
    @Query() q: EvidencePageQuery,
    @CurrentPrincipal() p: Principal,
  ) {
    const campaign = await this.campaigns.get(id);
    campaignDistrict(campaign, code, p);
    const score = (await this.scores.table(campaign, this.clock.now())).districts.find((d) => d.districtCode === code)!;
    const computed = score.computed.find((c) => c.item === item);
    if (!computed) throw notFound(`item ${item} is not a computed item of the rubric`);
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    return {
      campaignId: id,
      districtCode: code,
      item,
      computedAsOf: score.computedAsOf,
      items: computed.evidence.slice(offset, offset + limit),
      total: computed.evidence.length,
      totalExact: true,
      limit,
      offset,
    };
  }

  @Get('campaigns/:id/self-evaluations/:districtCode')
  @Roles(...SCORE_READERS)
  async evaluation(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    campaignDistrict(campaign, code, p);
    const { state, version } = await this.reader.load(
      selfEvaluationDecider,
      selfEvaluationStream(id, code),
      pointInTime(pit),
    );
    const score = (await this.scores.table(campaign, this.clock.now())).districts.find((d) => d.districtCode === code)!;
    const finalised = state.finalised && { ...state.finalised, computed: summariseItems(state.finalised.computed) };
    return conditionalGet(res, version, ifNoneMatch, {
      ...withoutExists(state),
      finalised,
      campaignId: id,
      districtCode: code,
      score: summariseScore(score),
      version,
    });
  }

  @Put('campaigns/:id/self-evaluations/:districtCode/items')
  @Roles('district-officer')
  async declare(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: DeclareItemsDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.evaluate(id, code, ctx, ifMatch, res, (c) => {
      const r = Scores.rubricFor(c);
      return {
        kind: 'DeclareItems',
        phase: phaseStatus(c, 'cross-check'),
        campaignId: id,
        districtCode: code,
        rubric: { rubricId: r.rubricId, version: r.version },
        items: body.items,
      };
    });
  }

  @Post('campaigns/:id/self-evaluations/:districtCode/submit')
  @HttpCode(200)
  @Roles('district-officer')
  async submit(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: SubmitEvaluationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const files: SubmissionFiles = {};
    for (const key of ['stampedScan', 'electronicFile'] as const) {
      const cited = await this.files.cite(body?.[key], ctx.principal, key);
      if (cited) files[key] = cited;
    }
    return this.evaluate(id, code, ctx, ifMatch, res, (c) => ({
      kind: 'SubmitEvaluation',
      phase: phaseStatus(c, 'cross-check'),
      due: c.deadlines.find((d) => d.key === 'self-evaluation')?.due ?? null,
      files,
    }));
  }

  @Post('campaigns/:id/self-evaluations/:districtCode/reviews')
  @HttpCode(200)
  @Roles('supervisor')
  async review(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: ReviewItemsDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.evaluate(id, code, ctx, ifMatch, res, (c, groupNo) => ({
      kind: 'ReviewItems',
      phase: phaseStatus(c, 'cross-check'),
      groupNo: groupNo!,
      reviews: body.reviews,
    }));
  }

  @Post('campaigns/:id/self-evaluations/:districtCode/finalise')
  @HttpCode(200)
  @Roles('supervisor')
  async finalise(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.evaluate(id, code, ctx, ifMatch, res, async (c, groupNo) => {
      const now = this.clock.now();
      const live = (await this.scores.table(c, now)).districts.find((d) => d.districtCode === code)!;
      return {
        kind: 'FinaliseEvaluation',
        phase: phaseStatus(c, 'cross-check'),
        groupNo: groupNo!,
        computed: live.computed,
        asOf: now.toISOString(),
      };
    });
  }

  /**
   * District officers act on their own district's evaluation; supervisors only as members of the district's
   * group (the group number goes into the command).
   */
  private async evaluate(
    campaignId: string,
    code: string,
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
    build: (c: CampaignState, groupNo: number | null) => SelfEvaluationCommand | Promise<SelfEvaluationCommand>,
  ) {
    const campaign = await this.campaigns.get(campaignId);
    let groupNo: number | null = null;
    if (ctx.principal.role === 'supervisor')
      groupNo = (await this.requireGroupMember(campaign, code, ctx.principal)).groupNo;
    else campaignDistrict(campaign, code, ctx.principal);
    const result = await executeWithEtag(
      this.commands,
      selfEvaluationDecider,
      selfEvaluationStream(campaignId, code),
      await build(campaign, groupNo),
      ctx,
      ifMatch,
      res,
    );
    return { campaignId, districtCode: code, version: result.version };
  }

  private async requireGroupMember(campaign: CampaignState, code: string, p: Principal): Promise<SupervisionGroup> {
    if (!campaign.districts.some((d) => d.code === code))
      throw notFound(`district ${code} is not in campaign ${campaign.id}`);
    const { state } = await this.reader.load(supervisionDecider, supervisionStream(campaign.id));
    if (!isSupervisorOf(state, p, code)) {
      const g = groupOfDistrict(state, code);
      throw new ForbiddenException(
        g
          ? `only members of supervision group ${g.groupNo} act in ${code}`
          : `district ${code} has no supervision group yet`,
      );
    }
    return groupOfDistrict(state, code)!;
  }

  private async loadVisit(campaignId: string, visitId: string, p: Principal, at?: PointInTime) {
    const loaded = await this.reader.load(visitDecider, visitStream(visitId), at);
    if (!loaded.state.exists || loaded.state.campaignId !== campaignId || !this.canSee(p, loaded.state.districtCode))
      throw notFound(`visit ${visitId} not found`);
    return loaded;
  }

  /** Visits are the city's supervision: every supervisor reads them all; district officers their own districts'. */
  private canSee(p: Principal, districtCode: string): boolean {
    return p.role === 'supervisor' || AccessPolicy.canActOnDistrict(p, districtCode);
  }
}
