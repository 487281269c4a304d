import { PoolClient } from 'pg';

/** How a column travels in a multi-row statement (one array parameter per column, unnested). */
export type ColumnType = 'uuid' | 'text' | 'jsonb' | 'timestamptz' | 'date' | 'bigint' | 'integer' | 'boolean' | 'numeric' | 'text[]';

export interface TableSpec<R> {
  table: string;
  columns: { [K in keyof R & string]: ColumnType };
  key: (keyof R & string)[];
  /** On a key already present: keep the row ('nothing') or overwrite these columns (the rest keep their first value). */
  onConflict: 'nothing' | (keyof R & string)[];
}

type Pending<R> = { row: R; replaces: boolean } | { row: null; replaces: true };

/**
 * The writes of a batch of events to one table, gathered in memory and sent as at most one DELETE and one
 * INSERT … ON CONFLICT, leaving the table as the events' own row-by-row writes would have: an upsert of a key
 * already gathered keeps its insert-only columns and takes the new values of the updated ones (what a second
 * `INSERT … ON CONFLICT DO UPDATE` does), a delete drops what was gathered, and an upsert after a delete
 * starts the row afresh. Rows travel as one JSON document: jsonb values are given as objects, 'text[]' as string
 * arrays, timestamps as Dates (or ISO strings).
 */
export class RowBuffer<R extends object> {
  private readonly pending = new Map<string, Pending<R>>();
  private readonly sql: { delete: string; insert: string };

  constructor(private readonly spec: TableSpec<R>) {
    const { table, columns, key, onConflict } = spec;
    const names = Object.keys(columns).map(q).join(', ');
    const record = (cs: string[]) => cs.map((c) => `${q(c)} ${columns[c as keyof R & string]}`).join(', ');
    const conflict = onConflict === 'nothing' ? 'DO NOTHING' : `DO UPDATE SET ${onConflict.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}`;
    // rows travel as one json parameter (no array literals to escape either side), typed by json_to_recordset
    this.sql = {
      delete: `DELETE FROM ${table} t USING json_to_recordset($1::json) AS k(${record(key)}) WHERE ${key.map((c) => `t.${q(c)} = k.${q(c)}`).join(' AND ')}`,
      insert: `INSERT INTO ${table} (${names}) SELECT ${names} FROM json_to_recordset($1::json) AS r(${record(Object.keys(columns))})
               ON CONFLICT (${key.map(q).join(', ')}) ${conflict}`,
    };
  }

  get size(): number {
    return this.pending.size;
  }

  upsert(row: R): void {
    const k = this.keyOf(row);
    const before = this.pending.get(k);
    if (!before) {
      this.pending.set(k, { row, replaces: false });
    } else if (before.row === null) {
      this.pending.set(k, { row, replaces: true });
    } else if (this.spec.onConflict !== 'nothing') {
      const merged = { ...before.row };
      for (const c of this.spec.onConflict) merged[c] = row[c];
      this.pending.set(k, { row: merged, replaces: before.replaces });
    }
  }

  delete(key: Partial<R>): void {
    this.pending.set(this.keyOf(key), { row: null, replaces: true });
  }

  async flush(tx: PoolClient): Promise<void> {
    if (!this.pending.size) return;
    const entries = [...this.pending.entries()];
    this.pending.clear();
    const replaced = entries.filter(([, p]) => p.replaces).map(([k]) => {
      const values = JSON.parse(k) as unknown[];
      return Object.fromEntries(this.spec.key.map((c, i) => [c, values[i]]));
    });
    if (replaced.length) await tx.query(this.sql.delete, [JSON.stringify(replaced)]);
    const rows = entries.map(([, p]) => p.row).filter((r): r is R => r !== null);
    if (rows.length) await tx.query(this.sql.insert, [JSON.stringify(rows)]);
  }

  private keyOf(row: Partial<R>): string {
    return JSON.stringify(this.spec.key.map((c) => row[c]));
  }
}

const q = (column: string) => `"${column}"`;
