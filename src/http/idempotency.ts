import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { verifyToken, JwtKeys } from '../auth/jwt';
import { canonicalJson } from '../shared/canonical-json';
import { sendProblem } from './problem.filter';
import { problemType } from './problem';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** A key: 1–255 visible ASCII characters (a UUID v4 is what clients are told to send). */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** How long the first request holds its key; past it, a process that died with it is taken to have let it go. */
const LEASE_MS = 60_000;
/** How long a request waits for the first one with its key to finish before a 409 `idempotency-key-in-use`. */
const WAIT_MS = 10_000;
const POLL_MS = 25;
/** Answers larger than this are not kept (the key is let go: a retry runs again). */
const MAX_BODY = 8 * 1024 * 1024;
/** Headers of an answer that belong to its connection or to the request that asked (CORS), not to the answer. */
const NOT_KEPT = /^(date|connection|keep-alive|transfer-encoding|content-length|vary|access-control-.*|x-request-id)$/i;

interface Kept {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * Whether an answer is the request's outcome, to be given again to the same request: a success, or a refusal the
 * domain decided (not found, conflict, stale precondition, unprocessable). Refusals of the request's form (400, 413,
 * 415), of its credentials (401, 403), a transient conflict (`concurrency`: try again) and failures (5xx, 503 not
 * caught up) are not: the key is let go, and a retry runs again.
 */
function keepable(status: number, body: Buffer): boolean {
  if (status >= 200 && status < 300) return true;
  if (![404, 409, 412, 422].includes(status)) return false;
  return !body.toString('utf8').includes(`"type":"${problemType('concurrency')}"`);
}

/**
 * `Idempotency-Key` on every POST of the API: the first answer to a key (status, headers, body) is kept per principal
 * for `ttlHours`, with a fingerprint of the request (method, path with query, canonical body). The same request with
 * the same key gets that answer again (`Idempotent-Replayed: true`) and nothing is executed; the same key with
 * another request is a 422 `idempotency-key-reused`. A request that comes while the first is still running waits
 * for its answer (up to 10 s, then 409 `idempotency-key-in-use` with Retry-After). Runs after the body is parsed and
 * authenticates the caller itself (a replay must never reach another principal); a request without a valid token
 * goes on untouched, to be refused by the guard.
 */
