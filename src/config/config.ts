import { isAbsolute, resolve } from 'node:path';
import { parseS3Url } from '../files/s3-location';
import type { S3Location } from '../files/s3-location';
import { parseClamdUrl } from '../files/virus-scan';
import type { ClamdAddress } from '../files/virus-scan';

/** Configuration from the environment, validated once at start with messages that say what to fix. */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  host: string;
  /** undefined: start the embedded Postgres under dataDir */
  databaseUrl?: string;
  /** undefined: BullMQ runs on its Postgres backend in the same database */
  redisUrl?: string;
  jwtSecret: string;
  jwtSecretIsDefault: boolean;
  jwtPublicKey?: string;
  dataDir: string;
  embeddedPgPort: number;
  logLevel: string;
  seedDemo: boolean;
  dbPoolSize: number;
  /** days a public tip may stay open before it is overdue (TIP_HANDLING_DAYS, default 30) */
  tipHandlingDays: number;
  /** BullMQ key prefix (Redis) — one per deployment sharing a Redis (QUEUE_PREFIX, default rectify) */
  queuePrefix: string;
  /** a reminder whose time passed while nothing ran is still sent within this many hours (REMINDER_GRACE_HOURS, default 48) */
  reminderGraceHours: number;
  /** deliver webhooks to loopback, private and link-local addresses (WEBHOOK_ALLOW_PRIVATE, default false) */
  webhookAllowPrivate: boolean;
  /** waits before each retry of a webhook delivery (WEBHOOK_RETRY_DELAYS_MS, comma-separated; default ~3 days) */
  webhookRetryDelaysMs: number[];
  /** a subscription failing this long without a success is disabled (WEBHOOK_DISABLE_AFTER_HOURS, default 72) */
  webhookDisableAfterHours: number;
  /** a webhook POST without a complete response in this time fails (WEBHOOK_TIMEOUT_MS, default 15000) */
  webhookTimeoutMs: number;
  /** POSTs one webhook subscription may have in flight per process (WEBHOOK_MAX_IN_FLIGHT, default 32) */
  webhookMaxInFlight: number;
  /** how long a read given a minimum log position waits for the read models before a 503 (CONSISTENCY_WAIT_MS, default 5000) */
  consistencyWaitMs: number;
  /** browser origins allowed to call the API (CORS_ORIGINS: exact origins, comma-separated; default none) */
  corsOrigins: string[];
  /** how long an Idempotency-Key's first answer is kept (IDEMPOTENCY_KEY_TTL_HOURS, default 24) */
  idempotencyKeyTtlHours: number;
  /** the largest evidence file accepted, in bytes (FILE_MAX_BYTES, default 25 MB = 26,214,400) */
  fileMaxBytes: number;
  /** an uploaded file no event cites is removed after this many hours (FILE_UNREFERENCED_HOURS, default 24) */
  fileUnreferencedHours: number;
  /** where evidence bytes live (FILE_STORE_URL: unset for Postgres, or s3://bucket/prefix?endpoint=…) */
  fileStore?: S3Location;
  /** clamd to scan every upload with before it is accepted (CLAMD_URL: tcp://host:port or unix:///path; default none) */
  clamd?: ClamdAddress;
}

