/**
 * What deciders and the shared kernel reach when they run (type-only imports left out: they vanish at compile time),
 * checked by `npm run lint:layers` beside .dependency-cruiser.cjs.
 */
const SLICE_INFRA = '^src/(infra|event-store|projections|http|auth|config|metrics|queue|health|docs|seed)/';
module.exports = {
  forbidden: [
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
          'node_modules/(@nestjs|pg|pg-pool|ioredis|bullmq|express|@aws-sdk|busboy|class-validator|class-transformer|reflect-metadata)/',
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(spec|e2e-spec|int-spec|testing)\\.ts$' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
