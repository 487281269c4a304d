import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { CommandCtx, READ_ROLES, Roles } from '../auth/auth.decorators';
import { EventStore } from '../event-store/event-store';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { eventToJson } from '../http/event-json';
import { KeyParam, PhaseParam, SubjectTypeParam, UuidParam } from '../http/params';
import { notFound } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { campaignDecider, campaignStream } from './campaign.decider';
import type { CampaignCommand } from './campaign.decider';
import type { PhaseId, SubjectType } from '../domain';
import {
  ChooseChecklistDto,
  HistoryQuery,
  LaunchCampaignDto,
  ListCampaignsQuery,
  ReminderScheduleDto,
  SetDeadlineDto,
} from './campaign.dto';
import { CampaignQueries } from './campaign.queries';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';

const BASE = '/api/v1/campaigns';

@Controller('api/v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly store: EventStore,
    private readonly queries: CampaignQueries,
  ) {}

  @Post()
  @Roles('city-admin')
  async launch(
    @Body() body: LaunchCampaignDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = body.id ?? randomUUID();
    const { id: _id, ...rest } = body;
    const result = await this.run(id, { type: 'LaunchCampaign', campaignId: id, ...rest }, ctx, undefined, res);
    res.status(201).setHeader('Location', `${BASE}/${id}`);
    return { id, version: result.version };
  }

  @Get()
  @Roles(...READ_ROLES)
  list(@Query() q: ListCampaignsQuery) {
    return this.queries.list(q);
  }

  @Get(':id')
  @Roles(...READ_ROLES)
  async get(
    @Param('id', UuidParam) id: string,
    @Query() q: PointInTimeQuery,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const campaign = await this.queries.get(id, pointInTime(q));
    return conditionalGet(res, campaign.version, ifNoneMatch, campaign);
  }

  @Post(':id/phases/:phase/open')
  @HttpCode(200)
  @Roles('city-admin')
  async openPhase(
    @Param('id', UuidParam) id: string,
    @Param('phase', PhaseParam) phase: PhaseId,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.phaseCommand(id, { type: 'OpenPhase', phase }, ctx, ifMatch, res);
  }

  @Post(':id/phases/:phase/close')
  @HttpCode(200)
  @Roles('city-admin')
  async closePhase(
    @Param('id', UuidParam) id: string,
    @Param('phase', PhaseParam) phase: PhaseId,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.phaseCommand(id, { type: 'ClosePhase', phase }, ctx, ifMatch, res);
  }

  @Put(':id/deadlines/:key')
  @Roles('city-admin')
  async setDeadline(
    @Param('id', UuidParam) id: string,
    @Param('key', KeyParam) key: string,
    @Body() body: SetDeadlineDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.run(id, { type: 'SetDeadline', key, ...body }, ctx, ifMatch, res);
    const added = result.events.some((e) => e.type === 'campaign.deadline-added');
    res.status(added ? 201 : 200);
    if (added) res.setHeader('Location', `${BASE}/${id}/deadlines/${key}`);
    return { id, version: result.version, key, changed: result.events.length > 0 };
  }

  /** When reminders go out for this campaign's obligations (days before, overdue escalation, time of day, CST). */
  @Put(':id/reminder-schedule')
  @Roles('city-admin')
  async setReminderSchedule(
    @Param('id', UuidParam) id: string,
    @Body() body: ReminderScheduleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.run(id, { type: 'SetReminderSchedule', ...body }, ctx, ifMatch, res);
    return { id, version: result.version, changed: result.events.length > 0 };
  }

  @Put(':id/checklists/:subjectType')
  @Roles('city-admin')
  async chooseChecklist(
    @Param('id', UuidParam) id: string,
    @Param('subjectType', SubjectTypeParam) subjectType: SubjectType,
    @Body() body: ChooseChecklistDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.run(id, { type: 'ChooseChecklist', subjectType, ...body }, ctx, ifMatch, res);
    const chosen = result.events[0]?.data as { templateId: string; version: number } | undefined;
    return {
      id,
      version: result.version,
      subjectType,
      changed: result.events.length > 0,
      ...(chosen ? { templateId: chosen.templateId, templateVersion: chosen.version } : {}),
    };
  }

  @Get(':id/events')
  @Roles(...READ_ROLES)
  async history(@Param('id', UuidParam) id: string, @Query() q: HistoryQuery) {
    const from = q.fromVersion ?? 1;
    const limit = q.limit ?? 100;
    const events = await this.store.readStream(campaignStream(id), { fromVersion: from, toVersion: from + limit - 1 });
    if (!events.length && from === 1) throw notFound(`campaign ${id} not found`);
    return {
      items: events.map(eventToJson),
      nextFromVersion: events.length === limit ? events[events.length - 1].streamVersion + 1 : null,
    };
  }

  private async phaseCommand(
    id: string,
    command: CampaignCommand,
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
  ) {
    const result = await this.run(id, command, ctx, ifMatch, res);
    return { id, version: result.version };
  }

  private run(id: string, command: CampaignCommand, ctx: CommandContext, ifMatch: string | undefined, res: Response) {
    return executeWithEtag(this.commands, campaignDecider, campaignStream(id), command, ctx, ifMatch, res);
  }
}
