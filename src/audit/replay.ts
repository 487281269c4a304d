import { Pool } from 'pg';
import { insertRecordedEvents, logIsEmpty } from '../event-store/pg-transactional';
import { StoredEvent } from '../event-store/event-store';
import { eventFromJson } from '../http/event-json';
import { BrokenLink } from '../event-store/hash-chain';
import { inTransaction } from '../infra/transaction';
import { Projection } from '../projections/projection';
import { applyEvents } from '../projections/projection-runner';
import { OUTBOX_CHECKPOINT } from '../webhooks/webhooks.module';
import { ChainWalker } from './chain-verification';

export interface ReplayReport {
  events: number;
  streams: number;
  seconds: number;
  eventsPerSecond: number;
  /** the line of the export where a chain broke (nothing is kept then) */
  broken: (BrokenLink & { line: number }) | null;
}

export class ReplayRefused extends Error {}

/**
 * Rebuilds an auditor's own database from an exported log (ndjson in position order): every event's hash chain
 * is checked as it is read, the events are stored as they were (positions, hashes) and every read model is
 * projected from them, batch by batch, in one transaction — a broken chain or a bad line leaves the database as
 * it was. The database is for reading: the webhook outbox is set past the log so that nothing is re-sent.
 */
export async function replayLog(
  pool: Pool,
  lines: AsyncIterable<string> | Iterable<string>,
  projections: Projection[],
  batchSize = 2000,
): Promise<ReplayReport> {
  const started = process.hrtime.bigint();
  const walker = new ChainWalker(true);
  let broken: ReplayReport['broken'] = null;
  let last = 0;
  await inTransaction(pool, async (tx) => {
    if (!(await logIsEmpty(tx)))
      throw new ReplayRefused('the target database already holds events: replay into a fresh one');
    let batch: StoredEvent[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await insertRecordedEvents(tx, batch);
      for (const p of projections) await applyEvents(tx, p, batch);
      batch = [];
    };
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let e: StoredEvent;
      try {
        e = eventFromJson(line);
      } catch {
        throw new ReplayRefused(`line ${n} is not an exported event`);
      }
      if (e.globalPosition <= last)
        throw new ReplayRefused(
          `line ${n}: position ${e.globalPosition} is not after ${last}; the export must be in log order`,
        );
      last = e.globalPosition;
      const link = walker.next(e);
      if (link) {
        broken = { ...link, line: n };
        throw new ReplayRefused(`line ${n}: ${link.streamId} v${link.streamVersion}: ${link.reason}`);
      }
      batch.push(e);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    await tx.query(
      `INSERT INTO projection_checkpoints (name, position, updated_at) SELECT unnest($1::text[]), $2, now()
       ON CONFLICT (name) DO UPDATE SET position = $2, updated_at = now()`,
      [[...projections.map((p) => p.name), OUTBOX_CHECKPOINT], last],
    );
  }).catch((err) => {
    if (broken && err instanceof ReplayRefused) return;
    throw err;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const events = broken ? 0 : walker.events;
  return { events, streams: walker.streamCount, seconds, eventsPerSecond: seconds > 0 ? events / seconds : 0, broken };
}

/**
 * The lines of a stream, read only as they are consumed (unlike readline, which starts reading at once and
 * loses what arrives before its iterator is first awaited). Memory: one chunk and one partial line.
 */
export async function* linesOf(input: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of input) {
    const text = rest + chunk.toString();
    const lines = text.split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  if (rest) yield rest;
}
