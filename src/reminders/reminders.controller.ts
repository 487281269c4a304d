import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { executeWithEtag } from '../http/command-response';
import { pageOf } from '../http/paging';
import { DottedIdParam } from '../http/params';
import { PG_POOL } from '../infra/tokens';
import { Clock } from '../shared/clock';
import { cstDate, lateFrom } from '../shared/dates';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { obligationDecider, obligationStream } from './obligation.decider';
import { DeclareFulfilmentDto, ListObligationsQuery, ListRemindersQuery } from './reminders.dto';
import { rowToObligation } from './obligations.projection';

const INBOX_ROLES = ['city-admin', 'district-officer', 'subject-user', 'auditor', 'integration'] as const;

/**
 * The inbox of reminders and overdue escalations, and the obligations behind them. A caller sees what was sent
 * to the parties it answers for; with `party=` it may look at another party within its scope (a district
 * officer at a subject of its district). Auditors and integrations read every inbox.
 */
@Controller('api/v1')
export class RemindersController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get('reminders')
  @Roles(...INBOX_ROLES)
  async inbox(@Query() q: ListRemindersQuery, @CurrentPrincipal() p: Principal) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (q.party) {
      where.push(`recipient = $${params.push(q.party)}`);
      const scope = AccessPolicy.partyScope(p, q.party, params);
      if (scope) where.push(scope);
    } else if (!AccessPolicy.hasCityScope(p) || p.role === 'city-admin') {
      where.push(`recipient = ANY($${params.push(AccessPolicy.heldParties(p))}::text[])`);
    }
    if (q.status === 'unread') where.push('read_at IS NULL');
    if (q.status === 'read') where.push('read_at IS NOT NULL');
    if (q.kind) where.push(`kind = $${params.push(q.kind)}`);
    if (q.campaignId) where.push(`campaign_id = $${params.push(q.campaignId.toLowerCase())}`);
    return pageOf(
      this.pool,
      {
        from: 'rm_reminders',
        where,
        params,
        orderBy: 'sent_at DESC, reminder_id, recipient',
        limit: q.limit,
        offset: q.offset,
      },
      (r) => ({
        reminderId: r.reminder_id,
        recipient: r.recipient,
        kind: r.kind,
        offset: r.offset,
        campaignId: r.campaign_id,
        obligation: {
          id: r.obligation_id,
          kind: r.obligation_kind,
          ref: r.ref,
          title: r.title,
          party: r.party,
          districtCode: r.district_code,
          due: r.due,
        },
        sentAt: r.sent_at.toISOString(),
        readAt: r.read_at ? r.read_at.toISOString() : null,
      }),
    );
  }

  @Post('reminders/:reminderId/read')
  @HttpCode(200)
  @Roles('city-admin', 'district-officer', 'subject-user')
  async markRead(
    @Param('reminderId', DottedIdParam) reminderId: string,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { rows } = await this.pool.query('SELECT obligation_id, recipient FROM rm_reminders WHERE reminder_id = $1', [
      reminderId,
    ]);
    if (!rows.length) throw notFound(`reminder ${reminderId} not found`);
    const mine = AccessPolicy.heldParties(ctx.principal).filter((party) => rows.some((r) => r.recipient === party));
    if (!mine.length) throw new ForbiddenException(`reminder ${reminderId} was not sent to a party you answer for`);
    const obligationId = rows[0].obligation_id;
    const result = await executeWithEtag(
      this.commands,
      obligationDecider,
      obligationStream(obligationId),
      { kind: 'MarkRead', obligationId, reminderId, parties: mine },
      ctx,
      undefined,
      res,
    );
    return { reminderId, readBy: mine, changed: result.events.length > 0 };
  }

  @Get('obligations')
  @Roles(...INBOX_ROLES, 'supervisor')
  async obligations(@Query() q: ListObligationsQuery, @CurrentPrincipal() p: Principal) {
    const params: unknown[] = [];
    const where: string[] = [];
    const scope = AccessPolicy.sqlScope(p, params);
    if (scope) where.push(scope);
    if (q.district) {
      AccessPolicy.assertDistrict(p, q.district);
      where.push(`district_code = $${params.push(q.district)}`);
    }
    if (q.party) where.push(`party = $${params.push(q.party)}`);
    if (q.campaignId) where.push(`campaign_id = $${params.push(q.campaignId.toLowerCase())}`);
    if (q.kind) where.push(`kind = $${params.push(q.kind)}`);
    const now = this.clock.now();
    if (q.status === 'overdue') {
      // late from the start of the day after the due day, CST
      where.push(`status = 'open'`, `due < $${params.push(cstDate(now))}::date`);
    } else if (q.status) {
      where.push(`status = $${params.push(q.status)}`);
    }
    return pageOf(
      this.pool,
      { from: 'rm_obligations', where, params, orderBy: 'due, id', limit: q.limit, offset: q.offset },
      (row) => {
        const o = rowToObligation(row);
        return { ...o, overdue: o.status === 'open' && now.getTime() >= lateFrom(o.due).getTime() };
      },
    );
  }

  /** For deadlines no report of the product discharges (an implementation plan, say): the party declares it met. */
  @Post('obligations/:obligationId/fulfilment')
  @HttpCode(201)
  @Roles('city-admin', 'district-officer', 'subject-user')
  async declare(
    @Param('obligationId', DottedIdParam) id: string,
    @Body() body: DeclareFulfilmentDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { rows } = await this.pool.query('SELECT * FROM rm_obligations WHERE id = $1', [id]);
    if (!rows.length) throw notFound(`obligation ${id} not found`);
    const obligation = rowToObligation(rows[0]);
    if (!AccessPolicy.heldParties(ctx.principal).includes(obligation.party))
      throw new ForbiddenException(`obligation ${id} is owed by ${obligation.party}, not by you`);
    const result = await executeWithEtag(
      this.commands,
      obligationDecider,
      obligationStream(id),
      {
        kind: 'DeclareFulfilment',
        obligation,
        note: body.note,
        reference: body.reference ?? null,
      },
      ctx,
      undefined,
      res,
    );
    return { obligationId: id, status: 'fulfilled', version: result.version };
  }
}
