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

type Evolving<E, S> = { evolve(s: S, e: E): S; initialState: S };

/** Streams whose folded state is kept (least recently used dropped first). */
const KEPT_STREAMS = 1_000;

/**
 * Folds one stream with its aggregate's evolve: the authoritative state a command is decided against. The state
 * now is kept per stream and version: the next load reads only the events after it (usually none: one indexed
 * look that finds nothing) instead of the whole stream. A campaign's stream, which every command of the campaign
 * reads and whose launch event carries its districts, deadlines and checklists, is then parsed and folded once per
 * version, not once per request. Kept states are frozen: they are shared by every caller.
 */
@Injectable()
export class AggregateReader {
  private readonly kept = new Map<string, { decider: object; loaded: Loaded<unknown> }>();

  constructor(private readonly store: EventStore) {}

  /**
   * The state now, or (time travel) folded from the events up to `at`. A version the stream has not reached is
   * not found; an instant before the stream began folds to the initial state, as it was then.
   */
  async load<E extends DomainEvent, S>(
    decider: Evolving<E, S>,
    streamId: string,
    at?: PointInTime,
  ): Promise<Loaded<S>> {
    if (!at) return this.now(decider, streamId);
    const loaded = folded(decider, await this.store.readStream(streamId, { toVersion: at.version, asOf: at.asOf }));
    if (at.version !== undefined && loaded.version < at.version)
      throw notFound(`${streamId} has no version ${at.version}`);
    return loaded;
  }

  private async now<E extends DomainEvent, S>(decider: Evolving<E, S>, streamId: string): Promise<Loaded<S>> {
    const hit = this.kept.get(streamId);
    const from = hit?.decider === decider ? (hit.loaded as Loaded<S>) : undefined;
    const loaded = folded(
      decider,
      await this.store.readStream(streamId, { fromVersion: (from?.version ?? 0) + 1 }),
      from,
    );
    if (loaded.version > 0) {
      this.kept.delete(streamId);
      this.kept.set(streamId, { decider, loaded: loaded === from ? from : deepFreeze(loaded) });
      if (this.kept.size > KEPT_STREAMS) this.kept.delete(this.kept.keys().next().value!);
    }
    return loaded;
  }

  /**
   * A resource folded from its stream up to `at` (a read model's row gives the version it has reached): not found
   * when the stream had not begun by then.
   */
  async loadRecorded<E extends DomainEvent, S>(
    decider: { evolve(s: S, e: E): S; initialState: S },
    streamId: string,
    at: PointInTime,
  ): Promise<Recorded<S>> {
    const loaded = await this.load(decider, streamId, at);
    if (!loaded.updatedAt) throw notFound(`${streamId} did not exist at ${at.asOf?.toISOString()}`);
    return loaded as Recorded<S>;
  }

  /** Several streams, each folded up to its version, in one read of the log (a page of a list): in the order asked. */
  async loadMany<E extends DomainEvent, S>(
    decider: { evolve(s: S, e: E): S; initialState: S },
    streams: { streamId: string; version: number }[],
  ): Promise<Recorded<S>[]> {
    const histories = new Map<string, StoredEvent[]>(streams.map((s) => [s.streamId, []]));
    for (const e of await this.store.readStreams(streams.map((s) => ({ streamId: s.streamId, toVersion: s.version }))))
      histories.get(e.streamId)!.push(e);
    return streams.map((s) => {
      const loaded = folded(decider, histories.get(s.streamId)!);
      if (loaded.version !== s.version) throw new Error(`${s.streamId} does not reach version ${s.version} in the log`);
      return loaded as Recorded<S>;
    });
  }
}

/**
 * A stream's history folded with its aggregate's evolve (onto `from`, a state already folded up to the history's
 * first version): the state, the version reached and when it was recorded.
 */
function folded<E extends DomainEvent, S>(
  decider: Evolving<E, S>,
  history: StoredEvent[],
  from?: Loaded<S>,
): Loaded<S> {
  const last = history[history.length - 1];
  if (!last) return from ?? { state: decider.initialState, version: 0, updatedAt: null };
  const start = from ? { evolve: (s: S, e: E) => decider.evolve(s, e), initialState: from.state } : decider;
  return {
    state: fold(
      start,
      history.map((e) => ({ type: e.type, data: e.data }) as E),
    ),
    version: last.streamVersion,
    updatedAt: last.recordedAt,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
