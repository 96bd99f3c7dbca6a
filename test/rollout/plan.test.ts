import { Duration } from 'cdk8s';
import { blueGreenPlan, canaryPlan, describeAbort, formatPlan, readySeconds } from '../../lib';
import { parseDurationSeconds } from '../../lib/rollout/internal-validation';
import { metric } from '../support/fake-template';

const template = { spec: { containers: [{ readinessProbe: { periodSeconds: 5 } }] } };
const spec = (steps: object[], analysis?: object) => ({ minReadySeconds: 5, template, strategy: { canary: { steps, analysis } } });
const slo = [metric('success-rate', { initialDelay: Duration.seconds(10), interval: Duration.seconds(20), count: 3, window: Duration.minutes(1) })];
const lookup = (name: string) => (name === 'slo' ? slo : undefined);
const analysis = { templates: [{ templateName: 'slo' }] };

describe('plan arithmetic', () => {
  test('readiness comes from the readiness probe and minReadySeconds', () => {
    expect(readySeconds(spec([]))).toBe(10);
    expect(readySeconds({ template: { spec: { containers: [{ readinessProbe: { initialDelaySeconds: 3 } }] } } })).toBe(13);
  });

  test('promotion time adds readiness, pauses and inline analyses', () => {
    // GIVEN 10% -> 30s -> 50% -> analysis (10s + 2 x 20s) -> 1m
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { analysis }, { pause: { duration: 60 } }]), lookup);
    // THEN
    expect(plan.steps.map((s) => [s.description, s.startSeconds, s.seconds])).toEqual([
      ['setWeight 10', 0, 10], ['pause 30s', 10, 30], ['setWeight 50', 40, 10], ['analysis slo', 50, 50], ['pause 1m', 100, 60],
    ]);
    expect(plan.promotionSeconds).toBe(160);
    expect(plan.canaryStartSeconds).toBe(10);
  });

  test('time to abort: the analysis that starts first and fails fastest, measured from the canary taking traffic', () => {
    // GIVEN an inline analysis at 50% and a background analysis from step 1
    const inline = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { analysis }]), lookup);
    const background = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { analysis }], { ...analysis, startingStep: 1 }), lookup);
    // THEN inline: starts 40s after the canary (30s pause + 10s readiness), then 10s + 60s + 20s
    expect(inline.abort?.seconds).toBe(40 + 90);
    expect(describeAbort(inline.abort)).toBe(
      '2m10s by the analysis at step 3 (slo): 40s until it starts + success-rate: 90s = 10s initialDelay + 60s window + 20s (failureLimit + 1) x interval');
    // AND background: starts with the canary
    expect(background.abort?.seconds).toBe(90);
    expect(background.abort?.analysis).toBe('background analysis from step 1 (slo)');
  });

  test('no analysis: nothing aborts', () => {
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: {} }]), lookup);
    expect([plan.abort, plan.promotionSeconds]).toEqual([undefined, Infinity]);
    expect(describeAbort(plan.abort)).toBe('never (no analysis can fail the rollout)');
  });

  test('fails on a template the plan cannot find', () => {
    expect(() => canaryPlan(spec([{ setWeight: 10 }, { analysis: { templates: [{ templateName: 'gone' }] } }]), lookup))
      .toThrow("the plan references analysis template 'gone', which was not found");
  });

  test.each([
    ['30s', 30], ['1m30s', 90], ['1h', 3600], ['500ms', 0.5], [45, 45], ['45', 45],
  ])('parses the duration %s', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBe(seconds);
  });

  test('fails on a duration that is not one', () => {
    expect(() => parseDurationSeconds('1 minute')).toThrow("'1 minute' is not a duration: use a number of seconds or a Go duration such as 30s, 1m or 1h30m");
  });

  test('formatPlan lists background analyses with where they start', () => {
    // GIVEN a background analysis from step 1 without count (runs until the end)
    const unbounded = [metric('success-rate', { count: undefined })];
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }], { ...analysis, startingStep: 1 }), () => unbounded);
    // THEN
    expect(formatPlan(plan).split('\n').slice(2)).toEqual([
      '  background analysis from step 1 (slo): starts at 10s, runs until the rollout ends',
      '  total to 100%: 40s',
      '  worst-case time to abort: 1m30s by the background analysis from step 1 (slo): 0s until it starts + '
        + 'success-rate: 90s = 0s initialDelay + 60s window + 30s (failureLimit + 1) x interval',
    ]);
  });

  test('an analysis\' dryRun (an unanchored regular expression) keeps its metrics from aborting', () => {
    const plan = canaryPlan(spec([{ setWeight: 10 }, { analysis: { ...analysis, dryRun: [{ metricName: 'rate$' }] } }]), lookup);
    expect([plan.analyses[0].metrics[0].dryRun, plan.abort]).toEqual([true, undefined]);
  });
});

