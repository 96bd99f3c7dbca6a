import { VerdictRequest } from '../../lib/gate/contract';
import { metricLimits, RunMetric } from '../../tools/cli/src/rehearsal/controller';
import { QueryResult } from '../../tools/cli/src/rehearsal/prometheus';
import { canaryPlan } from '../../lib/rollout/plan';
import {
  canaryKinds, gateRefusal, labelsOf, percentile, pointsAt, scrapeIntervalSeconds, summarize, trialLayout,
} from '../../tools/cli/src/simulate/simulate';

// The figures a simulation reports, pure (the simulation on a real Prometheus is in simulate.test.ts).
describe('figures of a scenario', () => {
  test('percentiles interpolate between ranks; none without values', () => {
    expect(percentile([40, 20, 30, 10], 0.5)).toBe(25);
    expect(percentile([10, 20, 30, 40, 50], 0.95)).toBeCloseTo(48, 10);
    expect(percentile([], 0.5)).toBeNull();
    // numbers in numeric order, not as text: 9 < 10 < 100
    expect(percentile([9, 100, 10], 0.5)).toBe(10);
  });

  test('counts, abort times from the canary\'s first traffic and aborts within the budget', () => {
    const figures = summarize([
      { result: 'aborted', atMs: 30_000, abortAfterMs: 20_000, reason: '' },
      { result: 'aborted', atMs: 150_000, abortAfterMs: 140_000, reason: '' },
      { result: 'promoted', atMs: 500_000, reason: '' },
      { result: 'paused', atMs: 110_000, reason: '' },
      { result: 'aborted', atMs: 130_000, abortAfterMs: 120_000, reason: '' },
    ], 120);
    // an abort exactly at the budget is within it
    expect(figures).toEqual({ trials: 5, promoted: 1, aborted: 3, paused: 1, abortP50Seconds: 120, abortP95Seconds: 138, abortsWithinBudget: 2, abortBudgetSeconds: 120 });
  });

  test('canaries: good, four error faults, two latency faults only with a latency objective', () => {
    expect(canaryKinds(3).map((k) => k.label)).toEqual(['good', '+2% errors', '+5% errors', '+10% errors', '+20% errors', 'p95 1.5x objective', 'p95 2x objective']);
    expect(canaryKinds(undefined)).toHaveLength(5);
  });
});

type Json = { [key: string]: any };
const metric = (name: string, spec: Json): RunMetric => ({ name, spec: { name, ...spec }, limits: metricLimits(spec), initialDelayMs: 0, errorRetryMs: 10_000 });
const prom = (name: string, query: string, extra: Json = {}) => metric(name, { provider: { prometheus: { address: 'http://p:9090', query } }, ...extra });
const rate = (window: string) => prom('rate', `sum(rate(http_requests_total{namespace="shop-s0"}[${window}]))`, { interval: '10s' });

describe('where the trials sit in time', () => {
  // 20% for 60s, then 50% for 60s: the rollout promotes at 120s
  const steps = [{ setWeight: 20 }, { pause: { duration: '60s' } }, { setWeight: 50 }, { pause: { duration: 60 } }];
  const plan = (s: Json[] = steps) => canaryPlan({ strategy: { canary: { steps: s } } }, () => undefined);
  const layoutOf = (metrics: RunMetric[], s: Json[] = steps) => trialLayout(plan(s), s, metrics, 5, 15);

  test('a trial is the rollout, then a gap of twice the longest window; history of the gap before the first', () => {
    const { layout, gapSeconds } = layoutOf([rate('2m')]);
    // gap 2 x 120s = 240s, period ceil(120 + 240) = 360s, the first trial after max(240, 120) + 180s
    expect(gapSeconds).toBe(240);
    expect(layout).toEqual({
      trials: 5, firstTrialMs: 420_000, periodMs: 360_000, durationMs: 120_000, scrapeIntervalMs: 15_000,
      weights: [{ atMs: 0, weight: 20 }, { atMs: 60_000, weight: 50 }],
    });
  });

  test('the gap is at least 60s, and an instant selector adds its 5-minute lookback', () => {
    expect(layoutOf([rate('10s')]).gapSeconds).toBe(60);
    expect(layoutOf([rate('1m'), prom('total', 'sum(http_requests_total{namespace="shop-s0"})')]).gapSeconds).toBe(120 + 300);
  });

  test('windows count up to 1 hour in the gap and up to 24 hours in the history', () => {
    expect(layoutOf([rate('2h')])).toMatchObject({ gapSeconds: 7200, layout: { periodMs: 7320_000, firstTrialMs: (7200 + 3660) * 1000 } });
    expect(layoutOf([rate('48h')])).toMatchObject({ gapSeconds: 7200, layout: { firstTrialMs: (86_400 + 3660) * 1000 } });
  });

  test('a single measurement\'s window (the budget policy over its period) widens neither', () => {
    const policy = prom('error-budget-remaining', 'sum(rate(http_requests_total{namespace="shop-s0"}[30d]))', { count: 1 });
    expect(layoutOf([rate('1m'), policy])).toMatchObject({ gapSeconds: 120, layout: { periodMs: 240_000 } });
  });

  test('a trial ends at the first pause without duration; fractional seconds round the period up', () => {
    const waiting = [{ setWeight: 20 }, { pause: { duration: '30.5s' } }, { pause: {} }, { setWeight: 50 }];
    expect(layoutOf([rate('1m')], waiting)).toMatchObject({ layout: { durationMs: 30_500, periodMs: 151_000, weights: [{ atMs: 0, weight: 20 }, { atMs: Infinity, weight: 50 }] } });
  });
});

