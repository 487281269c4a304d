import { Controller, Get, Header, Inject, OnModuleInit } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { Public } from '../auth/auth.decorators';
import { PG_POOL } from '../infra/tokens';
import { registry } from '../metrics/metrics';
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

  onModuleInit(): void {
    this.probeQueue = this.queues.queue('health');
  }

  @Get('health')
  @Public()
  @HealthCheck()
  check() {
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
          return s.down({ backend: this.queues.kind, message: (err as Error).message });
        }
      },
    ]);
  }

  @Get('metrics')
  @Public()
  @Header('Content-Type', registry.contentType)
  async metrics(): Promise<string> {
    await this.projections.refreshLagMetrics().catch(() => undefined);
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
