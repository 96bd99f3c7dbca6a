import {
  abortScaleDown, AnalysisRunEmulation, assessMetric, assessRun, effectiveCount, EMPTY_RESULT, limitBreach, MeasurementOutcome, metricLimits,
  MetricLimits, MetricResult, recordMeasurement, RolloutEmulation, RunMetric, shortValue,
} from '../../tools/cli/src/rehearsal/controller';
import { MeasurementPhase } from '../../lib/analysis/expr-eval';
import { TimeScale } from '../../tools/cli/src/rehearsal/time-scale';
import { Timeline } from '../../tools/cli/src/rehearsal/timeline';
import { VirtualClock } from '../support/virtual-clock';
import { emulate, EXAMPLE_CHART, exampleWith, exampleWithoutBackground } from './example-chart';
import { indefinitePauseWatchMs, readChart } from '../../tools/cli/src/rehearsal/rehearse';

/** Plays a scripted sequence through the counters and returns the metric's phase after each measurement. */
function play(limits: MetricLimits, phases: MeasurementPhase[]): string[] {
  let r: MetricResult = EMPTY_RESULT;
  return phases.map((p) => {
    r = recordMeasurement(r, p);
    return assessMetric(limits, r, false);
  });
}

const LIMITS = metricLimits({ count: 3, interval: '20s', failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2 });

describe('run-ending rules of a metric', () => {
  test('Argo defaults: failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4, no consecutiveSuccessLimit', () => {
    // GIVEN a metric with no limits WHEN its limits are read THEN Argo's defaults apply
    expect(metricLimits({ interval: '10s' })).toEqual({ count: undefined, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 });
  });

  test('effective count: count, else 1 without interval, else none', () => {
    // GIVEN count and interval combinations WHEN the effective count is computed THEN it follows EffectiveCount
    expect(effectiveCount(3, '20s')).toBe(3);
    expect(effectiveCount(undefined, undefined)).toBe(1);
    expect(effectiveCount(0, undefined)).toBe(1);
    expect(effectiveCount(0, '20s')).toBeUndefined();
    expect(effectiveCount(undefined, '20s')).toBeUndefined();
  });

  test('three successes reach count 3: Successful', () => {
    // GIVEN the example's inline metric WHEN three measurements succeed THEN it runs, then succeeds
    expect(play(LIMITS, ['Successful', 'Successful', 'Successful'])).toEqual(['Running', 'Running', 'Successful']);
  });

  test('the first failure ends the metric with failureLimit 0', () => {
    // GIVEN failureLimit 0 WHEN the second measurement fails THEN the metric is Failed at once
    expect(play(LIMITS, ['Successful', 'Failed'])).toEqual(['Running', 'Failed']);
    expect(limitBreach(LIMITS, recordMeasurement(EMPTY_RESULT, 'Failed'))?.message).toBe('failed (1) > failureLimit (0)');
  });

  test('failureLimit 1 tolerates one failure; -1 never fails', () => {
    // GIVEN failureLimit 1 and -1 WHEN measurements fail THEN the second failure fails only the first metric
    const one = metricLimits({ count: 5, interval: '1s', failureLimit: 1 });
    expect(play(one, ['Failed', 'Failed'])).toEqual(['Running', 'Failed']);
    const off = metricLimits({ count: 3, interval: '1s', failureLimit: -1 });
    expect(play(off, ['Failed', 'Failed', 'Failed'])).toEqual(['Running', 'Running', 'Successful']);
  });

  test('inconclusive beyond inconclusiveLimit is Inconclusive', () => {
    // GIVEN inconclusiveLimit 1 WHEN two measurements are inconclusive (not in a row) THEN the second makes it Inconclusive
    expect(play(LIMITS, ['Inconclusive', 'Successful'])).toEqual(['Running', 'Running']);
    expect(play(metricLimits({ interval: '1s', inconclusiveLimit: 1 }), ['Inconclusive', 'Successful', 'Inconclusive'])).toEqual(['Running', 'Running', 'Inconclusive']);
  });

  test('errors in a row beyond consecutiveErrorLimit are Error; a measurement in between resets them', () => {
    // GIVEN consecutiveErrorLimit 2 WHEN errors come in a row or interrupted THEN only three in a row end it
    expect(play(LIMITS, ['Error', 'Error', 'Error'])).toEqual(['Running', 'Running', 'Error']);
    const interrupted = play(metricLimits({ interval: '1s', consecutiveErrorLimit: 2 }), ['Error', 'Error', 'Successful', 'Error', 'Error']);
    expect(interrupted).toEqual(['Running', 'Running', 'Running', 'Running', 'Running']);
  });

  test('errors do not count towards count', () => {
    // GIVEN count 3 WHEN two errors come between three successes THEN it succeeds only after the third success
    expect(play(LIMITS, ['Successful', 'Error', 'Successful', 'Error', 'Successful'])).toEqual(['Running', 'Running', 'Running', 'Running', 'Successful']);
  });

  test('a later rule wins when several limits are broken at once', () => {
    // GIVEN counters breaking the failure and the error limits WHEN assessed THEN Error wins, as in Argo's order
    const r: MetricResult = { ...EMPTY_RESULT, measurements: 9, failed: 1, consecutiveError: 5 };
    expect(limitBreach(metricLimits({ interval: '1s' }), r)?.phase).toBe('Error');
  });

  test('consecutiveSuccessLimit ends the metric early, and fails it when count is reached first', () => {
    // GIVEN consecutiveSuccessLimit 2 with and without failureLimit applying WHEN measured THEN Argo's three outcomes
    expect(play(metricLimits({ count: 5, interval: '1s', consecutiveSuccessLimit: 2 }), ['Successful', 'Successful'])).toEqual(['Running', 'Successful']);
    expect(play(metricLimits({ count: 2, interval: '1s', consecutiveSuccessLimit: 2, failureLimit: 1 }), ['Successful', 'Failed'])).toEqual(['Running', 'Inconclusive']);
    expect(play(metricLimits({ count: 2, interval: '1s', consecutiveSuccessLimit: 2, failureLimit: -1 }), ['Failed', 'Successful'])).toEqual(['Running', 'Failed']);
  });

  test('a background metric (no count) runs until terminated, then is Successful', () => {
    // GIVEN interval without count WHEN many successes come THEN it keeps running; terminated, it is Successful
    const bg = metricLimits({ interval: '20s' });
    let r: MetricResult = EMPTY_RESULT;
    for (let i = 0; i < 50; i++) r = recordMeasurement(r, 'Successful');
    expect(assessMetric(bg, r, false)).toBe('Running');
    expect(assessMetric(bg, r, true)).toBe('Successful');
    expect(assessMetric(bg, EMPTY_RESULT, true)).toBe('Successful');
    expect(assessMetric(bg, EMPTY_RESULT, false)).toBe('Pending');
  });
});

