import { chongqing2022 } from '../src/seed/chongqing-2022';
import { startTestApp, TestApp } from './support/app';
import { launchBody, uscc } from './support/fixtures';

/**
 * Reads that stay flat (issue 21): the scores, a district's self-evaluation and the progress figures answer in a
 * size that does not grow with the campaign; the evidence behind a computed item is paged. And the figures kept
 * between reads (ReadModelMemo) move with every write.
 */
const C = '/api/v1/campaigns';
const A = '500103';
const B = '500104';

let t: TestApp;
let id: string;
let serial = 1;

beforeAll(async () => {
  t = await startTestApp({ queue: 'redis' });
  id = (await t.call('post', C, C, 'city-admin', launchBody(chongqing2022))).body.id;
});
afterAll(async () => {
  await t.close();
});

/** Imports `n` training institutions into district A, none of which has started its self-correction. */
async function importInstitutions(n: number) {
  const rows = Array.from({ length: n }, () => {
    const k = serial++;
    return {
      type: 'training-institution',
      name: `渝中区第${k}职业培训学校`,
      uscc: uscc(k, A),
      districtCode: A,
      industry: 'safety-training',
      principal: { name: '李四' },
    };
  });
  const res = await t.call(
    'post',
    '/api/v1/subjects/import',
    `/api/v1/subjects/import?campaign=${id}`,
    'city-admin',
    rows,
  );
  expect(res.status).toBe(201);
}

const sizes = async () => {
  const scores = await t.call('get', `${C}/{id}/scores`, `${C}/${id}/scores`, 'city-admin');
  const evaluation = await t.call(
    'get',
    `${C}/{id}/self-evaluations/{districtCode}`,
    `${C}/${id}/self-evaluations/${A}`,
    'city-admin',
  );
  const progress = await t.call('get', `${C}/{id}/progress`, `${C}/${id}/progress`, 'city-admin');
  for (const r of [scores, evaluation, progress]) expect(r.status).toBe(200);
  const item4 = scores.body.districts
    .find((d: { districtCode: string }) => d.districtCode === A)
    .computed.find((c: { item: number }) => c.item === 4);
  return {
    scores: scores.text.length,
    evaluation: evaluation.text.length,
    progress: progress.text.length,
    item4,
    subjects: progress.body.districts[0].subjects.total,
  };
};

describe('reads whose size does not grow with the campaign', () => {
  it('scores, a self-evaluation and progress are as large for 1,005 institutions as for 5; the evidence is paged', async () => {
    await importInstitutions(5);
    const small = await sizes();
    expect(small.item4).toMatchObject({ evidenceCount: 5, points: 0 });
    await importInstitutions(1000);
    const large = await sizes();
    // the memo moved with the import: the figures count every institution
    expect([large.item4.evidenceCount, large.subjects]).toEqual([1005, 1005]);
    // a few digits more (5 → 1005), nothing per subject
    for (const k of ['scores', 'evaluation', 'progress'] as const) {
      expect(large[k] - small[k]).toBeGreaterThanOrEqual(0);
      expect(large[k] - small[k]).toBeLessThan(64);
    }

    const EV = `${C}/{id}/scores/{districtCode}/items/{item}/evidence`;
    const page = async (offset: number) =>
      (await t.call('get', EV, `${C}/${id}/scores/${A}/items/4/evidence?limit=200&offset=${offset}`, 'city-admin'))
        .body;
    const refs: string[] = [];
    for (let offset = 0; ; offset += 200) {
      const p = await page(offset);
      expect([p.total, p.totalExact]).toEqual([1005, true]);
      refs.push(...p.items.map((e: { ref: string; rule: string }) => e.ref));
      if (p.items.length < 200) break;
    }
    expect(new Set(refs).size).toBe(1005);
    const named = (await page(0)).items[0];
    expect(named).toMatchObject({ kind: 'subject', rule: 'self-correction-not-started', points: 1 });
    expect(named.label).toMatch(/^渝中区第\d+职业培训学校$/);
    // another district has nothing for item 4
    const none = (await t.call('get', EV, `${C}/${id}/scores/${B}/items/4/evidence`, 'city-admin')).body;
    expect([none.total, none.items]).toEqual([0, []]);
  });
});

describe('keyset paging of the registry', () => {
  const S = '/api/v1/subjects';
  it('walks every subject of the campaign once, in list order, by nextCursor; a cursor not ours is a 400', async () => {
    const seen: { id: string; districtCode: string; name: string }[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const res = await t.call(
        'get',
        S,
        `${S}?campaign=${id}&limit=200${after ? `&after=${after}` : ''}`,
        'city-admin',
      );
      expect(res.status).toBe(200);
      // 1,005 rows: past the count cap, so the total is the planner's estimate
      expect(res.body.totalExact).toBe(false);
      expect(res.body.total).toBeGreaterThan(1000);
      seen.push(...res.body.items);
      after = res.body.nextCursor;
      pages++;
    }
    expect([pages, seen.length, new Set(seen.map((s) => s.id)).size]).toEqual([6, 1005, 1005]);
    const key = (s: { districtCode: string; name: string; id: string }) => [s.districtCode, s.name, s.id];
    const byOffset = (await t.call('get', S, `${S}?campaign=${id}&limit=200&offset=400`, 'city-admin')).body.items;
    expect(byOffset.map(key)).toEqual(seen.slice(400, 600).map(key));

    for (const bad of [
      'x',
      Buffer.from('[1,2,3]').toString('base64url'),
      Buffer.from('["a","b"]').toString('base64url'),
    ]) {
      const res = await t.call('get', S, `${S}?campaign=${id}&after=${bad}`, 'city-admin');
      expect([res.status, res.body.errors?.[0]]).toEqual([
        400,
        expect.objectContaining({ field: 'after', rule: 'cursor' }),
      ]);
    }
    const both = await t.call(
      'get',
      S,
      `${S}?campaign=${id}&after=${Buffer.from('["a","b","c"]').toString('base64url')}&offset=5`,
      'city-admin',
    );
    expect([both.status, both.body.errors?.[0]?.field]).toEqual([400, 'offset']);
  });
});
