import { Injectable } from '@nestjs/common';
import {
  EventStore,
  EventToAppend,
  RecordedEvent,
  StreamAppend,
  WrongExpectedVersionError,
} from '../event-store/event-store';
import { Clock } from './clock';
import { Decider, DecideContext, districtsOf, DomainEvent, fold } from './decider';
import {
  Alongside,
  CommandContext,
  CommandResult,
  ConcurrencyConflictError,
  ExecuteDecider,
  ifMatchHolds,
  PreconditionFailedError,
} from './execute-decider.command';

const MAX_ATTEMPTS = 4;

/** One stream as a command found it, and what was decided on it. */
interface Decided {
  streamId: string;
  history: RecordedEvent[];
  version: number;
  /** the state after the decided events */
  state: unknown;
  toAppend: EventToAppend[];
}

/**
 * The one command path, called directly: load the stream, fold, decide, append with the expected version (retried
 * on a concurrent append). What reacts to the stored events (projections, reminders, webhooks) follows the log
 * through its subscriptions, which survive a crash; nothing is published in process.
 */
@Injectable()
export class CommandExecutor {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  async execute(cmd: ExecuteDecider): Promise<CommandResult> {
    const { decider, streamId, context } = cmd;
    for (let attempt = 1; ; attempt++) {
      const ctx: DecideContext = { now: this.clock.now(), principal: context.principal };
      const history = await this.store.readStream(streamId);
      const version = history.length ? history[history.length - 1].streamVersion : 0;
      if (cmd.ifMatch !== undefined && !ifMatchHolds(cmd.ifMatch, version))
        throw new PreconditionFailedError(streamId, cmd.ifMatch, version);
      // the aggregate alongside decides first: its refusal (the rule that spans both) is the answer
      const second = cmd.alongside ? await this.decideAlongside(cmd.alongside, ctx, context) : null;
      const first = decideOn(decider, streamId, history, stateOf(decider, history), cmd.command, ctx, context);
      if (first.toAppend.length === 0 && !second?.toAppend.length) {
        const position = history.length ? history[history.length - 1].globalPosition : 0;
        context.consistency?.note(position);
        return {
          streamId,
          version,
          events: [],
          position,
          state: first.state,
          createdAt: history[0]?.recordedAt ?? null,
          updatedAt: history[history.length - 1]?.recordedAt ?? null,
        };
      }
      try {
        const appends: StreamAppend[] = [first, ...(second?.toAppend.length ? [second] : [])]
          .filter((d) => d.toAppend.length)
          .map((d) => ({ streamId: d.streamId, events: d.toAppend, expectedVersion: d.version }));
        const results =
          appends.length === 1
            ? [
                await this.store.appendToStream(appends[0].streamId, appends[0].events, {
                  expectedVersion: appends[0].expectedVersion,
                }),
              ]
            : await this.store.appendToStreams(appends);
        // No wait for the read models: the caller reads its own writes by handing this position back (minPosition).
        const position = Math.max(...results.map((r) => r.lastPosition));
        context.consistency?.note(position);
        const own = first.toAppend.length ? results[0] : null;
        const recordedAt = own
          ? own.events[own.events.length - 1].recordedAt
          : (history[history.length - 1]?.recordedAt ?? null);
        return {
          streamId,
          version: own ? own.nextExpectedVersion : version,
          events: own?.events ?? [],
          position,
          state: first.state,
          createdAt: history[0]?.recordedAt ?? recordedAt,
          updatedAt: recordedAt,
        };
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        // the version the precondition held at has moved on: it no longer holds (with `*`, the resource still exists)
        if (err.streamId === streamId && cmd.ifMatch !== undefined && cmd.ifMatch !== '*')
          throw new PreconditionFailedError(streamId, cmd.ifMatch, err.actual);
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyConflictError(err.streamId);
      }
    }
  }

  private async decideAlongside(a: Alongside, ctx: DecideContext, context: CommandContext): Promise<Decided> {
    const history = await this.store.readStream(a.streamId);
    const state = stateOf(a.decider, history);
    return decideOn(a.decider, a.streamId, history, state, await a.command(state), ctx, context);
  }
}

const stateOf = (decider: Decider<unknown, DomainEvent, unknown>, history: RecordedEvent[]) =>
  fold(
    decider,
    history.map((e) => ({ type: e.type, data: e.data })),
  );

/** Decides the command on the stream's state, and readies its events with their metadata. */
function decideOn(
  decider: Decider<unknown, DomainEvent, unknown>,
  streamId: string,
  history: RecordedEvent[],
  folded: unknown,
  command: unknown,
  ctx: DecideContext,
  context: CommandContext,
): Decided {
  const version = history.length ? history[history.length - 1].streamVersion : 0;
  let state = folded;
  const decided = decider.decide(command, state, ctx);
  const { principal } = context;
  const metadata = {
    actor: { id: principal.sub, role: principal.role },
    correlationId: context.correlationId,
    causationId: context.causationId ?? null,
  };
  // each event records the districts it concerns (district-scoped webhooks deliver by them)
  const toAppend = decided.map((e) => {
    const next = decider.evolve(state, e);
    const districts = districtsOf(decider, state, next, e);
    state = next;
    return {
      type: e.type,
      schemaVersion: (decider.schemaVersions as Record<string, number> | undefined)?.[e.type] ?? 1,
      data: e.data as object,
      metadata: { ...metadata, districts },
    };
  });
  return { streamId, history, version, state, toAppend };
}
