/**
 * The cross-check slice's public file: what other slices may import from it (npm run lint:layers). Pure: no Nest, no
 * I/O, so that a decider may name another slice's events. What other slices inject is exported by its module.
 */
export * from './district-visit.decider';
export * from './self-evaluation.decider';
export * from './supervision.decider';
