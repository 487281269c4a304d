import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { FilesService } from '../files/files.module';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { CampaignReader } from '../campaigns/campaigns.module';
import { phaseStatus } from '../campaigns';
import type { CampaignState } from '../campaigns';
import { AnswersDto, RectificationDto, VerificationDto } from '../checklists/checklists.module';
import { templateFor } from '../campaigns';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';

import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { UuidParam } from '../http/params';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { SubjectReader } from '../subjects/subjects.module';
import type { SubjectState } from '../subjects';
import { selfInspectionDecider, selfInspectionStream } from './self-inspection.decider';
import type { SelfInspectionCommand } from './self-inspection.decider';
import { SelfInspectionQueries } from './self-inspection.queries';
import {
  AcceptDto,
  CommitmentDto,
  ListProblemDto,
  ListSelfInspectionsQuery,
  ReturnDto,
  StartSelfInspectionDto,
} from './self-inspection.dto';

const SUBJECT_SIDE = ['district-officer', 'subject-user'] as const;

/** 自查自改: one self-inspection per (campaign, subject), addressed by the subject's id. */
@Controller('api/v1/campaigns/:id/self-inspections')
export class SelfInspectionsController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    private readonly queries: SelfInspectionQueries,
    private readonly files: FilesService,
  ) {}

  @Post()
  @Roles(...SUBJECT_SIDE)
  async start(
    @Param('id', UuidParam) id: string,
    @Body() body: StartSelfInspectionDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const subjectId = body.subjectId.toLowerCase();
    const out = await this.command(id, subjectId, ctx, undefined, res, (c, s) => ({
      kind: 'StartSelfInspection',
      phase: this.phase(c),
      campaignId: id,
      subjectId,
      subjectType: s.type!,
      districtCode: s.districtCode!,
      template: templateFor(c, s.type!),
    }));
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/self-inspections/${subjectId}`);
    return out;
  }

  @Get()
  @Roles(...READ_ROLES)
  list(@Param('id', UuidParam) id: string, @Query() q: ListSelfInspectionsQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.list(id, q, p);
  }

  @Get(':subjectId')
  @Roles(...READ_ROLES)
  async get(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Query() q: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const form = await this.queries.get(id, subjectId, p, pointInTime(q));
    return conditionalGet(res, form.version, ifNoneMatch, form.view);
  }

  @Put(':subjectId/answers')
  @Roles(...SUBJECT_SIDE)
  async answer(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Body() body: AnswersDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c) => ({
      kind: 'AnswerSelfInspection',
      phase: this.phase(c),
      answers: body.answers,
    }));
  }

  @Post(':subjectId/problems')
  @Roles(...SUBJECT_SIDE)
  async listProblem(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Body() body: ListProblemDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const problemId = randomUUID();
    const out = await this.command(id, subjectId, ctx, undefined, res, (c) => ({
      kind: 'ListProblem',
      phase: this.phase(c),
      problemId,
      ...body,
    }));
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/problems/${problemId}`);
    return { ...out, problemId };
  }

  @Post(':subjectId/problems/:problemId/rectification')
  @HttpCode(200)
  @Roles(...SUBJECT_SIDE)
  async rectify(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Param('problemId', UuidParam) problemId: string,
    @Body() body: RectificationDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const evidence = await this.files.evidence(body.evidence, ctx.principal);
    return this.command(id, subjectId, ctx, undefined, res, (c) => ({
      kind: 'RectifyProblem',
      phase: this.phase(c),
      problemId,
      evidence,
    }));
  }

  @Post(':subjectId/problems/:problemId/verification')
  @HttpCode(200)
  @Roles('district-officer')
  async verify(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Param('problemId', UuidParam) problemId: string,
    @Body() body: VerificationDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, subjectId, ctx, undefined, res, (c) => ({
      kind: 'VerifyProblem',
      phase: this.phase(c),
      problemId,
      ...body,
    }));
  }

  @Put(':subjectId/commitment')
  @Roles(...SUBJECT_SIDE)
  async sign(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Body() body: CommitmentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { scan, ...signed } = body;
    const cited = await this.files.cite(scan, ctx.principal, 'scan');
    const scanned = cited ? { scan: cited } : {};
    return this.command(id, subjectId, ctx, ifMatch, res, (c, s) => ({
      kind: 'SignCommitment',
      phase: this.phase(c),
      ...signed,
      ...scanned,
      principalName: s.principal!.name,
    }));
  }

  @Post(':subjectId/submit')
  @HttpCode(200)
  @Roles(...SUBJECT_SIDE)
  async submit(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c, s) => {
      const deadline = c.deadlines.find((d) => d.key === 'self-correction-report' && d.owedBy === s.type);
      return { kind: 'SubmitSelfInspection', phase: this.phase(c), due: deadline?.due ?? null };
    });
  }

  @Post(':subjectId/accept')
  @HttpCode(200)
  @Roles('district-officer')
  async accept(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Body() body: AcceptDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c) => ({
      kind: 'AcceptSelfInspection',
      phase: this.phase(c),
      ...body,
    }));
  }

  @Post(':subjectId/return')
  @HttpCode(200)
  @Roles('district-officer')
  async return(
    @Param('id', UuidParam) id: string,
    @Param('subjectId', UuidParam) subjectId: string,
    @Body() body: ReturnDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c) => ({
      kind: 'ReturnSelfInspection',
      phase: this.phase(c),
      reason: body.reason,
    }));
  }

  private phase(c: CampaignState) {
    return phaseStatus(c, 'self-correction');
  }

  private async command(
    campaignId: string,
    subjectId: string,
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
    build: (c: CampaignState, s: SubjectState) => SelfInspectionCommand,
  ) {
    const campaign = await this.campaigns.get(campaignId);
    const subject = await this.subjects.getInScope(subjectId, ctx.principal, campaignId);
    const command = build(campaign, subject);
    const result = await executeWithEtag(
      this.commands,
      selfInspectionDecider,
      selfInspectionStream(subjectId),
      command,
      ctx,
      ifMatch,
      res,
    );
    return { subjectId, version: result.version };
  }
}
