import { MeasurementPhase } from '../../lib/analysis/expr-eval';
import { metricLimits, RunMetric } from '../../tools/cli/src/rehearsal/controller';
import { DueMeasurement, walkRollout, walkTrials, WalkPlan } from '../../tools/cli/src/simulate/walk';

type Json = { [key: string]: any };

function metric(name: string, spec: Json, dryRun = false): RunMetric {
  const s = (v: string | undefined) => (v === undefined ? undefined : Number(v.replace('s', '')) * 1000);
  return {
    name, spec: { name, ...spec }, limits: metricLimits(spec), intervalMs: s(spec.interval), initialDelayMs: s(spec.initialDelay) ?? 0,
    errorRetryMs: 10_000, ...(dryRun ? { dryRun } : {}),
  };
}

/** The example's shape: weight 10 after 10s, pause 60s, an inline analysis of 3 measurements every 20s, pause 60s; background every 20s from step 1. */
function examplePlan(background?: RunMetric[]): WalkPlan {
  const gate = metric('gate', { count: 3, interval: '20s', initialDelay: '20s', failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2 });
  return {
    steps: [{ kind: 'wait', ms: 10_000 }, { kind: 'wait', ms: 60_000 }, { kind: 'analysis', metrics: [gate] }, { kind: 'wait', ms: 60_000 }],
    ...(background ? { background: { metrics: background, startingStep: 1 } } : {}),
    canaryStartMs: 10_000,
  };
}

const BACKGROUND = () => metric('rate', { interval: '20s', initialDelay: '20s', failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2 });

/** Walks a plan answering each measurement from `script(metric name, time s)`; returns the result and the measurements taken. */
function play(plan: WalkPlan, script: (name: string, atSeconds: number) => MeasurementPhase) {
  const walk = walkRollout(plan);
  const taken: string[] = [];
  let step = walk.next([]);
  while (!step.done) {
    const due: DueMeasurement[] = step.value;
    taken.push(...due.map((d) => `${d.metric.name}@${d.atMs / 1000}`));
    step = walk.next(due.map((d) => script(d.metric.name, d.atMs / 1000)));
  }
  return { result: step.value, taken };
}

describe('the walk of one rollout', () => {
  test('every measurement passes: promoted once every step has run, the background analysis terminated', () => {
    // GIVEN the example's plan with a background analysis WHEN every measurement is Successful
    const { result, taken } = play(examplePlan([BACKGROUND()]), () => 'Successful');
    // THEN it is promoted at 10 + 60 + 60 + 60 = 190s, the inline run measured at 90, 110, 130s, the background every 20s from 30s
    expect(result).toEqual({ result: 'promoted', atMs: 190_000, reason: 'every step completed' });
    expect(taken.filter((t) => t.startsWith('gate'))).toEqual(['gate@90', 'gate@110', 'gate@130']);
    expect(taken.filter((t) => t.startsWith('rate'))).toEqual(['rate@30', 'rate@50', 'rate@70', 'rate@90', 'rate@110', 'rate@130', 'rate@150', 'rate@170', 'rate@190']);
  });

  test('a failed background measurement during a pause aborts at once; the time to abort counts from the canary\'s first traffic', () => {
    // GIVEN the background metric fails at 50s
    const { result, taken } = play(examplePlan([BACKGROUND()]), (_name, at) => (at === 50 ? 'Failed' : 'Successful'));
    // THEN the rollout is aborted at 50s, 40s after the canary took traffic, and nothing more is measured
    expect(result).toEqual({ result: 'aborted', atMs: 50_000, abortAfterMs: 40_000, reason: 'background analysis Failed' });
    expect(taken).toEqual(['rate@30', 'rate@50']);
  });

  test('an inconclusive inline run pauses the rollout (inconclusiveLimit 1 needs two)', () => {
    // GIVEN the gate answers Inconclusive twice
    const { result } = play(examplePlan(), (name) => (name === 'gate' ? 'Inconclusive' : 'Successful'));
    // THEN the run is Inconclusive at the second answer (110s) and the rollout pauses there
    expect(result).toEqual({ result: 'paused', atMs: 110_000, reason: 'analysis at step 2 Inconclusive' });
  });

  test('an error is measured again after 10s, and consecutive errors beyond the limit abort', () => {
    // GIVEN the gate errors every time (consecutiveErrorLimit 2)
    const { result, taken } = play(examplePlan(), () => 'Error');
    // THEN retries come every 10s, and the third error in a row ends the run in Error: aborted
    expect(taken).toEqual(['gate@90', 'gate@100', 'gate@110']);
    expect(result).toEqual({ result: 'aborted', atMs: 110_000, abortAfterMs: 100_000, reason: 'analysis at step 2 Error' });
  });

  test('a failing dry-run metric is measured until it fails but decides nothing', () => {
    // GIVEN a dry-run background metric that always fails
    const { result, taken } = play(examplePlan([{ ...BACKGROUND(), dryRun: true }]), (name) => (name === 'rate' ? 'Failed' : 'Successful'));
    // THEN it is measured once (it completes Failed) and the rollout is promoted
    expect(taken.filter((t) => t.startsWith('rate'))).toEqual(['rate@30']);
    expect(result.result).toBe('promoted');
  });

  test('a pause without duration ends the trial paused', () => {
    // GIVEN a plan whose second step waits for a human
    const plan: WalkPlan = { steps: [{ kind: 'wait', ms: 10_000 }, { kind: 'indefinite' }], canaryStartMs: 10_000 };
    // THEN the trial ends paused at 10s
    expect(play(plan, () => 'Successful').result).toEqual({ result: 'paused', atMs: 10_000, reason: 'pause without duration at step 1 waits for a human' });
  });
});

