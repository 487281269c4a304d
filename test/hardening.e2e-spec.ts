import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody } from './support/fixtures';

/** Input that used to reach a 500, each now a 400 naming the field and the rule. */
const C = '/api/v1/campaigns';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ queue: 'redis' });
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
