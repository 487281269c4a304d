import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EventIdConflictError, InvalidEventError, WrongExpectedVersionError } from '../event-store/event-store';
import { DomainError } from '../shared/decider';
import { ConcurrencyConflictError, PreconditionFailedError } from '../shared/execute-decider.command';
import { Problem, PROBLEM_CONTENT_TYPE, problemType, RowsRejected, ValidationProblem } from './problem';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'too-large',
  415: 'unsupported-media-type',
  500: 'internal',
  503: 'unavailable',
};

/** Maps anything thrown to an RFC 9457 problem. */
export function toProblem(err: unknown, instance?: string): Problem {
  const base = (status: number, detail: string, slug = SLUGS[status] ?? 'error'): Problem => ({
    type: problemType(slug),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
  });
  if (err instanceof RowsRejected)
    return { ...base(422, err.message, 'rows-rejected'), rows: err.rows, errors: err.errors };
  if (err instanceof ValidationProblem) return { ...base(err.status, err.message, 'validation'), errors: err.errors };
  if (err instanceof DomainError) {
    switch (err.kind) {
      case 'invalid':
        return {
          ...base(400, err.message, 'validation'),
          errors: [{ field: err.field ?? 'body', rule: err.rule ?? 'invalid', message: err.message }],
        };
      case 'conflict':
        return { ...base(409, err.message, err.rule ?? 'conflict') };
      case 'not-found':
        return base(404, err.message);
      case 'forbidden':
        return base(403, err.message);
    }
  }
  if (err instanceof PreconditionFailedError) {
    return { ...base(412, err.message), currentVersion: err.actual };
  }
  if (err instanceof WrongExpectedVersionError)
    return { ...base(409, err.message, 'concurrency'), currentVersion: err.actual };
  if (err instanceof ConcurrencyConflictError) return base(409, err.message, 'concurrency');
  if (err instanceof EventIdConflictError) return base(409, err.message, 'event-id-reused');
  if (err instanceof InvalidEventError) {
    return {
      ...base(400, err.message, 'validation'),
      errors: [{ field: err.field, rule: 'invalid', message: err.rule }],
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const detail =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : err.message;
    return base(status, detail);
  }
  // body-parser errors carry an HTTP status and a type
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const detail =
      e.type === 'entity.parse.failed' ? `request body is not valid JSON: ${e.message}` : (e.message ?? 'bad request');
    return {
      ...base(status, detail, e.type === 'entity.parse.failed' ? 'malformed-json' : SLUGS[status]),
      ...(e.type === 'entity.parse.failed'
        ? { errors: [{ field: 'body', rule: 'json', message: 'must be valid JSON' }] }
        : {}),
    };
  }
  return base(HttpStatus.INTERNAL_SERVER_ERROR, 'an unexpected error occurred; it has been logged');
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const problem = toProblem(err, req?.originalUrl);
    if (problem.status >= 500) this.logger.error({ err }, 'unhandled error');
    if (res.headersSent) return;
    sendProblem(res, problem);
  }
}
