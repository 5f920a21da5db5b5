/**
 * The CTDC data standard as this service uses it (shared/spec/DATA.md): code lists, derived attributes and
 * year bounds. Plain TypeScript; features import the standard from here and never from each other.
 */
export * from './codes.js';
export * from './derive.js';
export * from './attributes.js';
export * from './dimensions.js';
export * from './regions.js';
export * from './labels.js';
