import type { RolloutSimulation, ScenarioResult } from '../../tools/cli/src/simulate/simulate';

/** A rollout's results with made-up figures: 2 traffic levels, 2 baselines, good and four error faults, one latency fault. */
export function fakeSimulation(rollout = 'shop/web'): RolloutSimulation {
  const scenarios: ScenarioResult[] = [];
  for (const rps of [5, 100]) {
    for (const baselineErrorRate of [0, 0.005]) {
      for (const [canary, extra, p95] of [['good', 0, null], ['+2% errors', 0.02, null], ['+5% errors', 0.05, null], ['+10% errors', 0.1, null],
        ['+20% errors', 0.2, null], ['p95 2x objective', 0, 6]] as Array<[string, number, number | null]>) {
        const aborted = Math.min(100, Math.round(extra * 500 + (rps === 100 ? 30 : 0) + (p95 ? 90 : 0)));
        scenarios.push({
          rollout, rps, baselineErrorRate, canary, extraErrorRate: extra, canaryP95Seconds: p95, trials: 100, promoted: 100 - aborted, aborted, paused: 0,
          abortP50Seconds: aborted ? 20 : null, abortP95Seconds: aborted ? 41.5 : null, abortsWithinBudget: aborted, abortBudgetSeconds: 120,
        });
      }
    }
  }
  return { rollout, source: 'app', latencyObjectiveSeconds: 3, scrapeIntervalSeconds: 15, trialPeriodSeconds: 620, scenarios };
}
