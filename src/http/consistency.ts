import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { from, map, mergeMap, Observable } from 'rxjs';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { ProjectionRunner } from '../projections/projection-runner';
import { Problem, problemType } from './problem';
import { sendProblem } from './problem.filter';

/**
 * The consistency contract (README, "Consistency"):
 * - every command answers from its own result, with the log position it reached in `X-Log-Position` (and as
 *   `logPosition` in its body);
 * - a GET that must see it passes that position as `minPosition` (query) or `X-Min-Position` (header): it waits
 *   up to CONSISTENCY_WAIT_MS for the read models to reach it, else answers 503 with Retry-After.
 */
export const LOG_POSITION_HEADER = 'X-Log-Position';
export const MIN_POSITION_HEADER = 'x-min-position';
export const MIN_POSITION_PARAM = 'minPosition';

/** What one request asked and reached; the command path notes positions in it (through its CommandContext). */
export class RequestConsistency {
  /** the highest log position a command of this request reached (null: none ran) */
  reached: number | null = null;

  constructor(
    /** the position the caller asked the read models to reach before answering */
    readonly minPosition: number | null,
  ) {}

  note(position: number): void {
    if (this.reached === null || position > this.reached) this.reached = position;
  }
}

type WithConsistency = Request & { consistency?: RequestConsistency; minPositionFrom?: string };

/** The request's consistency context (opened by consistencyMiddleware). */
export function consistencyOf(req: object): RequestConsistency | undefined {
  return (req as WithConsistency).consistency;
}

/** The largest position a client may hand back: positions are xid × 65536 + index, within JavaScript's safe integers. */
const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/**
 * Express middleware, first in line: opens the request's consistency context and takes `minPosition` out of the
 * query string (so that no route's query validation sees it) or from `X-Min-Position`. A value that is not a
 * whole number from 0 to 2^53 − 1 is a 400 naming it.
 */
export function consistencyMiddleware(req: Request, res: Response, next: NextFunction): void {
  const raw = takeFromQuery(req) ?? headerValue(req.headers[MIN_POSITION_HEADER]);
  let minPosition: number | null = null;
  if (raw !== undefined) {
    const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n > MAX_POSITION) {
      const field = takeFromQueryName(req) ?? 'X-Min-Position';
      return sendProblem(res, {
        type: problemType('validation'),
        title: 'Bad Request',
        status: 400,
        detail: `${field} must be a log position: a whole number from 0 to ${MAX_POSITION}`,
        instance: req.originalUrl,
        errors: [{ field, rule: 'logPosition', message: `must be a whole number from 0 to ${MAX_POSITION}` }],
      });
    }
    minPosition = n;
  }
  (req as WithConsistency).consistency = new RequestConsistency(minPosition);
  next();
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** Removes every minPosition from the URL's query; returns the value (several: the last wins, as a cursor would). */
function takeFromQuery(req: Request): string | undefined {
  const q = req.url.indexOf('?');
  if (q < 0) return undefined;
  const params = new URLSearchParams(req.url.slice(q + 1));
  const all = params.getAll(MIN_POSITION_PARAM);
  if (!all.length) return undefined;
  params.delete(MIN_POSITION_PARAM);
  const rest = params.toString();
  req.url = req.url.slice(0, q) + (rest ? `?${rest}` : '');
  (req as WithConsistency).minPositionFrom = MIN_POSITION_PARAM;
  return all[all.length - 1];
}

function takeFromQueryName(req: Request): string | undefined {
  return (req as WithConsistency).minPositionFrom;
}

/** Problem for a read whose read models did not reach the position asked for in time. */
export function notCaughtUp(minPosition: number, waitedMs: number, instance: string): Problem {
  return {
    type: problemType('not-caught-up'),
    title: 'Service Unavailable',
    status: 503,
    detail: `the read models did not reach log position ${minPosition} within ${waitedMs} ms; retry`,
    instance,
    minPosition,
  };
}

/**
 * Global interceptor (after authentication): a request with a minimum position waits for the read models first (a
 * read, or a command that consults one); a command's response gets the position it reached.
 */
@Injectable()
export class ConsistencyInterceptor implements NestInterceptor {
  constructor(
    private readonly projections: ProjectionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const c = consistencyOf(req);
    const answer = (): Observable<unknown> =>
      next.handle().pipe(
        map((body) => {
          if (!c || c.reached === null) return body;
          if (!res.headersSent) res.setHeader(LOG_POSITION_HEADER, String(c.reached));
          if (body && typeof body === 'object' && !Array.isArray(body) && req.method !== 'GET')
            return { ...body, logPosition: c.reached };
          return body;
        }),
      );
    if (!c || c.minPosition === null) return answer();
    const minPosition = c.minPosition;
    const waitMs = this.config.consistencyWaitMs;
    return from(this.projections.waitFor(minPosition, waitMs)).pipe(
      mergeMap((reached) => {
        if (reached) return answer();
        res.setHeader('Retry-After', '1');
        sendProblem(res, notCaughtUp(minPosition, waitMs, req.originalUrl));
        return from([undefined]);
      }),
    );
  }
}
