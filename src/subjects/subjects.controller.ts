import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import type { Request, Response } from 'express';
import { Pool, QueryResultRow } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, READ_ROLES, Roles } from '../auth/auth.decorators';
import { CampaignReader } from '../campaigns/campaign.reader';
import { EventStore } from '../event-store/event-store';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { decodeCursor, pageOf } from '../http/paging';
import { ValidationProblem } from '../http/problem';
import { eventToJson } from '../http/event-json';
import { UuidParam } from '../http/params';
import { PG_POOL } from '../infra/tokens';
import { Clock } from '../shared/clock';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { SubjectImportService } from './subject-import.service';
import { campaignScopeOf, subjectDecider, subjectIdFor, subjectStream } from './subject.decider';
import type { SubjectCommand } from './subject.decider';
import { SubjectReader } from './subject.reader';
import {
  AmendSubjectDto,
  DeactivateSubjectDto,
  ImportQuery,
  ListSubjectsQuery,
  RegisterSubjectDto,
  TimelineQuery,
} from './subject.dto';
import { rowToSubject, subjectsProjection } from './subjects.projection';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';
import { TimeTravel } from '../projections/time-travel';

const BASE = '/api/v1/subjects';

@Controller('api/v1/subjects')
export class SubjectsController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly campaigns: CampaignReader,
    private readonly subjects: SubjectReader,
    private readonly imports: SubjectImportService,
    private readonly store: EventStore,
    private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly timeTravel: TimeTravel,
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
  async list(@Query() q: ListSubjectsQuery, @CurrentPrincipal() p: Principal) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.district) {
      AccessPolicy.assertDistrict(p, q.district);
      where.push(`district_code = $${params.push(q.district)}`);
    }
    const scope = AccessPolicy.sqlScope(p, params, 'district_code', 'id');
    if (scope) where.push(scope);
    if (q.campaign) where.push(`campaign_id = $${params.push(q.campaign)}`);
    if (q.type) where.push(`type = $${params.push(q.type)}`);
    if (q.highRisk) where.push(`high_risk = $${params.push(q.highRisk === 'true')}`);
    if (q.active) where.push(`active = $${params.push(q.active === 'true')}`);
    if (q.q) where.push(`(strpos(name, $${params.push(q.q)}) > 0 OR uscc = upper($${params.length}))`);
    if (q.after !== undefined && q.offset)
      throw new ValidationProblem([
        { field: 'offset', rule: 'cursorOrOffset', message: 'offset cannot be combined with after' },
      ]);
    const keyset = { columns: ['district_code', 'name', 'id'], after: decodeCursor(q.after, 3) };
    return pageOf(
      this.pool,
      {
        from: 'rm_subjects',
        where,
        params,
        orderBy: 'district_code, name, id',
        limit: q.limit,
        offset: q.offset,
        keyset,
      },
      rowToSubject,
    );
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
    const at = pointInTime(q);
    const current = await this.visibleRow(id, p);
    const row = at
      ? await this.timeTravel.row(subjectsProjection, subjectStream(id), at, {
          sql: 'SELECT * FROM rm_subjects WHERE id = $1',
          params: [id],
        })
      : current;
    const subject = rowToSubject(row);
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
  async timeline(@Param('id', UuidParam) id: string, @Query() q: TimelineQuery, @CurrentPrincipal() p: Principal) {
    await this.visibleRow(id, p);
    const limit = q.limit ?? 100;
    const { rows: positions } = await this.pool.query<{ global_position: string }>(
      `SELECT p AS global_position FROM rm_subject_timeline t, unnest(t.positions) AS p WHERE t.subject_id = $1 AND p > $2
        ORDER BY p LIMIT $3`,
      [id, q.after ?? 0, limit],
    );
    const events = await this.store.readPositions(positions.map((r) => Number(r.global_position)));
    return {
      items: events.map(eventToJson),
      next: positions.length === limit ? Number(positions[positions.length - 1].global_position) : null,
    };
  }

  /** The subject's registry row, when the caller may see it (else a 404: its existence does not leak). */
  private async visibleRow(id: string, p: Principal): Promise<QueryResultRow> {
    const { rows } = await this.pool.query('SELECT * FROM rm_subjects WHERE id = $1', [id]);
    if (!rows.length || !AccessPolicy.canActOnSubject(p, id, rows[0].district_code))
      throw notFound(`subject ${id} not found`);
    return rows[0];
  }

  private run(id: string, command: SubjectCommand, ctx: CommandContext, ifMatch: string | undefined, res: Response) {
    return executeWithEtag(this.commands, subjectDecider, subjectStream(id), command, ctx, ifMatch, res);
  }
}
