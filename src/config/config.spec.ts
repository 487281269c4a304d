import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded database, Postgres queue backend and demo seed', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      seedDemo: true,
      jwtSecretIsDefault: true,
    });
  });

  it('lists every problem in one clear message', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', LOG_LEVEL: 'loud' });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT must be an integer');
      expect(problems).toContain('DATABASE_URL must use postgres: or postgresql:');
      expect(problems).toContain('JWT_SECRET must be at least 32 bytes');
      expect(problems).toContain('LOG_LEVEL must be one of');
    }
  });

  it('reads FILE_STORE_URL (an S3-compatible store) and CLAMD_URL, and says what is wrong with them', () => {
    const c = loadConfig({
      FILE_STORE_URL:
        's3://KEY:SE%2FCRET@evidence/rectify/prod?endpoint=http://127.0.0.1:9000&region=cn-north-1&pathStyle=true',
      CLAMD_URL: 'tcp://127.0.0.1:3310',
    });
    expect(c.fileStore).toEqual({
      bucket: 'evidence',
      prefix: 'rectify/prod/',
      client: expect.objectContaining({
        endpoint: 'http://127.0.0.1:9000',
        region: 'cn-north-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'KEY', secretAccessKey: 'SE/CRET' },
      }),
    });
    expect(c.clamd).toEqual({ host: '127.0.0.1', port: 3310 });
    expect(loadConfig({ CLAMD_URL: 'unix:///run/clamav/clamd.ctl' }).clamd).toEqual({ path: '/run/clamav/clamd.ctl' });
    expect(loadConfig({}).fileStore).toBeUndefined();
    try {
      loadConfig({ FILE_STORE_URL: 'ftp://files', CLAMD_URL: 'clamd:3310' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(/^FILE_STORE_URL must be s3:\/\//),
        expect.stringMatching(/^CLAMD_URL must be tcp:/),
      ]);
    }
    expect(() => loadConfig({ FILE_STORE_URL: 's3://b?endpont=x' })).toThrow(/unknown parameter "endpont"/);
  });

  it('requires JWT_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required/);
  });
});
