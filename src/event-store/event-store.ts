/** The event store port: what the rest of the product may ask of the log. */

export type ExpectedVersion = number | 'no-stream' | 'stream-exists' | 'any';

export interface Actor {
  id: string;
  role: string;
}

export interface EventMetadata {
  actor: Actor;
  correlationId: string;
  causationId?: string | null;
  [key: string]: unknown;
}

export interface EventToAppend {
  /** uuid; generated when absent. Re-appending the same ids to the same stream is idempotent. */
  id?: string;
  type: string;
  schemaVersion?: number;
  data: object;
  metadata: EventMetadata;
}

export interface StreamAppend {
  streamId: string;
  events: EventToAppend[];
  expectedVersion: ExpectedVersion;
}

export interface RecordedEvent<D = any> {
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  type: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  actor: string;
  correlationId: string;
  causationId: string | null;
  recordedAt: Date;
}

export interface StoredEvent<D = any> extends RecordedEvent<D> {
  /** hex SHA-256 of the previous hash of the stream and this event's canonical JSON */
  hash: string;
}

/**
 * What a projection reads of an event: the facts it folds into read models, without the audit trail (metadata,
 * actor, correlation and causation ids, hash) that no read model holds.
 */
export type ProjectedEvent<D = any> = Pick<
  RecordedEvent<D>,
  'eventId' | 'streamId' | 'streamVersion' | 'globalPosition' | 'type' | 'data' | 'recordedAt'
>;

export interface AppendResult {
  nextExpectedVersion: number;
  firstPosition: number;
  lastPosition: number;
  idempotent: boolean;
  events: RecordedEvent[];
}

export interface ReadStreamOptions {
  fromVersion?: number;
  toVersion?: number;
  /** only events recorded at or before this instant */
  asOf?: Date;
}

export interface ReadAllOptions {
  /** exclusive global position */
  after?: number;
  limit?: number;
  types?: string[];
  streamPrefix?: string;
  streamId?: string;
  from?: Date;
  to?: Date;
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** the cursor to pass as `after` next time */
  next: number;
  /** committed events wait past what this read could return, behind an append of ours still in flight; else null */
  heldBack: HeldBack | null;
}

export interface ProjectedPage {
  events: ProjectedEvent[];
  /** as in ReadAllResult */
  heldBack: HeldBack | null;
}

/** Why a read stopped short of committed events: an append of ours still in flight holds them back. */
export interface HeldBack {
  /**
   * Whether the append reported by onAppended(position) may have released them: the one holding them back
   * committed, or an append rolled back (position 0). Any other commit cannot move the bound: a live reader held
   * back sleeps through those (and looks again on a growing timer, for an appender that died without a word).
   */
  releasedBy(position: number): boolean;
}

export abstract class EventStore {
  abstract appendToStream(
    streamId: string,
    events: EventToAppend[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;

  /**
   * Appends to several streams in one transaction: every expected version holds and all events are stored, or
   * nothing is (the first stream whose expected version failed is named in the WrongExpectedVersionError).
   */
  abstract appendToStreams(items: StreamAppend[]): Promise<AppendResult[]>;

  abstract readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** Several streams, each from its first version up to `toVersion`, in one read: by stream, in version order. */
  abstract readStreams(streams: { streamId: string; toVersion: number }[]): Promise<StoredEvent[]>;

  /** The global log in commit-safe order: an event that commits late is never skipped by a cursor. */
  abstract readAll(options?: ReadAllOptions): Promise<ReadAllResult>;

  /**
   * The global log after `after` in the same commit-safe order, at most `limit` events, as projections read it:
   * a rebuild reads the whole log, and the audit trail it leaves out is a third of what there is to read and parse.
   */
  abstract readProjected(after: number, limit: number): Promise<ProjectedEvent[]>;

  /** readProjected, and whether committed events are held back past it (a live reader then looks again soon). */
  abstract readProjectedPage(after: number, limit: number): Promise<ProjectedPage>;

  /** The events at these global positions (as an index such as a subject's timeline found them), in position order. */
  abstract readPositions(positions: number[]): Promise<StoredEvent[]>;

  /**
   * Events in (stream, version) order after `after` (exclusive), at most `limit`: the whole log stream by stream,
   * or one stream when `streamId` is given. Hash-chain verification walks the log this way with flat memory.
   */
  abstract readInStreamOrder(
    after: { streamId: string; version: number },
    limit: number,
    streamId?: string,
  ): Promise<StoredEvent[]>;

  /** How many committed events lie past `position`, counted up to `cap` (a projection's lag). */
  abstract countAfter(position: number, cap: number): Promise<number>;

  /**
   * `safe`: the highest position a commit-safe reader can see now; `last`: the highest committed position. They
   * differ while an older transaction is still in flight (the newer events are held back, not lost).
   */
  abstract positions(): Promise<{ safe: number; last: number }>;

  /**
   * Called with the last position of each append committed by this process or (LISTEN/NOTIFY) another one, and with
   * 0 when an append rolled back or notifications may have been missed (look again).
   */
  abstract onAppended(listener: (lastPosition: number) => void): () => void;
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual}`);
  }
}

export class EventIdConflictError extends Error {
  constructor(readonly streamId: string) {
    super(`event ids appended to ${streamId} were already used by another append`);
  }
}

export class InvalidEventError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}
