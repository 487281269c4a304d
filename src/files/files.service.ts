import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  ServiceUnavailableException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import { inTransaction } from '../infra/transaction';
import { AccessPolicy } from '../auth/access-policy';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { ValidationProblem } from '../http/problem';
import { PG_POOL } from '../infra/tokens';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import type { Evidence, FileRef } from '../domain';
import { FileStore, rehash } from './file-store';
import { ALLOWED_MEDIA_TYPES, sniff } from './sniff';
import { ClamdScan } from './virus-scan';

/** The bytes kept of an upload's start and end, for sniffing (a ZIP lists its entries at its end). */
const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64 * 1024;
/** How often unreferenced files are looked for. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** A blob whose bytes no longer hash to its address, with the files (and so the events) that cite it. */
export interface FileMismatch {
  sha256: string;
  found: string;
  fileIds: string[];
  /** the events that cite it (and recorded the sha256 it no longer has) */
  eventIds: string[];
}

/**
 * Evidence files: upload (streamed, sniffed against the allow-list, size-limited, stored once per content), the
 * files a command cites (only ones the caller uploaded or may already read), download in the scope of what cites
 * them, re-hashing for the auditors, and removal of what nothing cites after FILE_UNREFERENCED_HOURS.
 */
@Injectable()
export class FilesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    readonly store: FileStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** FILE_MAX_BYTES */
  get maxBytes(): number {
    return this.config.fileMaxBytes;
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(new Date()).catch(() => undefined), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.store.close();
  }

  /**
   * Stores an upload. More than FILE_MAX_BYTES is a 413 (reading stops there); with CLAMD_URL set, bytes clamd finds
   * a virus in a 422 (scanned as they pass, judged before anything is kept); bytes that are none of the allowed types
   * a 415, whatever the request said they were.
   */
  async upload(
    source: AsyncIterable<Buffer>,
    name: string,
    declaredBytes: number | null,
    p: Principal,
  ): Promise<FileRef> {
    const max = this.config.fileMaxBytes;
    if (declaredBytes !== null && declaredBytes > max) throw tooLarge(max);
    let head = Buffer.alloc(0);
    // the last chunks that hold at least TAIL_BYTES, joined only once every byte is read
    const last: Buffer[] = [];
    let lastBytes = 0;
    let size = 0;
    const scan = this.config.clamd ? new ClamdScan(this.config.clamd) : null;
    const limited = async function* () {
      for await (const raw of source) {
        const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        size += chunk.length;
        if (size > max) throw tooLarge(max);
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        last.push(chunk);
        lastBytes += chunk.length;
        while (lastBytes - last[0].length >= TAIL_BYTES) lastBytes -= last.shift()!.length;
        await scan?.write(chunk);
        yield chunk;
      }
    };
    let mediaType = '';
    const blob = await this.store
      .put(limited(), async () => {
        const verdict = await scan?.verdict();
        if (verdict && !verdict.clean) {
          throw new ValidationProblem(
            [{ field: 'body', rule: 'virusFree', message: `the virus scanner found ${verdict.signature}` }],
            422,
          );
        }
        const all = Buffer.concat(last, lastBytes);
        const sniffed = sniff(head, all.subarray(Math.max(0, all.length - TAIL_BYTES)));
        if (!sniffed) {
          throw new ValidationProblem(
            [
              {
                field: 'body',
                rule: 'mediaType',
                message: `the bytes are not one of ${ALLOWED_MEDIA_TYPES.join(', ')}`,
              },
            ],
            415,
          );
        }
        return (mediaType = sniffed);
      })
      .finally(() => scan?.abort());
    const file: FileRef = { fileId: randomUUID(), sha256: blob.sha256, size: blob.size, mediaType, name };
    await inTransaction(this.pool, async (tx) => {
      await lockBlob(tx, file.sha256);
      // the same bytes, stored before and unreferenced, may have been swept while these were read
      if (!(await this.store.stat(file.sha256))) {
        throw new ServiceUnavailableException(
          'the same bytes were being removed as unreferenced while this upload ran; send it again',
        );
      }
      await tx.query(
        'INSERT INTO files (file_id, sha256, name, media_type, size, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, now())',
        [file.fileId, file.sha256, file.name, file.mediaType, file.size, uploaderOf(p)],
      );
    });
    return file;
  }

  /**
   * The files a command cites, as its event records them. A file that does not exist, or that the caller neither
   * uploaded nor may already read, is refused (400 naming the field).
   */
  async resolve(fileIds: string[], p: Principal, field: string): Promise<FileRef[]> {
    const refs: FileRef[] = [];
    for (const [i, fileId] of fileIds.entries()) refs.push((await this.cite(fileId, p, `${field}[${i}]`))!);
    return refs;
  }

  /** One file a command cites in `field` (none when not given), refused as `resolve` refuses. */
  async cite(fileId: string | undefined, p: Principal, field: string): Promise<FileRef | undefined> {
    if (fileId === undefined) return undefined;
    const row = await this.readable(fileId, p);
    if (!row)
      throw new ValidationProblem([
        { field, rule: 'fileExists', message: `no file ${fileId} that you uploaded or may read` },
      ]);
    return toRef(row);
  }

  /** Evidence as a command records it: the files it names resolved to what they are (see `resolve`). */
  async evidence(e: { text: string; fileRef?: string; files?: string[] }, p: Principal): Promise<Evidence> {
    const { files, ...rest } = e;
    return files?.length ? { ...rest, files: await this.resolve(files, p, 'evidence.files') } : rest;
  }

  /** A file for download: only to its uploader (until and after it is cited) or to who may read what cites it. */
  async forDownload(fileId: string, p: Principal): Promise<FileRef> {
    const row = await this.readable(fileId, p);
    if (!row) throw notFound(`file ${fileId} not found`);
    return toRef(row);
  }

  private async readable(fileId: string, p: Principal): Promise<QueryResultRow | null> {
    const { rows } = await this.pool.query('SELECT * FROM files WHERE file_id = $1', [fileId]);
    const row = rows[0];
    if (!row) return null;
    if (row.uploaded_by === uploaderOf(p)) return row;
    // a subject's files follow the subject's district; a district's own documents (its self-evaluation) that district
    const refs = await this.pool.query(
      `SELECT r.subject_id, coalesce(s.district_code, r.district_code) AS district_code
         FROM rm_file_references r LEFT JOIN rm_subjects s ON s.id = r.subject_id WHERE r.file_id = $1`,
      [fileId],
    );
    const may = refs.rows.some((r) =>
      r.subject_id
        ? r.district_code && AccessPolicy.canActOnSubject(p, r.subject_id, r.district_code)
        : r.district_code
          ? p.role !== 'subject-user' && AccessPolicy.canActOnDistrict(p, r.district_code)
          : AccessPolicy.hasCityScope(p),
    );
    return may ? row : null;
  }

  /** Re-hashes every stored blob: those whose bytes no longer match their address, with the files citing them. */
  verify(): Promise<FileVerification> {
    return verifyFiles(this.pool, this.store);
  }

  /**
   * Removes files no event cites, uploaded more than FILE_UNREFERENCED_HOURS ago, blobs left without a file, and
   * uploads staged that long ago and never finished (a process that died part-way).
   */
  async sweep(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.fileUnreferencedHours * 3_600_000);
    await this.store.abandon(before);
    const { rows } = await this.pool.query(
      `DELETE FROM files f WHERE f.uploaded_at < $1 AND NOT EXISTS (SELECT 1 FROM rm_file_references r WHERE r.file_id = f.file_id) RETURNING sha256`,
      [before],
    );
    for (const sha256 of new Set(rows.map((r) => r.sha256 as string))) {
      // removed only while no file names it: an upload of the same bytes records its file under the same lock
      await inTransaction(this.pool, async (tx) => {
        await lockBlob(tx, sha256);
        const left = await tx.query('SELECT 1 FROM files WHERE sha256 = $1 LIMIT 1', [sha256]);
        if (!left.rows.length) await this.store.remove(sha256);
      });
    }
    return rows.length;
  }
}

