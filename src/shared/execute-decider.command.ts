import { RecordedEvent } from '../event-store/event-store';
import { Decider, DomainEvent, Principal } from './decider';

export interface CommandResult<S = unknown> {
  streamId: string;
  /** the stream version after the command (unchanged when it decided nothing) */
  version: number;
  events: RecordedEvent[];
  /**
   * the log position the decision stands on: its last appended event's, or (nothing appended) the stream's last
   * event's; 0 for a stream that does not exist. A read given it as minPosition sees the decision.
   */
  position: number;
  /** the aggregate's state as decided: the command answers from it, never from a read model that may lag */
  state: S;
  /** when the stream's first and last events were recorded (null: the stream has none) */
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface CommandContext {
  principal: Principal;
  correlationId: string;
  causationId?: string;
  /** the HTTP request's consistency context: the command notes the position it reached there */
  consistency?: { note(position: number): void };
  /** the request's If-Match header, for every command route (parsed against the stream the command acts on) */
  ifMatch?: string;
}

/**
 * A parsed If-Match (RFC 9110 §13.1.1): `*` (the resource must exist) or the stream versions of the strong ETags
 * listed (the command runs if the stream is at one of them; a weak tag matches nothing).
 */
export type IfMatch = '*' | number[];

export function ifMatchHolds(ifMatch: IfMatch, version: number): boolean {
  return ifMatch === '*' ? version > 0 : ifMatch.includes(version);
}

/**
 * A second aggregate that decides with the first, for a rule that spans both (one open inspection per subject):
 * its command is built from its state on each attempt, and its events are appended in the same transaction as the
 * first's, at the version it was decided on. Either both appends hold or neither is made.
 */
export interface Alongside<C = unknown, S = unknown> {
  decider: Decider<C, DomainEvent, S>;
  streamId: string;
  command(state: S): C | Promise<C>;
}

/**
 * The one command path for every aggregate: load the stream, fold, decide, append with the expected version.
 * `ifMatch` is the stream version the client last saw (from an ETag); a stale one is a 412.
 */
export class ExecuteDecider<C = unknown> {
  constructor(
    readonly decider: Decider<C, DomainEvent, unknown>,
    readonly streamId: string,
    readonly command: C,
    readonly context: CommandContext,
    readonly ifMatch?: IfMatch,
    readonly alongside?: Alongside,
  ) {}
}

export class PreconditionFailedError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: IfMatch,
    readonly actual: number,
    message?: string,
  ) {
    super(
      message ??
        (expected === '*'
          ? `If-Match: * but ${streamId} does not exist`
          : expected.length === 0
            ? `If-Match names no strong ETag: a weak one never matches (the resource is at version ${actual})`
            : `If-Match ${expected.map((v) => `"${v}"`).join(', ')} is stale: the resource is at version ${actual}`),
    );
  }
}

export class ConcurrencyConflictError extends Error {
  constructor(readonly streamId: string) {
    super(`${streamId} kept changing while the command was decided; try again`);
  }
}
