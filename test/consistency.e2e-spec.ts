import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { appendStatement } from '../src/event-store/pg-event-store';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody } from './support/fixtures';
import { ADMIN_DATABASE_URL } from './support/services';

/**
 * The consistency contract: a command answers from its own result with the log position it reached; a read given that
 * position answers once the read models have reached it, or 503 with Retry-After; nothing waits on transactions that
 * are not appends of ours.
 */
const C = '/api/v1/campaigns';
const ONE = `${C}/{id}`;
const HOOKS = '/api/v1/webhooks';
const HOOK = `${HOOKS}/{webhookId}`;

let t: TestApp;
beforeAll(async () => {
  // reads and commands given a position wait for it as long as a loaded machine may need (the 503 case below runs a
  // second app on the same database with a short wait)
  t = await startTestApp({ queue: 'redis', env: { CONSISTENCY_WAIT_MS: '60000', WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await t.close();
});

const position = (res: { headers: Record<string, string> }) => Number(res.headers['x-log-position']);
const at = (res: { headers: Record<string, string> }) => ({ 'X-Min-Position': String(position(res)) });

/** A transaction holding an xid in `url`'s database, open until end(). */
async function openWriteTransaction(url: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT txid_current()');
  return {
    client,
    async end(how = 'ROLLBACK') {
      await client.query(how);
      await client.end();
    },
  };
}

describe('with a write transaction open in another database', () => {
  it('a create answers from its own result and the read after it (given its position) finds it', async () => {
    const foreign = await openWriteTransaction(ADMIN_DATABASE_URL);
    try {
      for (let i = 0; i < 5; i++) {
        const launched = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
        expect(launched.status).toBe(201);
        expect(position(launched)).toBeGreaterThan(0);
        expect(launched.body.logPosition).toBe(position(launched));
        const got = await t.call(
          'get',
          ONE,
          `${C}/${launched.body.id}?minPosition=${position(launched)}`,
          'city-admin',
        );
        expect([got.status, got.body.id]).toEqual([200, launched.body.id]);
      }
      // the webhook secret comes from the command itself; the subscription is readable at the position it reached
      const created = await t.call('post', HOOKS, HOOKS, 'city-admin', {
        url: 'http://127.0.0.1:9/hook',
        eventTypes: ['campaign.*'],
      });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      expect(created.body).toMatchObject({
        url: 'http://127.0.0.1:9/hook',
        version: 1,
        logPosition: position(created),
      });
      const got = await t.call('get', HOOK, `${HOOKS}/${created.body.id}`, 'city-admin', undefined, at(created));
      expect(got.status).toBe(200);
      const { secret: _s, logPosition: _p, ...shown } = created.body;
      expect(got.body).toEqual(shown);
      // a command right after the create acts on the subscription (folded from its stream, not the read model)
      const patched = await t.call('patch', HOOK, `${HOOKS}/${created.body.id}`, 'city-admin', {
        description: '省厅接收端',
      });
      expect([patched.status, patched.body.description, patched.body.version]).toEqual([200, '省厅接收端', 2]);
    } finally {
      await foreign.end();
    }
  });
});

describe('with an append of ours held open', () => {
  it('commands still answer; reads of later positions wait for it (503 with Retry-After past the bound), then answer', async () => {
    const held = await t.db.pool.connect();
    try {
      await held.query('BEGIN');
      await held.query(
        appendStatement(`held-${randomUUID()}`, 'no-stream', [
          {
            type: 'test.held',
            data: { note: '长事务' },
            metadata: { actor: { id: 'tester', role: 'city-admin' }, correlationId: randomUUID() },
          },
        ]),
      );
      // the command itself does not wait: it answers from what it decided
      const launched = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
      expect(launched.status).toBe(201);
      // its position lies behind the open append: a read that must see it cannot be answered yet (asked of an
      // instance that waits 300 ms, so that the 503 comes quickly)
      const short = await startTestApp({
        queue: 'redis',
        db: t.db,
        env: { CONSISTENCY_WAIT_MS: '300', WEBHOOK_ALLOW_PRIVATE: 'true' },
      });
      let waiting: Awaited<ReturnType<TestApp['call']>>;
      try {
        waiting = await short.http
          .get(`${C}/${launched.body.id}`)
          .set('Authorization', `Bearer ${t.token('city-admin')}`)
          .set(at(launched));
      } finally {
        await short.stop();
      }
      expect(waiting.status).toBe(503);
      expect(waiting.headers['retry-after']).toBe('1');
      expect(waiting.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(waiting.body).toMatchObject({
        type: 'urn:rectify:problem:not-caught-up',
        minPosition: position(launched),
      });
      await held.query('COMMIT');
      const got = await t.call('get', ONE, `${C}/${launched.body.id}`, 'city-admin', undefined, at(launched));
      expect([got.status, got.body.id]).toEqual([200, launched.body.id]);
    } finally {
      await held.query('ROLLBACK').catch(() => undefined);
      held.release();
    }
  });
});

describe('minPosition', () => {
  it('is taken from the query or the header on any read, and a bad one is a 400 naming it', async () => {
    const launched = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    // a query parameter no route declares is refused; minPosition is the contract's, on every route
    expect((await t.call('get', C, `${C}?minPosition=${position(launched)}&limit=1`, 'city-admin')).status).toBe(200);
    expect((await t.call('get', C, `${C}?zzUnknown=1`, 'city-admin')).status).toBe(400);
    for (const bad of ['-1', '1.5', 'abc', '99999999999999999999', '9007199254740992']) {
      const viaQuery = await t.call('get', C, `${C}?minPosition=${encodeURIComponent(bad)}`, 'city-admin');
      expect([bad, viaQuery.status, viaQuery.body.errors?.[0]?.field]).toEqual([bad, 400, 'minPosition']);
      const viaHeader = await t.call('get', C, C, 'city-admin', undefined, { 'X-Min-Position': bad });
      expect([bad, viaHeader.status, viaHeader.body.errors?.[0]?.field]).toEqual([bad, 400, 'X-Min-Position']);
    }
  });

  it('a no-op command reports the position of the state it decided on', async () => {
    const launched = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const id = launched.body.id;
    const key = 'summary-report';
    const current = (await t.call('get', ONE, `${C}/${id}`, 'city-admin', undefined, at(launched))).body.deadlines.find(
      (d: { key: string }) => d.key === key,
    );
    const same = await t.call('put', `${C}/{id}/deadlines/{key}`, `${C}/${id}/deadlines/${key}`, 'city-admin', {
      due: current.due,
      reason: '不变',
    });
    expect([same.status, same.body.changed]).toEqual([200, false]);
    expect(same.body.logPosition).toBe(position(launched));
  });
});
