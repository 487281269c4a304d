/**
 * The house's layer rules on the import graph, type-only imports included, checked by `npm run lint:layers` (part of
 * `npm test`) together with .dependency-cruiser.runtime.cjs (what deciders reach when they run). See README, "Design".
 */
const SLICES =
  '(campaigns|subjects|checklists|self-correction|enforcement|cross-check|reporting|summary|reminders|webhooks|audit|files)';
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
    {
      name: 'slices-through-public-files',
      severity: 'error',
      comment:
        "A slice imports another only through that slice's public files: index.ts (pure: its events, decisions and " +
        'shared rules) and its Nest module (what may be injected from it).',
      from: { path: `^src/${SLICES}/` },
      to: {
        path: `^src/${SLICES}/`,
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/([^/]+)/\\1\\.module\\.ts$'],
      },
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
