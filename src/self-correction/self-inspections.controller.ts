import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { FilesService } from '../files/files.service';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { CampaignReader } from '../campaigns/campaign.reader';
import { phaseStatus } from '../campaigns/campaign.decider';
import type { CampaignState } from '../campaigns/campaign.decider';
import { AnswersDto, RectificationDto, VerificationDto } from '../checklists/checklist.dto';
import { templateFor } from '../checklists/template-for';
import { selfInspectionView } from '../enforcement/rectification.projection';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';

import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { pageOf } from '../http/paging';
import { UuidParam } from '../http/params';
import { PG_POOL } from '../infra/tokens';
import { AggregateReader } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { SubjectReader } from '../subjects/subject.reader';
import type { SubjectState } from '../subjects/subject.decider';
import { selfInspectionDecider, selfInspectionStream } from './self-inspection.decider';
import type { SelfInspectionCommand } from './self-inspection.decider';
import { AcceptDto, CommitmentDto, ListProblemDto, ListSelfInspectionsQuery, ReturnDto, StartSelfInspectionDto } from './self-inspection.dto';

const SUBJECT_SIDE = ['district-officer', 'subject-user'] as const;

/** 自查自改: one self-inspection per (campaign, subject), addressed by the subject's id. */
@Controller('api/v1/campaigns/:id/self-inspections')
export class SelfInspectionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reader: AggregateReader,
    private readonly files: FilesService,
  ) {}

  @Post()
  @Roles(...SUBJECT_SIDE)
  async start(@Param('id', UuidParam) id: string, @Body() body: StartSelfInspectionDto, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
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
  async list(@Param('id', UuidParam) id: string, @Query() q: ListSelfInspectionsQuery, @CurrentPrincipal() p: Principal) {
    const { where, params } = AccessPolicy.campaignFilter(p, id, q);
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.late) where.push(`late = $${params.push(q.late === 'true')}`);
    const orderBy = 'district_code, started_at, subject_id';
    const page = await pageOf(this.pool, { from: 'rm_self_inspections', select: 'subject_id, version', where, params, orderBy, limit: q.limit, offset: q.offset },
      (r) => ({ streamId: selfInspectionStream(r.subject_id), version: Number(r.version) }));
    return { ...page, items: (await this.reader.loadMany(selfInspectionDecider, page.items)).map(selfInspectionView) };
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
    const at = pointInTime(q);
    const { rows } = await this.pool.query('SELECT district_code, version FROM rm_self_inspections WHERE subject_id = $1 AND campaign_id = $2', [subjectId, id]);
    if (!rows.length || !AccessPolicy.canActOnSubject(p, subjectId, rows[0].district_code)) throw notFound(`no self-inspection of subject ${subjectId}`);
    // as the read model stands (its row's version), or as the self-inspection stood at the point asked for
    const form = await this.reader.loadRecorded(selfInspectionDecider, selfInspectionStream(subjectId), at ?? { version: Number(rows[0].version) });
    return conditionalGet(res, form.version, ifNoneMatch, selfInspectionView(form));
  }

  @Put(':subjectId/answers')
  @Roles(...SUBJECT_SIDE)
  async answer(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Body() body: AnswersDto,
    @Headers('if-match') ifMatch: string | undefined, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c) => ({ kind: 'AnswerSelfInspection', phase: this.phase(c), answers: body.answers }));
  }

  @Post(':subjectId/problems')
  @Roles(...SUBJECT_SIDE)
  async listProblem(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Body() body: ListProblemDto,
    @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const problemId = randomUUID();
    const out = await this.command(id, subjectId, ctx, undefined, res, (c) => ({ kind: 'ListProblem', phase: this.phase(c), problemId, ...body }));
    res.status(201).setHeader('Location', `/api/v1/campaigns/${id}/problems/${problemId}`);
    return { ...out, problemId };
  }

  @Post(':subjectId/problems/:problemId/rectification')
  @HttpCode(200)
  @Roles(...SUBJECT_SIDE)
  async rectify(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Param('problemId', UuidParam) problemId: string,
    @Body() body: RectificationDto, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const evidence = await this.files.evidence(body.evidence, ctx.principal);
    return this.command(id, subjectId, ctx, undefined, res, (c) => ({ kind: 'RectifyProblem', phase: this.phase(c), problemId, evidence }));
  }

  @Post(':subjectId/problems/:problemId/verification')
  @HttpCode(200)
  @Roles('district-officer')
  async verify(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Param('problemId', UuidParam) problemId: string,
    @Body() body: VerificationDto, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.command(id, subjectId, ctx, undefined, res, (c) => ({ kind: 'VerifyProblem', phase: this.phase(c), problemId, ...body }));
  }

  @Put(':subjectId/commitment')
  @Roles(...SUBJECT_SIDE)
  async sign(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Body() body: CommitmentDto,
    @Headers('if-match') ifMatch: string | undefined, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const { scan, ...signed } = body;
    const cited = await this.files.cite(scan, ctx.principal, 'scan');
    const scanned = cited ? { scan: cited } : {};
    return this.command(id, subjectId, ctx, ifMatch, res, (c, s) => ({ kind: 'SignCommitment', phase: this.phase(c), ...signed, ...scanned, principalName: s.principal!.name }));
  }

  @Post(':subjectId/submit')
  @HttpCode(200)
  @Roles(...SUBJECT_SIDE)
  async submit(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string,
    @Headers('if-match') ifMatch: string | undefined, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c, s) => {
      const deadline = c.deadlines.find((d) => d.key === 'self-correction-report' && d.owedBy === s.type);
      return { kind: 'SubmitSelfInspection', phase: this.phase(c), due: deadline?.due ?? null };
    });
  }

  @Post(':subjectId/accept')
  @HttpCode(200)
  @Roles('district-officer')
  async accept(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Body() body: AcceptDto,
    @Headers('if-match') ifMatch: string | undefined, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c) => ({ kind: 'AcceptSelfInspection', phase: this.phase(c), ...body }));
  }

  @Post(':subjectId/return')
  @HttpCode(200)
  @Roles('district-officer')
  async return(@Param('id', UuidParam) id: string, @Param('subjectId', UuidParam) subjectId: string, @Body() body: ReturnDto,
    @Headers('if-match') ifMatch: string | undefined, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.command(id, subjectId, ctx, ifMatch, res, (c) => ({ kind: 'ReturnSelfInspection', phase: this.phase(c), reason: body.reason }));
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
    const result = await executeWithEtag(this.commands, selfInspectionDecider, selfInspectionStream(subjectId), command, ctx, ifMatch, res);
    return { subjectId, version: result.version };
  }
}
