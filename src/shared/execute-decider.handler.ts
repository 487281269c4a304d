import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { EventStore, WrongExpectedVersionError } from '../event-store/event-store';
import { Clock } from './clock';
import { districtsOf, fold } from './decider';
import { CommandResult, ConcurrencyConflictError, ExecuteDecider, ifMatchHolds, PreconditionFailedError } from './execute-decider.command';
import { StoredEventPublished } from './stored-event-published';

const MAX_ATTEMPTS = 4;

@CommandHandler(ExecuteDecider)
export class ExecuteDeciderHandler implements ICommandHandler<ExecuteDecider> {
  constructor(
    private readonly store: EventStore,
    private readonly eventBus: EventBus,
    private readonly clock: Clock,
  ) {}

  async execute(cmd: ExecuteDecider): Promise<CommandResult> {
    const { decider, streamId, context } = cmd;
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(streamId);
      const version = history.length ? history[history.length - 1].streamVersion : 0;
      if (cmd.ifMatch !== undefined && !ifMatchHolds(cmd.ifMatch, version)) throw new PreconditionFailedError(streamId, cmd.ifMatch, version);
      const state = fold(decider, history.map((e) => ({ type: e.type, data: e.data })));
      const decided = decider.decide(cmd.command, state, { now: this.clock.now(), principal: context.principal });
      if (decided.length === 0) {
        const position = history.length ? history[history.length - 1].globalPosition : 0;
        context.consistency?.note(position);
        return { streamId, version, events: [], position, state, createdAt: history[0]?.recordedAt ?? null, updatedAt: history[history.length - 1]?.recordedAt ?? null };
      }
      const metadata = {
        actor: { id: context.principal.sub, role: context.principal.role },
        correlationId: context.correlationId,
        causationId: context.causationId ?? null,
      };
      // each event records the districts it concerns (district-scoped webhooks deliver by them)
      let at: unknown = state;
      const toAppend = decided.map((e) => {
        const next = decider.evolve(at, e);
        const districts = districtsOf(decider, at, next, e);
        at = next;
        return {
          type: e.type,
          schemaVersion: (decider.schemaVersions as Record<string, number> | undefined)?.[e.type] ?? 1,
          data: e.data as object,
          metadata: { ...metadata, districts },
        };
      });
      try {
        const result = await this.store.appendToStream(streamId, toAppend, { expectedVersion: version });
        this.eventBus.publishAll(result.events.map((e) => new StoredEventPublished(e)));
        // No wait for the read models: the caller reads its own writes by handing this position back (minPosition).
        context.consistency?.note(result.lastPosition);
        const recordedAt = result.events[result.events.length - 1].recordedAt;
        return {
          streamId,
          version: result.nextExpectedVersion,
          events: result.events,
          position: result.lastPosition,
          state: at,
          createdAt: history[0]?.recordedAt ?? recordedAt,
          updatedAt: recordedAt,
        };
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        // the version the precondition held at has moved on: it no longer holds (with `*`, the resource still exists)
        if (cmd.ifMatch !== undefined && cmd.ifMatch !== '*') throw new PreconditionFailedError(streamId, cmd.ifMatch, err.actual);
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyConflictError(streamId);
      }
    }
  }
}
