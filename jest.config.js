/**
 * Two tiers in one run, one coverage report:
 * - `unit`: specs beside the code (*.spec.ts), and the tools' own; no global setup (no database, no Redis,
 *   no build), seconds (`npm run test:unit`).
 * - `e2e`: test/**\/*.e2e-spec.ts and the repository specs beside the code (*.e2e-spec.ts), against the real
 *   PostgreSQL and redis-server that the global setup starts (`npm run test:e2e`).
 * Coverage counts the product only (apps/server and libs): the tools (apps/loadtest, apps/cluster, bench,
 * tools, test) run their tests here but stay out of the figure. Under the combined figure, the `Lines by
 * tier` table gives each tier's share alone (test/support/coverage-by-tier).
 */
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
// swc rewrites @parley/* to relative paths (also for global setup, which ignores moduleNameMapper).
swcrc.jsc.baseUrl = __dirname;

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: { '^@parley/(.*)$': '<rootDir>/libs/$1/src' },
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/libs/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // A global option (jest ignores it in a project).
  testTimeout: 60_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/coverage-by-tier/tier-reporter.js'],
  // The product: the server and its libraries. apps/web runs in the browser (test/browser.e2e-spec.ts drives
  // it), not in jest's process.
  collectCoverageFrom: ['apps/server/src/**/*.ts', 'libs/*/src/**/*.ts', '!**/*.spec.ts', '!**/*-spec.ts'],
  coverageReporters: ['text-summary', 'text', 'json-summary', `${__dirname}/test/support/coverage-by-tier/tier-summary.js`],
  coverageThreshold: { global: { lines: 80 } },
};
