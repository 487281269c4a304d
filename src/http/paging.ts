import { Pool, QueryResultRow } from 'pg';
import { ValidationProblem } from './problem';

export interface Page<T> {
  items: T[];
  /** exact up to COUNT_CAP; past it, the planner's estimate (`totalExact: false`) */
  total: number;
  totalExact: boolean;
  limit: number;
  offset: number;
  /** keyset lists: where the next page starts (`after`), null on the last page */
  nextCursor?: string | null;
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
  /**
   * Keyset paging: the list's order as columns (all ascending, the order of an index), and the cursor of the row
   * the page starts after (`decodeCursor`). The page then costs an index seek however deep it is.
   */
  keyset?: { columns: string[]; after: unknown[] | null };
}

/** A page's cursor: the values of the keyset columns of its last row, opaque to clients. */
function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The values a cursor holds; a cursor that is not one of ours is a 400 naming `field`. */
export function decodeCursor(raw: string | undefined, columns: number, field = 'after'): unknown[] | null {
  if (raw === undefined) return null;
  let values: unknown;
  try {
    values = /^[A-Za-z0-9_-]{1,2000}$/.test(raw) ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : null;
  } catch {
    values = null;
  }
  if (
    !Array.isArray(values) ||
    values.length !== columns ||
    !values.every((v) => typeof v === 'string' && v.length <= 500 && !v.includes('\u0000'))
  ) {
    throw new ValidationProblem([
      { field, rule: 'cursor', message: `${field} must be a nextCursor this list returned` },
    ]);
  }
  return values;
}

/**
 * Rows a list counts exactly; past this the total is the planner's estimate. A page then costs at most this many
 * index entries to count, however large the campaign (a count(*) over a 50,000-subject campaign took three times as
 * long as the page itself).
 */
export const COUNT_CAP = 1_000;

/** Planner estimates of totals past COUNT_CAP, kept a few seconds (they are estimates, moved only by ANALYZE). */
const ESTIMATES = new Map<string, { at: number; rows: number }>();
const ESTIMATE_MS = 5_000;

/**
 * One page of a read model with its total: the shape of every list route. The page and its rows counted up to
 * COUNT_CAP come in one statement (one round trip); a page that is not full gives the total by itself, and a
 * larger total is estimated from the planner's statistics (kept fresh by ANALYZE after imports and rebuilds).
 */
export async function pageOf<T>(pool: Pool, q: PageQuery, map: (row: QueryResultRow) => T): Promise<Page<T>> {
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const filter = q.where.length ? `WHERE ${q.where.join(' AND ')}` : '';
  const capped = `(SELECT count(*)::int FROM (SELECT 1 FROM ${q.from} ${filter} LIMIT ${COUNT_CAP + 1}) x)`;
  const params = [...q.params];
  const after = q.keyset?.after;
  const where = after
    ? [...q.where, `(${q.keyset!.columns.join(', ')}) > (${after.map((v) => `$${params.push(v)}`).join(', ')})`]
    : q.where;
  const { rows } = await pool.query(
    `SELECT ${capped} AS "__capped", page.* FROM (SELECT ${q.select ?? '*'} FROM ${q.from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${q.orderBy} LIMIT $${params.length + 1} OFFSET $${params.length + 2}) page`,
    [...params, limit, offset],
  );
  const page: Omit<Page<T>, 'total' | 'totalExact'> = { items: rows.map(map), limit, offset };
  if (q.keyset) {
    const last = rows[rows.length - 1];
    page.nextCursor = rows.length === limit ? encodeCursor(q.keyset.columns.map((c) => last[c])) : null;
  }
  // a page that is not full ends the list: its own rows say the total (a page past the end, or after a cursor, does not)
  if (rows.length < limit && !after && (offset === 0 || rows.length > 0))
    return { ...page, total: offset + rows.length, totalExact: true };
  const n = rows.length
    ? (rows[0].__capped as number)
    : ((await pool.query(`SELECT ${capped} AS n`, q.params)).rows[0].n as number);
  if (n <= COUNT_CAP) return { ...page, total: n, totalExact: true };
  return {
    ...page,
    total: Math.max(
      COUNT_CAP + 1,
      offset + rows.length,
      await estimate(pool, `SELECT 1 FROM ${q.from} ${filter}`, q.params),
    ),
    totalExact: false,
  };
}

async function estimate(pool: Pool, sql: string, params: unknown[]): Promise<number> {
  const key = `${sql}\u0000${JSON.stringify(params)}`;
  const kept = ESTIMATES.get(key);
  if (kept && Date.now() - kept.at < ESTIMATE_MS) return kept.rows;
  const plan = await pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  const rows = Math.round(Number(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']));
  if (ESTIMATES.size >= 1_000) ESTIMATES.clear();
  ESTIMATES.set(key, { at: Date.now(), rows });
  return rows;
}
