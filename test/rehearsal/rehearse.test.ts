/**
 * Rehearsals of the example plan with real processes on 127.0.0.1: nginx, Prometheus, the
 * slo-gate and the demo service. Needs `npm run build` (the demo and the gate run compiled).
 * The load is 20 requests per second of plan time (the default), so 200/s real at time-scale 10.
 */
import { stopAllProcesses } from '../../tools/cli/src/rehearsal/internal-processes';
import { rehearse, RehearsalResult } from '../../tools/cli/src/rehearsal/rehearse';
import { emulate, EXAMPLE_CHART, exampleWithoutBackground } from './example-chart';

jest.setTimeout(110_000);
afterAll(stopAllProcesses);

const weights = (r: RehearsalResult) => r.events.filter((e) => e.kind === 'weight' || e.kind === 'abort' || e.kind === 'promote')
  .map((e) => (e.kind === 'promote' ? 100 : e.weight));
const failedUserRequests = (r: RehearsalResult) => r.responses.filter((x) => x.status < 200 || x.status > 299);

describe('rehearsal of the example plan', () => {
  test('a good canary is promoted step by step to 100% with no failed user request (web provider inline, prometheus in the background)', async () => {
    // GIVEN the example plan (step analysis on the gate's web provider) and a good canary
    // WHEN it is rehearsed at time-scale 10
    const r = await rehearse({ chart: EXAMPLE_CHART, canary: 'good', timeScale: 10 });
    // THEN it is promoted through 10, 25, 50, 75 to 100%, every gate verdict was pass
    expect(r.summary.result).toBe('promoted');
    expect(weights(r)).toEqual([10, 25, 50, 75, 100]);
    // (count 3 at each of the three analysis steps)
    const gate = r.events.filter((e) => e.kind === 'measurement' && e.message.includes('slo-gate'));
    expect(gate.map((e) => e.step)).toEqual([3, 3, 3, 6, 6, 6, 9, 9, 9]);
    expect(gate.every((e) => e.message.includes('slo-gate Successful "pass"'))).toBe(true);
    // AND the load through nginx saw no non-2xx response, in any phase, and reached the canary
    expect(failedUserRequests(r)).toEqual([]);
    expect(r.summary.load.non2xx).toBe(0);
    // AND nginx split the traffic by the step's weight: 75% to the canary in the last pause (some 1,200 requests: within 4
    // standard deviations, 69% to 81%)
    const lastPause = r.summary.load.byPhase.find((p) => p.phase === 'step 10 pause 1m')!;
    expect(lastPause.canaryRequests / lastPause.requests).toBeGreaterThan(0.69);
    expect(lastPause.canaryRequests / lastPause.requests).toBeLessThan(0.81);
    // AND it waited out every pause and analysis: machine time only adds to the 7m the emulation's own clock gives
    // (which is checked against the 10m budget in controller.test.ts), so this bound does not depend on the machine's speed
    const scheduled = await emulate(EXAMPLE_CHART, () => 'Successful');
    expect(r.summary.budgets.promotionSeconds).toBe(600);
    expect(r.summary.timeToPromote!.planSeconds).toBeGreaterThanOrEqual(scheduled.timeToPromote!.planSeconds);
  });

  // Real services fail a little all the time: 0.3% of requests at random, on stable and canary alike.
  test('a good canary with 0.3% random errors, like stable, is promoted to 100%', async () => {
    // GIVEN the example plan, stable and a good canary both failing 0.3% of requests at random
    // WHEN it is rehearsed at time-scale 10 with 20 requests per second of plan time
    const r = await rehearse({ chart: EXAMPLE_CHART, canary: 'good', timeScale: 10, rate: 20, baselineErrorRate: 0.003, seed: 1 });
    // THEN it is promoted through every step, whatever the random errors
    expect([r.summary.result, r.summary.message]).toEqual(['promoted', 'promoted to 100%']);
    expect(weights(r)).toEqual([10, 25, 50, 75, 100]);
    // AND the users saw the baseline's errors, from both versions, at the baseline's rate (0.3% of some 9,000 requests:
    // within 4 standard deviations, 0.07% to 0.53%), and the summary names the seed and the real rate
    const failed = failedUserRequests(r);
    expect(new Set(failed.map((x) => x.upstream))).toEqual(new Set(['stable', 'canary']));
    expect(r.summary.load.non2xx).toBe(failed.length);
    expect(failed.length / r.summary.load.requests).toBeGreaterThan(0.0007);
    expect(failed.length / r.summary.load.requests).toBeLessThan(0.0053);
    expect(r.summary).toMatchObject({ seed: 1, baselineErrorRate: 0.003, load: { rate: 20, realRate: 200 } });
  });

  test('a failing canary (20% errors) is aborted in the first analysed step, traffic back to stable, failed requests counted', async () => {
    // GIVEN the example plan as synthesized and a canary failing 20% of requests
    // WHEN it is rehearsed at time-scale 10
    const r = await rehearse({ chart: EXAMPLE_CHART, canary: 'failing', timeScale: 10 });
    // THEN the background analysis, which starts at step 1, fails it there and the rollout aborts
    expect(r.summary.result).toBe('aborted');
    const abort = r.events.find((e) => e.kind === 'abort')!;
    expect(abort.step).toBe(1);
    expect(weights(r)).toEqual([10, 0]);
    expect(r.summary.message).toMatch(/assessed Failed due to failed \(1\) > failureLimit \(0\)/);
    // AND within what the 2-minute budget allows, counted in the analysis' own measurements rather than in machine time: the plan's
    // worst case (20s initialDelay + 60s window + 20s interval = 1m40s) holds the measurements at 20s, 40s, 60s, 80s and 100s
    const background = r.events.filter((e) => e.kind === 'measurement' && e.message.startsWith('background analysis') && e.message.includes('success-rate'));
    expect(background.length).toBeGreaterThanOrEqual(1);
    expect(background.length).toBeLessThanOrEqual(5);
    expect(background[background.length - 1].message).toContain('success-rate Failed');
    // AND the failed user requests were served by the canary, none after the abort
    const failed = failedUserRequests(r);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((x) => x.upstream === 'canary')).toBe(true);
    expect(r.summary.load.byPhase.find((p) => p.phase === 'aborted')).toMatchObject({ non2xx: 0, canaryRequests: 0 });
    expect(r.summary.load.non2xx).toBe(failed.length);
  });

  test('a failing canary is failed by the gate at the first step analysis when there is no background analysis', async () => {
    // GIVEN the example plan without its background analysis and a failing canary
    const chart = exampleWithoutBackground();
    // WHEN it is rehearsed
    const r = await rehearse({ chart, canary: 'failing', timeScale: 10 });
    // THEN the step 3 analysis (at 25%) fails on the gate's verdict and the rollout aborts there
    expect(r.summary.result).toBe('aborted');
    expect(r.events.find((e) => e.kind === 'abort')!.step).toBe(3);
    expect(r.events.some((e) => e.kind === 'measurement' && /slo-gate Failed "fail".*successRate: canary success rate 0\.[78]\d* is below the objective 0\.95/.test(e.message))).toBe(true);
    // AND the gate failed it at its first judged verdict of that step: only inconclusive ones (too few requests yet) came before
    const verdicts = r.events.filter((e) => e.kind === 'measurement' && e.step === 3 && e.message.includes('slo-gate')).map((e) => /slo-gate (\w+)/.exec(e.message)![1]);
    expect(verdicts[verdicts.length - 1]).toBe('Failed');
    expect(verdicts.slice(0, -1).every((v) => v === 'Inconclusive')).toBe(true);
  });

  test('a slow canary is aborted by the latency objective', async () => {
    // GIVEN the example plan and a canary answering in 4s (objective p95 <= 3s)
    // WHEN it is rehearsed at time-scale 5 (4s requests must complete inside the scaled initialDelay)
    const r = await rehearse({ chart: EXAMPLE_CHART, canary: 'slow', timeScale: 5 });
    // THEN it is aborted by the latency metric
    expect(r.summary.result).toBe('aborted');
    expect(r.summary.message).toContain('metric "latency-p95" assessed Failed');
    expect(r.summary.load.byPhase.find((p) => p.phase === 'aborted')!.canaryRequests).toBe(0);
  });
});
