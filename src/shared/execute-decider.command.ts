import { Command } from '@nestjs/cqrs';
import { RecordedEvent } from '../event-store/event-store';
import { Decider, DomainEvent, Principal } from './decider';

export interface CommandResult {
  streamId: string;
  /** the stream version after the command (unchanged when it decided nothing) */
  version: number;
  events: RecordedEvent[];
  /** global position of the last appended event, null when nothing was appended */
  position: number | null;
}

export interface CommandContext {
  principal: Principal;
  correlationId: string;
  causationId?: string;
}

/**
 * The one command path for every aggregate: load the stream, fold, decide, append with the expected version.
 * `ifMatch` is the stream version the client last saw (from an ETag); a stale one is a 412.
 */
export class ExecuteDecider<C = unknown> extends Command<CommandResult> {
  constructor(
    readonly decider: Decider<C, DomainEvent, unknown>,
    readonly streamId: string,
    readonly command: C,
    readonly context: CommandContext,
    readonly ifMatch?: number | '*',
  ) {
    super();
  }
}

export class PreconditionFailedError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: number | '*',
    readonly actual: number,
    message?: string,
  ) {
    super(
      message ??
      (expected === '*'
        ? `If-Match: * but ${streamId} does not exist`
        : `If-Match "${expected}" is stale: the resource is at version ${actual}`),
    );
  }
}

export class ConcurrencyConflictError extends Error {
  constructor(readonly streamId: string) {
    super(`${streamId} kept changing while the command was decided; try again`);
  }
}
