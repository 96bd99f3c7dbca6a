/**
 * Repeated rehearsals at a high time-scale, each run with its own seed: a failing canary is never
 * promoted and a good one never aborted, with and without random errors on both versions.
 * At 20 requests per second of plan time and time-scale 60 the load is 1200/s real, the most a
 * rehearsal allows. The 1m query windows are floored at 5s here, so each holds 5 minutes of plan
 * traffic: five times the requests of a window at real speed, so random errors weigh less than in
 * rehearse.test.ts at time-scale 10 (no floor). Needs `npm run build`.
 */
import { stopAllProcesses } from '../../tools/cli/src/rehearsal/internal-processes';
import { rehearse } from '../../tools/cli/src/rehearsal/rehearse';
import { EXAMPLE_CHART } from './example-chart';

const RUNS = 5;
const TIME_SCALE = 60;
const RATE = 20;
/** Real services fail a little all the time: 0.3% of requests at random. */
const BASELINE = 0.003;

jest.setTimeout(600_000);
afterAll(stopAllProcesses);

const CASES = {
  'failing, 0.3% baseline': { canary: 'failing', baselineErrorRate: BASELINE },
  'good': { canary: 'good', baselineErrorRate: 0 },
  'good, 0.3% baseline': { canary: 'good', baselineErrorRate: BASELINE },
} as const;

// "good, 0.3% baseline" is what the decision rules are for: a good canary whose random errors match
// stable's is promoted, every time; the diff would show which rule aborted which run.
test(`across ${RUNS} seeds each, a failing canary is never promoted and a good one never aborted, random errors or not`, async () => {
  // GIVEN the example plan at time-scale ${TIME_SCALE} (windows, delays and intervals at their floors)
  const results: Record<string, string[]> = Object.fromEntries(Object.keys(CASES).map((name) => [name, []]));
  // WHEN it is rehearsed with seeds 1 to 5 for each case
  for (let seed = 1; seed <= RUNS; seed++) {
    for (const [name, c] of Object.entries(CASES)) {
      const r = await rehearse({ chart: EXAMPLE_CHART, ...c, timeScale: TIME_SCALE, rate: RATE, seed });
      results[name].push(r.summary.result === (c.canary === 'good' ? 'promoted' : 'aborted') ? r.summary.result : `${r.summary.result} (seed ${seed}): ${r.summary.message}`);
      if (name === 'good') expect(r.summary.load.non2xx).toBe(0);
    }
  }
  // THEN every failing run aborted and every good run was promoted
  expect(results).toEqual({
    'failing, 0.3% baseline': Array(RUNS).fill('aborted'),
    'good': Array(RUNS).fill('promoted'),
    'good, 0.3% baseline': Array(RUNS).fill('promoted'),
  });
});