export interface FileVerification {
  blobs: number;
  mismatched: FileMismatch[];
}

/** Re-hashes every blob of `store` (GET /api/v1/audit/verify, npm run audit:verify). */
export async function verifyFiles(pool: Pool, store: FileStore): Promise<FileVerification> {
  const mismatched: FileMismatch[] = [];
  let blobs = 0;
  for (let after = ''; ;) {
    const page = await store.list(after, 100);
    if (!page.length) break;
    for (const b of page) {
      blobs++;
      const now = await rehash(store, b.sha256);
      if (now.sha256 !== b.sha256) {
        const files = await pool.query('SELECT file_id FROM files WHERE sha256 = $1 ORDER BY file_id', [b.sha256]);
        const events = await pool.query(
          'SELECT DISTINCT event_id FROM rm_file_references WHERE sha256 = $1 ORDER BY event_id',
          [b.sha256],
        );
        mismatched.push({
          sha256: b.sha256,
          found: now.sha256,
          fileIds: files.rows.map((r) => r.file_id),
          eventIds: events.rows.map((r) => r.event_id),
        });
      }
    }
    after = page[page.length - 1].sha256;
  }
  return { blobs, mismatched };
}

/** Serialises, per blob, recording a file for it and removing it (in the caller's transaction). */
async function lockBlob(tx: PoolClient, sha256: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('file-blob:' || $1, 23))`, [sha256]);
}

const uploaderOf = (p: Principal) => `${p.role}:${p.sub}`;

const toRef = (row: QueryResultRow): FileRef => ({
  fileId: row.file_id,
  sha256: row.sha256,
  size: Number(row.size),
  mediaType: row.media_type,
  name: row.name,
});

function tooLarge(max: number): ValidationProblem {
  return new ValidationProblem(
    [{ field: 'body', rule: 'maxBytes', message: `a file may have at most ${max} bytes` }],
    413,
  );
}
