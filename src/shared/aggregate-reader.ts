import { Injectable } from '@nestjs/common';
import { EventStore, StoredEvent } from '../event-store/event-store';
import { DomainEvent, fold, notFound } from './decider';

export interface Loaded<S> {
  state: S;
  version: number;
  /** when the last event folded was recorded (null: none was) */
  updatedAt: Date | null;
}

/** A state served as a resource: folded from at least one event. */
export type Recorded<S> = Loaded<S> & { updatedAt: Date };

/** A moment of an aggregate's history: as it stood at an instant, or at a version of its stream. */
export interface PointInTime {
  asOf?: Date;
  version?: number;
}

/** Folds one stream with its aggregate's evolve: the authoritative state a command is decided against. */
@Injectable()
export class AggregateReader {
  constructor(private readonly store: EventStore) {}

  /**
   * The state now, or (time travel) folded from the events up to `at`. A version the stream has not reached is
   * not found; an instant before the stream began folds to the initial state, as it was then.
   */
  async load<E extends DomainEvent, S>(decider: { evolve(s: S, e: E): S; initialState: S }, streamId: string, at?: PointInTime): Promise<Loaded<S>> {
    const loaded = folded(decider, await this.store.readStream(streamId, at ? { toVersion: at.version, asOf: at.asOf } : {}));
    if (at?.version !== undefined && loaded.version < at.version) throw notFound(`${streamId} has no version ${at.version}`);
    return loaded;
  }

  /**
   * A resource folded from its stream up to `at` (a read model's row gives the version it has reached): not found
   * when the stream had not begun by then.
   */
  async loadRecorded<E extends DomainEvent, S>(decider: { evolve(s: S, e: E): S; initialState: S }, streamId: string, at: PointInTime): Promise<Recorded<S>> {
    const loaded = await this.load(decider, streamId, at);
    if (!loaded.updatedAt) throw notFound(`${streamId} did not exist at ${at.asOf?.toISOString()}`);
    return loaded as Recorded<S>;
  }

  /** Several streams, each folded up to its version, in one read of the log (a page of a list): in the order asked. */
  async loadMany<E extends DomainEvent, S>(decider: { evolve(s: S, e: E): S; initialState: S }, streams: { streamId: string; version: number }[]): Promise<Recorded<S>[]> {
    const histories = new Map<string, StoredEvent[]>(streams.map((s) => [s.streamId, []]));
    for (const e of await this.store.readStreams(streams.map((s) => ({ streamId: s.streamId, toVersion: s.version })))) histories.get(e.streamId)!.push(e);
    return streams.map((s) => {
      const loaded = folded(decider, histories.get(s.streamId)!);
      if (loaded.version !== s.version) throw new Error(`${s.streamId} does not reach version ${s.version} in the log`);
      return loaded as Recorded<S>;
    });
  }
}

/** A stream's history folded with its aggregate's evolve: the state, the version reached and when it was recorded. */
function folded<E extends DomainEvent, S>(decider: { evolve(s: S, e: E): S; initialState: S }, history: StoredEvent[]): Loaded<S> {
  const last = history[history.length - 1];
  return { state: fold(decider, history.map((e) => ({ type: e.type, data: e.data }) as E)), version: last?.streamVersion ?? 0, updatedAt: last?.recordedAt ?? null };
}
