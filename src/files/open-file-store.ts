import { Pool } from 'pg';
import { FileStore, PgFileStore } from './file-store';
import { S3FileStore } from './s3-file-store';
import type { S3Location } from './s3-location';

/** The evidence store FILE_STORE_URL names: an S3-compatible one, or (unset) the tables beside the log. */
export function openFileStore(pool: Pool, at: S3Location | undefined): FileStore {
  return at ? new S3FileStore(at) : new PgFileStore(pool);
}
