import { PoolClient } from 'pg';

/** One event of a batch for a read model that keeps an aggregate's folded state per row. */
export interface Step<E> {
  key: string;
  event: E;
  /** the stream's first event: its fold starts from the initial state, whatever the table holds */
  first: boolean;
}

/**
 * The states of a row around one event: `after` is null for an event whose stream's start was never projected.
 * `created`: the stream's first event is in the batch, so the table held no row for it before the batch.
 */
export interface Folded<S> {
  before: S | null;
  after: S | null;
  created: boolean;
}

/**
 * For read models that keep an aggregate's folded state in a row: the state before and after each event of a
 * batch — the row's state (or the initial one from the stream's first event) evolved with the aggregate's own
 * `evolve`. The rows the batch continues are read in one query; the fold runs in memory. `after` is null for an
 * event whose stream's start was never projected (no row, no first event before it).
 */
export async function foldRows<S, E>(
  tx: PoolClient,
  source: { table: string; key: string; state: (row: Record<string, unknown>) => S },
  decider: { initialState: S; evolve(s: S, e: E): S },
  steps: Step<E>[],
): Promise<Folded<S>[]> {
  // a row is read if the batch continues its stream, and new if the batch starts it
  const wanted = new Set<string>();
  const created = new Set<string>();
  for (const s of steps) if (!wanted.has(s.key) && !created.has(s.key)) (s.first ? created : wanted).add(s.key);
  const states = new Map<string, S | null>();
  if (wanted.size) {
    const { rows } = await tx.query(`SELECT * FROM ${source.table} WHERE ${source.key} = ANY($1)`, [[...wanted]]);
    for (const row of rows) states.set(String(row[source.key]), source.state(row));
  }
  return steps.map((s) => {
    const stored = states.get(s.key) ?? null;
    const start = s.first ? decider.initialState : stored;
    const after = start === null ? null : decider.evolve(start, s.event);
    states.set(s.key, after);
    return { before: stored, after, created: created.has(s.key) };
  });
}

/** The folded state kept in a row's jsonb `state` column. */
export const stateColumn = <S>(row: Record<string, unknown>) => row.state as S;

/** A folded state as the API shows it: without the fold's `exists` flag. */
export function withoutExists<S extends { exists?: boolean }>(state: S): Omit<S, 'exists'> {
  const { exists: _e, ...rest } = state;
  return rest;
}
