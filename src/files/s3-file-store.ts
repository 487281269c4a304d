import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileStore, StoredBlob } from './file-store';
import type { S3Location } from './s3-location';

/** Parts of a staged upload: S3's smallest multipart part, so an upload holds at most this much in memory. */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * The evidence store on S3 or anything that speaks its API. A blob is the object `<prefix>blobs/<sha256>`. An upload
 * is staged under `<prefix>staging/` (multipart, a part at a time) while it is hashed, then copied to its address
 * unless that already exists, and the staged copy removed.
 */
export class S3FileStore extends FileStore {
  private readonly s3: S3Client;

  constructor(private readonly at: S3Location) {
    super();
    this.s3 = new S3Client(at.client);
  }

  private blobKey(sha256: string): string {
    return `${this.at.prefix}blobs/${sha256}`;
  }

  async put(chunks: AsyncIterable<Buffer>, mediaType: () => string | Promise<string>): Promise<StoredBlob> {
    const staging = `${this.at.prefix}staging/${randomUUID()}`;
    const hash = createHash('sha256');
    let size = 0;
    const hashed = async function* () {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    };
    try {
      const upload = new Upload({
        client: this.s3,
        params: { Bucket: this.at.bucket, Key: staging, Body: Readable.from(hashed(), { objectMode: false }) },
        partSize: PART_BYTES,
        queueSize: 1,
        leavePartsOnError: false,
      });
      await upload.done();
      const type = await mediaType();
      const sha256 = hash.digest('hex');
      if (!(await this.stat(sha256))) {
        // two uploads of the same bytes may both copy: the object is the same either way
        await this.s3.send(
          new CopyObjectCommand({
            Bucket: this.at.bucket,
            Key: this.blobKey(sha256),
            CopySource: `${this.at.bucket}/${encodeURI(staging)}`,
            ContentType: type,
            MetadataDirective: 'REPLACE',
          }),
        );
      }
      return { sha256, size };
    } finally {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key: staging })).catch(() => undefined);
    }
  }

  async *read(sha256: string, start = 0, end = Number.MAX_SAFE_INTEGER): AsyncIterable<Buffer> {
    if (end < start) return;
    // one request: S3 ends a range at the object's end, and answers 416 to one that starts past it
    const range = `bytes=${start}-${end === Number.MAX_SAFE_INTEGER ? '' : end}`;
    let body: Readable;
    try {
      const got = await this.s3.send(
        new GetObjectCommand({ Bucket: this.at.bucket, Key: this.blobKey(sha256), Range: range }),
      );
      body = got.Body as Readable;
    } catch (err) {
      if (isMissing(err) || isUnsatisfiable(err)) return;
      throw err;
    }
    // never more than asked: some S3-compatible stores answer `bytes=0-0` with the whole object (s3rver does)
    let left = end - start + 1;
    try {
      for await (const raw of body) {
        const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        yield left < chunk.length ? chunk.subarray(0, left) : chunk;
        left -= chunk.length;
        if (left <= 0) break;
      }
    } finally {
      body.destroy();
    }
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.at.bucket, Key: this.blobKey(sha256) }));
      return { sha256, size: Number(head.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async remove(sha256: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key: this.blobKey(sha256) }));
  }

  async list(after: string, limit: number): Promise<StoredBlob[]> {
    const prefix = `${this.at.prefix}blobs/`;
    const page = await this.s3.send(
      new ListObjectsV2Command({
        Bucket: this.at.bucket,
        Prefix: prefix,
        StartAfter: after ? prefix + after : undefined,
        MaxKeys: limit,
      }),
    );
    return (page.Contents ?? []).map((o) => ({ sha256: o.Key!.slice(prefix.length), size: Number(o.Size ?? 0) }));
  }

  async abandon(before: Date): Promise<number> {
    const prefix = `${this.at.prefix}staging/`;
    let removed = 0;
    for (let token: string | undefined; ;) {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.at.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.LastModified && o.LastModified < before) {
          await this.s3.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key: o.Key! }));
          removed++;
        }
      }
      if (!page.IsTruncated) break;
      token = page.NextContinuationToken;
    }
    return removed + (await this.abortMultipart(prefix, before));
  }

  /** Multipart uploads begun before `before` and never completed (a bucket lifecycle rule does the same). */
  private async abortMultipart(prefix: string, before: Date): Promise<number> {
    let aborted = 0;
    try {
      const page = await this.s3.send(new ListMultipartUploadsCommand({ Bucket: this.at.bucket, Prefix: prefix }));
      for (const u of page.Uploads ?? []) {
        if (u.Initiated && u.Initiated < before) {
          await this.s3.send(
            new AbortMultipartUploadCommand({ Bucket: this.at.bucket, Key: u.Key!, UploadId: u.UploadId! }),
          );
          aborted++;
        }
      }
    } catch (err) {
      // stores without multipart listing (s3rver) leave this to the bucket's lifecycle rule
      if (!(err instanceof S3ServiceException && err.name === 'NotImplemented')) throw err;
    }
    return aborted;
  }

  async staged(): Promise<number> {
    const page = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.at.bucket, Prefix: `${this.at.prefix}staging/` }),
    );
    return page.KeyCount ?? (page.Contents ?? []).length;
  }

  override close(): void {
    this.s3.destroy();
  }
}

function isUnsatisfiable(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.name === 'InvalidRange' || err.$metadata?.httpStatusCode === 416);
}

function isMissing(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
}