describe('run phase', () => {
  test('running until every metric completes; then the worst', () => {
    // GIVEN metric phases WHEN the run is assessed THEN it follows Argo's order Successful < Inconclusive < Error < Failed
    expect(assessRun(['Successful', 'Running'], false)).toBe('Running');
    expect(assessRun(['Successful', 'Successful'], false)).toBe('Successful');
    expect(assessRun(['Inconclusive', 'Successful'], false)).toBe('Inconclusive');
    expect(assessRun(['Inconclusive', 'Failed', 'Error'], false)).toBe('Failed');
  });

  test('terminating: the worst completed phase, or Successful', () => {
    // GIVEN a terminating run WHEN some metrics still run THEN the worst completed phase decides
    expect(assessRun(['Error', 'Running'], true)).toBe('Error');
    expect(assessRun(['Running', 'Pending'], true)).toBe('Successful');
  });
});

describe('AnalysisRunEmulation on scripted measurements, on its own clock', () => {
  const metric = (name: string, spec: object, timing: Partial<RunMetric> = {}): RunMetric => ({
    name, spec: { name, ...spec }, limits: metricLimits(spec), initialDelayMs: 0, intervalMs: 5, errorRetryMs: 5, ...timing,
  });
  /** Measurements answered from a script, each recorded as `metric:phase@ms` on the clock. */
  const scripted = (clock: VirtualClock, byMetric: Record<string, MeasurementPhase[]>) => {
    const taken: string[] = [];
    const measure = async (m: RunMetric): Promise<MeasurementOutcome> => {
      const phase = byMetric[m.name].shift();
      if (!phase) throw new Error(`script for ${m.name} ran out`);
      taken.push(`${m.name}:${phase}@${clock.now()}`);
      return { phase, value: '1' };
    };
    return { measure, taken };
  };

  test('a failing metric ends the run and stops the other metrics', async () => {
    // GIVEN two metrics measured every 5 ms, one failing on its second measurement
    const clock = new VirtualClock();
    const { measure, taken } = scripted(clock, { a: ['Successful', 'Failed'], b: ['Successful', 'Successful', 'Successful'] });
    const run = new AnalysisRunEmulation('run', [metric('a', { count: 3, interval: '5s' }), metric('b', { count: 3, interval: '5s' })], measure, undefined, clock);
    // WHEN it runs THEN it fails at the second reconcile, 5 ms in, with Argo's message; b is measured with a at each reconcile, twice
    await expect(clock.run(run.done)).resolves.toEqual({ phase: 'Failed', message: 'metric "a" assessed Failed due to failed (1) > failureLimit (0)' });
    expect(taken).toEqual(['a:Successful@0', 'b:Successful@0', 'a:Failed@5', 'b:Successful@5']);
  });

  test('errors are retried after the error retry, not the interval, until consecutiveErrorLimit', async () => {
    // GIVEN a 1 h interval, a 5 ms error retry and consecutiveErrorLimit 2
    const clock = new VirtualClock();
    const { measure, taken } = scripted(clock, { a: ['Error', 'Error', 'Error'] });
    const run = new AnalysisRunEmulation('run', [metric('a', { count: 3, interval: '1h', consecutiveErrorLimit: 2 }, { intervalMs: 3_600_000, errorRetryMs: 5 })], measure, undefined, clock);
    // WHEN it runs THEN the errors come 5 ms apart and the third ends the run as Error
    await expect(clock.run(run.done)).resolves.toMatchObject({ phase: 'Error', message: expect.stringContaining('consecutiveErrors (3) > consecutiveErrorLimit (2)') });
    expect(taken).toEqual(['a:Error@0', 'a:Error@5', 'a:Error@10']);
  });

  test('a measurement that throws is an Error', async () => {
    // GIVEN a provider that throws
    const run = new AnalysisRunEmulation('run', [metric('a', { consecutiveErrorLimit: 0 })], async () => { throw new Error('connection refused'); });
    // WHEN it runs THEN the single metric errors out
    await expect(run.done).resolves.toMatchObject({ phase: 'Error' });
  });

  test('a background run is Successful when terminated', async () => {
    // GIVEN an endless metric measured every 5 ms, terminated from its third measurement on
    const clock = new VirtualClock();
    const taken: number[] = [];
    const run: AnalysisRunEmulation = new AnalysisRunEmulation('run', [metric('a', { interval: '5s' })], async () => {
      taken.push(clock.now());
      if (taken.length === 3) run.terminate();
      return { phase: 'Successful', value: '1' };
    }, undefined, clock);
    // WHEN it runs THEN it ends Successful after those three measurements, and measures no more
    await expect(clock.run(run.done)).resolves.toEqual({ phase: 'Successful', message: '' });
    expect(taken).toEqual([0, 5, 10]);
  });

  test('terminate wakes a run that waits for its next measurement', async () => {
    // GIVEN an endless metric measured every hour, terminated 1 s after its first measurement
    const clock = new VirtualClock();
    const run = new AnalysisRunEmulation('run', [metric('a', { interval: '1h' }, { intervalMs: 3_600_000 })], async () => ({ phase: 'Successful', value: '1' }), undefined, clock);
    const terminated = clock.sleep(1000).then(() => run.terminate());
    // WHEN it runs THEN it ends Successful at 1 s, without waiting out the hour
    await expect(clock.run(Promise.all([run.done, terminated]))).resolves.toEqual([{ phase: 'Successful', message: '' }, undefined]);
    expect(clock.now()).toBe(1000);
  });

  test('the first measurement waits for initialDelay', async () => {
    // GIVEN initialDelay 50 ms
    const clock = new VirtualClock();
    let at = -1;
    const run = new AnalysisRunEmulation('run', [metric('a', {}, { initialDelayMs: 50 })], async () => { at = clock.now(); return { phase: 'Successful', value: '1' }; }, undefined, clock);
    // WHEN it runs THEN the measurement is taken 50 ms after the run started
    await expect(clock.run(run.done)).resolves.toMatchObject({ phase: 'Successful' });
    expect(at).toBe(50);
  });
});

