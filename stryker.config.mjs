// Mutation testing of the modules that decide outcomes: `npm run test:mutation`.
// Stryker changes one operator, condition or constant at a time in these files and runs the unit tests
// that cover the change; a mutant that no test notices "survives". Fast unit suites only: the suites that
// start Prometheus, NGINX or Chromium are not run here (they run in `npm test`).
import baseJest from './jest.config.js';

/** The modules mutated: verdicts, statistics, conditions, timing, validation, plans and the simulation's walk. */
const MUTATED = [
  'tools/slo-gate/src/judge.ts',
  'lib/gate/statistics.ts',
  'lib/analysis/bounds.ts',
  'lib/analysis/conditions.ts',
  'lib/analysis/expr-eval.ts',
  'lib/analysis/timing.ts',
  'lib/util/internal-duration.ts',
  'lib/util/internal-validation.ts',
  'lib/rollout/plan.ts',
  'tools/cli/src/simulate/walk.ts',
  'tools/cli/src/simulate/simulate.ts',
  'tools/cli/src/simulate/traffic.ts',
];

/** The unit suites that exercise them. */
const SUITES = [
  'test/gate/service/judge.test.ts',
  'test/gate/statistics.test.ts',
  'test/analysis/bounds.test.ts',
  'test/analysis/conditions.test.ts',
  'test/analysis/expr-eval.test.ts',
  'test/analysis/timing.test.ts',
  'test/util/internal-duration.test.ts',
  'test/util/internal-validation.test.ts',
  'test/rollout/plan.test.ts',
  'test/simulate/walk.test.ts',
  'test/simulate/figures.test.ts',
  'test/simulate/traffic.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: MUTATED,
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    config: { ...baseJest, roots: ['<rootDir>/test'], testMatch: SUITES.map((s) => `<rootDir>/${s}`) },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // Every run is a full run; `npm run test:mutation -- --incremental` reuses the last results (kept out of git).
  incremental: false,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  ignorePatterns: ['/build', '/coverage', '/docs/api', '/plan', '/reports', '/.tmp', '*.tgz'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 20000,
};
