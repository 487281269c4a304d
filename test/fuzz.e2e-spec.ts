import { randomUUID } from 'node:crypto';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { eventsUnder } from './support/database';
import { launchBody, uscc } from './support/fixtures';
import { spec } from './support/openapi';

/**
 * A bounded fuzz over every operation of openapi.yaml (fixed seed): malformed path and query parameters, headers and
 * bodies, as several callers. No answer may be a 5xx, and a refusal (4xx) must write nothing to the log.
 */
const SEED = 20261202;
const PER_OPERATION = 30;

/** mulberry32: a small seeded PRNG, so that a failure is reproduced by the same run */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const BAD_SCALARS = [
  '',
  'x',
  '-1',
  '0',
  '1.5',
  '1e19',
  '99999999999999999999',
  '9223372036854775808',
  '-9223372036854775809',
  'NaN',
  'null',
  'true',
  '%00',
  '\u0000',
  '..',
  '../../etc/passwd',
  '💥',
  '整改清单',
  'a'.repeat(300),
  "' OR 1=1 --",
  '{"a":1}',
  '[1]',
  ' ',
];
const BAD_HEADERS: Record<string, string[]> = {
  'If-Match': ['"1"', '*', '"abc"', 'W/"1"', '"1", "2"', '"99999999999999999999"', 'garbage', '""'],
  'If-None-Match': ['"1"', '*', 'W/"x"', ',,,'],
  'X-Min-Position': ['0', '-1', 'abc', '1e3', '99999999999999999999', ''],
  Accept: ['application/x-ndjson', 'text/html', '*/*', 'application/json;q=0'],
};
const BODIES = [
  undefined,
  '{}',
  '[]',
  'null',
  '"text"',
  '12',
  '{',
  deep(4000),
  `{"a":${deep(40)}}`,
  `{"title":${deep(4000)}}`,
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  JSON.stringify({ zzUnknown: 1 }),
  JSON.stringify({ title: 1, name: [], reason: {}, due: 'not-a-date', answers: 'x', evidence: 7 }),
  JSON.stringify({ title: 'x'.repeat(100_000) }),
  JSON.stringify({ name: '\u0000\ud800', reason: '\ud83d' }),
  JSON.stringify({ amount: 1e308, fen: -0, version: 2 ** 64, limit: -1 }),
  JSON.stringify(Array.from({ length: 50 }, () => ({}))),
];

let t: TestApp;
const real: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ queue: 'redis', env: { WEBHOOK_ALLOW_PRIVATE: 'true', CONSISTENCY_WAIT_MS: '200' } });
  const campaign = await t.call(
    'post',
    '/api/v1/campaigns',
    '/api/v1/campaigns',
    'city-admin',
    launchBody(chongqing2022),
  );
  real.id = campaign.body.id;
  const subject = await t.call('post', '/api/v1/subjects', '/api/v1/subjects', 'city-admin', {
    campaignId: real.id,
    type: 'training-institution',
    name: '重庆市某安全培训学校',
    uscc: uscc(777),
    districtCode: '500103',
    industry: 'safety-training',
    principal: { name: '张三' },
  });
  real.subjectId = subject.body.id;
  const hook = await t.call('post', '/api/v1/webhooks', '/api/v1/webhooks', 'city-admin', {
    url: 'http://127.0.0.1:9/hook',
  });
  real.webhookId = hook.body.id;
}, 60_000);
afterAll(async () => {
  await t.close();
});

/** A concrete path for a template: each parameter the real value, a random uuid, or a malformed one. */
function pathFor(template: string, r: ReturnType<typeof prng>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const roll = r.next();
    if (roll < 0.35 && real[name]) return real[name];
    if (roll < 0.5) return randomUUID();
    if (roll < 0.6)
      return name === 'districtCode' ? '500103' : name === 'phase' ? 'self-correction' : r.pick(BAD_SCALARS);
    return encodeURIComponent(r.pick(BAD_SCALARS));
  });
}

function queryFor(
  op: { parameters?: { name?: string; in?: string; $ref?: string }[] },
  r: ReturnType<typeof prng>,
): string {
  const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name!);
  names.push('minPosition', 'offset', 'limit', 'after', 'version', 'asOf');
  if (r.chance(0.2)) names.push('zzUnknown');
  const parts: string[] = [];
  for (const name of names) {
    if (!r.chance(0.3)) continue;
    const times = r.chance(0.1) ? 2 : 1;
    for (let i = 0; i < times; i++)
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(r.pick(BAD_SCALARS))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

describe('fuzz over every operation of openapi.yaml', () => {
  it(`answers no 5xx and writes nothing on a refusal (${PER_OPERATION} requests per operation, seed ${SEED})`, async () => {
    const r = prng(SEED);
    const failures: string[] = [];
    let sent = 0;
    const callers = ['city-admin', 'district-officer', 'subject-user', 'auditor', 'integration', null] as const;
    for (const [template, item] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const op = item[method];
        if (!op) continue;
        for (let i = 0; i < PER_OPERATION; i++) {
          const path =
            pathFor(template, r) + queryFor({ parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])] }, r);
          let req = t.http[method](path);
          const caller = r.pick(callers);
          if (caller) {
            const districts = caller === 'district-officer' ? ['500103'] : undefined;
            const subjectId = caller === 'subject-user' ? real.subjectId : undefined;
            req = req.set('Authorization', `Bearer ${t.token(caller, { districts, subjectId })}`);
          }
          for (const [h, values] of Object.entries(BAD_HEADERS)) if (r.chance(0.2)) req = req.set(h, r.pick(values));
          const body =
            method === 'get' || method === 'delete' ? (r.chance(0.1) ? '{"x":1}' : undefined) : r.pick(BODIES);
          if (body !== undefined)
            req = req
              .set(
                'Content-Type',
                r.chance(0.9)
                  ? 'application/json'
                  : r.pick(['text/csv', 'text/plain', 'application/x-www-form-urlencoded']),
              )
              .send(body);
          const correlationId = randomUUID();
          const res = await req.set('X-Correlation-Id', correlationId);
          sent++;
          const label = `${method.toUpperCase()} ${path} (${caller ?? 'anonymous'}, body ${String(body).slice(0, 60)})`;
          if (res.status >= 500) failures.push(`${res.status} ${label}: ${res.text.slice(0, 200)}`);
          if (res.status >= 400 && (await eventsUnder(t.db, correlationId)))
            failures.push(`a ${res.status} wrote to the log: ${label}`);
        }
      }
    }
    expect(sent).toBeGreaterThan(2000);
    expect(failures).toEqual([]);
  }, 300_000);
});
