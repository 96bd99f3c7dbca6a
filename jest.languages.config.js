/**
 * The language suite (npm run test:languages): the Python, Java and Go packages built with jsii-pacmak, and an app
 * in each language that must synthesize what the TypeScript one does. Needs Python 3 with venv, Java 17 with Maven,
 * and Go; npm test does not run it.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/languages'],
  testPathIgnorePatterns: ['/node_modules/'],
  // The apps share one packaging run and the machine's cores: one file, one test at a time.
  maxWorkers: 1,
  testTimeout: 600000,
};
