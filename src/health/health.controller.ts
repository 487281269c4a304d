import { Controller, Get, Header, Inject, OnModuleInit, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { Public } from '../auth/auth.decorators';
import { PG_POOL } from '../infra/tokens';
import { registry, scrapeHooks } from '../metrics/metrics';
import { ProjectionRunner } from '../projections/projection-runner';
import { QueueFactory } from '../queue/queue.factory';

@Controller()
export class HealthController implements OnModuleInit {
  private probeQueue: Queue;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly queues: QueueFactory,
    private readonly projections: ProjectionRunner,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Wait for the backend (BullMQ's Postgres backend migrates itself here) before serving. */
  async onModuleInit(): Promise<void> {
    this.probeQueue = this.queues.queue('health');
    await this.probeQueue.waitUntilReady();
  }

  @Get('health')
  @Public()
  @HealthCheck()
  async check(@Res({ passthrough: true }) res: Response) {
    try {
      return await this.checkAll();
    } catch (err) {
      // terminus reports a failed check as a 503 carrying the same health body
      if (!(err instanceof ServiceUnavailableException)) throw err;
      res.status(503);
      return err.getResponse();
    }
  }

  private checkAll() {
    return this.health.check([
      async () => {
        const s = this.indicators.check('database');
        try {
          await this.pool.query('SELECT 1');
          return s.up();
        } catch (err) {
          return s.down({ message: (err as Error).message });
        }
      },
      async () => {
        const s = this.indicators.check('queue');
        try {
          await withTimeout(this.probeQueue.getJobCounts('waiting'), 3000);
          return s.up({ backend: this.queues.kind });
        } catch (err) {
          // A queue whose connection failed may stay failed: probe with a fresh one next time.
          const broken = this.probeQueue;
          this.probeQueue = this.queues.queue('health');
          this.queues.discard(broken);
          return s.down({ backend: this.queues.kind, message: (err as Error).message });
        }
      },
    ]);
  }

  @Get('metrics')
  @Public()
  @Header('Content-Type', registry.contentType)
  async metrics(): Promise<string> {
    await Promise.all(
      [this.projections.refreshLagMetrics(), ...[...scrapeHooks].map((refresh) => refresh())].map((p) =>
        p.catch(() => undefined),
      ),
    );
    return registry.metrics();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
