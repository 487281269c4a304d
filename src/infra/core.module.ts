import { DynamicModule, Global, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EventStore } from '../event-store/event-store';
import { PgEventStore } from '../event-store/pg-event-store';
import { ALL_PROJECTIONS } from '../projections/all-projections';
import { ProjectionRunner } from '../projections/projection-runner';
import { QueueFactory } from '../queue/queue.factory';
import { AggregateReader } from '../shared/aggregate-reader';
import { ReadModelMemo } from '../projections/read-model-memo';
import { TimeTravel } from '../projections/time-travel';
import { Clock } from '../shared/clock';
import { CommandExecutor } from '../shared/command-executor';
import { PG_POOL } from './tokens';

const SHUTDOWN_HOOK = Symbol('SHUTDOWN_HOOK');

export interface CoreDeps {
  config: AppConfig;
  databaseUrl: string;
  pool: Pool;
  clock: Clock;
  onShutdown?: () => Promise<void>;
}

/** The shared infrastructure: pool, event store, projections, queues, clock and the generic command path. */
@Global()
@Module({})
export class CoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  static forRoot(deps: CoreDeps): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: deps.config },
        { provide: PG_POOL, useValue: deps.pool },
        { provide: Clock, useValue: deps.clock },
        { provide: PgEventStore, useFactory: () => new PgEventStore(deps.pool, { listen: true, notify: true }) },
        { provide: EventStore, useExisting: PgEventStore },
        {
          provide: ProjectionRunner,
          inject: [EventStore, Logger],
          useFactory: (store: EventStore, logger: Logger) =>
            new ProjectionRunner(deps.pool, store, ALL_PROJECTIONS, {
              onError: (name, err) => logger.error({ err, projection: name }, 'projection batch failed; retrying'),
            }),
        },
        {
          provide: QueueFactory,
          inject: [Logger],
          useFactory: (logger: Logger) =>
            new QueueFactory(deps.databaseUrl, deps.config.redisUrl, deps.config.queuePrefix, (source, err) =>
              logger.warn({ err: err.message, source }, 'queue backend error'),
            ),
        },
        CommandExecutor,
        AggregateReader,
        TimeTravel,
        ReadModelMemo,
        { provide: SHUTDOWN_HOOK, useValue: deps.onShutdown ?? (async () => undefined) },
      ],
      exports: [
        APP_CONFIG,
        PG_POOL,
        Clock,
        EventStore,
        ProjectionRunner,
        QueueFactory,
        CommandExecutor,
        AggregateReader,
        TimeTravel,
        ReadModelMemo,
      ],
    };
  }

  constructor(
    private readonly store: PgEventStore,
    private readonly projections: ProjectionRunner,
    private readonly queues: QueueFactory,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SHUTDOWN_HOOK) private readonly onShutdown: () => Promise<void>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.store.start();
    await this.projections.ensureCheckpoints();
    this.projections.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projections.stop();
    await this.queues.close();
    await this.store.close();
    await this.pool.end().catch(() => undefined);
    await this.onShutdown();
  }
}
