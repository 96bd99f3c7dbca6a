/**
 * Repeated rehearsals at a high time-scale: a failing canary is never promoted and a good one
 * never aborted. Needs `npm run build`.
 */
import { stopAllProcesses } from '../../lib/rehearsal/internal-processes';
import { rehearse } from '../../lib/rehearsal/rehearse';
import { EXAMPLE_CHART } from './example-chart';

const RUNS = 5;
const TIME_SCALE = 60;

jest.setTimeout(200_000);
afterAll(stopAllProcesses);

test(`across ${RUNS} runs each, a failing canary is never promoted and a good one never aborted`, async () => {
  // GIVEN the example plan at time-scale ${TIME_SCALE} (windows, delays and intervals at their floors)
  const results: Record<'good' | 'failing', string[]> = { good: [], failing: [] };
  // WHEN it is rehearsed 5 times with each canary
  for (let i = 0; i < RUNS; i++) {
    for (const canary of ['failing', 'good'] as const) {
      const r = await rehearse({ chart: EXAMPLE_CHART, canary, timeScale: TIME_SCALE });
      results[canary].push(r.summary.result);
      if (canary === 'good') expect(r.summary.load.non2xx).toBe(0);
    }
  }
  // THEN every failing run aborted and every good run was promoted
  expect(results).toEqual({ good: Array(RUNS).fill('promoted'), failing: Array(RUNS).fill('aborted') });
});
