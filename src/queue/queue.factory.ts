import { Queue, QueueOptions, Worker, WorkerOptions, Processor, createPostgresBackend, withBackend } from 'bullmq';
import { Redis } from 'ioredis';

export type QueueBackendKind = 'redis' | 'postgres';

/**
 * Builds BullMQ queues and workers on Redis (REDIS_URL) or, without it, on BullMQ 6's own Postgres backend in
 * the product's database. Everything it builds is closed on shutdown.
 */
export class QueueFactory {
  readonly kind: QueueBackendKind;
  private readonly closables: { close(): Promise<void> }[] = [];
  private readonly pgClasses = withBackend(createPostgresBackend);

  constructor(
    private readonly databaseUrl: string,
    private readonly redisUrl?: string,
    private readonly prefix = 'rectify',
    /** connection errors are reported here, never thrown at the process */
    private readonly onError: (source: string, err: Error) => void = () => undefined,
  ) {
    this.kind = redisUrl ? 'redis' : 'postgres';
  }

  queue<D = unknown>(name: string, opts: Partial<QueueOptions> = {}): Queue<D> {
    const q = this.redisUrl
      ? new Queue<D>(name, { ...opts, prefix: this.prefix, connection: this.redisConnection() })
      : (new this.pgClasses.Queue<D>(name, {
          ...(opts as object),
          prefix: this.prefix,
          connection: { connectionString: this.databaseUrl, migrate: true },
        }) as unknown as Queue<D>);
    q.on('error', (err) => this.onError(`queue ${name}`, err));
    this.guardPgClients(q);
    this.closables.push(q);
    return q;
  }

  worker<D = unknown>(name: string, processor: Processor<D>, opts: Partial<WorkerOptions> = {}): Worker<D> {
    const w = this.redisUrl
      ? new Worker<D>(name, processor, { ...opts, prefix: this.prefix, connection: this.redisConnection(true) })
      : (new this.pgClasses.Worker<D>(name, processor as never, {
          ...(opts as object),
          prefix: this.prefix,
          connection: { connectionString: this.databaseUrl, migrate: true },
        }) as unknown as Worker<D>);
    w.on('error', (err) => this.onError(`worker ${name}`, err));
    // A worker that keeps hitting a broken connection (on the Postgres backend it retries at once, without a
    // pause) is paused for a moment after each error instead of spinning and starving the event loop.
    let paused: NodeJS.Timeout | null = null;
    let closing = false;
    w.on('error', () => {
      if (paused || closing) return;
      void w.pause(true).catch(() => undefined);
      paused = setTimeout(() => {
        paused = null;
        if (!closing) w.resume();
      }, 2000);
      paused.unref();
    });
    w.on('closing', () => {
      closing = true;
      if (paused) clearTimeout(paused);
    });
    this.guardPgClients(w);
    this.closables.unshift(w);
    return w;
  }

  /** Close a worker now: gracefully (its running jobs finish) for up to 5 s, then by force (a cut connection may never let it finish). */
  async closeWorker(w: Worker): Promise<void> {
    this.discard(w);
    const graceful = w.close().then(
      () => true,
      () => true,
    );
    const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000).unref());
    if (!(await Promise.race([graceful, timedOut]))) await w.close(true).catch(() => undefined);
  }

  /** Close one queue or worker now (in the background) and forget it. */
  discard(item: { close(): Promise<void> }): void {
    const i = this.closables.indexOf(item);
    if (i >= 0) this.closables.splice(i, 1);
    void item.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = this.closables.splice(0);
    for (const c of all) await c.close().catch(() => undefined);
  }

  /**
   * BullMQ's Postgres backend leaves the clients it checks out of its pool without an 'error' listener, so a
   * connection cut while one is checked out (Postgres restarted, the backend terminated) would crash the
   * process with an unhandled 'error'. Every client of its pool gets one; the failed query still reports.
   */
  private guardPgClients(item: object): void {
    const pool = (
      item as {
        backend?: {
          connection?: {
            pool?: { on?(event: 'connect', fn: (c: { on(e: 'error', f: () => void): void }) => void): void };
          };
        };
      }
    ).backend?.connection?.pool;
    pool?.on?.('connect', (client) => client.on('error', () => undefined));
  }

  /** Workers need blocking connections that retry forever; producers fail fast when Redis is down. */
  private redisConnection(blocking = false): Redis {
    const client = new Redis(this.redisUrl!, { maxRetriesPerRequest: blocking ? null : 1 });
    client.on('error', () => undefined);
    this.closables.push({ close: async () => void (await client.quit().catch(() => client.disconnect())) });
    return client;
  }
}
