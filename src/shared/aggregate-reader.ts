import { Injectable } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { DomainEvent, fold } from './decider';

export interface Loaded<S> {
  state: S;
  version: number;
}

/** Folds one stream with its aggregate's evolve: the authoritative state a command is decided against. */
@Injectable()
export class AggregateReader {
  constructor(private readonly store: EventStore) {}

  async load<E extends DomainEvent, S>(decider: { evolve(s: S, e: E): S; initialState: S }, streamId: string): Promise<Loaded<S>> {
    const history = await this.store.readStream(streamId);
    return {
      state: fold(decider, history.map((e) => ({ type: e.type, data: e.data }) as E)),
      version: history.length ? history[history.length - 1].streamVersion : 0,
    };
  }
}
