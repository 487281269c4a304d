import { Pool } from 'pg';
import { EVENT_COLUMNS, rowToEvent } from '../event-store/pg-event-store';
import { BrokenLink, StreamChainVerifier } from '../event-store/hash-chain';
import { StoredEvent } from '../event-store/event-store';

export interface VerifyReport {
  ok: boolean;
  streams: number;
  events: number;
  /** the first broken link in (stream, version) order, null when every chain holds */
  firstBroken: BrokenLink | null;
  seconds: number;
}

/**
 * Walks the hash chains of one stream or of the whole log, stream by stream in version order (keyset pages over
 * the (stream_id, stream_version) index, so memory stays flat), and stops at the first broken link.
 */
export async function verifyChains(pool: Pool, options: { streamId?: string; pageSize?: number } = {}): Promise<VerifyReport> {
  const started = process.hrtime.bigint();
  const pageSize = options.pageSize ?? 5000;
  const verifier = new ChainWalker();
  let cursor: [string, number] = [options.streamId ?? '', 0];
  for (;;) {
    const { rows } = options.streamId
      ? await pool.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version LIMIT $3`,
          [options.streamId, cursor[1], pageSize])
      : await pool.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE (stream_id, stream_version) > ($1, $2) ORDER BY stream_id, stream_version LIMIT $3`,
          [cursor[0], cursor[1], pageSize]);
    for (const row of rows) {
      const broken = verifier.next(rowToEvent(row));
      if (broken) return verifier.report(broken, started);
    }
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1];
    cursor = [last.stream_id, Number(last.stream_version)];
  }
  return verifier.report(null, started);
}

/**
 * Feeds events of many streams (each stream's in version order) to one verifier per stream. A log sorted by
 * stream needs only the current stream's verifier; an interleaved one (the log in position order, an export)
 * keeps one per stream seen — a hash and a version each.
 */
export class ChainWalker {
  private readonly streams = new Map<string, StreamChainVerifier>();
  private current: StreamChainVerifier | null = null;
  events = 0;
  streamCount = 0;

  constructor(private readonly interleaved = false) {}

  next(e: StoredEvent): BrokenLink | null {
    let v = this.current?.streamId === e.streamId ? this.current : this.interleaved ? this.streams.get(e.streamId) : undefined;
    if (!v) {
      v = new StreamChainVerifier(e.streamId);
      this.streamCount++;
      if (this.interleaved) this.streams.set(e.streamId, v);
    }
    this.current = v;
    this.events++;
    return v.next(e);
  }

  report(broken: BrokenLink | null, started: bigint): VerifyReport {
    return {
      ok: broken === null,
      streams: this.streamCount,
      events: this.events,
      firstBroken: broken,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
  }
}
