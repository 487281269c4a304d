import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody } from './support/fixtures';

/** Input that used to reach a 500, each now a 400 naming the field and the rule. */
const C = '/api/v1/campaigns';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ queue: 'redis', env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await t.close();
});

describe('numbers past what the database holds', () => {
  it.each([
    [C, `${C}?offset=9223372036854775807`, 'offset'],
    [C, `${C}?offset=1e19`, 'offset'],
    ['/api/v1/events', '/api/v1/events?after=1e19', 'after'],
    ['/api/v1/events', '/api/v1/events?after=9007199254740992', 'after'],
  ])('%s: %s is a 400 naming %s', async (template, path, field) => {
    const res = await t.call('get', template, path, 'city-admin');
    expect([res.status, res.body.errors?.map((e: { field: string }) => e.field)]).toEqual([400, expect.arrayContaining([field])]);
  });

  it('a version past any stream (GET …?version=99999999999999999999) is a 400 naming version', async () => {
    const { body } = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const res = await t.call('get', `${C}/{id}`, `${C}/${body.id}?version=99999999999999999999`, 'city-admin');
    expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, 'version']);
    expect((await t.call('get', `${C}/{id}`, `${C}/${body.id}?version=1`, 'city-admin')).status).toBe(200);
  });
});

describe('bodies', () => {
  it('a JSON body nested 4,000 deep is a 400 (maxDepth), on any JSON route', async () => {
    const deep = '['.repeat(4000) + ']'.repeat(4000);
    for (const [method, path] of [['post', C], ['put', `${C}/00000000-0000-4000-8000-000000000000/deadlines/x`]] as const) {
      const res = await t.http[method](path).set('Authorization', `Bearer ${t.token('city-admin')}`).set('Content-Type', 'application/json')
        .send(`{"title":${deep}}`);
      expect([res.status, res.body.errors?.[0]]).toEqual([400, expect.objectContaining({ field: 'body', rule: 'maxDepth' })]);
    }
  });

  it('a route that takes no body refuses one, and takes nothing or {}', async () => {
    const { body } = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const open = `${C}/{id}/phases/{phase}/open`;
    const path = `${C}/${body.id}/phases/self-correction/open`;
    const refused = await t.call('post', open, path, 'city-admin', { zzUnknown: 1 });
    expect([refused.status, refused.body.errors]).toEqual([400, [expect.objectContaining({ field: 'zzUnknown', rule: 'unknown-field' })]]);
    const array = await t.call('post', open, path, 'city-admin', [1]);
    expect([array.status, array.body.errors?.[0]?.rule]).toEqual([400, 'noBody']);
    expect((await t.call('post', open, path, 'city-admin', {})).status).toBe(200);
    expect((await t.call('post', `${C}/{id}/phases/{phase}/close`, `${C}/${body.id}/phases/self-correction/close`, 'city-admin')).status).toBe(200);
  });
});

describe('If-Match (RFC 9110)', () => {
  const W = '/api/v1/webhooks';
  const ROTATE = `${W}/{webhookId}/rotate-secret`;

  it('a list is evaluated (any strong tag may match, weak ones never), * needs the resource, and a create fails any', async () => {
    const { body } = await t.call('post', C, C, 'city-admin', launchBody(chongqing2022));
    const open = (ifMatch: string) => t.call('post', `${C}/{id}/phases/{phase}/open`, `${C}/${body.id}/phases/self-correction/open`, 'city-admin', undefined, { 'If-Match': ifMatch });
    expect((await open('"7", W/"1"')).status).toBe(412);
    expect((await open('W/"1"')).status).toBe(412);
    expect((await open('"1,"')).status).toBe(400);
    expect((await open('"7", "1"')).status).toBe(200);
    const close = await t.call('post', `${C}/{id}/phases/{phase}/close`, `${C}/${body.id}/phases/self-correction/close`, 'city-admin', undefined, { 'If-Match': '*' });
    expect(close.status).toBe(200);
    // a launch creates its stream: neither * nor a tag can hold on what does not exist yet
    for (const ifMatch of ['*', '"1"']) expect((await t.call('post', C, C, 'city-admin', launchBody(chongqing2022), { 'If-Match': ifMatch })).status).toBe(412);
  });

  it('20 rotations of a webhook secret with one If-Match: one wins, the rest are 412, and one new secret is kept', async () => {
    const hook = await t.call('post', W, W, 'city-admin', { url: 'http://127.0.0.1:9/hook' });
    const rotations = await Promise.all(Array.from({ length: 20 }, () =>
      t.call('post', ROTATE, `${W}/${hook.body.id}/rotate-secret`, 'city-admin', {}, { 'If-Match': '"1"' })));
    expect(rotations.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(412)]);
    const won = rotations.find((r) => r.status === 200)!.body;
    expect(won.previousSecretId).toBe(hook.body.secretId);
    const now = await t.call('get', `${W}/{webhookId}`, `${W}/${hook.body.id}`, 'city-admin', undefined, { 'X-Min-Position': String(won.logPosition) });
    expect([now.body.secretId, now.body.version]).toEqual([won.secretId, 2]);
  });

  it('rotations without If-Match run one at a time: each that loses a race is a 409, each that wins follows the last', async () => {
    const hook = await t.call('post', W, W, 'city-admin', { url: 'http://127.0.0.1:9/hook' });
    const rotations = await Promise.all(Array.from({ length: 10 }, () => t.call('post', ROTATE, `${W}/${hook.body.id}/rotate-secret`, 'city-admin', {})));
    const won = rotations.filter((r) => r.status === 200).map((r) => r.body);
    expect(rotations.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(won.length).toBeGreaterThan(0);
    // the winners form one chain from the first secret: each replaced the one the previous winner set
    const next = new Map(won.map((w) => [w.previousSecretId, w.secretId]));
    expect(next.size).toBe(won.length);
    let at = hook.body.secretId;
    for (let i = 0; i < won.length; i++) at = next.get(at);
    expect(at).toBeDefined();
  });
});