describe('the example plan on the emulation\'s clock (time-scale 10, plan time)', () => {
  test('a good canary is promoted in 7m plan time, within the 10m budget the Rollout records', async () => {
    // GIVEN the example chart and a canary every measurement passes
    // WHEN the emulation walks it
    const r = await emulate(EXAMPLE_CHART, () => 'Successful');
    // THEN it is promoted 7m after the start (the plan's 7m40s less the 4 x 10s pod readiness a real canary adds), within budget
    expect(r.outcome.result).toBe('promoted');
    expect(r.budgets.promotionSeconds).toBe(600);
    expect(r.timeToPromote).toEqual({ realSeconds: 42, planSeconds: 420 });
    expect(r.timeToPromote!.planSeconds).toBeLessThanOrEqual(r.budgets.promotionSeconds);
    // AND the steps came at their plan times: 1m pauses, 1m analyses (initialDelay 20s, then two 20s intervals)
    expect(r.events.filter((e) => e.kind === 'weight' || e.kind === 'promote').map((e) => [e.weight, e.planSeconds]))
      .toEqual([[10, 0], [25, 60], [50, 180], [75, 300], [100, 420]]);
  });

  test('a canary whose success rate fails at once is aborted 20s after its first traffic: the background analysis\' initialDelay', async () => {
    const r = await emulate(EXAMPLE_CHART, (m) => (m.name === 'success-rate' ? 'Failed' : 'Successful'));
    expect([r.outcome.result, r.outcome.message]).toEqual(['aborted', 'metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)']);
    expect(r.canaryStartToAbort).toEqual({ realSeconds: 2, planSeconds: 20 });
  });

  test('a canary seen failing only as late as the plan\'s worst case allows is aborted at that bound, 1m40s, within the 2m budget', async () => {
    // GIVEN a success rate that passes until the plan's worst-case time to abort (60s window + 20s interval + 10s query timeout,
    // and the failing query's own 10s timeout; the emulated queries answer at once, the walk reaches 100s by its measurements)
    const r = await emulate(EXAMPLE_CHART, (m, planSeconds) => (m.name === 'success-rate' && planSeconds >= 100 ? 'Failed' : 'Successful'));
    // WHEN walked THEN the abort comes at 1m40s plan time, within the abort budget the Rollout records
    expect(r.outcome.result).toBe('aborted');
    expect(r.canaryStartToAbort).toEqual({ realSeconds: 10, planSeconds: 100 });
    expect(r.canaryStartToAbort!.planSeconds).toBeLessThanOrEqual(r.budgets.abortSeconds);
    expect(r.budgets.abortSeconds).toBe(120);
  });
});

