import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { QueryResultRow } from 'pg';
import { CommandCtx, CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { EventStore } from '../event-store/event-store';
import { executeWithEtag } from '../http/command-response';
import { conditionalGet } from '../http/etag';
import { ValidationProblem } from '../http/problem';
import { UuidParam } from '../http/params';
import { Clock } from '../shared/clock';
import { DomainError, notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { ConcurrencyConflictError, PreconditionFailedError } from '../shared/execute-decider.command';
import type { CommandContext, CommandResult } from '../shared/execute-decider.command';
import { AggregateReader } from '../shared/aggregate-reader';
import { matches } from './delivery-policy';
import { withDistricts } from './event-districts';
import type { NewDelivery } from './delivery-store';
import { selectsSomething } from './event-catalogue';
import { canManage, subscriptionDecider, subscriptionStream } from './subscription.decider';
import type { SecretRotated, SubscriptionCommand, SubscriptionState } from './subscription.decider';
import { rowToSubscription, webhookSubscriptionsProjection } from './subscriptions.projection';
import { PointInTimeQuery, pointInTime } from '../http/point-in-time';
import { TimeTravel } from '../projections/time-travel';
import { checkUrl, UnsafeUrlError } from './url-safety';
import { newSecret } from './webhook-secrets';
import { rowToDelivery, WebhookQueries } from './webhook.queries';
import { CreateWebhookDto, DeliveriesQuery, ReplayDto, RotateSecretDto, UpdateWebhookDto } from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

const BASE = '/api/v1/webhooks';
const MANAGERS = ['city-admin', 'integration'] as const;
const READERS = ['city-admin', 'integration', 'auditor'] as const;

@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly store: EventStore,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
    private readonly queries: WebhookQueries,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly timeTravel: TimeTravel,
    private readonly reader: AggregateReader,
  ) {}

  /** Creates a subscription; the signing secret is in this response only. */
  @Post()
  @Roles(...MANAGERS)
  async create(
    @Body() body: CreateWebhookDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const settings = {
      url: await this.safeUrl(body.url),
      eventTypes: this.eventTypes(body.eventTypes ?? ['*']),
      districts: this.districts(body.districts ?? [], ctx.principal),
      description: body.description ?? '',
      enabled: body.enabled ?? true,
    };
    const id = randomUUID();
    const { secret, ref } = newSecret();
    await this.webhooks.secrets.store(id, ref.secretId, secret);
    let result: CommandResult;
    try {
      result = await this.run(
        id,
        { kind: 'Subscribe', subscriptionId: id, secret: ref, ...settings },
        ctx,
        undefined,
        res,
      );
    } catch (err) {
      await this.webhooks.secrets.forget(id);
      throw err;
    }
    res.status(201).setHeader('Location', `${BASE}/${id}`);
    // from the command's own result: the caller sees its one-time secret whatever the read model's lag
    return { ...decidedSubscription(result), secret };
  }

  @Get()
  @Roles(...READERS)
  list(@CurrentPrincipal() p: Principal) {
    return this.queries.subscriptions(p);
  }

  @Get(':webhookId')
  @Roles(...READERS)
  async get(
    @Param('webhookId', UuidParam) id: string,
    @Query() pit: PointInTimeQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('if-none-match') inm: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const at = pointInTime(pit);
    const current = await this.queries.subscription(id, p);
    const s = rowToSubscription(
      at
        ? await this.timeTravel.row(webhookSubscriptionsProjection, subscriptionStream(id), at, {
            sql: 'SELECT * FROM rm_webhook_subscriptions WHERE id = $1',
            params: [id],
          })
        : current,
    );
    return conditionalGet(res, s.version, inm, s);
  }

  @Patch(':webhookId')
  @Roles(...MANAGERS)
  async update(
    @Param('webhookId', UuidParam) id: string,
    @Body() body: UpdateWebhookDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.managed(id, ctx.principal);
    const command: SubscriptionCommand = {
      kind: 'UpdateSubscription',
      ...(body.url !== undefined ? { url: await this.safeUrl(body.url) } : {}),
      ...(body.eventTypes !== undefined ? { eventTypes: this.eventTypes(body.eventTypes) } : {}),
      ...(body.districts !== undefined ? { districts: this.districts(body.districts, ctx.principal) } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    };
    const result = await this.run(id, command, ctx, ifMatch, res);
    return { ...decidedSubscription(result), changed: result.events.length > 0 };
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @Roles(...MANAGERS)
  async remove(
    @Param('webhookId', UuidParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.managed(id, ctx.principal);
    await this.run(id, { kind: 'DeleteSubscription' }, ctx, ifMatch, res);
    await this.webhooks.deliveries.cancelPending(id);
    await this.webhooks.secrets.forget(id);
  }

  /**
   * A new signing secret (shown once). The previous one keeps signing for `graceHours` (default 24): meanwhile
   * every delivery carries both signatures, so a receiver can switch over at its own pace.
   */
  @Post(':webhookId/rotate-secret')
  @HttpCode(200)
  @Roles(...MANAGERS)
  async rotate(
    @Param('webhookId', UuidParam) id: string,
    @Body() body: RotateSecretDto,
    @CommandCtx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version } = await this.managedAt(id, ctx.principal);
    const { secret, ref } = newSecret();
    const previousExpiresAt = new Date(this.clock.now().getTime() + (body.graceHours ?? 24) * 3_600_000);
    await this.webhooks.secrets.store(id, ref.secretId, secret);
    let result: CommandResult;
    try {
      // one rotation at a time: conditional on the client's If-Match, else on the version just read (a concurrent
      // rotation that won makes this one a 409, never a second secret the bookkeeping below would lose)
      result = await this.run(
        id,
        { kind: 'RotateSecret', secret: ref, previousExpiresAt: previousExpiresAt.toISOString() },
        ctx,
        ctx.ifMatch ?? `"${version}"`,
        res,
      );
    } catch (err) {
      await this.webhooks.secrets.forget(id, ref.secretId);
      if (err instanceof PreconditionFailedError && ctx.ifMatch === undefined)
        throw new ConcurrencyConflictError(subscriptionStream(id));
      throw err;
    }
    const rotated = result.events.find((e) => e.type === 'webhook.secret-rotated')!.data as SecretRotated['data'];
    await this.webhooks.secrets.rotated(
      id,
      ref.secretId,
      rotated.previous.secretId,
      previousExpiresAt,
      this.clock.now(),
    );
    return {
      id,
      secretId: ref.secretId,
      secret,
      previousSecretId: rotated.previous.secretId,
      previousExpiresAt: previousExpiresAt.toISOString(),
    };
  }

  /** The delivery log, newest event last: status, attempts, the last response. */
  @Get(':webhookId/deliveries')
  @Roles(...READERS)
  async deliveries(
    @Param('webhookId', UuidParam) id: string,
    @Query() q: DeliveriesQuery,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.queries.subscription(id, p);
    return this.queries.deliveries(id, q);
  }

  @Get(':webhookId/deliveries/:eventId')
  @Roles(...READERS)
  async delivery(
    @Param('webhookId', UuidParam) id: string,
    @Param('eventId', UuidParam) eventId: string,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.queries.subscription(id, p);
    const d = await this.webhooks.deliveries.get(id, eventId);
    if (!d) throw notFound(`no delivery of event ${eventId} to webhook ${id}`);
    return { ...rowToDelivery(d), attemptLog: await this.queries.attempts(id, eventId) };
  }

  /** Sends one event again (a new round with the same webhook-id), behind any earlier pending delivery of its stream. */
  @Post(':webhookId/deliveries/:eventId/redeliver')
  @HttpCode(202)
  @Roles(...MANAGERS)
  async redeliver(
    @Param('webhookId', UuidParam) id: string,
    @Param('eventId', UuidParam) eventId: string,
    @CurrentPrincipal() p: Principal,
  ) {
    const sub = await this.queries.subscription(id, p);
    this.assertEnabled(sub);
    const d = await this.webhooks.deliveries.get(id, eventId);
    if (!d) throw notFound(`no delivery of event ${eventId} to webhook ${id}`);
    await this.webhooks.requeue([
      { subscriptionId: id, eventId, position: Number(d.global_position), streamId: d.stream_id, type: d.event_type },
    ]);
    return rowToDelivery((await this.webhooks.deliveries.get(id, eventId))!);
  }

  /** Sends a range of the log (that the subscription's filters select) to this subscription again, in order. */
  @Post(':webhookId/replay')
  @HttpCode(202)
  @Roles(...MANAGERS)
  async replay(@Param('webhookId', UuidParam) id: string, @Body() body: ReplayDto, @CurrentPrincipal() p: Principal) {
    const sub = await this.queries.subscription(id, p);
    this.assertEnabled(sub);
    if (body.after !== undefined && body.through !== undefined && body.through <= body.after) {
      throw new ValidationProblem([
        { field: 'through', rule: 'greaterThanAfter', message: 'through must be greater than after' },
      ]);
    }
    const filter = { eventTypes: sub.event_types, districts: sub.districts, createdPosition: -1 };
    const limit = body.limit ?? 100_000;
    let after = body.after ?? 0;
    let scanned = 0;
    let queued = 0;
    for (;;) {
      const page = await this.store.readAll({
        after,
        limit: 5000,
        from: body.from ? new Date(body.from) : undefined,
        to: body.to ? new Date(body.to) : undefined,
      });
      const inRange = await withDistricts(
        this.store,
        page.events.filter((e) => body.through === undefined || e.globalPosition <= body.through),
      );
      const selected: NewDelivery[] = inRange
        .filter((e) => matches(filter, e))
        .slice(0, limit - queued)
        .map((e) => ({
          subscriptionId: id,
          eventId: e.eventId,
          position: e.globalPosition,
          streamId: e.streamId,
          type: e.type,
        }));
      await this.webhooks.requeue(selected);
      queued += selected.length;
      scanned += inRange.length;
      after = page.next;
      if (page.events.length < 5000 || inRange.length < page.events.length || queued >= limit) break;
    }
    return { subscriptionId: id, scanned, queued, through: after };
  }

  private assertEnabled(sub: QueryResultRow): void {
    if (!sub.enabled)
      throw new DomainError('conflict', 'the subscription is disabled: enable it first', undefined, 'enabled');
  }

  /** A subscription a command may act on, folded from its stream (never a read model that may lag). */
  private async managed(id: string, p: Principal): Promise<SubscriptionState> {
    return (await this.managedAt(id, p)).state;
  }

  private async managedAt(id: string, p: Principal): Promise<{ state: SubscriptionState; version: number }> {
    const { state, version } = await this.reader.load(subscriptionDecider, subscriptionStream(id));
    if (!state.exists || state.deleted || !canManage(p, state)) throw notFound(`webhook subscription ${id} not found`);
    return { state, version };
  }

  private async safeUrl(url: string): Promise<string> {
    try {
      return (await checkUrl(url, this.config.webhookAllowPrivate)).toString();
    } catch (err) {
      if (err instanceof UnsafeUrlError)
        throw new ValidationProblem([{ field: 'url', rule: err.rule, message: err.message }]);
      throw err;
    }
  }

  private eventTypes(patterns: string[]): string[] {
    const useless = patterns.map((p, i) => [p, i] as const).filter(([p]) => !selectsSomething(p));
    if (useless.length) {
      throw new ValidationProblem(
        useless.map(([p, i]) => ({
          field: `eventTypes[${i}]`,
          rule: 'knownEventType',
          message: `${p} selects no event type the product records`,
        })),
      );
    }
    return patterns;
  }

  /** An integration confined to some districts may only ask for those (and gets them when it asks for none). */
  private districts(codes: string[], p: Principal): string[] {
    if (p.role === 'city-admin' || !p.districts.length) return codes;
    const outside = codes.map((c, i) => [c, i] as const).filter(([c]) => !p.districts.includes(c));
    if (outside.length) {
      throw new DomainError(
        'forbidden',
        `districts outside your jurisdiction: ${outside.map(([c]) => c).join(', ')}`,
        `districts[${outside[0][1]}]`,
        'inJurisdiction',
      );
    }
    return codes.length ? codes : [...p.districts];
  }

  private run(
    id: string,
    command: SubscriptionCommand,
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
  ) {
    return executeWithEtag(this.commands, subscriptionDecider, subscriptionStream(id), command, ctx, ifMatch, res);
  }
}

/** A subscription as the API shows it, from a command's decided state (the shape of rowToSubscription). */
function decidedSubscription(result: CommandResult): ReturnType<typeof rowToSubscription> {
  const s = result.state as SubscriptionState;
  return {
    id: s.subscriptionId,
    url: s.url,
    eventTypes: s.eventTypes,
    districts: s.districts,
    description: s.description,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    owner: s.owner,
    secretId: s.secret!.secretId,
    createdAt: result.createdAt!.toISOString(),
    updatedAt: result.updatedAt!.toISOString(),
    version: result.version,
  };
}
