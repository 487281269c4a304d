import { createHash, randomBytes } from 'node:crypto';
import { CHUNK_BYTES, FileStore, PgFileStore, rehash } from '../src/files/file-store';
import { createTestDatabase, TestDatabase } from './support/database';

/**
 * The contract of the evidence store's port (`FileStore`), run against each adapter there is: today the Postgres
 * one (the default). An S3-compatible adapter must pass the same suite.
 */
const adapters: [string, (db: TestDatabase) => FileStore][] = [['postgres', (db) => new PgFileStore(db.pool)]];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function* pieces(b: Buffer, size: number) {
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}
const readAll = async (store: FileStore, sha256: string, start?: number, end?: number) => {
  const chunks: Buffer[] = [];
  for await (const c of store.read(sha256, start, end)) chunks.push(c);
  return Buffer.concat(chunks);
};

describe.each(adapters)('FileStore contract: %s', (_name, make) => {
  let db: TestDatabase;
  let store: FileStore;
  beforeAll(async () => {
    db = await createTestDatabase(4);
    store = make(db);
  });
  afterAll(async () => {
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

  it('reads ranges inside a chunk, across chunks and to the end', async () => {
    const bytes = randomBytes(CHUNK_BYTES * 3);
    const { sha256 } = await store.put(pieces(bytes, 65536), () => 'image/png');
    for (const [start, end] of [[0, 0], [10, 20], [CHUNK_BYTES - 5, CHUNK_BYTES + 5], [1, CHUNK_BYTES * 2 + 1], [CHUNK_BYTES * 3 - 1, CHUNK_BYTES * 3 - 1]]) {
      expect(Buffer.compare(await readAll(store, sha256, start, end), bytes.subarray(start, end + 1))).toBe(0);
    }
  });

  it('stores the same bytes once', async () => {
    const bytes = Buffer.from('%PDF-1.7\n% 同一份承诺书\n');
    const [a, b] = await Promise.all([store.put(pieces(bytes, 5), () => 'application/pdf'), store.put(pieces(bytes, 7), () => 'application/pdf')]);
    expect(a).toEqual(b);
    const listed = (await store.list('', 1000)).filter((x) => x.sha256 === a.sha256);
    expect(listed).toEqual([{ sha256: a.sha256, size: bytes.length }]);
  });

  it('keeps nothing when the media type is refused or the source fails part-way', async () => {
    const before = await store.list('', 1000);
    await expect(store.put(pieces(randomBytes(CHUNK_BYTES + 1), 4096), () => {
      throw new Error('not allowed');
    })).rejects.toThrow('not allowed');
    async function* failing() {
      yield randomBytes(CHUNK_BYTES);
      throw new Error('connection reset');
    }
    await expect(store.put(failing(), () => 'application/pdf')).rejects.toThrow('connection reset');
    expect(await store.list('', 1000)).toEqual(before);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM file_chunks WHERE blob LIKE 'upload:%'`)).rows[0].n).toBe(0);
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
