import { createHash, randomBytes } from 'node:crypto';
import { CHUNK_BYTES, FileStore, PgFileStore, rehash } from '../src/files/file-store';
import { S3FileStore } from '../src/files/s3-file-store';
import { createTestDatabase, TestDatabase } from './support/database';
import { startTestS3, TestS3 } from './support/s3';

/**
 * The contract of the evidence store's port (`FileStore`), run against each adapter: the Postgres one (the default)
 * and the S3 one, on s3rver (a real S3 REST server on loopback).
 */
let s3: TestS3 | undefined;
const adapters: [string, (db: TestDatabase) => Promise<FileStore>][] = [
  ['postgres', async (db) => new PgFileStore(db.pool)],
  ['s3', async () => new S3FileStore((s3 = await startTestS3()).at)],
];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function* pieces(b: Buffer, size: number) {
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}
const readAll = async (store: FileStore, sha256: string, start?: number, end?: number) => {
  const chunks: Buffer[] = [];
  for await (const c of store.read(sha256, start, end)) chunks.push(c);
  return Buffer.concat(chunks);
};

async function waitFor(ok: () => Promise<boolean>): Promise<void> {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 20));
}

describe.each(adapters)('FileStore contract: %s', (_name, make) => {
  let db: TestDatabase;
  let store: FileStore;
  beforeAll(async () => {
    db = await createTestDatabase(4);
    store = await make(db);
  });
  afterAll(async () => {
    store.close();
    await s3?.stop();
    s3 = undefined;
    await db.drop();
  });

  it('gives back exactly the bytes put, whatever the pieces they came in, addressed by their SHA-256', async () => {
    const bytes = randomBytes(CHUNK_BYTES * 2 + 12345);
    for (const piece of [1000, CHUNK_BYTES, CHUNK_BYTES + 7]) {
      const blob = await store.put(pieces(bytes, piece), () => 'application/pdf');
      expect(blob).toEqual({ sha256: sha(bytes), size: bytes.length });
      expect(Buffer.compare(await readAll(store, blob.sha256), bytes)).toBe(0);
    }
    expect(await rehash(store, sha(bytes))).toEqual({ sha256: sha(bytes), size: bytes.length });
  });

  it('stores a file larger than an S3 multipart part (5 MiB) twice over, and reads a range across parts', async () => {
    const bytes = randomBytes(11 * 1024 * 1024 + 3);
    const blob = await store.put(pieces(bytes, 64 * 1024), () => 'application/pdf');
    expect(blob).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(await rehash(store, blob.sha256)).toEqual(blob);
    const [start, end] = [5 * 1024 * 1024 - 9, 10 * 1024 * 1024 + 9];
    expect(Buffer.compare(await readAll(store, blob.sha256, start, end), bytes.subarray(start, end + 1))).toBe(0);
    expect(await store.staged()).toBe(0);
  });

  it('reads ranges inside a chunk, across chunks and to the end', async () => {
    const bytes = randomBytes(CHUNK_BYTES * 3);
    const { sha256 } = await store.put(pieces(bytes, 65536), () => 'image/png');
    for (const [start, end] of [
      [0, 0],
      [10, 20],
      [CHUNK_BYTES - 5, CHUNK_BYTES + 5],
      [1, CHUNK_BYTES * 2 + 1],
      [CHUNK_BYTES * 3 - 1, CHUNK_BYTES * 3 - 1],
    ]) {
      expect(Buffer.compare(await readAll(store, sha256, start, end), bytes.subarray(start, end + 1))).toBe(0);
    }
  });

  it('stores the same bytes once', async () => {
    const bytes = Buffer.from('%PDF-1.7\n% 同一份承诺书\n');
    const [a, b] = await Promise.all([
      store.put(pieces(bytes, 5), () => 'application/pdf'),
      store.put(pieces(bytes, 7), () => 'application/pdf'),
    ]);
    expect(a).toEqual(b);
    const listed = (await store.list('', 1000)).filter((x) => x.sha256 === a.sha256);
    expect(listed).toEqual([{ sha256: a.sha256, size: bytes.length }]);
  });

  it('keeps nothing when the media type is refused or the source fails part-way', async () => {
    const before = await store.list('', 1000);
    await expect(
      store.put(pieces(randomBytes(CHUNK_BYTES + 1), 4096), () => {
        throw new Error('not allowed');
      }),
    ).rejects.toThrow('not allowed');
    async function* failing() {
      yield randomBytes(CHUNK_BYTES);
      throw new Error('connection reset');
    }
    await expect(store.put(failing(), () => 'application/pdf')).rejects.toThrow('connection reset');
    expect(await store.list('', 1000)).toEqual(before);
    expect(await store.staged()).toBe(0);
  });

  it('removes uploads staged before a time and never finished, and only those', async () => {
    const before = await store.list('', 1000);
    let release!: (type: string) => void;
    const judged = new Promise<string>((r) => (release = r));
    // every byte staged, the upload not yet judged: what a process that died there leaves behind
    const since = new Date(Date.now() - 60_000);
    const inFlight = store.put(pieces(randomBytes(CHUNK_BYTES + 10), 4096), () => judged);
    await waitFor(async () => (await store.staged()) === 1);
    expect(await store.abandon(since)).toBe(0);
    expect(await store.staged()).toBe(1);
    expect(await store.abandon(new Date(Date.now() + 60_000))).toBe(1);
    expect(await store.staged()).toBe(0);
    // an upload whose staged bytes were removed fails; it never leaves an empty blob behind
    release('application/pdf');
    await expect(inFlight).rejects.toThrow();
    expect(await store.list('', 1000)).toEqual(before);
  });

  it('removes a blob, and lists the rest in order', async () => {
    const { sha256 } = await store.put(pieces(Buffer.from('to be removed'), 4), () => 'application/pdf');
    expect(await store.stat(sha256)).toEqual({ sha256, size: 13 });
    await store.remove(sha256);
    expect(await store.stat(sha256)).toBeNull();
    expect(await readAll(store, sha256)).toHaveLength(0);
    const all = await store.list('', 1000);
    expect(all.map((b) => b.sha256)).toEqual([...all.map((b) => b.sha256)].sort());
    expect(all.some((b) => b.sha256 === sha256)).toBe(false);
  });
});