describe('blue-green plan arithmetic', () => {
  const bg = (blueGreen: object, replicas = 4) => ({ replicas, minReadySeconds: 5, template, strategy: { blueGreen } });
  const pre = { prePromotionAnalysis: analysis };
  const post = { postPromotionAnalysis: analysis };

  test('preview readiness, prePromotionAnalysis, autoPromotionSeconds, switch, postPromotionAnalysis', () => {
    // GIVEN both analyses (10s + 2 x 20s each) and a 30s auto-promotion delay
    const plan = blueGreenPlan(bg({ ...pre, ...post, autoPromotionSeconds: 30 }), lookup);
    // THEN
    expect(plan.steps.map((s) => [s.description, s.weight, s.startSeconds, s.seconds])).toEqual([
      ['preview ready (4 of 4 replicas)', 0, 0, 10],
      ['prePromotionAnalysis slo', 0, 10, 50],
      ['autoPromotionSeconds 30s', 0, 60, 30],
      ['promote: switch active Service', 100, 90, 0],
      ['postPromotionAnalysis slo', 100, 90, 50],
    ]);
    expect([plan.promotionSeconds, plan.canaryStartSeconds]).toEqual([140, 10]);
    expect(plan.analyses.map((a) => [a.description, a.startSeconds, a.seconds, a.background]))
      .toEqual([['prePromotionAnalysis (slo)', 10, 50, false], ['postPromotionAnalysis (slo)', 90, 50, false]]);
  });

  test('a smaller preview is scaled up before the switch', () => {
    const plan = blueGreenPlan(bg({ previewReplicaCount: 1 }), lookup);
    expect(plan.steps.map((s) => [s.description, s.seconds])).toEqual([
      ['preview ready (1 of 4 replicas)', 10], ['promote: scale to 4 replicas, switch active', 10],
    ]);
    expect(plan.promotionSeconds).toBe(20);
  });

  test('autoPromotionEnabled false waits for a human: promotion is indefinite', () => {
    const plan = blueGreenPlan(bg({ ...pre, autoPromotionEnabled: false }), lookup);
    expect(plan.steps[2]).toMatchObject({ description: 'pause until promoted', seconds: Infinity });
    expect(plan.promotionSeconds).toBe(Infinity);
  });

  test('time to abort: the pre-promotion analysis, from the preview being ready', () => {
    const plan = blueGreenPlan(bg({ ...pre, ...post }), lookup);
    // THEN 10s initialDelay + 60s window + 20s interval, starting as soon as the preview is ready
    expect(describeAbort(plan.abort)).toBe('1m30s by the prePromotionAnalysis (slo): 0s until it starts + '
      + 'success-rate: 90s = 10s initialDelay + 60s window + 20s (failureLimit + 1) x interval');
  });

  test('time to abort: the post-promotion analysis counts the pre-promotion wait', () => {
    const plan = blueGreenPlan(bg({ ...post, autoPromotionSeconds: 60 }), lookup);
    expect([plan.abort?.startsAfter, plan.abort?.seconds, plan.abort?.analysis]).toEqual([60, 150, 'postPromotionAnalysis (slo)']);
  });

  test('no analysis: nothing aborts', () => {
    expect(blueGreenPlan(bg({}), lookup).abort).toBeUndefined();
  });

  test('fails on a template the plan cannot find', () => {
    expect(() => blueGreenPlan(bg({ prePromotionAnalysis: { templates: [{ templateName: 'gone' }] } }), lookup))
      .toThrow("the plan references analysis template 'gone', which was not found");
  });
});