describe('a pause without duration (Argo keeps the background analysis running through it)', () => {
  // GIVEN the example with its 1m pause at 25% made indefinite: the rollout waits there for a human
  const paused = exampleWith((rollout) => { rollout.spec.strategy.canary.steps[4] = { pause: {} }; }, 'indefinite-pause.k8s.yaml');

  test('the watch lasts the background analysis\' worst-case time to abort, scaled, and 5s more', () => {
    // 100s plan time / 10 + 5s; no background analysis, no watch
    expect(indefinitePauseWatchMs(readChart(paused), 10)).toBe(15_000);
    expect(indefinitePauseWatchMs(readChart(exampleWithoutBackground()), 10)).toBe(0);
  });

  test('a canary the background analysis fails during the pause is aborted there, not left paused', async () => {
    // GIVEN a success rate that fails from 3m plan time, when the rollout already waits at step 4
    const r = await emulate(paused, (m, planSeconds) => (m.name === 'success-rate' && planSeconds >= 180 ? 'Failed' : 'Successful'));
    // THEN the rollout is aborted at step 4, at the background analysis' first measurement from 3m on
    expect([r.outcome.result, r.outcome.message]).toEqual(['aborted', 'metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)']);
    expect(r.events.find((e) => e.kind === 'abort')).toMatchObject({ step: 4, planSeconds: 180 });
    expect(r.outcome.step).toBe(4);
  });

  test('a good canary is called paused once the watch is over', async () => {
    const r = await emulate(paused, () => 'Successful');
    expect([r.outcome.result, r.outcome.step, r.outcome.message]).toEqual(['paused', 4, 'paused at step 4 until a human promotes (pause without duration)']);
    // AND it was watched for the full 15s real (150s plan time) after reaching the pause at 2m plan time
    const end = r.events[r.events.length - 1];
    expect(end.planSeconds).toBe(120 + 150);
  });
});

test('shortValue keeps 4 significant digits', () => {
  // GIVEN a value with long decimals WHEN shortened THEN 4 significant digits remain
  expect(shortValue('[0.8470259612224779]')).toBe('[0.847]');
  expect(shortValue('"pass"')).toBe('"pass"');
  expect(shortValue('')).toBe('-');
});

