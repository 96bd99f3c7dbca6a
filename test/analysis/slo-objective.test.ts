import { Duration } from 'cdk8s';
import { evaluateMeasurement } from '../../lib/analysis/expr-eval';
import { SliSource } from '../../lib/analysis/sli-source';
import { errorDifferenceLowerBound, errorLowerBound, successUpperBound } from '../../lib/analysis/bounds';
import { BurnRateWindow, JudgementRules, resolveMeasurementOptions, SloObjective } from '../../lib/analysis/slo-objective';

const source = SliSource.app({ podMonitor: false });
const rules: JudgementRules = { minRequests: 50, confidence: 0.999 };
const only = (o: SloObjective) => {
  const metrics = o.metrics(source, rules);
  expect(metrics).toHaveLength(1);
  return metrics[0];
};

describe('measurement options', () => {
  test('defaults: every 30s, 4 times, after 30s, failureLimit 0, inconclusiveLimit 1, consecutiveErrorLimit 2', () => {
    const r = resolveMeasurementOptions({});
    expect(r.interval.toSeconds()).toBe(30);
    expect([r.count, r.countDefaulted]).toEqual([4, true]);
    expect(r.initialDelay.toSeconds()).toBe(30);
    expect([r.failureLimit, r.inconclusiveLimit, r.consecutiveErrorLimit, r.dryRun]).toEqual([0, 1, 2, false]);
  });

  test('the objective wins over the analysis, which wins over the defaults; count 0 runs until the rollout ends', () => {
    const r = resolveMeasurementOptions({ failureLimit: 1, count: 0 }, { failureLimit: 3, interval: Duration.seconds(10) });
    expect(r.failureLimit).toBe(1);
    expect(r.interval.toSeconds()).toBe(10);
    expect([r.count, r.countDefaulted]).toEqual([undefined, false]);
    expect(resolveMeasurementOptions({}, { count: 4 }).countDefaulted).toBe(false);
  });

  test.each([
    [{ count: 1.5 }, 'count must be a whole number >= 0, got 1.5'],
    [{ failureLimit: -2 }, 'failureLimit must be a whole number >= 0, got -2'],
    [{ failureLimit: -1 }, 'failureLimit must be a whole number >= 0, got -1: Argo Rollouts rejects a metric whose failureLimit (-1) and '
      + 'consecutiveSuccessLimit are both disabled, errors the AnalysisRun and aborts the rollout; to measure without failing, set dryRun: true'],
    [{ inconclusiveLimit: -1 }, 'inconclusiveLimit must be a whole number >= 0, got -1'],
    [{ consecutiveErrorLimit: -1 }, 'consecutiveErrorLimit must be a whole number >= 0, got -1'],
    [{ count: 2, failureLimit: 3 }, 'count must be at least failureLimit, got count 2 and failureLimit 3: raise count or lower failureLimit'],
    [{ count: 2, inconclusiveLimit: 3 }, 'count must be at least inconclusiveLimit, got count 2 and inconclusiveLimit 3: raise count or lower inconclusiveLimit'],
    [{ interval: Duration.millis(500) }, 'interval must be a positive whole number of seconds, got 500ms'],
  ])('fails on %j', (options, message) => {
    expect(() => resolveMeasurementOptions(options)).toThrow(message);
  });
});

describe('successRate', () => {
  test('default: the upper bound of the canary success ratio >= 0.95 over 2m, once 50 requests were served', () => {
    const m = only(SloObjective.successRate());
    expect(m.name).toBe('success-rate');
    expect(m.window?.toSeconds()).toBe(120);
    const counts = source.eventCounts('canary', Duration.minutes(2));
    expect(m.query).toBe(`(${successUpperBound(counts, 0.999)}) and on() (${counts.total} >= 50)`);
    expect(counts.total).toBe('sum(increase(http_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m]))');
    expect(evaluateMeasurement([0.97], m.conditions)).toBe('Successful');
    expect(evaluateMeasurement([0.7], m.conditions)).toBe('Failed');
    expect(evaluateMeasurement([], m.conditions)).toBe('Inconclusive');
    expect(evaluateMeasurement([NaN], m.conditions)).toBe('Inconclusive');
  });

  test('fails on an objective above 1', () => {
    expect(() => SloObjective.successRate({ objective: 95 })).toThrow('successRate objective must be between 0 and 1 (0 excluded), got 95');
  });
});