/** 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: about three days and four hours in all. */
export const DEFAULT_RETRY_DELAYS_MS = [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const DEV_SECRET = 'rectify-local-development-secret-change-me';
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? 'development';
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return def;
    }
    return n;
  };
  const url = (name: string, schemes: string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      const u = new URL(raw);
      if (!schemes.includes(u.protocol)) problems.push(`${name} must use ${schemes.join(' or ')} (got ${u.protocol})`);
    } catch {
      problems.push(`${name} is not a URL`);
    }
    return raw;
  };

  const port = int('PORT', 3000, 0, 65535);
  const embeddedPgPort = int('EMBEDDED_PG_PORT', 54329, 1024, 65535);
  const dbPoolSize = int('DB_POOL_SIZE', 20, 2, 500);
  const tipHandlingDays = int('TIP_HANDLING_DAYS', 30, 1, 365);
  const reminderGraceHours = int('REMINDER_GRACE_HOURS', 48, 0, 720);
  const webhookTimeoutMs = int('WEBHOOK_TIMEOUT_MS', 15000, 100, 120000);
  const consistencyWaitMs = int('CONSISTENCY_WAIT_MS', 5000, 0, 60000);
  const webhookMaxInFlight = int('WEBHOOK_MAX_IN_FLIGHT', 32, 1, 128);
  const disableRaw = env.WEBHOOK_DISABLE_AFTER_HOURS ?? '72';
  const webhookDisableAfterHours = Number(disableRaw);
  if (!/^\d+(\.\d+)?$/.test(disableRaw) || webhookDisableAfterHours <= 0 || webhookDisableAfterHours > 8760) {
    problems.push(
      `WEBHOOK_DISABLE_AFTER_HOURS must be a number of hours above 0 and at most 8760 (got "${disableRaw}")`,
    );
  }
  const delaysRaw = env.WEBHOOK_RETRY_DELAYS_MS;
  const webhookRetryDelaysMs = delaysRaw ? delaysRaw.split(',').map((x) => Number(x.trim())) : DEFAULT_RETRY_DELAYS_MS;
  if (
    !webhookRetryDelaysMs.length ||
    webhookRetryDelaysMs.length > 30 ||
    webhookRetryDelaysMs.some((n) => !Number.isInteger(n) || n < 0 || n > 7 * 864e5)
  ) {
    problems.push('WEBHOOK_RETRY_DELAYS_MS must be 1-30 comma-separated integers of milliseconds, each at most 7 days');
  }
  const allowPrivateRaw = env.WEBHOOK_ALLOW_PRIVATE ?? 'false';
  if (!['true', 'false'].includes(allowPrivateRaw)) problems.push('WEBHOOK_ALLOW_PRIVATE must be true or false');
  const queuePrefix = env.QUEUE_PREFIX ?? 'rectify';
  if (!/^[A-Za-z0-9_-]{1,50}$/.test(queuePrefix)) problems.push('QUEUE_PREFIX must be 1-50 letters, digits, _ or -');
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);

  let jwtSecret = env.JWT_SECRET ?? '';
  let jwtSecretIsDefault = false;
  if (!jwtSecret) {
    if (nodeEnv === 'production') problems.push('JWT_SECRET is required when NODE_ENV=production');
    jwtSecret = DEV_SECRET;
    jwtSecretIsDefault = true;
  } else if (Buffer.byteLength(jwtSecret) < 32) {
    problems.push('JWT_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash)');
  }
  const jwtPublicKey = env.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n') || undefined;
  if (jwtPublicKey && !jwtPublicKey.includes('-----BEGIN')) problems.push('JWT_PUBLIC_KEY must be a PEM public key');

  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')}`);

  const dataDirRaw = env.DATA_DIR ?? '.data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw);

  const seedRaw = env.SEED_DEMO ?? (databaseUrl ? 'false' : 'true');
  if (!['true', 'false'].includes(seedRaw)) problems.push('SEED_DEMO must be true or false');

  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of corsOrigins)
    if (!isOrigin(o))
      problems.push(`CORS_ORIGINS must list exact origins such as https://app.example.gov.cn (got "${o}")`);
  const idempotencyKeyTtlHours = int('IDEMPOTENCY_KEY_TTL_HOURS', 24, 1, 24 * 30);
  const fileMaxBytes = int('FILE_MAX_BYTES', 25 * 1024 * 1024, 1, 1024 * 1024 * 1024);
  const fileUnreferencedHours = int('FILE_UNREFERENCED_HOURS', 24, 1, 24 * 365);
  const fileStore = env.FILE_STORE_URL ? parseS3Url(env.FILE_STORE_URL) : undefined;
  if (typeof fileStore === 'string') problems.push(fileStore);
  const clamd = env.CLAMD_URL ? parseClamdUrl(env.CLAMD_URL) : undefined;
  if (typeof clamd === 'string') problems.push(clamd);

  if (problems.length) throw new ConfigError(problems);
  return {
    nodeEnv,
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    redisUrl,
    jwtSecret,
    jwtSecretIsDefault,
    jwtPublicKey,
    dataDir,
    embeddedPgPort,
    logLevel,
    seedDemo: seedRaw === 'true',
    dbPoolSize,
    tipHandlingDays,
    queuePrefix,
    reminderGraceHours,
    webhookAllowPrivate: allowPrivateRaw === 'true',
    webhookRetryDelaysMs,
    webhookDisableAfterHours,
    webhookTimeoutMs,
    consistencyWaitMs,
    webhookMaxInFlight,
    corsOrigins,
    idempotencyKeyTtlHours,
    fileMaxBytes,
    fileUnreferencedHours,
    fileStore: fileStore as S3Location | undefined,
    clamd: clamd as ClamdAddress | undefined,
  };
}

/** scheme://host[:port], nothing more: what a browser sends in Origin. */
function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value;
  } catch {
    return false;
  }
}

export const APP_CONFIG = Symbol('APP_CONFIG');
