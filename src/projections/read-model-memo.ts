import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';

interface Entry {
  version: string;
  value: Promise<unknown>;
}

/**
 * Values derived from the read models, kept while the read models stay where they were: the key of an entry is
 * its own (a campaign, a day), its version the projections' checkpoints when it was computed. A read whose cost
 * grows with the campaign (the scores over every subject, the progress figures) then costs one checkpoint query
 * while nothing is projected, and is computed once per log position however many readers ask (they share the
 * computation in flight). Each process keeps its own entries; the checkpoints are read from the database, so a
 * write through another instance is seen.
 *
 * The version is read before the value is computed: what is computed is at least as new as its version, so a
 * later reader that waited for a position past it computes again.
 */
@Injectable()
export class ReadModelMemo {
  private readonly entries = new Map<string, Entry>();

  /** entries kept, least recently used dropped first */
  private readonly capacity = 32;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Where every projection stands: one short row per projection. */
  async version(): Promise<string> {
    const { rows } = await this.pool.query(
      `SELECT string_agg(name || ':' || position, ',' ORDER BY name) AS v FROM projection_checkpoints`,
    );
    return rows[0].v ?? '';
  }

  async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const version = await this.version();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    const value = compute();
    const entry = { version, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
