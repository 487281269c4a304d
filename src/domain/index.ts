/**
 * The shared kernel: what every slice speaks of and none owns. Pure (no Nest, no I/O); it imports no slice.
 */
export * from './deadlines';
export * from './districts';
export * from './file-ref';
export * from './penalties';
export * from './phases';
export * from './subject-types';
