import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { FilesService } from '../files/files.module';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { CampaignReader } from '../campaigns/campaigns.module';
import { phaseStatus } from '../campaigns';
import type { CampaignState } from '../campaigns';
import { AnswersDto, RectificationDto, VerificationDto } from '../checklists/checklists.module';
import { templateFor } from '../campaigns';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { UuidParam } from '../http/params';
import { AggregateReader } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { Alongside, CommandContext } from '../shared/execute-decider.command';
import { subjectDecider, subjectStream } from '../subjects';
import type { SubjectCommand, SubjectState } from '../subjects';
import { SubjectReader } from '../subjects/subjects.module';
import { inspectionDecider, inspectionStream } from './inspection.decider';
import type { InspectionCommand, InspectionState } from './inspection.decider';
import { InspectionQueries } from './inspection.queries';
import { ConductDto, IssueOrderDto, ListInspectionsQuery, PenaltyDto, ScheduleInspectionDto } from './inspection.dto';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';

/** 执法检查: inspections (one visit, one form), their rectification orders and penalties. */
@Controller('api/v1/campaigns/:id/inspections')
export class InspectionsController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    private readonly reader: AggregateReader,
    private readonly queries: InspectionQueries,
    private readonly files: FilesService,
  ) {}

  @Post()
  @Roles('district-officer')
  async schedule(
    @Param('id', UuidParam) id: string,
    @Body() body: ScheduleInspectionDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.campaigns.get(id);
    const subject = await this.subjects.getInScope(body.subjectId.toLowerCase(), ctx.principal, id);
    // a subject whose stream has recorded no inspection yet may have one opened before streams recorded them
    const openInspectionId = subject.lastInspectionId ? null : await this.queries.openBeforeStreams(subject.subjectId!);
    const inspectionId = randomUUID();
    const command: InspectionCommand = {
      kind: 'ScheduleInspection',
      phase: this.phase(campaign),
      inspectionId,
      campaignId: id,
      subject: {
        subjectId: subject.subjectId!,
        subjectType: subject.type!,
        districtCode: subject.districtCode!,
        active: subject.active,
      },
      template: templateFor(campaign, subject.type!),
      plannedOn: body.plannedOn,
      openInspectionId,
    };
    // 一机构一表单, decided against the log: the subject's stream records the inspection in the same append
    const alongside: Alongside<SubjectCommand, SubjectState> = {
      decider: subjectDecider,
      streamId: subjectStream(subject.subjectId!),
      command: async (s) => ({
        kind: 'OpenInspection',
        inspectionId,
        previous: s.lastInspectionId ? await this.completion(s.lastInspectionId) : null,
      }),
    };
    const result = await executeWithEtag(
      this.commands,
      inspectionDecider,
      inspectionStream(inspectionId),
      command,
      ctx,
      undefined,
      res,
      alongside,
    );
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/inspections/${inspectionId}`);
    return { inspectionId, version: result.version };
  }

  @Get()
  @Roles(...READ_ROLES)
  list(@Param('id', UuidParam) id: string, @Query() q: ListInspectionsQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.list(id, q, p);
  }

  @Get(':inspectionId')
  @Roles(...READ_ROLES)
  async get(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) inspectionId: string,
    @Query() q: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const form = await this.queries.get(id, inspectionId, p, pointInTime(q));
    return conditionalGet(res, form.version, ifNoneMatch, form.view);
  }

  @Post(':inspectionId/conduct')
  @HttpCode(200)
  @Roles('district-officer')
  async conduct(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Body() body: ConductDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, iid, ctx, ifMatch, res, (c) => ({ kind: 'RecordConduct', phase: this.phase(c), ...body }));
  }

  @Put(':inspectionId/answers')
  @Roles('district-officer')
  async answer(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Body() body: AnswersDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, iid, ctx, ifMatch, res, (c) => ({
      kind: 'AnswerInspection',
      phase: this.phase(c),
      answers: body.answers,
    }));
  }

  @Post(':inspectionId/complete')
  @HttpCode(200)
  @Roles('district-officer')
  async complete(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, iid, ctx, ifMatch, res, (c) => ({ kind: 'CompleteInspection', phase: this.phase(c) }));
  }

  @Post(':inspectionId/orders')
  @Roles('district-officer')
  async issueOrder(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Body() body: IssueOrderDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const orderId = randomUUID();
    const out = await this.command(id, iid, ctx, undefined, res, (c) => ({
      kind: 'IssueOrder',
      phase: this.phase(c),
      orderId,
      ...body,
    }));
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/problems/${orderId}`);
    return { ...out, orderId };
  }

  @Post(':inspectionId/orders/:orderId/rectification')
  @HttpCode(200)
  @Roles('district-officer', 'subject-user')
  async rectify(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Param('orderId', UuidParam) orderId: string,
    @Body() body: RectificationDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const evidence = await this.files.evidence(body.evidence, ctx.principal);
    return this.command(id, iid, ctx, undefined, res, (c) => ({
      kind: 'ReportOrderRectified',
      phase: this.phase(c),
      orderId,
      evidence,
    }));
  }

  @Post(':inspectionId/orders/:orderId/verification')
  @HttpCode(200)
  @Roles('district-officer')
  async verify(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Param('orderId', UuidParam) orderId: string,
    @Body() body: VerificationDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, iid, ctx, undefined, res, (c) => ({
      kind: 'VerifyOrder',
      phase: this.phase(c),
      orderId,
      ...body,
    }));
  }

  @Post(':inspectionId/penalties')
  @Roles('district-officer')
  async penalty(
    @Param('id', UuidParam) id: string,
    @Param('inspectionId', UuidParam) iid: string,
    @Body() body: PenaltyDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const penaltyId = randomUUID();
    const out = await this.command(id, iid, ctx, undefined, res, (c) => ({
      kind: 'RecordPenalty',
      phase: this.phase(c),
      penaltyId,
      penalty: { ...body },
    }));
    res.status(201);
    return { ...out, penaltyId };
  }

  /** Whether an inspection has been completed (final: a completed one stays completed). */
  private async completion(inspectionId: string) {
    const { state } = await this.reader.load(inspectionDecider, inspectionStream(inspectionId));
    return { inspectionId, completed: state.status === 'completed' };
  }

  private phase(c: CampaignState) {
    return phaseStatus(c, 'enforcement');
  }

  /** Loads the campaign and the inspection; an inspection outside the caller's scope does not exist for it. */
  private async command(
    campaignId: string,
    inspectionId: string,
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
    build: (c: CampaignState, s: InspectionState) => InspectionCommand,
  ) {
    const campaign = await this.campaigns.get(campaignId);
    const stream = inspectionStream(inspectionId);
    const { state } = await this.reader.load(inspectionDecider, stream);
    if (
      !state.exists ||
      state.campaignId !== campaignId ||
      !AccessPolicy.canActOnSubject(ctx.principal, state.subjectId, state.districtCode)
    ) {
      throw notFound(`inspection ${inspectionId} not found`);
    }
    const result = await executeWithEtag(
      this.commands,
      inspectionDecider,
      stream,
      build(campaign, state),
      ctx,
      ifMatch,
      res,
    );
    return { inspectionId, version: result.version };
  }
}
