import type { Response } from 'express';
import { PreconditionFailedError } from '../shared/execute-decider.command';
import { ValidationProblem } from './problem';

export const etagOf = (version: number) => `"${version}"`;

/**
 * If-Match → the stream version a command expects: a strong ETag "<n>", or * (the resource must exist).
 * Weak tags never match under If-Match's strong comparison.
 */
export function parseIfMatch(header: string | undefined, streamId: string): number | '*' | undefined {
  if (header === undefined || header === '') return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  if (value.startsWith('W/')) {
    throw new PreconditionFailedError(streamId, -1, -1, 'If-Match needs a strong ETag; a weak one never matches');
  }
  const m = /^"(\d{1,15})"$/.exec(value);
  if (!m) {
    throw new ValidationProblem([
      { field: 'If-Match', rule: 'etag', message: 'If-Match must be * or a strong ETag such as "3"' },
    ]);
  }
  return Number(m[1]);
}

/** If-None-Match against a current ETag: true when the client's copy is fresh (304). */
export function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** A GET of a versioned resource: sets its ETag, and answers 304 (no body) when the client's copy is current. */
export function conditionalGet<T>(res: Response, version: number, ifNoneMatch: string | undefined, body: T): T | undefined {
  const etag = etagOf(version);
  res.setHeader('ETag', etag);
  if (!notModified(ifNoneMatch, etag)) return body;
  res.status(304);
  return undefined;
}
