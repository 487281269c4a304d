import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody, uscc } from './support/fixtures';
import { Receiver } from './support/receiver';
import { ok, until } from './support/waiting';

/**
 * Receivers are isolated from each other: a dead one (it takes the request and never answers) holds at most its share
 * of the delivery worker's slots (WEBHOOK_MAX_IN_FLIGHT per subscription), so a healthy one keeps receiving; and a
 * receiver that answers with an endless body is read up to what is kept, then dropped.
 */
const W = '/api/v1/webhooks';
/** far longer than any wait below: a dead receiver's requests stay open for the whole test */
const TIMEOUT_MS = 120_000;
const PER_SUBSCRIPTION = 4;

function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook` }),
    ),
  );
}

let t: TestApp;
const healthy = new Receiver();
let dead: { server: Server; url: string };
let endless: { server: Server; url: string };
/** requests the dead receiver holds now, and the most it held at once */
let held = 0;
let mostHeld = 0;
const open = new Set<ServerResponse>();
/** set when the test is done: both receivers then drop every request at once, new ones included */
let closing = false;

beforeAll(async () => {
  await healthy.start();
  dead = await serve((req, res) => {
    if (closing) return void res.destroy();
    held++;
    mostHeld = Math.max(mostHeld, held);
    open.add(res);
    req.on('close', () => {
      held--;
      open.delete(res);
    });
  });
  endless = await serve((_req, res) => {
    if (closing) return void res.destroy();
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    pump();
    res.on('error', () => undefined);
  });
  t = await startTestApp({
    queue: 'redis',
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_MAX_IN_FLIGHT: String(PER_SUBSCRIPTION),
    },
  });
});
afterAll(async () => {
  // end the dead receiver's connections first, and drop any POST the worker sends meanwhile (a retry, the next in
  // line): the app's worker waits for its POSTs when it closes
  closing = true;
  for (const res of open) res.destroy();
  dead.server.closeAllConnections();
  endless.server.closeAllConnections();
  await t.close();
  await healthy.stop();
  await Promise.all([dead.server, endless.server].map((s) => new Promise((r) => s.close(r))));
});

it('three dead receivers hold a bounded share of the worker; a healthy one gets every event meanwhile', async () => {
  const campaign = (
    await ok(t.call('post', '/api/v1/campaigns', '/api/v1/campaigns', 'city-admin', launchBody(chongqing2022)), 201)
  ).body.id;
  for (let i = 0; i < 3; i++)
    await ok(t.call('post', W, W, 'city-admin', { url: dead.url, eventTypes: ['subject.*'] }), 201);
  const good = (await ok(t.call('post', W, W, 'city-admin', { url: healthy.url, eventTypes: ['subject.*'] }), 201))
    .body;
  healthy.secrets.push(good.secret);
  // 60 subjects: 60 streams, so each dead subscription has 60 lines wanting a POST at once (180 > the worker's 64 slots)
  const rows = Array.from({ length: 60 }, (_, i) => ({
    type: 'production-unit',
    name: `重庆市某工贸企业${i}`,
    uscc: uscc(5000 + i),
    districtCode: '500103',
    industry: 'industry-trade',
    principal: { name: '张三' },
  }));
  await ok(
    t.call('post', '/api/v1/subjects/import', `/api/v1/subjects/import?campaign=${campaign}`, 'city-admin', rows),
    201,
  );
  // while the dead receivers hold their requests open (their timeout is far off), every event reaches the healthy one
  await until(
    'the healthy receiver has every event',
    async () => healthy.received.filter((r) => r.json.type === 'subject.registered').length,
    (n) => n === 60,
    60_000,
  );
  expect(held).toBeGreaterThan(0);
  expect(mostHeld).toBeLessThanOrEqual(3 * PER_SUBSCRIPTION);
});

it("reads a receiver's endless answer up to what it keeps (1 KiB), then drops the connection", async () => {
  const hook = (await ok(t.call('post', W, W, 'city-admin', { url: endless.url, eventTypes: ['campaign.*'] }), 201))
    .body;
  await ok(t.call('post', '/api/v1/campaigns', '/api/v1/campaigns', 'city-admin', launchBody(chongqing2022)), 201);
  const [delivery] = await until(
    'the delivery to the endless receiver',
    async () =>
      (await ok(t.call('get', `${W}/{webhookId}/deliveries`, `${W}/${hook.id}/deliveries`, 'city-admin'))).body
        .items as { status: string; lastResponse: string | null }[],
    (items) => items.length > 0 && items[0].status === 'delivered',
    30_000,
  );
  expect(delivery.lastResponse).toBe('x'.repeat(1024));
});
