import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { FilesService } from '../files/files.module';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { campaignDistrict, CampaignReader } from '../campaigns/campaigns.module';
import { phaseStatus } from '../campaigns';
import type { CampaignState } from '../campaigns';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { DistrictParam, PositiveIntParam, UuidParam } from '../http/params';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';
import { withoutExists } from '../projections/evolve-row';
import { AggregateReader } from '../shared/aggregate-reader';
import { Clock } from '../shared/clock';
import { cstDate } from '../shared/dates';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { toCsv } from '../subjects';
import { bulletinDecider, bulletinStream } from './bulletin.decider';
import { SummaryFigures } from './summary-figures.service';
import { summaryReportDecider, summaryReportStream } from './summary-report.decider';
import type { SummaryReportCommand } from './summary-report.decider';
import {
  AcceptSummaryDto,
  BulletinQuery,
  NarrativeDto,
  PublishBulletinDto,
  ReturnSummaryDto,
  SubmitSummaryDto,
} from './summary.dto';

const DISTRICT_READERS = READ_ROLES.filter((r) => r !== 'subject-user');
type BulletinContent = { asOf: string } & Awaited<ReturnType<SummaryFigures['of']>>;

/** 总结提升: the districts' summary reports and the city's bulletin (通报). */
@Controller('api/v1/campaigns/:id')
export class SummaryController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly reader: AggregateReader,
    private readonly figures: SummaryFigures,
    private readonly clock: Clock,
    private readonly files: FilesService,
  ) {}

  @Get('summary-reports/:districtCode')
  @Roles(...DISTRICT_READERS)
  async report(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const district = campaignDistrict(campaign, code, p);
    const { state, version } = await this.reader.load(
      summaryReportDecider,
      summaryReportStream(id, code),
      pointInTime(pit),
    );
    // figures are live in a draft and frozen from submission on
    const figures = state.figures ?? (await this.figures.of(campaign, [district], this.clock.now())).districts[0];
    return conditionalGet(res, version, ifNoneMatch, {
      ...withoutExists(state),
      campaignId: id,
      districtCode: code,
      districtName: district.name,
      figures,
      version,
    });
  }

  @Put('summary-reports/:districtCode/narrative')
  @Roles('district-officer')
  async narrative(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: NarrativeDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, code, ctx, ifMatch, res, async (c) => ({
      kind: 'WriteNarrative',
      phase: phaseStatus(c, 'summary'),
      campaignId: id,
      districtCode: code,
      narrative: body,
    }));
  }

  @Post('summary-reports/:districtCode/submit')
  @HttpCode(200)
  @Roles('district-officer')
  async submit(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: SubmitSummaryDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const cited = await this.files.cite(body?.report, ctx.principal, 'report');
    const report = cited ? { report: cited } : {};
    return this.command(id, code, ctx, ifMatch, res, async (c, district) => ({
      kind: 'SubmitSummary',
      phase: phaseStatus(c, 'summary'),
      due: c.deadlines.find((d) => d.key === 'summary-report')?.due ?? null,
      figures: (await this.figures.of(c, [district], this.clock.now())).districts[0],
      ...report,
    }));
  }

  @Post('summary-reports/:districtCode/accept')
  @HttpCode(200)
  @Roles('city-admin')
  async accept(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: AcceptSummaryDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, code, ctx, ifMatch, res, async (c) => ({
      kind: 'AcceptSummary',
      phase: phaseStatus(c, 'summary'),
      ...body,
    }));
  }

  @Post('summary-reports/:districtCode/return')
  @HttpCode(200)
  @Roles('city-admin')
  async return(
    @Param('id', UuidParam) id: string,
    @Param('districtCode', DistrictParam) code: string,
    @Body() body: ReturnSummaryDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, code, ctx, ifMatch, res, async (c) => ({
      kind: 'ReturnSummary',
      phase: phaseStatus(c, 'summary'),
      reason: body.reason,
    }));
  }

  private async command(
    campaignId: string,
    code: string,
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
    build: (c: CampaignState, d: { code: string; name: string }) => Promise<SummaryReportCommand>,
  ) {
    const campaign = await this.campaigns.get(campaignId);
    const district = campaignDistrict(campaign, code, ctx.principal);
    const result = await executeWithEtag(
      this.commands,
      summaryReportDecider,
      summaryReportStream(campaignId, code),
      await build(campaign, district),
      ctx,
      ifMatch,
      res,
    );
    return { campaignId, districtCode: code, version: result.version };
  }

  // ---- the bulletin -------------------------------------------------------------------------------------

  @Post('bulletins')
  @Roles('city-admin')
  async publish(
    @Param('id', UuidParam) id: string,
    @Body() body: PublishBulletinDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const now = this.clock.now();
    const { districts, cases } = await this.figures.of(campaign, campaign.districts, now);
    districts.sort((a, b) => (a.score.rank ?? Infinity) - (b.score.rank ?? Infinity));
    const content: BulletinContent = { asOf: cstDate(now), districts, cases };
    const result = await executeWithEtag(
      this.commands,
      bulletinDecider,
      bulletinStream(id),
      {
        kind: 'PublishBulletin',
        phase: phaseStatus(campaign, 'summary'),
        campaignId: id,
        title: body.title,
        content,
      },
      ctx,
      undefined,
      res,
    );
    const issueNo = (result.events[0]?.data as { issueNo: number }).issueNo;
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/bulletins/${issueNo}`);
    return { issueNo, version: result.version };
  }

  @Get('bulletins')
  @Roles(...READ_ROLES)
  async bulletins(@Param('id', UuidParam) id: string) {
    await this.campaigns.get(id);
    const { state } = await this.reader.load(bulletinDecider, bulletinStream(id));
    return { items: state.issues.map(({ issueNo, title, publishedAt }) => ({ issueNo, title, publishedAt })) };
  }

  /** One issue as published: JSON, or `format=csv` for one of its tables (districts by rank, or cases). */
  @Get('bulletins/:issueNo')
  @Roles(...READ_ROLES)
  async bulletin(
    @Param('id', UuidParam) id: string,
    @Param('issueNo', PositiveIntParam) issueNo: number,
    @Query() q: BulletinQuery,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.campaigns.get(id);
    const { state } = await this.reader.load(bulletinDecider, bulletinStream(id));
    const issue = state.issues.find((i) => i.issueNo === issueNo);
    if (!issue) throw notFound(`bulletin ${issueNo} not found`);
    if (q.format !== 'csv') return { campaignId: id, ...issue };
    const content = issue.content as BulletinContent;
    const table = q.table ?? 'districts';
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="bulletin-${issueNo}-${table}.csv"`);
    if (table === 'cases') {
      return toCsv([
        ['caseId', 'districtCode', 'title', 'subject', 'violation', 'penalty', 'adoptions', 'exposures'],
        ...content.cases.map((c) => [
          c.caseId,
          c.districtCode,
          c.title,
          c.subject,
          c.violation,
          c.penalty,
          c.adoptions.join(' '),
          c.exposures,
        ]),
      ]);
    }
    return toCsv([
      [
        'rank',
        'districtCode',
        'districtName',
        'score',
        'subjects',
        'inspections',
        'coveragePercent',
        'penalties',
        'finesCny',
        'problems',
        'closureRatePercent',
        'overdue',
        'cases',
      ],
      ...content.districts.map((d) => [
        d.score.rank,
        d.districtCode,
        d.districtName,
        d.score.total,
        d.subjects.total,
        d.inspections.completed,
        d.inspections.coveragePercent,
        d.penalties.total,
        d.penalties.finesCny,
        d.rectification.problems,
        d.rectification.closureRatePercent,
        d.rectification.overdue,
        d.cases,
      ]),
    ]);
  }
}
