import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import type { DomainEvent } from '../shared/decider';

/**
 * A named projection of the log into read-model tables. `apply` runs inside the transaction that also moves
 * the projection's checkpoint, so a read-model write and its checkpoint commit together or not at all.
 */
export interface Projection {
  name: string;
  /** Read-model tables this projection owns: emptied by a rebuild. */
  tables: string[];
  /** Event types it reads; others still advance the checkpoint. Omit for all. */
  eventTypes?: string[];
  apply(tx: PoolClient, event: ProjectedEvent): Promise<void>;
  /**
   * Optional: apply a batch of its events (in log order) at once, e.g. as multi-row statements. Must leave the
   * tables as applying each event in turn would.
   */
  applyBatch?(tx: PoolClient, events: ProjectedEvent[]): Promise<void>;
}

/**
 * A stored event as a projection reads it, typed by the union of domain events it consumes: `switch (e.type)`
 * narrows `e.data` to that event's own shape. Distributes over the union.
 */
export type Projected<E extends DomainEvent> =
  E extends DomainEvent<infer T, infer D> ? Omit<ProjectedEvent, 'type' | 'data'> & { type: T; data: D } : never;

/**
 * The events a projection reads, narrowed to the union it was written for. `types` is checked against the union
 * where it is written (`as const satisfies readonly E['type'][]`): an event renamed in its decider no longer compiles
 * in the projections that read it, and `unreachable` in each switch's default makes a forgotten type a compile error.
 */
export const consumed = <E extends DomainEvent>(e: ProjectedEvent): Projected<E> => e as Projected<E>;

/** The default of an exhaustive switch over a consumed union: a type left unhandled is a compile error here. */
export function unreachable(e: never): never {
  throw new Error(`an event this projection does not read: ${(e as { type?: string }).type}`);
}
