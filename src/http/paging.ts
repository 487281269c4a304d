import { Pool, QueryResultRow } from 'pg';

export interface Page<T> {
  items: T[];
  /** exact up to COUNT_CAP; past it, the planner's estimate (`totalExact: false`) */
  total: number;
  totalExact: boolean;
  limit: number;
  offset: number;
}

export interface PageQuery {
  /** FROM clause: a read-model table, with joins if any */
  from: string;
  /** AND-ed conditions, their parameters already in `params` */
  where: string[];
  params: unknown[];
  orderBy: string;
  select?: string;
  limit?: number;
  offset?: number;
}

/**
 * Rows a list counts exactly; past this the total is the planner's estimate. A page then costs at most this many
 * index entries to count, however large the campaign (a count(*) over a 50,000-subject campaign took three times as
 * long as the page itself).
 */
export const COUNT_CAP = 1_000;

/**
 * One page of a read model with its total: the shape of every list route. A page that is not full gives the total
 * (no count at all); otherwise the rows are counted up to COUNT_CAP, and a larger total is estimated from the
 * planner's statistics (kept fresh by ANALYZE after imports and rebuilds).
 */
export async function pageOf<T>(pool: Pool, q: PageQuery, map: (row: QueryResultRow) => T): Promise<Page<T>> {
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const filter = q.where.length ? `WHERE ${q.where.join(' AND ')}` : '';
  const rows = await pool.query(
    `SELECT ${q.select ?? '*'} FROM ${q.from} ${filter} ORDER BY ${q.orderBy} LIMIT $${q.params.length + 1} OFFSET $${q.params.length + 2}`,
    [...q.params, limit, offset],
  );
  const page = { items: rows.rows.map(map), limit, offset };
  // a page that is not full ends the list: its own rows say the total (a page past the end says nothing)
  if (rows.rows.length < limit && (offset === 0 || rows.rows.length > 0)) return { ...page, total: offset + rows.rows.length, totalExact: true };
  const counted = await pool.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${q.from} ${filter} LIMIT ${COUNT_CAP + 1}) x`, q.params);
  const n = counted.rows[0].n as number;
  if (n <= COUNT_CAP) return { ...page, total: n, totalExact: true };
  const plan = await pool.query(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${q.from} ${filter}`, q.params);
  const estimate = Math.round(Number(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']));
  return { ...page, total: Math.max(COUNT_CAP + 1, offset + rows.rows.length, estimate), totalExact: false };
}
