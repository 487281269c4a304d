import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkUrlShape, guardedLookup } from './url-safety';

export interface SendResult {
  /** null when no response came (refused, timed out, unsafe target) */
  status: number | null;
  latencyMs: number;
  retryAfter?: string;
  /** the first 1 KiB of the response body, or the error */
  snippet: string;
  error: string | null;
}

const SNIPPET_BYTES = 1024;

/** Connections are kept alive between deliveries; each new one is dialled through the guarded lookup. */
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 128 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 128 }),
};

/**
 * One POST of a signed body. Redirects are not followed (a 3xx is a failure like any other non-2xx), the whole
 * exchange is cut off after `timeoutMs`, and the target is checked again on the address actually dialled.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<SendResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  return new Promise<SendResult>((resolve) => {
    let target: URL;
    try {
      target = checkUrlShape(url, opts.allowPrivate);
    } catch (err) {
      return resolve({ status: null, latencyMs: 0, snippet: '', error: (err as Error).message });
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'rectify-webhooks/1',
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
        },
        lookup: guardedLookup(opts.allowPrivate) as never,
        agent: target.protocol === 'https:' ? agents.https : agents.http,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = () => {
          const retryAfter = res.headers['retry-after'];
          finish({
            status: res.statusCode ?? null,
            latencyMs: elapsed(),
            retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
            snippet: Buffer.concat(chunks).toString('utf8'),
            error: null,
          });
        };
        res.on('data', (c: Buffer) => {
          chunks.push(c.subarray(0, SNIPPET_BYTES - kept));
          kept += Math.min(c.length, SNIPPET_BYTES - kept);
          if (kept < SNIPPET_BYTES) return;
          // all that is kept has come: answer now and drop the connection rather than read an endless body
          done();
          res.destroy();
          req.destroy();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no response within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ status: null, latencyMs: elapsed(), snippet: '', error: err.message }));
    req.end(body);
  });
}
