import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express, { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/config';
import { jsonDepthLimit } from './http/body-rules';
import { consistencyMiddleware } from './http/consistency';
import { idempotencyMiddleware } from './http/idempotency';
import { sendProblem, toProblem } from './http/problem.filter';
import { problemType } from './http/problem';
import { StrictValidationPipe } from './http/validation';
import { migrate } from './infra/migrate';
import { createPool } from './infra/pool';
import { httpRequests } from './metrics/metrics';
import { Clock, SystemClock } from './shared/clock';

export interface CreateAppOptions {
  databaseUrl: string;
  clock?: Clock;
  /** runs last on shutdown, after the pool is closed (the embedded Postgres stops here) */
  onShutdown?: () => Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** response headers a browser script may read (CORS) */
export const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'X-Log-Position',
  'Idempotent-Replayed',
  'Content-Disposition',
];
/** bulk routes that also take text/csv */
const CSV_ROUTES = new Set(['/api/v1/subjects/import']);
/** routes whose body is a file's bytes, read as a stream by the route itself (any media type: it sniffs them) */
const RAW_ROUTES = new Set(['/api/v1/files']);
const unlessRaw =
  (handler: (req: Request, res: Response, next: NextFunction) => void) =>
  (req: Request, res: Response, next: NextFunction) => (RAW_ROUTES.has(req.path) ? next() : handler(req, res, next));

/** Builds the Nest application on a migrated database; the caller listens (or drives it with supertest). */
export async function createApp(config: AppConfig, options: CreateAppOptions): Promise<INestApplication> {
  const pool = createPool(options.databaseUrl, config.dbPoolSize);
  await migrate(pool);
  const app = await NestFactory.create(
    AppModule.forRoot({
      config,
      databaseUrl: options.databaseUrl,
      pool,
      clock: options.clock ?? new SystemClock(),
      onShutdown: options.onShutdown,
    }),
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  // CORS: exact origins from CORS_ORIGINS, none by default; any other origin gets no CORS header at all
  const origins = new Set(config.corsOrigins);
  app.enableCors({
    origin: (origin: string | undefined, done: (err: Error | null, allow?: boolean) => void) =>
      done(null, origin !== undefined && origins.has(origin)),
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  app.use(consistencyMiddleware);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      const route = (req as Request & { route?: { path?: string } }).route?.path ?? 'unmatched';
      httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(
    unlessRaw((req: Request, res: Response, next: NextFunction) => {
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      const csvAllowed = CSV_ROUTES.has(req.path);
      const accepted = csvAllowed
        ? ['application/json', 'application/*+json', 'text/csv']
        : ['application/json', 'application/*+json'];
      if (BODY_METHODS.has(req.method) && hasBody && !req.is(accepted)) {
        return sendProblem(res, {
          type: problemType('unsupported-media-type'),
          title: 'Unsupported Media Type',
          status: 415,
          detail: `send the body as ${csvAllowed ? 'application/json or text/csv' : 'application/json'}`,
          instance: req.originalUrl,
        });
      }
      next();
    }),
  );
  app.use(unlessRaw(express.json({ limit: '10mb', type: ['application/json', 'application/*+json'] })));
  app.use(unlessRaw(express.text({ limit: '10mb', type: 'text/csv' })));
  app.use(unlessRaw(jsonDepthLimit));
  // body-parser failures (bad JSON, too large) become problems too
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    sendProblem(res, toProblem(err, req.originalUrl));
  });
  app.use(
    idempotencyMiddleware(
      pool,
      { secret: config.jwtSecret, publicKey: config.jwtPublicKey },
      config.idempotencyKeyTtlHours,
    ),
  );
  app.useGlobalPipes(new StrictValidationPipe());
  app.enableShutdownHooks();
  return app;
}
