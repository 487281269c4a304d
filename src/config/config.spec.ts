import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded database, Postgres queue backend and demo seed', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, databaseUrl: undefined, redisUrl: undefined, seedDemo: true, jwtSecretIsDefault: true });
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

  it('requires JWT_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required/);
  });
});
