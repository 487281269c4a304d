import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { CHECKLISTS } from '../src/checklists/checklist';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCitedFiles, exportCitedFiles } from '../src/files/file-export';
import { FilesService } from '../src/files/files.service';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { Caller, startTestApp, TestApp } from './support/app';
import { launchBody, uscc } from './support/fixtures';
import { specProblems } from './support/openapi';
import { ok } from './support/waiting';

/**
 * Evidence files end to end (issue 23): a training institution uploads the scan of its signed commitment and a photo
 * of a rectification, both with Chinese names, cites them in its self-inspection and submits it; its district
 * officer reads them back byte for byte (ranges too), another district's officer is told they do not exist. Sizes,
 * types, scope, and a byte changed in storage named by the audit.
 */
const C = '/api/v1/campaigns';
const SI = `${C}/{id}/self-inspections/{subjectId}`;
const F = '/api/v1/files';
const A = '500103';
const B = '500104';
const MAX = 25 * 1024 * 1024;

let t: TestApp;
let id: string;
let subjectId: string;
const institution = (): Caller => ({ role: 'subject-user', subjectId, sub: 'ti-user' }) as Caller;
const officerA: Caller = { role: 'district-officer', districts: [A], sub: 'officer-a' } as Caller;
const officerB: Caller = { role: 'district-officer', districts: [B], sub: 'officer-b' } as Caller;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pdf = (text: string) =>
  Buffer.concat([Buffer.from(`%PDF-1.7\n% ${text}\n`), randomBytes(3000), Buffer.from('\n%%EOF\n')]);
const jpeg = () =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]),
    randomBytes(400_000),
    Buffer.from([0xff, 0xd9]),
  ]);

const bearer = (who: Caller) => `Bearer ${typeof who === 'string' ? t.token(who) : t.token(who.role, who)}`;
const upload = (bytes: Buffer, name: string, who: Caller, type = 'application/octet-stream') =>
  t.call('post', F, `${F}?name=${encodeURIComponent(name)}`, who, bytes, { 'Content-Type': type });
/** GET of a file's bytes, kept as bytes, checked against openapi.yaml */
async function download(fileId: string, who: Caller, headers: Record<string, string> = {}) {
  let req = t.http
    .get(`${F}/${fileId}`)
    .set('Authorization', bearer(who))
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  const res = await req;
  const problem = /json/.test(res.headers['content-type'] ?? '');
  const body = problem ? JSON.parse(res.body.toString('utf8')) : res.body;
  expect(
    specProblems('get', `${F}/{fileId}`, {
      status: res.status,
      headers: res.headers,
      body,
      text: problem ? undefined : '',
    } as never),
  ).toEqual([]);
  return res as request.Response & { body: Buffer };
}

/** A POST whose body is sent chunked, 1 MiB at a time, with no Content-Length. */
async function chunked(path: string, who: Caller, bytes: Buffer): Promise<{ status: number; body: string }> {
  const server = t.app.getHttpServer();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { Authorization: bearer(who), 'Content-Type': 'application/pdf', 'Transfer-Encoding': 'chunked' },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    // a refused upload is answered and its connection closed while the rest is still being sent: writing then fails,
    // which is expected; only a connection that ends with no answer at all fails the call
    let failure: Error | null = null;
    req.on('error', (err) => (failure = err));
    req.on('close', () => {
      if (!answered) reject(failure ?? new Error('the connection closed with no answer'));
    });
    (async () => {
      for (let at = 0; at < bytes.length; at += 1 << 20) {
        if (req.destroyed) return;
        if (!req.write(bytes.subarray(at, at + (1 << 20)))) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => undefined);
  });
}

