import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/*
 * Import boundaries. Flat config does not merge two blocks' options of one rule (the later block replaces
 * the earlier), so each block below states its whole `no-restricted-imports` rule, built from these parts.
 * src/lint-boundaries.spec.ts plants a violation of each boundary and checks that lint fails.
 */
const NODE_CRYPTO = [
  { name: 'node:crypto', message: 'Only src/crypto/ may import node:crypto.' },
  { name: 'crypto', message: 'Only src/crypto/ may import node:crypto.' },
];
/** One rule, one implementation: IsOneOf (src/common/validators.ts) is IsIn over a Set. */
const IS_IN = [
  {
    name: 'class-validator',
    importNames: ['IsIn'],
    message: 'Use IsOneOf (src/common/validators.ts): the same rule and message, looked up in a Set.',
  },
];
const FRAMEWORK = [
  { group: ['@nestjs/*', 'typeorm'], message: 'Privacy modules are plain TypeScript: no framework imports.' },
];
const restrictedImports = ({ paths = [], patterns = [] }) => ['error', { paths, patterns }];

/** Pure modules: the privacy rules and the data standard. */
const PURE = ['policy', 'disclosure', 'crypto', 'ctdc'];
/** Infrastructure every feature builds on. */
const BASE = ['common', 'config', 'database'];
/** Everything under src/ that is not one of `allowed` (any feature folder, and the composition roots). */
const allBut = (allowed) => ({ from: './src', except: allowed.map((dir) => `./${dir}`) });

const ZONES = [
  // common/, config/, database/ import no feature (they may use each other and the pure modules).
  ...BASE.map((dir) => ({
    target: `./src/${dir}`,
    ...allBut([...BASE, ...PURE]),
    message: `src/${dir}/ imports no feature: pass what it needs in from the feature or the composition root.`,
  })),
  // Pure modules import no feature and no infrastructure with state (only common/'s plain helpers).
  ...PURE.map((dir) => ({
    target: `./src/${dir}`,
    ...allBut(['common', ...PURE]),
    message: `src/${dir}/ is a pure module: it imports no feature, config or database.`,
  })),
  // Features never import each other's vocabulary.
  {
    target: './src/aggregates',
    from: './src/cases',
    message: 'aggregates/ never imports cases/ (use ctdc/).',
  },
  { target: './src/cases', from: './src/aggregates', message: 'cases/ never imports aggregates/.' },
  {
    target: './src/users',
    from: './src/cases',
    message: 'users/ never imports cases/ (use ctdc/ or policy/).',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', 'coverage/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: ZONES }],
      'no-restricted-imports': restrictedImports({ paths: [...NODE_CRYPTO, ...IS_IN] }),
    },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
  },
  {
    // Pure modules other than crypto/: neither node:crypto nor a framework.
    files: PURE.filter((dir) => dir !== 'crypto').map((dir) => `src/${dir}/**/*.ts`),
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': restrictedImports({ paths: NODE_CRYPTO, patterns: FRAMEWORK }) },
  },
  {
    // crypto/ is the one place node:crypto is imported; it is still framework-free.
    files: ['src/crypto/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': restrictedImports({ patterns: FRAMEWORK }) },
  },
  {
    files: ['src/crypto/**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', globalThis: 'readonly', console: 'readonly' } },
  },
);
