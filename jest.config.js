/** Unit specs beside the code (*.spec.ts) and e2e specs in test/ (*.e2e-spec.ts), one run, one coverage report. */
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
// swc rewrites @parley/* to relative paths (also for global setup, which ignores moduleNameMapper).
swcrc.jsc.baseUrl = __dirname;

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: { '^@parley/(.*)$': '<rootDir>/libs/$1/src' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  // apps/web runs in the browser (test/browser.e2e-spec.ts drives it), not in jest's process.
  collectCoverageFrom: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts', '!**/*.spec.ts', '!apps/web/**'],
  coverageReporters: ['text-summary', 'text', 'json-summary'],
  coverageThreshold: { global: { lines: 80 } },
};
