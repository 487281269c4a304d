// Tiers, by file name: unit tests sit beside the code (src/**/*.spec.ts: pure, no services; `npm run test:unit`
// runs them alone, jest.unit.config.js); in test/, *.contract.spec.ts (a port's contract on its adapters),
// *.int-spec.ts (projections, the embedded cluster) and *.e2e-spec.ts (the HTTP API) run on real Postgres and Redis
// (test/support/global-setup.ts says what it falls back to when they are not there, outside CI).
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
