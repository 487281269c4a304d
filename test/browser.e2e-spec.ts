import type { Browser } from 'playwright-core';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { chromiumPresent, launchChromium, servePage } from './support/browser';
import { launchBody } from './support/fixtures';

/**
 * The API from a browser on another origin (CORS) and the served reference (/docs), in Debian's headless Chromium.
 * One page origin is on CORS_ORIGINS, another is not.
 */
const page = (
  api: string,
  token: string,
  campaign: string,
) => `<!doctype html><meta charset="utf-8"><title>client</title>
<script>
  const auth = { Authorization: ${JSON.stringify(`Bearer ${token}`)} };
  // a GET for the campaign and its ETag, then a command conditional on it (preflighted: If-Match, a JSON body)
  window.result = fetch(${JSON.stringify(`${api}/api/v1/campaigns/${campaign}`)}, { headers: auth })
    .then(async (r) => {
      const etag = r.headers.get('ETag');
      const title = (await r.json()).title;
      const open = await fetch(${JSON.stringify(`${api}/api/v1/campaigns/${campaign}/phases/self-correction/open`)}, {
        method: 'POST', headers: { ...auth, 'If-Match': etag, 'Content-Type': 'application/json' }, body: '{}',
      });
      return { ok: true, status: r.status, etag, title, opened: open.status, etagAfter: open.headers.get('ETag'), position: open.headers.get('X-Log-Position') };
    })
    .catch((e) => ({ ok: false, error: String(e) }));
</script>`;

const run = chromiumPresent() ? describe : describe.skip;

run('a browser app on another origin, and the docs page (headless Chromium)', () => {
  let t: TestApp;
  let api: string;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof servePage>>;
  let blocked: Awaited<ReturnType<typeof servePage>>;
  let campaignId: string;
  const pages: Awaited<ReturnType<typeof servePage>>[] = [];

  beforeAll(async () => {
    // the allowed origin is on CORS_ORIGINS before the app starts; both pages then call it
    let html = '';
    allowed = await servePage(() => html);
    blocked = await servePage(() => html);
    pages.push(allowed, blocked);
    t = await startTestApp({ env: { CORS_ORIGINS: `https://app.example.gov.cn,${allowed.origin}` } });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    campaignId = (
      await t.call('post', '/api/v1/campaigns', '/api/v1/campaigns', 'city-admin', launchBody(chongqing2022))
    ).body.id;
    html = page(api, t.token('city-admin'), campaignId);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const p of pages) await p.close();
    await t?.close();
  });

  const resultOf = async (origin: string) => {
    const tab = await browser.newPage();
    try {
      await tab.goto(origin);
      return await tab.evaluate(() => (globalThis as unknown as { result: Promise<Record<string, unknown>> }).result);
    } finally {
      await tab.close();
    }
  };

  it('a page on an allowed origin calls the API (a preflighted request) and reads the ETag and the log position', async () => {
    expect(await resultOf(allowed.origin)).toEqual({
      ok: true,
      status: 200,
      etag: '"1"',
      title: chongqing2022.title,
      opened: 200,
      etagAfter: '"2"',
      position: expect.stringMatching(/^\d+$/),
    });
  });

  it('a page on any other origin is refused by the browser: no CORS header is sent to it', async () => {
    expect(await resultOf(blocked.origin)).toEqual({ ok: false, error: expect.stringContaining('Failed to fetch') });
    // and nothing was opened by it: the campaign is still at the version the allowed page left
    expect(
      (await t.call('get', '/api/v1/campaigns/{id}', `/api/v1/campaigns/${campaignId}`, 'auditor')).headers.etag,
    ).toBe('"2"');
    const preflight = await t.http
      .options(`/api/v1/campaigns/${campaignId}`)
      .set('Origin', blocked.origin)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the preflight answers for every route with the exposed headers', async () => {
    for (const path of [
      '/api/v1/campaigns',
      `/api/v1/campaigns/${campaignId}/phases/self-correction/open`,
      '/api/v1/webhooks',
      '/api/v1/events',
    ]) {
      const res = await t.http
        .options(path)
        .set('Origin', allowed.origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,if-match,idempotency-key');
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([204, allowed.origin]);
      expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type,if-match,idempotency-key');
    }
    const get = await t.http
      .get(`/api/v1/campaigns/${campaignId}`)
      .set('Origin', allowed.origin)
      .set('Authorization', `Bearer ${t.token('auditor')}`);
    expect(get.headers['access-control-expose-headers']).toBe(
      'ETag,Location,Retry-After,X-Log-Position,Idempotent-Replayed,Content-Disposition',
    );
    expect(get.headers.vary).toContain('Origin');
  });

  it('/docs renders the reference from the served spec, every operation listed, with nothing from a CDN', async () => {
    const tab = await browser.newPage();
    const outside: string[] = [];
    tab.on('request', (r) => {
      if (!r.url().startsWith(api)) outside.push(r.url());
    });
    try {
      await tab.goto(`${api}/docs`);
      await tab.waitForSelector('.opblock-summary', { timeout: 30_000 });
      const operations = await tab.$$eval('.opblock-summary', (els) => els.length);
      const spec = (await t.http.get('/openapi.json')).body;
      const count = (items: Record<string, object>) =>
        Object.values(items).flatMap((item) =>
          Object.keys(item).filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k)),
        ).length;
      // the operations, then the webhooks (each the POST a receiver gets)
      expect(operations).toBe(count(spec.paths) + count(spec.webhooks));
      expect(await tab.textContent('.title')).toContain('rectify');
      const paths = await tab.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
      expect(paths).toContain('/api/v1/campaigns/{id}/inspections');
      expect(outside).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it('/openapi.yaml and /openapi.json serve the same document', async () => {
    const yaml = await t.http.get('/openapi.yaml');
    const json = await t.http.get('/openapi.json');
    expect([yaml.status, yaml.headers['content-type'], json.status]).toEqual([
      200,
      'application/yaml; charset=utf-8',
      200,
    ]);
    expect(json.body.info.title).toBe('rectify');
    expect(yaml.text).toContain('openapi: 3.1.0');
  });
});
