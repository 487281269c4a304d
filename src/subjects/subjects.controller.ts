import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import type { Request, Response } from 'express';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { CampaignReader } from '../campaigns/campaigns.module';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { UuidParam } from '../http/params';
import { Clock } from '../shared/clock';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { SubjectImportService } from './subject-import.service';
import { campaignScopeOf, subjectDecider, subjectIdFor, subjectStream } from './subject.decider';
import type { SubjectCommand } from './subject.decider';
import { SubjectQueries } from './subject.queries';
import { SubjectReader } from './subject.reader';
import {
  AmendSubjectDto,
  DeactivateSubjectDto,
  ImportQuery,
  ListSubjectsQuery,
  RegisterSubjectDto,
  TimelineQuery,
} from './subject.dto';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';

const BASE = '/api/v1/subjects';

@Controller('api/v1/subjects')
export class SubjectsController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    private readonly imports: SubjectImportService,
    private readonly clock: Clock,
    private readonly queries: SubjectQueries,
  ) {}

  @Post()
  @Roles('city-admin', 'district-officer')
  async register(
    @Body() body: RegisterSubjectDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    AccessPolicy.assertDistrict(ctx.principal, body.districtCode);
    const campaign = await this.campaigns.get(body.campaignId);
    const { campaignId, ...fields } = body;
    const id = subjectIdFor(campaignId, body.uscc);
    const command: SubjectCommand = {
      kind: 'RegisterSubject',
      subjectId: id,
      campaign: campaignScopeOf(campaign),
      ...fields,
      contact: fields.contact ?? {},
    };
    const result = await this.run(id, command, ctx, undefined, res);
    res.status(201).setHeader('Location', `${BASE}/${id}`);
    return { id, version: result.version };
  }

  @Post('import')
  @Roles('city-admin', 'district-officer')
  async import(
    @Query() q: ImportQuery,
    @Req() req: Request,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(q.campaign);
    const rows = this.imports.parse(req.body, req.headers['content-type']);
    const dryRun = q.dryRun === 'true';
    const result = await this.imports.run(campaign, rows, ctx, this.clock.now(), dryRun);
    res.status(dryRun ? 200 : 201);
    return result;
  }

  @Get()
  @Roles(...READ_ROLES)
  list(@Query() q: ListSubjectsQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.list(q, p);
  }

  @Get(':id')
  @Roles(...READ_ROLES)
  async get(
    @Param('id', UuidParam) id: string,
    @Query() q: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const subject = await this.queries.get(id, p, pointInTime(q));
    return conditionalGet(res, subject.version, ifNoneMatch, subject);
  }

  @Patch(':id')
  @Roles('city-admin', 'district-officer')
  async amend(
    @Param('id', UuidParam) id: string,
    @Body() body: AmendSubjectDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const subject = await this.subjects.getInScope(id, ctx.principal);
    if (body.districtCode !== undefined) AccessPolicy.assertDistrict(ctx.principal, body.districtCode);
    const campaign = await this.campaigns.get(subject.campaignId!);
    const result = await this.run(
      id,
      { kind: 'AmendSubject', changes: body, campaign: campaignScopeOf(campaign) },
      ctx,
      ifMatch,
      res,
    );
    return { id, version: result.version, changed: result.events.length > 0 };
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Roles('city-admin', 'district-officer')
  async deactivate(
    @Param('id', UuidParam) id: string,
    @Body() body: DeactivateSubjectDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.subjects.getInScope(id, ctx.principal);
    const result = await this.run(id, { kind: 'DeactivateSubject', reason: body.reason }, ctx, ifMatch, res);
    return { id, version: result.version };
  }

  /** Everything that happened to the subject, in log order: registry, self-inspection, inspections. */
  @Get(':id/timeline')
  @Roles(...READ_ROLES)
  timeline(@Param('id', UuidParam) id: string, @Query() q: TimelineQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.timeline(id, q, p);
  }

  private run(id: string, command: SubjectCommand, ctx: CommandContext, ifMatch: string | undefined, res: Response) {
    return executeWithEtag(this.commands, subjectDecider, subjectStream(id), command, ctx, ifMatch, res);
  }
}
