/**
 * The cluster suite (npm run test:cluster): tests against the local control plane of real components,
 * which its global setup starts and its global teardown stops. Needs the binaries built by
 * npm run cluster:build (Go); npm test does not run it.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
  // One control plane for every file: the files run one after another.
  maxWorkers: 1,
  testTimeout: 180000,
};
