import { PoolClient } from 'pg';

/**
 * For read models that keep an aggregate's folded state in a row (jsonb `state`): the state after the event —
 * the row's state (or the initial one for the stream's first event) evolved with the aggregate's own `evolve`.
 * Null when a later event finds no row (its stream's start was never projected).
 */
export async function evolveRow<S, E>(
  tx: PoolClient,
  table: string,
  key: [column: string, value: string],
  decider: { initialState: S; evolve(s: S, e: E): S },
  event: E,
  first: boolean,
): Promise<S | null> {
  if (first) return decider.evolve(decider.initialState, event);
  const { rows } = await tx.query(`SELECT state FROM ${table} WHERE ${key[0]} = $1`, [key[1]]);
  return rows.length ? decider.evolve(rows[0].state, event) : null;
}

/** A folded state as the API shows it: without the fold's `exists` flag. */
export function withoutExists<S extends { exists?: boolean }>(state: S): Omit<S, 'exists'> {
  const { exists: _e, ...rest } = state;
  return rest;
}