describe('the scrape interval of the series', () => {
  const monitor = (namespace: string, interval?: string) => ({ source: 'x.yaml', object: { kind: 'PodMonitor', metadata: { name: 'm', namespace }, spec: { podMetricsEndpoints: [{ port: 'http', ...(interval ? { interval } : {}) }] } } });

  test('is the first endpoint\'s of the PodMonitor in the rollout\'s namespace, else 15s', () => {
    expect(scrapeIntervalSeconds([monitor('other', '5s'), monitor('shop', '10s')], 'shop')).toBe(10);
    expect(scrapeIntervalSeconds([monitor('shop', '1m')], 'shop')).toBe(60);
    expect(scrapeIntervalSeconds([monitor('shop')], 'shop')).toBe(15);
    expect(scrapeIntervalSeconds([monitor('other', '5s')], 'shop')).toBe(15);
    expect(scrapeIntervalSeconds([{ source: 'x.yaml', object: { kind: 'Service', metadata: { namespace: 'shop' }, spec: { podMetricsEndpoints: [{ interval: '5s' }] } } }], 'shop')).toBe(15);
  });
});

describe('the labels of a scenario\'s series', () => {
  const rollout = { metadata: { name: 'web', namespace: 'shop' }, spec: { strategy: { canary: { canaryService: 'web-canary', trafficRouting: { nginx: { stableIngress: 'web' } } } } } };
  const hashes = { stable: 'aaa', canary: 'bbb' };

  test('app series: a pod of each side, the canary\'s own per trial', () => {
    const labels = labelsOf({ kind: 'app', names: { bounds: [] } }, rollout, 'shop-s1', hashes, []);
    expect(labels.stable).toBe('namespace="shop-s1",pod="web-aaa-stable",rollouts_pod_template_hash="aaa"');
    expect(labels.canary(3)).toBe('namespace="shop-s1",pod="web-bbb-t3",rollouts_pod_template_hash="bbb"');
    expect(labels.canaryPerTrial).toBe(true);
  });

  test('ingress-nginx series: the stable Ingress, the canary upstream named by the canary Service\'s port', () => {
    const service = { source: 'x.yaml', object: { kind: 'Service', metadata: { name: 'web-canary', namespace: 'shop' }, spec: { ports: [{ port: 8080 }] } } };
    const labels = labelsOf({ kind: 'ingressNginx', names: { bounds: [] } }, rollout, 'shop-s1', hashes, [service]);
    expect(labels.stable).toBe('namespace="shop-s1",exported_namespace="shop-s1",ingress="web",canary=""');
    expect(labels.canary(3)).toBe('namespace="shop-s1",exported_namespace="shop-s1",ingress="web",canary="shop-s1-web-canary-8080"');
    expect(labels.canaryPerTrial).toBe(false);
    // a Service of another namespace, or none, leaves port 80
    const elsewhere = { ...service, object: { ...service.object, metadata: { name: 'web-canary', namespace: 'other' } } };
    expect(labelsOf({ kind: 'ingressNginx', names: { bounds: [] } }, rollout, 'shop-s1', hashes, [elsewhere]).canary(0)).toContain('canary="shop-s1-web-canary-80"');
  });

  test('ingress-nginx series need the stable Ingress', () => {
    const direct = { ...rollout, spec: { strategy: { canary: { canaryService: 'web-canary' } } } };
    expect(() => labelsOf({ kind: 'ingressNginx', names: { bounds: [] } }, direct, 'shop-s1', hashes, []))
      .toThrow('Rollout web reads ingress-nginx series but has no trafficRouting.nginx.stableIngress: route it through ingress-nginx or read application series');
  });
});

describe('a range query read as one instant query per trial', () => {
  const matrix: QueryResult = { resultType: 'matrix', result: [
    { metric: { side: 'a' }, values: [[100, '1'], [700, '2'], [1300, '3']] },
    { metric: { side: 'b' }, values: [[700, '5']] },
  ] };

  test('each trial gets the samples at its own time, in the instant query\'s shape', () => {
    expect(pointsAt(matrix, [100, 700, 1300], 'vector')).toEqual([
      { resultType: 'vector', result: [{ metric: { side: 'a' }, value: [100, '1'] }] },
      { resultType: 'vector', result: [{ metric: { side: 'a' }, value: [700, '2'] }, { metric: { side: 'b' }, value: [700, '5'] }] },
      { resultType: 'vector', result: [{ metric: { side: 'a' }, value: [1300, '3'] }] },
    ]);
  });

  test('a time without samples is an empty vector, or NaN for a scalar query', () => {
    expect(pointsAt(matrix, [400.0004, 700.0004], 'scalar')).toEqual([
      { resultType: 'scalar', result: [400.0004, 'NaN'] }, { resultType: 'scalar', result: [700, '2'] },
    ]);
    expect(pointsAt({ resultType: 'vector', result: [] }, [100], 'vector')).toEqual([{ resultType: 'vector', result: [] }]);
  });
});

describe('requests the gate refuses', () => {
  const request = (over: Json = {}): VerdictRequest => ({
    workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'bbb' } } }, window: '2m', objectives: { successRate: 0.99 }, ...over,
  } as VerdictRequest);

  test('a valid request is not refused', () => {
    expect(gateRefusal(request())).toBeUndefined();
  });

  test('a window out of bounds, or one the query builder refuses, is answered as the gate answers it', () => {
    expect(JSON.parse(gateRefusal(request({ window: '25h' }))!)).toEqual({ error: 'bad_request', field: 'window', message: 'window must be between 5s and 24h, got "25h"' });
    expect(JSON.parse(gateRefusal(request({ objectives: { latency: { quantile: 1, thresholdSeconds: 1 } } }))!))
      .toEqual({ error: 'bad_request', message: 'objectives.latency.quantile must be between 0 and 1 (exclusive), got 1' });
  });
});
