import { Injectable } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { DomainEvent, fold, notFound } from './decider';

export interface Loaded<S> {
  state: S;
  version: number;
}

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
    const history = await this.store.readStream(streamId, at ? { toVersion: at.version, asOf: at.asOf } : {});
    const version = history.length ? history[history.length - 1].streamVersion : 0;
    if (at?.version !== undefined && version < at.version) throw notFound(`${streamId} has no version ${at.version}`);
    return {
      state: fold(decider, history.map((e) => ({ type: e.type, data: e.data }) as E)),
      version,
    };
  }
}
