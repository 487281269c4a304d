import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: {
    type: string;
    timestamp: string;
    data: { eventId: string; stream: string; version: number; position: number; actor: unknown; payload: unknown };
  };
  /** the status this receiver answered */
  answered: number;
  /** which of the known secrets verified it (by index in `secrets`) */
  verifiedBy: number[];
}

export type Mode = 'up' | 'unavailable' | 'gone' | { status: number; headers?: Record<string, string> };

/**
 * A local webhook receiver that checks every delivery with the `standardwebhooks` library against the secrets
 * it was told, records what came, and answers as its mode says (2xx only when `up` and verified).
 */
export class Receiver {
  readonly received: Received[] = [];
  readonly secrets: string[] = [];
  mode: Mode = 'up';
  /** webhook-ids to answer 503 once each (then as the mode says) */
  readonly failOnce = new Set<string>();
  /** While set, every answer waits for it: a test holds the receiver to settle what happens meanwhile. */
  hold: Promise<void> | null = null;
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on(
        'end',
        () =>
          void (this.hold ?? Promise.resolve()).then(() => {
            const body = Buffer.concat(chunks).toString('utf8');
            const verifiedBy = this.verify(body, req.headers);
            const mode = this.mode;
            let status = 204;
            const headers: Record<string, string> = {};
            const id = String(req.headers['webhook-id']);
            if (mode === 'unavailable' || this.failOnce.delete(id)) status = 503;
            else if (mode === 'gone') status = 410;
            else if (mode !== 'up') {
              status = mode.status;
              Object.assign(headers, mode.headers ?? {});
            } else if (!verifiedBy.length) status = 401;
            let json: Received['json'];
            try {
              json = JSON.parse(body);
            } catch {
              json = null as never;
            }
            this.received.push({
              id: String(req.headers['webhook-id']),
              timestamp: String(req.headers['webhook-timestamp']),
              signature: String(req.headers['webhook-signature']),
              body,
              json,
              answered: status,
              verifiedBy,
            });
            res.writeHead(status, headers).end(status === 204 ? undefined : 'receiver says no');
          }),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Deliveries it accepted (answered 2xx), by webhook-id. */
  accepted(): Received[] {
    return this.received.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  private verify(body: string, headers: IncomingHttpHeaders): number[] {
    const h = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    const ok: number[] = [];
    this.secrets.forEach((secret, i) => {
      try {
        new Webhook(secret).verify(body, h);
        ok.push(i);
      } catch {
        /* not this secret */
      }
    });
    return ok;
  }
}