describe('the walk at its edges', () => {
  test('a background analysis from a later step starts with that step', () => {
    // GIVEN the background analysis from step 2 (the inline analysis, at 70s)
    const plan: WalkPlan = { ...examplePlan(), background: { metrics: [BACKGROUND()], startingStep: 2 } };
    const { taken } = play(plan, () => 'Successful');
    expect(taken.filter((t) => t.startsWith('rate'))).toEqual(['rate@90', 'rate@110', 'rate@130', 'rate@150', 'rate@170', 'rate@190']);
  });

  test('a failed inline run aborts at its measurement; a background run that ends Successful lets the rollout go on', () => {
    // GIVEN a background metric of 2 measurements and a gate that fails its second
    const twice = metric('rate', { count: 2, interval: '20s', initialDelay: '20s' });
    const { result, taken } = play(examplePlan([twice]), (name, at) => (name === 'gate' && at === 110 ? 'Failed' : 'Successful'));
    expect(taken).toEqual(['rate@30', 'rate@50', 'gate@90', 'gate@110']);
    expect(result).toEqual({ result: 'aborted', atMs: 110_000, abortAfterMs: 100_000, reason: 'analysis at step 2 Failed' });
  });

  test('an inconclusive background run pauses the rollout', () => {
    const { result } = play(examplePlan([BACKGROUND()]), (name) => (name === 'rate' ? 'Inconclusive' : 'Successful'));
    expect(result).toEqual({ result: 'paused', atMs: 50_000, reason: 'background analysis Inconclusive' });
  });

  test('an analysis step without metrics passes at once, even beside a background analysis that never ends', () => {
    // GIVEN an inline analysis that measures nothing
    const plan: WalkPlan = { steps: [{ kind: 'wait', ms: 10_000 }, { kind: 'analysis', metrics: [] }, { kind: 'wait', ms: 30_000 }],
      background: { metrics: [BACKGROUND()], startingStep: 0 }, canaryStartMs: 10_000 };
    const { result, taken } = play(plan, () => 'Successful');
    expect(result).toEqual({ result: 'promoted', atMs: 40_000, reason: 'every step completed' });
    expect(taken).toEqual(['rate@20', 'rate@40']);
  });

  test('a plan without steps is promoted at once', () => {
    expect(play({ steps: [], canaryStartMs: 0 }, () => 'Failed').result).toEqual({ result: 'promoted', atMs: 0, reason: 'every step completed' });
  });
});

describe('trials walked side by side', () => {
  test('at most `concurrency` batches are measured at a time', async () => {
    // GIVEN three background metrics due at the same instants, measured one batch at a time
    const plan = examplePlan([BACKGROUND(), { ...BACKGROUND(), name: 'b' }, { ...BACKGROUND(), name: 'c' }]);
    let inFlight = 0;
    let most = 0;
    const results = await walkTrials(plan, 2, async (batch) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return batch.trials.map(() => 'Successful');
    }, 1);
    expect(most).toBe(1);
    expect(results.map((r) => r.result)).toEqual(['promoted', 'promoted']);
  });

  test('batches of different metrics or instants are measured apart; each trial gets its own answer', async () => {
    const batches: string[] = [];
    const results = await walkTrials(examplePlan([BACKGROUND()]), 2, async (batch) => {
      batches.push(`${batch.metric.name}@${batch.atMs / 1000}:${batch.trials.join(',')}`);
      return batch.trials.map((t) => (t === 0 && batch.metric.name === 'gate' ? 'Failed' : 'Successful'));
    });
    expect(results.map((r) => [r.result, r.reason])).toEqual([['aborted', 'analysis at step 2 Failed'], ['promoted', 'every step completed']]);
    expect(batches.slice(0, 5)).toEqual(['rate@30:0,1', 'rate@50:0,1', 'rate@70:0,1', 'rate@90:0,1', 'gate@90:0,1']);
    expect(batches.slice(5)).toEqual(['rate@110:1', 'gate@110:1', 'rate@130:1', 'gate@130:1', 'rate@150:1', 'rate@170:1', 'rate@190:1']);
  });

  test('one measurement per (metric, instant) for every trial waiting for it; each trial gets its own answer', async () => {
    // GIVEN 3 trials where trial 1 fails its first background measurement
    const batches: string[] = [];
    const results = await walkTrials(examplePlan([BACKGROUND()]), 3, async (batch) => {
      batches.push(`${batch.metric.name}@${batch.atMs / 1000}:${batch.trials.join(',')}`);
      return batch.trials.map((t) => (t === 1 && batch.atMs === 30_000 ? 'Failed' : 'Successful'));
    });
    // THEN trials 0 and 2 are promoted, trial 1 aborted after 20s, and later batches leave trial 1 out
    expect(results.map((r) => r.result)).toEqual(['promoted', 'aborted', 'promoted']);
    expect(results[1].abortAfterMs).toBe(20_000);
    expect(batches[0]).toBe('rate@30:0,1,2');
    expect(batches[1]).toBe('rate@50:0,2');
  });
});

describe('metrics of one run on their own schedules', () => {
  test('a reconcile measures only the metrics due then', () => {
    // GIVEN a 60s wait with a background run of two metrics, every 20s and every 30s, from the start
    const plan: WalkPlan = {
      steps: [{ kind: 'wait', ms: 60_000 }],
      background: { metrics: [metric('a', { interval: '20s' }), metric('b', { interval: '30s' })], startingStep: 0 },
      canaryStartMs: 0,
    };
    // WHEN walked with every measurement passing THEN each is measured on its own interval, never early
    const { result, taken } = play(plan, () => 'Successful');
    expect(result.result).toBe('promoted');
    expect(taken).toEqual(['a@0', 'b@0', 'a@20', 'b@30', 'a@40', 'a@60', 'b@60']);
  });
});
