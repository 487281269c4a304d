/**
 * The house's layer rules, checked by `npm run lint:layers` (part of `npm test`). See README, "Design".
 */
const SLICE_INFRA = '^src/(infra|event-store|projections|http|auth|config|metrics|queue|health|docs|seed)/';
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle in the house, type-only imports included.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'deciders-are-pure',
      severity: 'error',
      comment: 'A decider and the shared kernel reach no Nest, no pg, no I/O: decide and evolve are plain functions.',
      from: { path: ['\\.decider\\.ts$', '^src/domain/'] },
      to: {
        reachable: true,
        path: [
          SLICE_INFRA,
          '\\.(module|controller|service|projection|queries|reader|read-model)\\.ts$',
          'node_modules/(@nestjs|pg|pg-pool|ioredis|bullmq|express|@aws-sdk|busboy)/',
        ],
      },
    },
    {
      name: 'deciders-do-no-io',
      severity: 'error',
      comment: "Node's I/O modules are not for deciders or the kernel.",
      from: { path: ['\\.decider\\.ts$', '^src/domain/'] },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|tls|dns|worker_threads|cluster)$',
      },
    },
    {
      name: 'kernel-imports-no-slice',
      severity: 'error',
      comment: 'The shared kernel (src/domain) is below every slice.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: ['^src/domain/', '^src/shared/(decider|dates|patterns)\\.ts$'] },
    },
    {
      name: 'event-store-internals',
      severity: 'error',
      comment:
        "Only the adapter's module wires the Postgres log (pg-event-store.ts); everyone else speaks to the port (event-store.ts), " +
        'the chain rules (hash-chain.ts), subscriptions, or pg-transactional.ts.',
      from: { path: '^src/', pathNot: ['^src/event-store/', '^src/infra/core\\.module\\.ts$'] },
      to: { path: '^src/event-store/pg-event-store\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(spec|e2e-spec|int-spec|testing)\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