describe('latency', () => {
  test('default: canary p95 <= 3s over 2m, once 50 requests were served', () => {
    const m = only(SloObjective.latency());
    expect(m.name).toBe('latency-p95');
    expect(m.query).toBe(`(${source.latencyQuantile('canary', 0.95, Duration.minutes(2))}) and on() `
      + `(${source.eventCounts('canary', Duration.minutes(2)).total} >= 50)`);
    expect(evaluateMeasurement([2.9], m.conditions)).toBe('Successful');
    expect(evaluateMeasurement([4], m.conditions)).toBe('Failed');
    expect(evaluateMeasurement([NaN], m.conditions)).toBe('Inconclusive');
    expect(evaluateMeasurement([], m.conditions)).toBe('Inconclusive');
  });

  test('p99.9 under 250ms', () => {
    const m = only(SloObjective.latency({ quantile: 0.999, threshold: Duration.millis(250) }));
    expect(m.name).toBe('latency-p999');
    expect(evaluateMeasurement([0.3], m.conditions)).toBe('Failed');
  });

  test.each([
    [{ quantile: 1 }, 'latency quantile must be between 0 and 1 (exclusive), got 1'],
    [{ threshold: Duration.millis(0) }, 'latency threshold must be above 0, got 0ms'],
  ])('fails on %j', (props, message) => {
    expect(() => SloObjective.latency(props)).toThrow(message);
  });

  test('fails on a source without latency histograms', () => {
    const custom = SliSource.custom({ totalEvents: 'rate(x[$window])', goodEvents: 'rate(x[$window])' });
    expect(() => SloObjective.latency().metrics(custom, rules)).toThrow(
      'latency objective needs latency histograms, but the custom sli source has none: set latencyBuckets or drop the latency objective');
  });
});

describe('errorBudget', () => {
  test('default: the policy (5% of a 99% budget left over 30 days, spent by every version but the canary) and the canary burn rate (lower bound at most 2x)', () => {
    // GIVEN the defaults
    const [policy, burn] = SloObjective.errorBudget().metrics(source, rules);
    // THEN the policy measures the whole service over the period, once, failing only
    const service = source.serviceEventCounts(Duration.days(30));
    expect(service.total).toBe('sum(increase(http_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash!="{{args.canary-hash}}"}[720h]))');
    expect(policy).toMatchObject({ name: 'error-budget-remaining', precondition: true, query: `1 - (${errorLowerBound(service, 0.999)}) / 0.01` });
    expect(policy.window?.toSeconds()).toBe(30 * 86400);
    expect(evaluateMeasurement([0.5], { failureCondition: policy.conditions.failureCondition })).toBe('Successful');
    expect(evaluateMeasurement([0.04], { failureCondition: policy.conditions.failureCondition })).toBe('Failed');
    // AND the burn rate is the lower bound of the canary's error ratio over the budget
    const canary = source.eventCounts('canary', Duration.minutes(2));
    expect(burn.name).toBe('burn-rate');
    expect(burn.query).toBe(`((${errorLowerBound(canary, 0.999)}) / 0.01) and on() (${canary.total} >= 50)`);
    expect(evaluateMeasurement([1.9], burn.conditions)).toBe('Successful');
    expect(evaluateMeasurement([2.1], burn.conditions)).toBe('Failed');
    expect(evaluateMeasurement([NaN], burn.conditions)).toBe('Inconclusive');
  });

  test('minBudgetRemaining 0 turns the policy off; maxBurnRate and period are taken', () => {
    const metrics = SloObjective.errorBudget({ minBudgetRemaining: 0, maxBurnRate: 5 }).metrics(source, rules);
    expect(metrics.map((m) => m.name)).toEqual(['burn-rate']);
    expect(evaluateMeasurement([4.9], metrics[0].conditions)).toBe('Successful');
    const [policy] = SloObjective.errorBudget({ period: Duration.days(28) }).metrics(source, rules);
    expect(policy.query).toContain('[672h]');
  });

  test('burn-rate pairs: one metric each, both windows in one query', () => {
    const metrics = SloObjective.errorBudget({ objective: 0.999, burnRateWindows: [BurnRateWindow.fast(), BurnRateWindow.medium()] }).metrics(source, rules);
    expect(metrics.map(m => m.name)).toEqual(['error-budget-remaining', 'burn-rate', 'burn-rate-1h-5m', 'burn-rate-6h-30m']);
    const fast = metrics[2];
    expect(fast.query).toContain('[1h]');
    expect(fast.query).toContain('[5m]');
    expect(fast.query).toContain('/ 0.001, "window", "1h", "", "") or label_replace(');
    expect(fast.window?.toSeconds()).toBe(3600);
    expect(evaluateMeasurement([20, 15], fast.conditions)).toBe('Failed');
    expect(evaluateMeasurement([20, 2], fast.conditions)).toBe('Successful');
    expect(evaluateMeasurement([20], fast.conditions)).toBe('Inconclusive');
  });

  test.each([
    [{ objective: 1 }, 'errorBudget objective must be between 0 and 1 (both excluded), got 1'],
    [{ minBudgetRemaining: 1 }, 'errorBudget minBudgetRemaining must be between 0 and 1 (1 excluded), got 1'],
    [{ maxBurnRate: 0 }, 'errorBudget maxBurnRate must be a number above 0, got 0'],
    [{ period: Duration.minutes(1) }, 'errorBudget period must be longer than the window (2m), got 1m: the period is the SLO period, e.g. 28 or 30 days'],
  ])('fails on %j', (props, message) => {
    expect(() => SloObjective.errorBudget(props)).toThrow(message);
  });

  test('fails on a burn-rate pair with the windows swapped or no factor', () => {
    expect(() => BurnRateWindow.of({ longWindow: Duration.minutes(5), shortWindow: Duration.hours(1), factor: 14.4 }))
      .toThrow('burnRateWindow shortWindow must be shorter than longWindow, got 1h and 5m');
    expect(() => BurnRateWindow.of({ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), factor: 0 }))
      .toThrow('burnRateWindow factor must be a number above 0, got 0');
  });
});

