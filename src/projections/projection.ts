import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';

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
