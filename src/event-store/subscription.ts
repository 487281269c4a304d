import { HeldBackDelay, Wake } from '../shared/wake';
import { EventStore, HeldBack, StoredEvent } from './event-store';

export interface SubscriptionOptions {
  /** exclusive: the position of the last event already handled (the checkpoint) */
  from: number;
  handle(events: StoredEvent[]): Promise<void>;
  batchSize?: number;
  types?: string[];
  streamPrefix?: string;
  /** fallback poll interval when no append notification arrives */
  pollMs?: number;
  onError?(err: unknown): void;
}

/**
 * Catch-up then live, from a checkpoint: reads the commit-safe log after `from` in batches, hands each batch to
 * `handle` (awaited; the position moves only after it resolves), then waits for this process's appends or
 * another process's NOTIFY, polling as a fallback. Nothing that commits late is skipped (see readAll).
 * A handler that fails is retried with backoff from the same position.
 */
export class EventSubscription {
  private position: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly wake = new Wake();
  private unsubscribe: (() => void) | null = null;
  /** the highest position read: a wake-up for a position already read (this process's own NOTIFY) reads nothing */
  private readThrough = 0;
  /** why the last read stopped short of committed events (null: it did not) */
  private held: HeldBack | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly options: SubscriptionOptions,
  ) {
    this.position = options.from;
  }

  /** The position of the last event handled. */
  get checkpoint(): number {
    return this.position;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.store.onAppended((position) => {
      // held back: only the append holding us back (or a rollback) can let us on; else anything new, or 0 (look again)
      if (this.held ? this.held.releasedBy(position) : position === 0 || position > this.readThrough) this.wake.poke();
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake.poke();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { batchSize = 500, pollMs = 10_000 } = this.options;
    let failures = 0;
    const heldBackDelay = new HeldBackDelay();
    while (this.running) {
      this.wake.reset();
      let read: number;
      try {
        const page = await this.store.readAll({
          after: this.position,
          limit: batchSize,
          types: this.options.types,
          streamPrefix: this.options.streamPrefix,
        });
        read = page.events.length;
        this.held = page.heldBack;
        if (read) {
          this.readThrough = Math.max(this.readThrough, page.next);
          await this.options.handle(page.events);
        }
        this.position = page.next;
        failures = 0;
      } catch (err) {
        failures++;
        this.options.onError?.(err);
        await this.wake.sleep(Math.min(30000, 100 * 2 ** Math.min(failures, 8)), this.running);
        continue;
      }
      // A full batch means more may be waiting; a short one that was woken meanwhile reads again at once.
      if (read === batchSize) continue;
      // Committed events may be held back by an append of ours still in flight: look again soon (its commit or
      // rollback wakes us through the store; the growing delay is for an appender that died without a word).
      if (!this.held) heldBackDelay.reset();
      await this.wake.sleep(this.held ? heldBackDelay.next() : pollMs, this.running);
    }
  }
}
