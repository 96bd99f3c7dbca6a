/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The cluster suite needs the local control plane: npm run test:cluster (jest.cluster.config.js); the language
  // suite needs Python, Java with Maven, and Go: npm run test:languages (jest.languages.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/', '<rootDir>/test/languages/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The workspace packages run from their TypeScript sources, as the rest of the suite does (their builds serve the bins).
  moduleNameMapper: {
    '^@cdk8s-progressive/gate-contract$': '<rootDir>/lib/gate/contract.ts',
    '^@cdk8s-progressive/gate-contract/build/statistics$': '<rootDir>/lib/gate/statistics.ts',
    '^@cdk8s-progressive/slo-gate$': '<rootDir>/tools/slo-gate/src/index.ts',
    '^cdk8s-progressive$': '<rootDir>/lib/index.ts',
    '^cdk8s-progressive/build/lib/(.*)$': '<rootDir>/lib/$1',
  },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  testTimeout: 30000,
};
