import { Duration } from 'cdk8s';
import { canaryPlan, describeAbort, readySeconds } from '../../lib';
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
});