describe('the canary after an abort (Argo v1.9.1 abortScaleDownDelaySeconds)', () => {
  const weights = [{ setWeight: 20 }, { pause: { duration: '1m' } }];

  test('unset: scaled down after 30s; N: after N seconds', () => {
    // GIVEN canaries without and with abortScaleDownDelaySeconds WHEN aborted THEN the delay is the controller's
    expect(abortScaleDown({ steps: weights })).toEqual({ seconds: 30, reason: 'abortScaleDownDelaySeconds unset (30s)' });
    expect(abortScaleDown({ steps: weights, abortScaleDownDelaySeconds: 90 })).toEqual({ seconds: 90, reason: 'abortScaleDownDelaySeconds 1m30s' });
  });

  test('0 with a canary sized by its weight: scaled down at once, without any delay', () => {
    // GIVEN abortScaleDownDelaySeconds 0 and setWeight steps WHEN aborted THEN weight 0 sizes the canary to no pods at once
    expect(abortScaleDown({ steps: weights, abortScaleDownDelaySeconds: 0 }))
      .toEqual({ seconds: 0, reason: 'abortScaleDownDelaySeconds 0: no delay, the canary is sized by weight 0' });
    // AND a setCanaryScale after step 0 does not change it: the abort sends the rollout back to step 0
    expect(abortScaleDown({ steps: [...weights, { setCanaryScale: { replicas: 2 } }], abortScaleDownDelaySeconds: 0 }).seconds).toBe(0);
    expect(abortScaleDown({ steps: [{ setCanaryScale: { matchTrafficWeight: true } }, ...weights], abortScaleDownDelaySeconds: 0 }).seconds).toBe(0);
  });

  test('0 with setCanaryScale at step 0: left running', () => {
    // GIVEN abortScaleDownDelaySeconds 0 and a first step that fixes the canary's size WHEN aborted THEN the controller leaves it running
    expect(abortScaleDown({ steps: [{ setCanaryScale: { replicas: 1 } }, ...weights], abortScaleDownDelaySeconds: 0 })).toEqual({
      seconds: undefined, reason: 'abortScaleDownDelaySeconds 0 with setCanaryScale at step 0: the controller leaves the canary running',
    });
  });

  /** Runs a rollout whose inline analysis fails at once, and returns what the driver was asked and the timeline's canary events. */
  async function abortWith(canary: object): Promise<{ calls: string[]; canaryEvents: string[] }> {
    const calls: string[] = [];
    const clock = new VirtualClock();
    const timeline = new Timeline(1, undefined, clock);
    const emulation = new RolloutEmulation({
      spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'slo' }] } }], ...canary } } },
      driver: {
        startCanary: async () => { calls.push('startCanary'); },
        setWeight: async (w) => { calls.push(`setWeight ${w}`); },
        promote: async () => { calls.push('promote'); },
        stopCanary: async () => { calls.push('stopCanary'); },
        stopOldStable: async () => { calls.push('stopOldStable'); },
      },
      analyses: () => [{ name: 'm', spec: { name: 'm' }, limits: metricLimits({}), initialDelayMs: 0, errorRetryMs: 5 }],
      measure: async () => ({ phase: 'Failed', value: '0' }),
      timeline,
      scale: new TimeScale(1),
    });
    const outcome = await clock.run(emulation.run());
    expect(outcome.result).toBe('aborted');
    return { calls, canaryEvents: timeline.events.filter((e) => e.kind === 'canary' && e.message !== 'canary ready').map((e) => e.message) };
  }

  test('the rehearsal scales the canary down at once with 0 and setWeight steps', async () => {
    // GIVEN abortScaleDownDelaySeconds 0 WHEN the analysis fails THEN weight 0, then the canary stopped without waiting
    const { calls, canaryEvents } = await abortWith({ abortScaleDownDelaySeconds: 0 });
    expect(calls).toEqual(['startCanary', 'setWeight 20', 'setWeight 0', 'stopCanary']);
    expect(canaryEvents).toEqual(['canary scaled down after 0.0s real (abortScaleDownDelaySeconds 0: no delay, the canary is sized by weight 0)']);
  });

  test('the rehearsal leaves the canary running with 0 and setCanaryScale at step 0', async () => {
    // GIVEN abortScaleDownDelaySeconds 0 and setCanaryScale first WHEN the analysis fails THEN weight 0 and the canary is not stopped
    const { calls, canaryEvents } = await abortWith({ abortScaleDownDelaySeconds: 0, steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 20 }, { analysis: { templates: [{ templateName: 'slo' }] } }] });
    expect(calls).toEqual(['startCanary', 'setWeight 20', 'setWeight 0']);
    expect(canaryEvents).toEqual(['canary left running, without traffic (abortScaleDownDelaySeconds 0 with setCanaryScale at step 0: the controller leaves the canary running)']);
  });
});
