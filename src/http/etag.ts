import type { Response } from 'express';
import type { IfMatch } from '../shared/execute-decider.command';
import { ValidationProblem } from './problem';

export const etagOf = (version: number) => `"${version}"`;

/**
 * If-Match (RFC 9110 §13.1.1) → what the command expects of its stream: `*` (the resource must exist), or the versions
 * of the strong ETags listed ("3", or "3", "4"). Weak tags never match under If-Match's strong comparison: a list of
 * only weak tags matches nothing (412). A malformed entry is a 400.
 */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const versions: number[] = [];
  for (const raw of value.split(',')) {
    const tag = raw.trim();
    if (tag === '') continue;
    const m = /^(W\/)?"(\d{1,15})"$/.exec(tag);
    if (!m) {
      throw new ValidationProblem([
        { field: 'If-Match', rule: 'etag', message: 'If-Match must be * or a list of ETags such as "3" or "3", "4"' },
      ]);
    }
    if (!m[1]) versions.push(Number(m[2]));
  }
  return versions;
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
export function conditionalGet<T>(
  res: Response,
  version: number,
  ifNoneMatch: string | undefined,
  body: T,
): T | undefined {
  const etag = etagOf(version);
  res.setHeader('ETag', etag);
  if (!notModified(ifNoneMatch, etag)) return body;
  res.status(304);
  return undefined;
}
