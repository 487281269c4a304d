import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { parseS3Url } from '../../src/files/s3-location';
import type { S3Location } from '../../src/files/s3-location';

export interface TestS3 {
  /** FILE_STORE_URL for the bucket */
  url: string;
  at: S3Location;
  /** where s3rver keeps the objects on disk */
  directory: string;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible server for the S3 adapter's tests: s3rver (the S3 REST API over HTTP, objects on disk), on a
 * free loopback port with one bucket. The AWS SDK talks to it as to any S3 endpoint: signed requests, multipart.
 */
export async function startTestS3(bucket = 'evidence'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'rectify-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  const url = `s3://S3RVER:S3RVER@${bucket}/rectify?endpoint=http://127.0.0.1:${port}&region=us-east-1&pathStyle=true`;
  const at = parseS3Url(url);
  if (typeof at === 'string') throw new Error(at);
  return {
    url,
    at,
    directory,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
