import { Body, Controller, ForbiddenException, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { AccessPolicy } from '../auth/access-policy';
import { CommandCtx, CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { executeWithEtag } from '../http/command-response';
import { DottedIdParam } from '../http/params';
import { Clock } from '../shared/clock';
import type { Principal } from '../shared/decider';
import type { CommandContext } from '../shared/execute-decider.command';
import { obligationDecider, obligationStream } from './obligation.decider';
import { ReminderQueries } from './reminder.queries';
import { DeclareFulfilmentDto, ListObligationsQuery, ListRemindersQuery } from './reminders.dto';

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
    private readonly queries: ReminderQueries,
  ) {}

  @Get('reminders')
  @Roles(...INBOX_ROLES)
  inbox(@Query() q: ListRemindersQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.inbox(q, p);
  }

  @Post('reminders/:reminderId/read')
  @HttpCode(200)
  @Roles('city-admin', 'district-officer', 'subject-user')
  async markRead(
    @Param('reminderId', DottedIdParam) reminderId: string,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { obligationId, recipients } = await this.queries.reminder(reminderId);
    const mine = AccessPolicy.heldParties(ctx.principal).filter((party) => recipients.includes(party));
    if (!mine.length) throw new ForbiddenException(`reminder ${reminderId} was not sent to a party you answer for`);
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
  obligations(@Query() q: ListObligationsQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.obligations(q, p, this.clock.now());
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
    const obligation = await this.queries.obligation(id);
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
