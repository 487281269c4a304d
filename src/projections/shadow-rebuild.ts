import { Pool, PoolClient } from 'pg';
import { EventStore, ProjectedEvent } from '../event-store/event-store';
import { inTransaction } from '../infra/transaction';
import { Projection } from './projection';
import { applyEvents, readWindows, REBUILD_PAGE, REBUILD_WINDOW } from './projection-runner';

export const SHADOW_SCHEMA = 'rectify_shadow';

export interface TableComparison {
  table: string;
  liveRows: number;
  shadowRows: number;
  liveChecksum: string;
  shadowChecksum: string;
  /** rows of the live table with no equal row in the shadow, and the other way round */
  onlyLive: number;
  onlyShadow: number;
  equal: boolean;
}

export interface VerifiedRebuild {
  projections: string[];
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** the position both sides were compared at */
  position: number;
  tables: TableComparison[];
  equal: boolean;
  swapped: boolean;
}

/**
 * Rebuilds projections from the whole log into shadow copies of their tables (schema rectify_shadow, reached by
 * search_path, so the projections' own SQL runs unchanged), then — holding the live checkpoints so that the live
 * projections wait — brings the shadow up to the live position, compares both sides row by row (EXCEPT ALL
 * both ways, and an order-independent checksum per table), and replaces the live rows with the shadow's only
 * when asked. The live tables are untouched otherwise.
 */
export async function verifiedRebuild(
  pool: Pool,
  store: EventStore,
  projections: Projection[],
  options: { swap?: boolean; batchSize?: number; onProgress?: (events: number) => void } = {},
): Promise<VerifiedRebuild> {
  const batchSize = options.batchSize ?? REBUILD_PAGE;
  const tables = projections.flatMap((p) => p.tables);
  await pool.query(`DROP SCHEMA IF EXISTS ${SHADOW_SCHEMA} CASCADE`);
  await pool.query(`CREATE SCHEMA ${SHADOW_SCHEMA}`);
  for (const t of tables) await pool.query(`CREATE TABLE ${SHADOW_SCHEMA}.${t} (LIKE public.${t} INCLUDING ALL)`);

  const started = process.hrtime.bigint();
  let position = 0;
  let events = 0;
  const shadowed = async (c: PoolClient, apply: () => Promise<void>) => {
    await c.query(`SET LOCAL search_path TO ${SHADOW_SCHEMA}, public`);
    await apply();
    await c.query('SET LOCAL search_path TO public');
  };
  const counted = (batch: ProjectedEvent[]) => {
    events += batch.length;
    position = batch[batch.length - 1].globalPosition;
    options.onProgress?.(events);
  };
  // the bulk of the log, while the live projections go on: one pass, every projection in its own transaction
  await readWindows(store, 0, { page: batchSize, window: REBUILD_WINDOW }, async (batch) => {
    await Promise.all(projections.map((p) => inTransaction(pool, (c) => shadowed(c, () => applyEvents(c, p, batch)))));
    counted(batch);
  });

  return inTransaction(pool, async (tx) => {
    // hold the live projections where they are and compare at exactly their position
    const { rows } = await tx.query(
      'SELECT name, position FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE',
      [projections.map((p) => p.name)],
    );
    const livePositions = rows.map((r) => Number(r.position));
    const live = livePositions.length === projections.length ? Math.min(...livePositions) : 0;
    if (livePositions.some((p) => p !== live)) {
      throw new Error(
        `the live projections stand at different positions (${rows.map((r) => `${r.name} ${r.position}`).join(', ')}); verify them one at a time`,
      );
    }
    if (live < position) {
      throw new Error(
        `the live projections are behind the log (at ${live}, the log at ${position}): start the service (or rebuild them) and verify again`,
      );
    }
    // what was committed since, up to exactly the live position, inside this transaction
    while (position < live) {
      const batch = (await store.readProjected(position, batchSize)).filter((e) => e.globalPosition <= live);
      if (!batch.length) break;
      await shadowed(tx, async () => {
        for (const p of projections) await applyEvents(tx, p, batch);
      });
      counted(batch);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const comparisons: TableComparison[] = [];
    for (const t of tables) comparisons.push(await compareTable(tx, t));
    const equal = comparisons.every((c) => c.equal);
    let swapped = false;
    if (options.swap) {
      for (const t of tables) {
        await tx.query(`TRUNCATE public.${t}`);
        await tx.query(`INSERT INTO public.${t} SELECT * FROM ${SHADOW_SCHEMA}.${t}`);
      }
      await tx.query(
        'UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = ANY($1::text[])',
        [projections.map((p) => p.name), position],
      );
      swapped = true;
    }
    await tx.query(`DROP SCHEMA ${SHADOW_SCHEMA} CASCADE`);
    return {
      projections: projections.map((p) => p.name),
      events,
      seconds,
      eventsPerSecond: seconds > 0 ? events / seconds : 0,
      position,
      tables: comparisons,
      equal,
      swapped,
    };
  });
}

/** Order-independent: md5 over the sorted md5s of each row's text. */
export async function tableChecksum(db: Pool | PoolClient, table: string): Promise<{ rows: number; checksum: string }> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n, coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) AS sum FROM (SELECT md5(t::text) AS h FROM ${table} t) x`,
  );
  return { rows: rows[0].n, checksum: rows[0].sum };
}

async function compareTable(tx: PoolClient, table: string): Promise<TableComparison> {
  const live = await tableChecksum(tx, `public.${table}`);
  const shadow = await tableChecksum(tx, `${SHADOW_SCHEMA}.${table}`);
  const count = async (a: string, b: string) =>
    Number(
      (
        await tx.query(
          `SELECT count(*)::int AS n FROM (SELECT * FROM ${a}.${table} EXCEPT ALL SELECT * FROM ${b}.${table}) d`,
        )
      ).rows[0].n,
    );
  const onlyLive = await count('public', SHADOW_SCHEMA);
  const onlyShadow = await count(SHADOW_SCHEMA, 'public');
  return {
    table,
    liveRows: live.rows,
    shadowRows: shadow.rows,
    liveChecksum: live.checksum,
    shadowChecksum: shadow.checksum,
    onlyLive,
    onlyShadow,
    equal: onlyLive === 0 && onlyShadow === 0 && live.checksum === shadow.checksum,
  };
}
