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
  private wake: (() => void) | null = null;
  private woken = false;
  private unsubscribe: (() => void) | null = null;

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
    this.unsubscribe = this.store.onAppended(() => this.poke());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.poke();
    await this.loop;
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { batchSize = 500, pollMs = 1000 } = this.options;
    let failures = 0;
    while (this.running) {
      this.woken = false;
      let read: number;
      try {
        const page = await this.store.readAll({
          after: this.position,
          limit: batchSize,
          types: this.options.types,
          streamPrefix: this.options.streamPrefix,
        });
        read = page.events.length;
        if (read) await this.options.handle(page.events);
        this.position = page.next;
        failures = 0;
      } catch (err) {
        failures++;
        this.options.onError?.(err);
        await this.sleep(Math.min(30000, 100 * 2 ** Math.min(failures, 8)));
        continue;
      }
      // A full batch means more may be waiting; a short one that was woken meanwhile reads again at once.
      if (read === batchSize) continue;
      // Committed events may still be held back by an older transaction in flight: look again soon.
      await this.sleep(read === 0 && (await this.heldBack()) ? 20 : pollMs);
    }
  }

  private async heldBack(): Promise<boolean> {
    try {
      const { safe, last } = await this.store.positions();
      return last > safe;
    } catch {
      return false;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