beforeAll(async () => {
  t = await startTestApp({ queue: 'redis' });
  id = (await ok(t.call('post', C, C, 'city-admin', launchBody(chongqing2022)), 201)).body.id;
  const imported = await ok(
    t.call('post', '/api/v1/subjects/import', `/api/v1/subjects/import?campaign=${id}`, 'city-admin', [
      {
        type: 'training-institution',
        name: '重庆渝中安全技术培训中心',
        uscc: uscc(1),
        districtCode: A,
        industry: 'safety-training',
        principal: { name: '张培训' },
      },
    ]),
    201,
  );
  subjectId = imported.body.subjects[0].id;
  await ok(t.call('post', `${C}/{id}/phases/{phase}/open`, `${C}/${id}/phases/self-correction/open`, 'city-admin'));
});
afterAll(async () => {
  await t.close();
});

describe('evidence files', () => {
  const scan = pdf('承诺书');
  const photo = jpeg();
  let scanFile: { fileId: string; sha256: string; size: number; mediaType: string; name: string };
  let photoFile: typeof scanFile;

  it('a self-inspection cites an uploaded commitment scan and rectification photo; the district reads them back, another district cannot', async () => {
    scanFile = (await ok(upload(scan, '安全生产培训承诺书（主要负责人签字）.pdf', institution()), 201)).body;
    expect(scanFile).toEqual({
      fileId: expect.any(String),
      sha256: sha(scan),
      size: scan.length,
      mediaType: 'application/pdf',
      name: '安全生产培训承诺书（主要负责人签字）.pdf',
    });
    // the type comes from the bytes, not from what the request said
    photoFile = (await ok(upload(photo, '整改后现场照片 2022-03-10.jpg', institution(), 'application/pdf'), 201)).body;
    expect([photoFile.mediaType, photoFile.sha256, photoFile.size]).toEqual(['image/jpeg', sha(photo), photo.length]);

    const base = `${C}/${id}/self-inspections/${subjectId}`;
    const items = CHECKLISTS.get('CQ2022-TI')!.items.map((i) => i.code);
    await ok(
      t.call('post', `${C}/{id}/self-inspections`, `${C}/${id}/self-inspections`, institution(), { subjectId }),
      201,
    );
    await ok(
      t.call('put', `${SI}/answers`, `${base}/answers`, institution(), {
        answers: items.map((itemCode, n) =>
          n === 0
            ? { itemCode, problemPresent: true, manifestation: '专职教师不足 2 名' }
            : { itemCode, problemPresent: false },
        ),
      }),
    );
    const problemId = (
      await ok(
        t.call('post', `${SI}/problems`, `${base}/problems`, institution(), {
          itemCode: items[0],
          description: '专职教师不足 2 名',
          measure: '补聘专职教师',
          deadline: '2022-04-30',
          responsible: '校长',
        }),
        201,
      )
    ).body.problemId;
    // another's file, or none, cannot be cited
    const foreign = (await ok(upload(pdf('别人的'), '别人的文件.pdf', officerB), 201)).body.fileId;
    for (const files of [[foreign], ['00000000-0000-4000-8000-000000000000']]) {
      const refused = await t.call(
        'post',
        `${SI}/problems/{problemId}/rectification`,
        `${base}/problems/${problemId}/rectification`,
        institution(),
        { evidence: { text: '已补聘', files } },
      );
      expect([refused.status, refused.body.errors?.[0]]).toEqual([
        400,
        expect.objectContaining({ field: 'evidence.files[0]', rule: 'fileExists' }),
      ]);
    }
    await ok(
      t.call(
        'post',
        `${SI}/problems/{problemId}/rectification`,
        `${base}/problems/${problemId}/rectification`,
        institution(),
        {
          evidence: { text: '已补聘两名专职教师，见现场照片', files: [photoFile.fileId] },
        },
      ),
    );
    await ok(
      t.call('put', `${SI}/commitment`, `${base}/commitment`, institution(), {
        name: '张培训',
        date: '2022-03-01',
        scan: scanFile.fileId,
      }),
    );
    await ok(t.call('post', `${SI}/submit`, `${base}/submit`, institution()));

    // the events record what each file was
    const form = (await ok(t.call('get', SI, base, officerA))).body;
    expect(form.commitment).toEqual({ name: '张培训', date: '2022-03-01', scan: scanFile });
    expect(form.problems[0].evidence).toEqual({ text: '已补聘两名专职教师，见现场照片', files: [photoFile] });

    // the subject's district officer reads them: byte-identical, named in UTF-8, never inline
    const whole = await download(scanFile.fileId, officerA);
    expect(whole.status).toBe(200);
    expect(Buffer.compare(whole.body, scan)).toBe(0);
    expect(whole.headers).toMatchObject({
      'content-type': 'application/pdf',
      etag: `"${sha(scan)}"`,
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      'content-disposition': `attachment; filename="${'_'.repeat(18)}.pdf"; filename*=UTF-8''${encodeURIComponent('安全生产培训承诺书（主要负责人签字）.pdf').replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    });
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(whole.headers['content-disposition'])![1])).toBe(
      scanFile.name,
    );
    const photoBack = await download(photoFile.fileId, officerA);
    expect([photoBack.status, photoBack.headers['content-type'], Buffer.compare(photoBack.body, photo)]).toEqual([
      200,
      'image/jpeg',
      0,
    ]);
    // ranges: across the 256 KiB chunk boundary of the store, from the end, and past it
    const part = await download(photoFile.fileId, officerA, { Range: 'bytes=200000-300099' });
    expect([
      part.status,
      part.headers['content-range'],
      Buffer.compare(part.body, photo.subarray(200000, 300100)),
    ]).toEqual([206, `bytes 200000-300099/${photo.length}`, 0]);
    const end = await download(photoFile.fileId, officerA, { Range: 'bytes=-2' });
    expect([end.status, [...end.body]]).toEqual([206, [0xff, 0xd9]]);
    expect((await download(photoFile.fileId, officerA, { Range: `bytes=${photo.length}-` })).status).toBe(416);
    expect((await download(scanFile.fileId, officerA, { 'If-None-Match': `"${sha(scan)}"` })).status).toBe(304);
    // the institution itself, and the city, read them too; another district's officer is told there is no such file
    expect((await download(scanFile.fileId, institution())).status).toBe(200);
    expect((await download(scanFile.fileId, 'city-admin')).status).toBe(200);
    expect((await download(scanFile.fileId, officerB)).status).toBe(404);
    expect(
      (
        await download(photoFile.fileId, {
          role: 'subject-user',
          subjectId: '00000000-0000-4000-8000-000000000001',
          sub: 'other-ti',
        } as Caller)
      ).status,
    ).toBe(404);
    // before it is cited, a file is its uploader's alone
    expect((await download(foreign, officerB)).status).toBe(200);
    expect((await download(foreign, officerA)).status).toBe(404);
  });

  it('stores the same bytes once, whoever uploads them', async () => {
    const again = (await ok(upload(scan, '再传一次.pdf', officerA), 201)).body;
    expect(again.fileId).not.toBe(scanFile.fileId);
    expect(again.sha256).toBe(scanFile.sha256);
    const { rows } = await t.db.pool.query(
      'SELECT count(*)::int AS blobs, (SELECT count(*)::int FROM file_chunks WHERE blob = $1) AS chunks FROM file_blobs WHERE sha256 = $1',
      [scanFile.sha256],
    );
    expect(rows[0]).toEqual({ blobs: 1, chunks: 1 });
  });

  it('refuses a file past the limit (413) and bytes of a type not allowed (415), keeping nothing of them', async () => {
    const before = (await t.db.pool.query('SELECT count(*)::int AS n FROM file_chunks')).rows[0].n;
    // the default limit, 25 MB: one byte more is refused, whether the request says its length or streams it
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(MAX + 1 - 9)]);
    expect(big.length).toBe(MAX + 1);
    const tooBig = await upload(big, '太大.pdf', officerA);
    expect([tooBig.status, tooBig.headers['content-type'], tooBig.body.errors?.[0]?.rule]).toEqual([
      413,
      'application/problem+json; charset=utf-8',
      'maxBytes',
    ]);
    const streamed = await chunked(`${F}?name=${encodeURIComponent('太大.pdf')}`, officerA, big);
    expect([streamed.status, JSON.parse(streamed.body).errors?.[0]?.rule]).toEqual([413, 'maxBytes']);
    // exactly 25 MB is taken
    const atLimit = await chunked(`${F}?name=${encodeURIComponent('刚好.pdf')}`, officerA, big.subarray(0, MAX));
    expect([atLimit.status, JSON.parse(atLimit.body).size]).toEqual([201, MAX]);
    await t.db.pool.query('DELETE FROM files WHERE file_id = $1', [JSON.parse(atLimit.body).fileId]);
    await t.app.get(FilesService).store.remove(sha(big.subarray(0, MAX)));
    const html = await upload(
      Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script>整改报告</body></html>'),
      '整改报告.pdf',
      officerA,
      'application/pdf',
    );
    expect([html.status, html.body.errors?.[0]]).toEqual([
      415,
      expect.objectContaining({ field: 'body', rule: 'mediaType' }),
    ]);
    const zip = await upload(Buffer.from('PK\u0003\u0004just a zip'), 'a.docx', officerA);
    expect(zip.status).toBe(415);
    expect((await upload(Buffer.alloc(0), '空.pdf', officerA)).status).toBe(415);
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM file_chunks')).rows[0].n).toBe(before);
    const badName = await t.call('post', F, `${F}?name=${encodeURIComponent('a/b.pdf')}`, officerA, pdf('x'), {
      'Content-Type': 'application/pdf',
    });
    expect([badName.status, badName.body.errors?.[0]?.field]).toEqual([400, 'name']);
    expect(
      (await t.call('post', F, `${F}?name=x.pdf`, 'auditor', pdf('x'), { 'Content-Type': 'application/pdf' })).status,
    ).toBe(403);
  });

  it('takes a browser FormData upload (multipart/form-data, one part named file) with its UTF-8 filename, and refuses any other part', async () => {
    const form = (name: string) =>
      t.http
        .post(F)
        .set('Authorization', bearer(officerA))
        .field('x', 'y')
        .attach(name, scan, { filename: '盖章扫描件（区应急局）.pdf', contentType: 'application/pdf' });
    const gate = jpeg();
    const res = await t.http
      .post(F)
      .set('Authorization', bearer(officerA))
      .attach('file', gate, { filename: '整改后现场照片（东门）.jpg', contentType: 'application/octet-stream' });
    expect(specProblems('post', F, res)).toEqual([]);
    expect([res.status, res.body]).toEqual([
      201,
      {
        fileId: expect.any(String),
        sha256: sha(gate),
        size: gate.length,
        mediaType: 'image/jpeg',
        name: '整改后现场照片（东门）.jpg',
      },
    ]);
    expect(Buffer.compare((await download(res.body.fileId, officerA)).body, gate)).toBe(0);
    // a path sent as the filename (old browsers did) is reduced to its last segment; ?name= wins over the filename
    const pathed = await t.http
      .post(F)
      .set('Authorization', bearer(officerA))
      .attach('file', scan, { filename: 'C:\\扫描\\承诺书.pdf' });
    expect([pathed.status, pathed.body.name]).toEqual([201, '承诺书.pdf']);
    const named = await t.http
      .post(`${F}?name=${encodeURIComponent('承诺书.pdf')}`)
      .set('Authorization', bearer(officerA))
      .attach('file', scan, '扫描.pdf');
    expect([named.status, named.body.name]).toEqual([201, '承诺书.pdf']);

    const files = (await t.db.pool.query('SELECT count(*)::int AS n FROM files')).rows[0].n;
    const refused = [
      await form('file'), // a field beside the file
      await t.http.post(F).set('Authorization', bearer(officerA)).attach('document', scan, 'a.pdf'),
      await t.http
        .post(F)
        .set('Authorization', bearer(officerA))
        .attach('file', scan, 'a.pdf')
        .attach('file', photo, 'b.jpg'),
      await t.http
        .post(F)
        .set('Authorization', bearer(officerA))
        .set('Content-Type', 'multipart/form-data')
        .send('--x\r\n'),
    ];
    for (const r of refused) {
      expect(specProblems('post', F, r)).toEqual([]);
      expect([r.status, r.headers['content-type']]).toEqual([400, 'application/problem+json; charset=utf-8']);
    }
    expect(refused.map((r) => r.body.errors[0].field)).toEqual(['body', 'document', 'body', 'Content-Type']);
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM files')).rows[0].n).toBe(files);
    // past FILE_MAX_BYTES as a part: 413, as a raw body
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(MAX + 1 - 9)]);
    const tooBig = await t.http.post(F).set('Authorization', bearer(officerA)).attach('file', big, '太大.pdf');
    expect([tooBig.status, tooBig.body.errors?.[0]?.rule]).toEqual([413, 'maxBytes']);
  });

  it('exports the cited files by hash beside the log, and a replay checks them (npm run export:files, replay --files)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rectify-files-'));
    try {
      const exported = await exportCitedFiles(t.db.pool, t.app.get(FilesService).store, dir);
      expect(exported).toEqual({ written: 2, bytes: scan.length + photo.length, changed: [], missing: [] });
      expect((await readdir(dir)).sort()).toEqual([scanFile.sha256, photoFile.sha256].sort());
      expect(Buffer.compare(await readFile(join(dir, photoFile.sha256)), photo)).toBe(0);
      expect(await checkCitedFiles(t.db.pool, dir)).toEqual({ checked: 2, missing: [], changed: [] });
      // a file altered or lost beside the export is named
      const altered = Buffer.from(scan);
      altered[20] ^= 1;
      await writeFile(join(dir, scanFile.sha256), altered);
      await rm(join(dir, photoFile.sha256));
      expect(await checkCitedFiles(t.db.pool, dir)).toEqual({
        checked: 2,
        missing: [photoFile.sha256],
        changed: [scanFile.sha256],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a file whose stored bytes changed: GET /api/v1/audit/verify', async () => {
    const clean = (await ok(t.call('get', '/api/v1/audit/verify', '/api/v1/audit/verify', 'auditor'))).body;
    expect([clean.ok, clean.files.mismatched]).toEqual([true, []]);
    expect(clean.files.blobs).toBeGreaterThanOrEqual(3);
    // one byte flipped in the stored photo
    await t.db.pool.query(
      `UPDATE file_chunks SET data = set_byte(data, 1000, (get_byte(data, 1000) + 1) % 256) WHERE blob = $1 AND n = 0`,
      [photoFile.sha256],
    );
    const report = (await ok(t.call('get', '/api/v1/audit/verify', '/api/v1/audit/verify', 'auditor'))).body;
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toBeNull();
    expect(report.files.mismatched).toEqual([
      {
        sha256: photoFile.sha256,
        found: expect.not.stringMatching(photoFile.sha256),
        fileIds: [photoFile.fileId],
        eventIds: [expect.any(String)],
      },
    ]);
  });

  it('removes files nothing cites once they are old enough, and never one that is cited', async () => {
    const loose = (await ok(upload(pdf('没人引用'), '草稿.pdf', officerA), 201)).body;
    await t.db.pool.query(`UPDATE files SET uploaded_at = now() - interval '25 hours'`);
    const removed = await t.app.get(FilesService).sweep(new Date());
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = (await t.db.pool.query('SELECT file_id FROM files')).rows.map((r) => r.file_id);
    expect(left).toEqual(expect.arrayContaining([scanFile.fileId, photoFile.fileId]));
    expect(left).not.toContain(loose.fileId);
    expect(
      (await t.db.pool.query('SELECT count(*)::int AS n FROM file_blobs WHERE sha256 = $1', [loose.sha256])).rows[0].n,
    ).toBe(0);
  });
});
