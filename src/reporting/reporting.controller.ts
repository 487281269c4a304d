import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { FilesService } from '../files/files.module';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { campaignDistrict, CampaignReader } from '../campaigns/campaigns.module';
import type { CampaignState } from '../campaigns';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { DistrictParam, MonthParam, UuidParam } from '../http/params';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';
import { withoutExists } from '../projections/evolve-row';
import { AggregateReader } from '../shared/aggregate-reader';
import type { PointInTime } from '../shared/aggregate-reader';
import { Clock } from '../shared/clock';
import { invalid, notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { SubjectReader } from '../subjects/subjects.module';
import {
  monthlyObligations,
  monthlyReportDecider,
  monthlyReportStream,
  monthlyStatus,
  timeliness,
} from './monthly-report.decider';
import { tipDecider, tipOverdue, tipStream } from './public-tip.decider';
import { ReportingQueries } from './reporting.queries';
import type { TipCommand, TipState } from './public-tip.decider';
import {
  AdoptCaseDto,
  AssignTipDto,
  CloseTipDto,
  ExposeCaseDto,
  HandleTipDto,
  ListCasesQuery,
  ListTipsQuery,
  MonthlyReportDto,
  ReceiveTipDto,
  RecordCaseDto,
  VerifyTipDto,
} from './reporting.dto';
import { typicalCaseDecider, typicalCaseStream } from './typical-case.decider';
import type { TypicalCaseCommand } from './typical-case.decider';

const DISTRICT_READERS = READ_ROLES.filter((r) => r !== 'subject-user');

/** The obligations that run through the campaign: monthly reports (每月调度), typical cases, public tips. */
@Controller('api/v1/campaigns/:id')
export class ReportingController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    private readonly reader: AggregateReader,
    private readonly clock: Clock,
    private readonly queries: ReportingQueries,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly files: FilesService,
  ) {}

  // ---- monthly reports ----------------------------------------------------------------------------------

  /** The timeliness matrix: every district × every month the campaign asks for, on time / late / missing / pending. */
  @Get('monthly-reports')
  @Roles(...DISTRICT_READERS)
  async matrix(@Param('id', UuidParam) id: string, @CurrentPrincipal() p: Principal) {
    const campaign = await this.campaigns.get(id);
    const months = monthlyObligations(campaign);
    const statuses = timeliness(campaign, await this.queries.monthlyReports(id), this.clock.now());
    const districts = campaign.districts
      .filter((d) => AccessPolicy.canActOnDistrict(p, d.code))
      .map((d) => {
        const cells = statuses.get(d.code)!;
        const count = (s: string) => cells.filter((c) => c.status === s).length;
        return {
          districtCode: d.code,
          districtName: d.name,
          months: cells,
          onTime: count('on-time'),
          late: count('late'),
          missing: count('missing'),
        };
      });
    return { campaignId: id, months: months.map(({ month, due }) => ({ month, due })), districts };
  }

  @Get('monthly-reports/:districtCode/:month')
  @Roles(...DISTRICT_READERS)
  async monthlyReport(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Param('month', MonthParam) month: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    campaignDistrict(campaign, code, p);
    const obligation = this.obligation(campaign, month);
    const { state, version } = await this.reader.load(
      monthlyReportDecider,
      monthlyReportStream(id, code, month),
      pointInTime(pit),
    );
    return conditionalGet(res, version, ifNoneMatch, {
      ...withoutExists(state),
      campaignId: id,
      districtCode: code,
      month,
      due: obligation.due,
      status: monthlyStatus(state.exists ? state : undefined, obligation.due, this.clock.now()),
      draft: await this.queries.monthlyFigures(id, code, month),
      version,
    });
  }

  @Put('monthly-reports/:districtCode/:month')
  @Roles('district-officer')
  async submitMonthly(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Param('month', MonthParam) month: string,
    @Body() body: MonthlyReportDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    campaignDistrict(campaign, code, ctx.principal);
    const obligation = this.obligation(campaign, month);
    const result = await executeWithEtag(
      this.commands,
      monthlyReportDecider,
      monthlyReportStream(id, code, month),
      {
        kind: 'SubmitMonthlyReport',
        campaignId: id,
        districtCode: code,
        month,
        obligation,
        prefilled: await this.queries.monthlyFigures(id, code, month),
        ...body,
      },
      ctx,
      ifMatch,
      res,
    );
    return { campaignId: id, districtCode: code, month, version: result.version };
  }

  private obligation(campaign: CampaignState, month: string) {
    const o = monthlyObligations(campaign).find((m) => m.month === month);
    if (!o) throw notFound(`campaign ${campaign.id} asks no monthly report for ${month}`);
    return o;
  }

  // ---- typical cases ------------------------------------------------------------------------------------

  @Post('typical-cases')
  @Roles('district-officer', 'city-admin')
  async recordCase(
    @Param('id', UuidParam) id: string,
    @Body() body: RecordCaseDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    campaignDistrict(campaign, body.districtCode, ctx.principal);
    const { subjectId, districtCode, materials, ...text } = body;
    const rest = materials?.length
      ? { ...text, materials: await this.files.resolve(materials, ctx.principal, 'materials') }
      : text;
    let subject: { subjectId: string; name: string } | null = null;
    if (subjectId) {
      const s = await this.subjects.getInScope(subjectId.toLowerCase(), ctx.principal, id);
      if (s.districtCode !== districtCode)
        throw invalid(
          'subjectId',
          'must be a subject of the district',
          `the subject is in ${s.districtCode}, not ${districtCode}`,
        );
      subject = { subjectId: s.subjectId!, name: s.name! };
    }
    const caseId = randomUUID();
    const result = await executeWithEtag(
      this.commands,
      typicalCaseDecider,
      typicalCaseStream(caseId),
      {
        kind: 'RecordCase',
        caseId,
        campaignId: id,
        districtCode,
        subject,
        ...rest,
      } satisfies TypicalCaseCommand,
      ctx,
      undefined,
      res,
    );
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/typical-cases/${caseId}`);
    return { caseId, version: result.version };
  }

  @Get('typical-cases')
  @Roles(...READ_ROLES)
  async cases(@Param('id', UuidParam) id: string, @Query() q: ListCasesQuery, @CurrentPrincipal() p: Principal) {
    const campaign = await this.campaigns.get(id);
    if (q.district) campaignDistrict(campaign, q.district, p);
    return this.queries.typicalCases(id, q, p);
  }

  @Get('typical-cases/:caseId')
  @Roles(...READ_ROLES)
  async typicalCase(
    @Param('id', UuidParam) id: string,
    @Param('caseId', UuidParam) caseId: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { state, version } = await this.loadCase(id, caseId, p, pointInTime(pit));
    return conditionalGet(res, version, ifNoneMatch, { ...withoutExists(state), version });
  }

  @Post('typical-cases/:caseId/adoptions')
  @HttpCode(200)
  @Roles('city-admin')
  async adopt(
    @Param('id', UuidParam) id: string,
    @Param('caseId', UuidParam) caseId: string,
    @Body() body: AdoptCaseDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.loadCase(id, caseId, ctx.principal);
    const result = await executeWithEtag(
      this.commands,
      typicalCaseDecider,
      typicalCaseStream(caseId),
      { kind: 'AdoptCase', ...body },
      ctx,
      undefined,
      res,
    );
    return { caseId, version: result.version };
  }

  @Post('typical-cases/:caseId/exposures')
  @HttpCode(200)
  @Roles('city-admin')
  async expose(
    @Param('id', UuidParam) id: string,
    @Param('caseId', UuidParam) caseId: string,
    @Body() body: ExposeCaseDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.loadCase(id, caseId, ctx.principal);
    const result = await executeWithEtag(
      this.commands,
      typicalCaseDecider,
      typicalCaseStream(caseId),
      { kind: 'ExposeCase', ...body },
      ctx,
      undefined,
      res,
    );
    return { caseId, version: result.version };
  }

  private async loadCase(campaignId: string, caseId: string, p: Principal, at?: PointInTime) {
    const loaded = await this.reader.load(typicalCaseDecider, typicalCaseStream(caseId), at);
    const s = loaded.state;
    const visible =
      p.role === 'subject-user'
        ? s.subject?.subjectId === p.subjectId
        : AccessPolicy.canActOnDistrict(p, s.districtCode);
    if (!s.exists || s.campaignId !== campaignId || !visible) throw notFound(`typical case ${caseId} not found`);
    return loaded;
  }

  // ---- public tips --------------------------------------------------------------------------------------

  @Post('tips')
  @Roles('city-admin', 'district-officer')
  async receiveTip(
    @Param('id', UuidParam) id: string,
    @Body() body: ReceiveTipDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const p = ctx.principal;
    let subject: TipState['subject'] = null;
    if (body.subjectId) {
      const s = await this.subjects.getInScope(body.subjectId.toLowerCase(), p, id);
      subject = { subjectId: s.subjectId!, name: s.name!, districtCode: s.districtCode! };
    }
    let district = body.districtCode ?? subject?.districtCode ?? null;
    if (district) campaignDistrict(campaign, district, p);
    // a district officer's intake is its own district's tip
    if (!district && p.role === 'district-officer') {
      if (p.districts.length !== 1) throw invalid('districtCode', 'is required when you serve several districts');
      district = campaignDistrict(campaign, p.districts[0], p).code;
    }
    const tipId = randomUUID();
    const result = await executeWithEtag(
      this.commands,
      tipDecider,
      tipStream(tipId),
      {
        kind: 'ReceiveTip',
        tipId,
        campaignId: id,
        channel: body.channel,
        receivedAt: body.receivedAt,
        content: body.content,
        subject,
        districtCode: district,
        handlingDays: this.config.tipHandlingDays,
      } satisfies TipCommand,
      ctx,
      undefined,
      res,
    );
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/tips/${tipId}`);
    return { tipId, version: result.version };
  }

  @Get('tips')
  @Roles(...DISTRICT_READERS)
  async tips(@Param('id', UuidParam) id: string, @Query() q: ListTipsQuery, @CurrentPrincipal() p: Principal) {
    const campaign = await this.campaigns.get(id);
    if (q.district) campaignDistrict(campaign, q.district, p);
    return this.queries.tips(id, q, p, this.clock.now());
  }

  @Get('tips/:tipId')
  @Roles(...DISTRICT_READERS)
  async tip(
    @Param('id', UuidParam) id: string,
    @Param('tipId', UuidParam) tipId: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { state, version } = await this.loadTip(id, tipId, p, pointInTime(pit));
    return conditionalGet(res, version, ifNoneMatch, {
      ...withoutExists(state),
      overdue: tipOverdue(state, this.clock.now()),
      version,
    });
  }

  @Post('tips/:tipId/assignment')
  @HttpCode(200)
  @Roles('city-admin')
  async assignTip(
    @Param('id', UuidParam) id: string,
    @Param('tipId', UuidParam) tipId: string,
    @Body() body: AssignTipDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    return this.tipCommand(id, tipId, ctx, res, {
      kind: 'AssignTip',
      districtCode: body.districtCode,
      campaignDistricts: campaign.districts.map((d) => d.code),
    });
  }

  @Post('tips/:tipId/verification')
  @HttpCode(200)
  @Roles('district-officer', 'city-admin')
  async verifyTip(
    @Param('id', UuidParam) id: string,
    @Param('tipId', UuidParam) tipId: string,
    @Body() body: VerifyTipDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.tipCommand(id, tipId, ctx, res, { kind: 'VerifyTip', ...body });
  }

  @Post('tips/:tipId/handling')
  @HttpCode(200)
  @Roles('district-officer', 'city-admin')
  async handleTip(
    @Param('id', UuidParam) id: string,
    @Param('tipId', UuidParam) tipId: string,
    @Body() body: HandleTipDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { state } = await this.loadTip(id, tipId, ctx.principal);
    const inspectionId = body.inspectionId?.toLowerCase() ?? null;
    const penaltyId = body.penaltyId?.toLowerCase() ?? null;
    if (inspectionId && !(await this.queries.inDistrict('rm_inspections', inspectionId, id, state.districtCode))) {
      throw invalid('inspectionId', "must name an inspection of the tip's district in this campaign");
    }
    if (penaltyId && !(await this.queries.inDistrict('rm_penalties', penaltyId, id, state.districtCode))) {
      throw invalid('penaltyId', "must name a penalty of the tip's district in this campaign");
    }
    return this.tipCommand(id, tipId, ctx, res, { kind: 'HandleTip', inspectionId, penaltyId, note: body.note });
  }

  @Post('tips/:tipId/closure')
  @HttpCode(200)
  @Roles('district-officer', 'city-admin')
  async closeTip(
    @Param('id', UuidParam) id: string,
    @Param('tipId', UuidParam) tipId: string,
    @Body() body: CloseTipDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.tipCommand(id, tipId, ctx, res, { kind: 'CloseTip', outcome: body.outcome });
  }

  /** A tip not yet assigned is the city's; once assigned, its district's. */
  private async loadTip(campaignId: string, tipId: string, p: Principal, at?: PointInTime) {
    const loaded = await this.reader.load(tipDecider, tipStream(tipId), at);
    const s = loaded.state;
    const visible = s.districtCode ? AccessPolicy.canActOnDistrict(p, s.districtCode) : AccessPolicy.hasCityScope(p);
    if (!s.exists || s.campaignId !== campaignId || !visible) throw notFound(`tip ${tipId} not found`);
    return loaded;
  }

  private async tipCommand(campaignId: string, tipId: string, ctx: CommandContext, res: Response, command: TipCommand) {
    await this.loadTip(campaignId, tipId, ctx.principal);
    const result = await executeWithEtag(this.commands, tipDecider, tipStream(tipId), command, ctx, undefined, res);
    return { tipId, version: result.version };
  }
}
