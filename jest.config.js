// Jest runs in native ESM mode (NestJS 12 packages are ESM-only): see the "test" script.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swc,
    // @fastify/static (CommonJS, used by the Swagger UI) requires content-disposition, which is ESM-only;
    // jest on Node 20 cannot require() ESM, so that one package is compiled to CommonJS for tests.
    '/node_modules/content-disposition/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
export default {
  // Generous: e2e hooks start an app with argon2 logins, and CI machines may be busy. Speed is measured by
  // the benchmarks in bench/, never by a test's time limit. (Jest reads this from the top level only.)
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      // Services with their real repositories on the real database: no HTTP, no logins.
      ...common,
      displayName: 'service',
      testMatch: ['<rootDir>/test/service/**/*.service-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.js',
      globalTeardown: '<rootDir>/test/global-teardown.js',
    },
    {
      ...common,
      displayName: 'e2e',
      // The resilience suite (faults, abuse, shutdown) runs with the e2e tests, on the same embedded cluster.
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/resilience/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.js',
      globalTeardown: '<rootDir>/test/global-teardown.js',
    },
  ],
};
