import { Pool, QueryResultRow } from 'pg';

export interface Page<T> {
  items: T[];
  total: number;
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

/** One page of a read model with the total count: the shape of every list route. */
export async function pageOf<T>(pool: Pool, q: PageQuery, map: (row: QueryResultRow) => T): Promise<Page<T>> {
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const filter = q.where.length ? `WHERE ${q.where.join(' AND ')}` : '';
  const [total, rows] = await Promise.all([
    pool.query(`SELECT count(*)::int AS n FROM ${q.from} ${filter}`, q.params),
    pool.query(
      `SELECT ${q.select ?? '*'} FROM ${q.from} ${filter} ORDER BY ${q.orderBy} LIMIT $${q.params.length + 1} OFFSET $${q.params.length + 2}`,
      [...q.params, limit, offset],
    ),
  ]);
  return { items: rows.rows.map(map), total: total.rows[0].n, limit, offset };
}
