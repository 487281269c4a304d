import { ServiceUnavailableException } from '@nestjs/common';
import { connect, Socket } from 'node:net';

/** Where clamd listens: CLAMD_URL `tcp://host:port` or `unix:///path/to/clamd.ctl`. */
export type ClamdAddress = { host: string; port: number } | { path: string };

/** CLAMD_URL parsed, or the problem with it as a string. */
export function parseClamdUrl(raw: string): ClamdAddress | string {
  const problem = 'CLAMD_URL must be tcp://host:port or unix:///path/to/clamd.ctl';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return problem;
  }
  if (u.protocol === 'unix:' && u.pathname.length > 1) return { path: decodeURIComponent(u.pathname) };
  if (u.protocol === 'tcp:' && u.hostname && u.port)
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
  return problem;
}

/** What clamd said of a stream: clean, or the signature it found. */
export type ScanVerdict = { clean: true } | { clean: false; signature: string };

/** How long clamd may take to answer once the last byte is sent, and to accept the connection. */
const ANSWER_MS = 60_000;
/** clamd's INSTREAM chunks: a 4-byte length, then the bytes. */
const MAX_CHUNK = 64 * 1024;

/**
 * One upload streamed to clamd while it is stored (INSTREAM, clamd's own protocol): `write` each chunk as it
 * passes, then `verdict` once every byte is sent. A scanner that cannot be reached or fails mid-way is a 503: an
 * upload is never accepted unscanned when CLAMD_URL is set.
 */
export class ClamdScan {
  private readonly socket: Socket;
  private readonly answer: Promise<string>;
  private failed: Error | null = null;

  constructor(address: ClamdAddress) {
    this.socket = 'path' in address ? connect(address.path) : connect(address.port, address.host);
    this.socket.setTimeout(ANSWER_MS);
    this.answer = new Promise<string>((resolve, reject) => {
      const got: Buffer[] = [];
      this.socket.on('data', (b) => got.push(b));
      this.socket.on('end', () => resolve(Buffer.concat(got).toString('utf8').replace(/\0+$/, '').trim()));
      this.socket.on('timeout', () => this.socket.destroy(new Error('clamd did not answer in time')));
      this.socket.on('error', (err) => {
        this.failed = err;
        reject(err);
      });
    });
    this.answer.catch(() => undefined);
    this.socket.write('zINSTREAM\0');
  }

  /** Sends one chunk, waiting while the socket's buffer is full (bounded memory). */
  async write(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; at += MAX_CHUNK) {
      const part = chunk.subarray(at, at + MAX_CHUNK);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length);
      this.socket.write(length);
      if (!this.socket.write(part)) await this.drained();
    }
  }

  private drained(): Promise<void> {
    if (this.failed) return Promise.reject(unavailable(this.failed));
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(unavailable(err));
      this.socket.once('error', onError);
      this.socket.once('drain', () => {
        this.socket.off('error', onError);
        resolve();
      });
    });
  }

  /** Ends the stream and reads clamd's answer: `stream: OK`, `stream: <signature> FOUND`, or an error. */
  async verdict(): Promise<ScanVerdict> {
    this.socket.end(Buffer.alloc(4));
    let said: string;
    try {
      said = await this.answer;
    } catch (err) {
      throw unavailable(err as Error);
    }
    if (/^stream: OK$/.test(said)) return { clean: true };
    const found = /^stream: (.+) FOUND$/.exec(said);
    if (found) return { clean: false, signature: found[1] };
    throw unavailable(new Error(said || 'clamd closed the connection without an answer'));
  }

  /** Drops the connection (the upload failed before it was scanned). */
  abort(): void {
    this.socket.destroy();
  }
}

function unavailable(err: Error): ServiceUnavailableException {
  return new ServiceUnavailableException(`the virus scanner (clamd) could not scan the file: ${err.message}`);
}
