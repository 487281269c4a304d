import { PoolClient } from 'pg';
import { streamsUpTo } from '../event-store/pg-transactional';

/** One event of a batch for a read model of an aggregate: the key of its row (foldRows) or its stream (foldStreams). */
export interface Step<E> {
  key: string;
  event: E;
  /** the stream's first event: its fold starts from the initial state, whatever the table or the log holds */
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
  return foldSteps(decider, steps, states, created);
}

/**
 * For read models that do not keep an aggregate's state: the state before and after each event of a batch, folded
 * with the aggregate's own `evolve` from the stream itself. Steps are keyed by stream id and carry their stream
 * version; for a stream the batch continues, its earlier events (those below the batch's first version of it) are
 * read from the log in one query, which holds them because a projection only ever applies events of the log.
 * `after` is null for an event whose stream has no start (no first event in the log before it or in the batch).
 */
export async function foldStreams<S, E>(
  tx: PoolClient,
  decider: { initialState: S; evolve(s: S, e: E): S },
  steps: (Step<E> & { version: number })[],
): Promise<Folded<S>[]> {
  const continued = new Map<string, number>();
  const created = new Set<string>();
  for (const s of steps) {
    if (continued.has(s.key) || created.has(s.key)) continue;
    if (s.first) created.add(s.key);
    else continued.set(s.key, s.version);
  }
  const states = new Map<string, S | null>();
  if (continued.size) {
    const { rows } = await tx.query({
      text: streamsUpTo('stream_id, stream_version, type, data'),
      values: [[...continued.keys()], [...continued.values()].map((first) => first - 1)],
      rowMode: 'array',
    });
    for (const [stream, version, type, data] of rows) {
      const before = states.get(stream);
      // a stream folds from its first version; a stream whose start is missing from the log has no state
      const start = Number(version) === 1 ? decider.initialState : (before ?? null);
      states.set(stream, start === null ? null : decider.evolve(start, { type, data } as E));
    }
  }
  return foldSteps(decider, steps, states, created);
}

/** Folds the batch's steps in memory, from the states its streams stood at before it (`states`, changed in place). */
function foldSteps<S, E>(
  decider: { initialState: S; evolve(s: S, e: E): S },
  steps: Step<E>[],
  states: Map<string, S | null>,
  created: Set<string>,
): Folded<S>[] {
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
