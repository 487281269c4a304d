import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import { EventStore } from '../event-store/event-store';
import { PG_POOL } from '../infra/tokens';
import { notFound } from '../shared/decider';
import type { PointInTime } from '../shared/aggregate-reader';
import { Projection } from './projection';
import { applyEvents } from './projection-runner';

/**
 * Time travel for resources served from a read model: the resource's stream, up to the point asked for, is run
 * through the projection's own code into temporary copies of its tables (temporary tables come first on the
 * search path), the row is read back with the same query and rendering as the live one, and everything is
 * rolled back. Nothing outside the transaction sees it.
 */
@Injectable()
export class TimeTravel {
  constructor(
    private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async row(
    projection: Projection,
    streamId: string,
    at: PointInTime,
    select: { sql: string; params: unknown[] },
  ): Promise<QueryResultRow> {
    const events = await this.store.readStream(streamId, { toVersion: at.version, asOf: at.asOf });
    const version = events.length ? events[events.length - 1].streamVersion : 0;
    if (at.version !== undefined && version < at.version) throw notFound(`${streamId} has no version ${at.version}`);
    if (!events.length) throw notFound(`${streamId} did not exist at ${at.asOf?.toISOString()}`);
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const t of projection.tables)
        await client.query(`CREATE TEMPORARY TABLE ${t} (LIKE public.${t} INCLUDING ALL) ON COMMIT DROP`);
      await applyEvents(client, projection, events);
      const { rows } = await client.query(select.sql, select.params);
      if (!rows.length) throw notFound(`${streamId} did not exist then`);
      return rows[0];
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}
