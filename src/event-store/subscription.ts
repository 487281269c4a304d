import { Wake } from '../shared/wake';
import { EventStore, StoredEvent } from './event-store';

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
      // 0: the listener (re)connected and may have missed something
      if (position === 0 || position > this.readThrough) this.wake.poke();
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
    while (this.running) {
      this.wake.reset();
      let read: number;
      let heldBack: boolean;
      try {
        const page = await this.store.readAll({
          after: this.position,
          limit: batchSize,
          types: this.options.types,
          streamPrefix: this.options.streamPrefix,
        });
        read = page.events.length;
        heldBack = page.heldBack;
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
      // Committed events may be held back by an append of ours still in flight: look again soon.
      await this.wake.sleep(heldBack ? 20 : pollMs, this.running);
    }
  }
}