describe('canaryHealth', () => {
  test('ready ratio and restarts of pods named after the canary hash', () => {
    const [ready, restarts] = SloObjective.canaryHealth().metrics(source, rules);
    expect(ready.query).toBe('sum(kube_pod_status_ready{namespace="{{args.namespace}}", pod=~".+-{{args.canary-hash}}-[a-z0-9]+", condition="true"})'
      + ' / count(kube_pod_status_ready{namespace="{{args.namespace}}", pod=~".+-{{args.canary-hash}}-[a-z0-9]+", condition="true"})');
    expect(ready.window).toBeUndefined();
    expect(evaluateMeasurement([0.5], ready.conditions)).toBe('Failed');
    expect(evaluateMeasurement([1], ready.conditions)).toBe('Successful');
    expect(restarts.query).toBe('sum(increase(kube_pod_container_status_restarts_total{namespace="{{args.namespace}}", pod=~".+-{{args.canary-hash}}-[a-z0-9]+"}[2m]))');
    expect(evaluateMeasurement([1], restarts.conditions)).toBe('Failed');
    expect(evaluateMeasurement([0], restarts.conditions)).toBe('Successful');
  });

  test('fails on a negative restart budget', () => {
    expect(() => SloObjective.canaryHealth({ maxRestarts: -1 })).toThrow('canaryHealth maxRestarts must be a whole number >= 0, got -1');
  });
});

describe('stableComparison', () => {
  test('the lower bound of canary error ratio minus stable\'s <= tolerance, once both served 50 requests', () => {
    const m = only(SloObjective.stableComparison({ tolerance: 0.02 }));
    expect(m.name).toBe('error-ratio-vs-stable');
    const [canary, stable] = [source.eventCounts('canary', Duration.minutes(2)), source.eventCounts('stable', Duration.minutes(2))];
    expect(m.query).toBe(`(${errorDifferenceLowerBound(canary, stable, 0.999)}) and on() (${canary.total} >= 50) and on() (${stable.total} >= 50)`);
    expect(m.args.map(a => a.name)).toEqual(['namespace', 'canary-hash', 'stable-hash']);
    expect(evaluateMeasurement([0.01], m.conditions)).toBe('Successful');
    expect(evaluateMeasurement([0.25], m.conditions)).toBe('Failed');
    expect(evaluateMeasurement([], m.conditions)).toBe('Inconclusive');
  });

  test('fails on a tolerance of 1 or more', () => {
    expect(() => SloObjective.stableComparison({ tolerance: 1 })).toThrow('stableComparison tolerance must be between 0 and 1 (1 excluded), got 1');
  });

  test('fails on a window that is not whole seconds', () => {
    expect(() => SloObjective.stableComparison({ window: Duration.millis(100) })).toThrow('stableComparison window must be a positive whole number of seconds, got 100ms');
  });
});
