import { createHash, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { inTransaction } from '../infra/transaction';

/** A blob as stored: addressed by the SHA-256 of its bytes. */
export interface StoredBlob {
  sha256: string;
  size: number;
}

/**
 * Where evidence bytes live, addressed by content. One port, one contract (test/file-store.contract.spec.ts): the
 * same bytes put twice are stored once; `read` gives back exactly the bytes put, or a range of them.
 */
export abstract class FileStore {
  /**
   * Stores what `chunks` yields (each chunk written before the next is asked for: bounded memory). `mediaType` is
   * asked once every byte has been read (it may check them: type, virus scan); if it throws, nothing is kept.
   */
  abstract put(chunks: AsyncIterable<Buffer>, mediaType: () => string | Promise<string>): Promise<StoredBlob>;
  /** The bytes from `start` to `end` inclusive (default: all). */
  abstract read(sha256: string, start?: number, end?: number): AsyncIterable<Buffer>;
  /** The blob stored under `sha256`, or null. */
  abstract stat(sha256: string): Promise<StoredBlob | null>;
  abstract remove(sha256: string): Promise<void>;
  /** Every blob stored, a page at a time in sha256 order (verification). */
  abstract list(after: string, limit: number): Promise<StoredBlob[]>;
  /** Removes uploads staged before `before` and never finished (a process that died part-way); how many. */
  abstract abandon(before: Date): Promise<number>;
  /** How many uploads are staged now (none once every put has returned or thrown). */
  abstract staged(): Promise<number>;
  /** Releases what the store holds open (not the pool it was given). */
  close(): void {}
}

/** Chunk size in the database: 256 KiB rows (bytea is TOASTed and compressed where it helps). */
export const CHUNK_BYTES = 256 * 1024;

/** The default store: chunks in `file_chunks`, one row per 256 KiB, the blob's row in `file_blobs`. */
export class PgFileStore extends FileStore {
  constructor(private readonly pool: Pool) {
    super();
  }

  async put(chunks: AsyncIterable<Buffer>, mediaType: () => string | Promise<string>): Promise<StoredBlob> {
    // staged under a name that says when (abandon), moved to the blob's address once its hash is known
    const staging = `upload:${Date.now()}:${randomUUID()}`;
    const hash = createHash('sha256');
    let size = 0;
    let n = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pendingBytes) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.pool.query('INSERT INTO file_chunks (blob, n, data) VALUES ($1, $2, $3)', [staging, n++, data]);
    };
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        for (let at = 0; at < chunk.length;) {
          const take = Math.min(CHUNK_BYTES - pendingBytes, chunk.length - at);
          pending.push(chunk.subarray(at, at + take));
          pendingBytes += take;
          at += take;
          if (pendingBytes === CHUNK_BYTES) await flush();
        }
      }
      await flush();
      const type = await mediaType();
      const sha256 = hash.digest('hex');
      await inTransaction(this.pool, async (tx) => {
        // one upload of these bytes wins; the others drop their copy
        const created = await tx.query(
          'INSERT INTO file_blobs (sha256, size, media_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [sha256, size, type],
        );
        if (created.rowCount) {
          const moved = await tx.query('UPDATE file_chunks SET blob = $2 WHERE blob = $1', [staging, sha256]);
          // its staged chunks removed meanwhile (abandon): fail rather than keep a blob without its bytes
          if (moved.rowCount !== n) throw new Error(`upload ${staging} lost its staged bytes`);
        } else await tx.query('DELETE FROM file_chunks WHERE blob = $1', [staging]);
      });
      return { sha256, size };
    } catch (err) {
      await this.pool.query('DELETE FROM file_chunks WHERE blob = $1', [staging]).catch(() => undefined);
      throw err;
    }
  }

  async *read(sha256: string, start = 0, end = Number.MAX_SAFE_INTEGER): AsyncIterable<Buffer> {
    const first = Math.floor(start / CHUNK_BYTES);
    const last = Math.floor(end / CHUNK_BYTES);
    for (let n = first; n <= last; n++) {
      const { rows } = await this.pool.query('SELECT data FROM file_chunks WHERE blob = $1 AND n = $2', [sha256, n]);
      if (!rows.length) return;
      const data: Buffer = rows[0].data;
      const from = n === first ? start - n * CHUNK_BYTES : 0;
      const to = n === last ? Math.min(data.length, end - n * CHUNK_BYTES + 1) : data.length;
      if (from < to) yield data.subarray(from, to);
    }
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    const { rows } = await this.pool.query('SELECT sha256, size FROM file_blobs WHERE sha256 = $1', [sha256]);
    return rows.length ? { sha256: rows[0].sha256, size: Number(rows[0].size) } : null;
  }

  async remove(sha256: string): Promise<void> {
    await inTransaction(this.pool, async (tx) => {
      await tx.query('DELETE FROM file_chunks WHERE blob = $1', [sha256]);
      await tx.query('DELETE FROM file_blobs WHERE sha256 = $1', [sha256]);
    });
  }

  async list(after: string, limit: number): Promise<StoredBlob[]> {
    const { rows } = await this.pool.query(
      'SELECT sha256, size FROM file_blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2',
      [after, limit],
    );
    return rows.map((r) => ({ sha256: r.sha256, size: Number(r.size) }));
  }

  async abandon(before: Date): Promise<number> {
    const { rows } = await this.pool.query(
      `DELETE FROM file_chunks WHERE blob ~ '^upload:[0-9]+:' AND split_part(blob, ':', 2)::bigint < $1 RETURNING blob`,
      [before.getTime()],
    );
    return new Set(rows.map((r) => r.blob)).size;
  }

  async staged(): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT count(DISTINCT blob)::int AS n FROM file_chunks WHERE blob LIKE 'upload:%'`,
    );
    return rows[0].n;
  }
}

/** The SHA-256 of what a store gives back for a blob now (verification). */
export async function rehash(store: FileStore, sha256: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of store.read(sha256)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}
