import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { FilesService } from '../src/files/files.service';
import { S3FileStore } from '../src/files/s3-file-store';
import { Caller, startTestApp, TestApp } from './support/app';
import { clamdPresent, EICAR, startClamd, TestClamd } from './support/clamd';
import { startTestS3, TestS3 } from './support/s3';
import { ok } from './support/waiting';

/**
 * The evidence store on S3 (FILE_STORE_URL, here s3rver: the S3 REST API on loopback) and uploads scanned by clamd
 * (CLAMD_URL, a real clamd started here with an EICAR signature): what is stored, served and verified is the same as
 * on Postgres; an infected upload is a 422 and leaves nothing behind; a scanner that is down refuses uploads (503).
 */
const F = '/api/v1/files';
const officer: Caller = { role: 'district-officer', districts: ['500103'], sub: 'officer-s3' } as Caller;

const scanning = clamdPresent();
let s3: TestS3;
let clamd: TestClamd | undefined;
let t: TestApp;
let client: S3Client;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pdf = (text: string) =>
  Buffer.concat([Buffer.from(`%PDF-1.7\n% ${text}\n`), randomBytes(700_000), Buffer.from('\n%%EOF\n')]);
const upload = (bytes: Buffer, name: string) =>
  t.call('post', F, `${F}?name=${encodeURIComponent(name)}`, officer, bytes, { 'Content-Type': 'application/pdf' });
const download = (fileId: string, range?: string) => {
  const req = t.http
    .get(`${F}/${fileId}`)
    .set('Authorization', `Bearer ${t.token('district-officer', { districts: ['500103'], sub: 'officer-s3' })}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return range ? req.set('Range', range) : req;
};
const store = () => t.app.get(FilesService).store;
const stored = async () => (await store().list('', 1000)).map((b) => b.sha256);

beforeAll(async () => {
  s3 = await startTestS3();
  if (scanning) clamd = await startClamd();
  t = await startTestApp({ env: { FILE_STORE_URL: s3.url, ...(clamd ? { CLAMD_URL: clamd.url } : {}) } });
  client = new S3Client(s3.at.client);
});
afterAll(async () => {
  client?.destroy();
  await t?.close();
  await clamd?.stop();
  await s3?.stop();
});

describe('evidence files on an S3-compatible store', () => {
  let file: { fileId: string; sha256: string; size: number };
  const bytes = pdf('整改验收记录');

  it('stores an upload in the bucket, not in Postgres, and serves it back whole and in ranges', async () => {
    expect(store()).toBeInstanceOf(S3FileStore);
    file = (await ok(upload(bytes, '整改验收记录（签字版）.pdf'), 201)).body;
    expect(file).toMatchObject({
      sha256: sha(bytes),
      size: bytes.length,
      mediaType: 'application/pdf',
      name: '整改验收记录（签字版）.pdf',
    });
    expect(await stored()).toContain(file.sha256);
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM file_chunks')).rows[0].n).toBe(0);
    const whole = await download(file.fileId);
    expect([whole.status, whole.headers.etag, Buffer.compare(whole.body, bytes)]).toEqual([200, `"${file.sha256}"`, 0]);
    const part = await download(file.fileId, 'bytes=0-0');
    expect([part.status, part.headers['content-range'], [...part.body]]).toEqual([
      206,
      `bytes 0-0/${bytes.length}`,
      [bytes[0]],
    ]);
    const across = await download(file.fileId, 'bytes=262000-524999');
    expect([across.status, Buffer.compare(across.body, bytes.subarray(262000, 525000))]).toEqual([206, 0]);
  });

  it('names a blob whose bytes were changed in the bucket: GET /api/v1/audit/verify', async () => {
    const altered = Buffer.from(bytes);
    altered[5000] ^= 0xff;
    await client.send(
      new PutObjectCommand({ Bucket: s3.at.bucket, Key: `${s3.at.prefix}blobs/${file.sha256}`, Body: altered }),
    );
    const report = (await ok(t.call('get', '/api/v1/audit/verify', '/api/v1/audit/verify', 'auditor'))).body;
    expect(report.ok).toBe(false);
    expect(report.files.mismatched).toEqual([
      { sha256: file.sha256, found: sha(altered), fileIds: [file.fileId], eventIds: [] },
    ]);
  });
});

(scanning ? describe : describe.skip)('uploads scanned by clamd (CLAMD_URL)', () => {
  it('accepts a clean file, and refuses the EICAR test string with 422 whatever it hides in, keeping nothing', async () => {
    expect((await upload(pdf('干净的文件'), '干净.pdf')).status).toBe(201);
    const before = await stored();
    const staged = await store().staged();
    const files = (await t.db.pool.query('SELECT count(*)::int AS n FROM files')).rows[0].n;
    const hidden = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      randomBytes(300_000),
      Buffer.from(EICAR),
      randomBytes(300_000),
      Buffer.from('\n%%EOF\n'),
    ]);
    for (const infected of [Buffer.from(EICAR), hidden]) {
      const refused = await upload(infected, '带毒的整改报告.pdf');
      expect([refused.status, refused.headers['content-type'], refused.body.errors?.[0]]).toEqual([
        422,
        'application/problem+json; charset=utf-8',
        expect.objectContaining({
          field: 'body',
          rule: 'virusFree',
          message: expect.stringContaining('Eicar-Test-Signature'),
        }),
      ]);
    }
    expect(await stored()).toEqual(before);
    expect(await store().staged()).toBe(staged);
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM files')).rows[0].n).toBe(files);
  });

  it('refuses uploads while the scanner is down (503), never accepting one unscanned', async () => {
    const before = await stored();
    await clamd!.stop();
    clamd = undefined;
    const refused = await upload(pdf('扫描器停了'), '未扫描.pdf');
    expect([refused.status, refused.headers['content-type'], refused.body.detail]).toEqual([
      503,
      'application/problem+json; charset=utf-8',
      expect.stringContaining('clamd'),
    ]);
    expect(await stored()).toEqual(before);
  });
});
