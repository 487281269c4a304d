import { BrokenLink, StreamChainVerifier } from '../event-store/hash-chain';
import { EventStore, StoredEvent } from '../event-store/event-store';

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
export async function verifyChains(
  store: EventStore,
  options: { streamId?: string; pageSize?: number } = {},
): Promise<VerifyReport> {
  const started = process.hrtime.bigint();
  const pageSize = options.pageSize ?? 5000;
  const verifier = new ChainWalker();
  let cursor = { streamId: options.streamId ?? '', version: 0 };
  for (;;) {
    const events = await store.readInStreamOrder(cursor, pageSize, options.streamId);
    for (const e of events) {
      const broken = verifier.next(e);
      if (broken) return verifier.report(broken, started);
    }
    if (events.length < pageSize) break;
    const last = events[events.length - 1];
    cursor = { streamId: last.streamId, version: last.streamVersion };
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
    let v =
      this.current?.streamId === e.streamId
        ? this.current
        : this.interleaved
          ? this.streams.get(e.streamId)
          : undefined;
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