export function idempotencyMiddleware(pool: Pool, keys: JwtKeys, ttlHours: number) {
  let lastPurge = 0;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (req.method !== 'POST' || key === undefined || !req.path.startsWith('/api/')) return next();
    if (Array.isArray(key) || !KEY.test(key)) {
      return sendProblem(res, {
        type: problemType('bad-request'),
        title: 'Bad Request',
        status: 400,
        instance: req.originalUrl,
        detail: 'Idempotency-Key must be one value of 1-255 visible ASCII characters (a UUID, say)',
        errors: [
          { field: 'Idempotency-Key', rule: 'idempotencyKey', message: 'must be 1-255 visible ASCII characters' },
        ],
      });
    }
    const principal = principalOf(req, keys);
    if (!principal) return next();
    try {
      if (Date.now() - lastPurge > 3_600_000) {
        lastPurge = Date.now();
        void pool.query('DELETE FROM idempotency_keys WHERE expires_at < now()').catch(() => undefined);
      }
      const fingerprint = fingerprintOf(req);
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const claimed = await claim(pool, principal, key, fingerprint, ttlHours);
        if (claimed === 'ours') return record(pool, principal, key, res, next);
        if (claimed === 'reused') {
          return sendProblem(res, {
            type: problemType('idempotency-key-reused'),
            title: 'Unprocessable Content',
            status: 422,
            instance: req.originalUrl,
            detail:
              'this Idempotency-Key was used for another request (another route or another body); use a new key for a new request',
          });
        }
        if (claimed !== 'running') return replay(res, claimed);
        if (Date.now() > deadline) {
          res.setHeader('Retry-After', '1');
          return sendProblem(res, {
            type: problemType('idempotency-key-in-use'),
            title: 'Conflict',
            status: 409,
            instance: req.originalUrl,
            detail: 'a request with this Idempotency-Key is still running; retry for its answer',
          });
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (err) {
      next(err);
    }
  };
}

function principalOf(req: Request, keys: JwtKeys): string | null {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return null;
  try {
    return verifyToken(match[1], keys).sub;
  } catch {
    return null;
  }
}

function fingerprintOf(req: Request): Buffer {
  let body: string;
  try {
    body = typeof req.body === 'string' ? req.body : canonicalJson(req.body ?? null);
  } catch {
    body = JSON.stringify(req.body ?? null);
  }
  return createHash('sha256').update(`${req.method} ${req.originalUrl}\n`).update(body).digest();
}

/** Takes the key for this request, or says what holds it: the answer kept, another request, or one still running. */
async function claim(
  pool: Pool,
  principal: string,
  key: string,
  fingerprint: Buffer,
  ttlHours: number,
): Promise<'ours' | 'reused' | 'running' | Kept> {
  const { rows } = await pool.query(
    `INSERT INTO idempotency_keys (principal, key, fingerprint, locked_until, expires_at)
     VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', now() + $5 * interval '1 hour')
     ON CONFLICT (principal, key) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, status = NULL, headers = NULL, body = NULL, locked_until = EXCLUDED.locked_until,
           created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at < now()
          OR (idempotency_keys.status IS NULL AND idempotency_keys.locked_until < now() AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
     RETURNING 1`,
    [principal, key, fingerprint, LEASE_MS, ttlHours],
  );
  if (rows.length) return 'ours';
  const held = await pool.query(
    'SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE principal = $1 AND key = $2',
    [principal, key],
  );
  const row = held.rows[0];
  if (!row) return 'running'; // let go meanwhile: claim again
  if (!fingerprint.equals(row.fingerprint)) return 'reused';
  if (row.status === null) return 'running';
  return { status: row.status, headers: row.headers, body: row.body };
}

/** Lets the request run, and keeps its answer (or lets the key go when the answer is not one to keep). */
function record(pool: Pool, principal: string, key: string, res: Response, next: NextFunction): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  const take = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    size += buf.length;
    if (size <= MAX_BODY) chunks.push(buf);
  };
  (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...args: unknown[]) => {
    take(args[0], args[1]);
    return write(...args);
  };
  // the answer is kept when the request's own handling ends it, even if the client has gone meanwhile (a flaky
  // network: the retry must get this answer, not run the command again)
  let settled = false;
  (res as unknown as { end: (...a: unknown[]) => Response }).end = (...args: unknown[]) => {
    take(args[0], args[1]);
    const out = end(...args);
    if (!settled) {
      settled = true;
      settle();
    }
    return out;
  };
  const settle = () => {
    const body = Buffer.concat(chunks);
    const keep = size <= MAX_BODY && keepable(res.statusCode, body);
    const headers = Object.fromEntries(
      Object.entries(res.getHeaders())
        .filter(([name, v]) => v !== undefined && !NOT_KEPT.test(name))
        .map(([name, v]) => [name, Array.isArray(v) ? v : String(v)]),
    );
    const done = keep
      ? pool.query(
          'UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE principal = $1 AND key = $2',
          [principal, key, res.statusCode, JSON.stringify(headers), body],
        )
      : pool.query('DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND status IS NULL', [
          principal,
          key,
        ]);
    done.catch(() => undefined); // past its lease a key held by a lost write is taken again
  };
  next();
}

function replay(res: Response, kept: Kept): void {
  for (const [name, value] of Object.entries(kept.headers)) res.setHeader(name, value);
  res.setHeader(REPLAYED_HEADER, 'true');
  res.status(kept.status).end(kept.body);
}
