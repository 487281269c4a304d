import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** Where an S3-compatible store keeps the blobs: a bucket, a key prefix and the client's settings. */
export interface S3Location {
  bucket: string;
  /** '' or a prefix ending in '/' */
  prefix: string;
  client: S3ClientConfig;
}

/**
 * FILE_STORE_URL for an S3-compatible store: `s3://[KEY:SECRET@]bucket[/prefix]?endpoint=…&region=…&pathStyle=true`.
 * Without KEY:SECRET the SDK's own chain applies (AWS_ACCESS_KEY_ID, instance roles …); without `endpoint`, AWS.
 * Returns the problem with the URL as a string.
 */
export function parseS3Url(raw: string): S3Location | string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'FILE_STORE_URL must be a URL such as s3://bucket/prefix?endpoint=https://s3.example.gov.cn&region=cn-north-1';
  }
  if (u.protocol !== 's3:' || !u.hostname)
    return 'FILE_STORE_URL must be s3://bucket[/prefix][?endpoint=…&region=…&pathStyle=true]';
  const known = new Set(['endpoint', 'region', 'pathStyle']);
  for (const k of u.searchParams.keys())
    if (!known.has(k)) return `FILE_STORE_URL has an unknown parameter "${k}" (known: ${[...known].join(', ')})`;
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint))
    return 'FILE_STORE_URL: endpoint must be an http(s) URL';
  const pathStyle = u.searchParams.get('pathStyle') ?? 'false';
  if (!['true', 'false'].includes(pathStyle)) return 'FILE_STORE_URL: pathStyle must be true or false';
  const path = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  return {
    bucket: u.hostname,
    prefix: path ? `${path}/` : '',
    client: {
      region: u.searchParams.get('region') ?? 'us-east-1',
      endpoint,
      forcePathStyle: pathStyle === 'true',
      ...(u.username
        ? {
            credentials: {
              accessKeyId: decodeURIComponent(u.username),
              secretAccessKey: decodeURIComponent(u.password),
            },
          }
        : {}),
      // checksums only where S3 requires them: S3-compatible stores differ in which of the newer ones they accept
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  };
}
