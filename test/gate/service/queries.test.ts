import { VerdictRequest } from '../../../lib/gate/contract';
import {
  parseSampleValue, planQueries, promqlString, readMeasurements, regexLiteral, resolveObjectives, verdictKey,
} from '../../../tools/slo-gate/src/queries';

const appRequest: VerdictRequest = {
  workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'c4n4ry', stablePodTemplateHash: 'st4ble' } } },
  window: '2m',
  objectives: { successRate: 0.95, latency: { quantile: 0.95, thresholdSeconds: 3 } },
};

describe('planQueries', () => {
  test('scopes app queries to the canary and stable pod-template hashes', () => {
    // GIVEN / WHEN
    const plan = planQueries(appRequest);

    // THEN each query selects both hashes and groups by hash
    const selector = 'namespace="shop",rollouts_pod_template_hash=~"c4n4ry|st4ble"';
    expect(plan.requests).toBe(`sum by (rollouts_pod_template_hash) (increase(http_requests_total{${selector}}[2m]))`);
    expect(plan.errors).toBe(`sum by (rollouts_pod_template_hash) (increase(http_requests_total{${selector},status=~"5.."}[2m]))`);
    expect(plan.latency).toBe(`histogram_quantile(0.95, sum by (rollouts_pod_template_hash, le) (rate(http_request_duration_seconds_bucket{${selector}}[2m])))`);
    expect(plan.side({ rollouts_pod_template_hash: 'c4n4ry' })).toBe('canary');
    expect(plan.side({ rollouts_pod_template_hash: 'st4ble' })).toBe('stable');
    expect(plan.side({ rollouts_pod_template_hash: 'other' })).toBeUndefined();
  });

  test('uses the configured metric names and drops latency without a latency objective', () => {
    // GIVEN custom metric names and no latency objective
    const plan = planQueries({
      ...appRequest,
      workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc', requestsMetric: 'api_requests_total' } } },
      objectives: { successRate: 0.9 },
    });

    // THEN only the canary hash is selected and there is no latency query
    expect(plan.requests).toBe('sum by (rollouts_pod_template_hash) (increase(api_requests_total{namespace="shop",rollouts_pod_template_hash=~"abc"}[2m]))');
    expect(plan.latency).toBeUndefined();
    expect(plan.hasStable).toBe(false);
  });

  test('treats identical canary and stable hashes as no baseline', () => {
    // GIVEN / WHEN the same hash on both sides
    const plan = planQueries({ ...appRequest, workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc', stablePodTemplateHash: 'abc' } } } });

    // THEN no stable side
    expect(plan.hasStable).toBe(false);
  });

  test('reads ingress-nginx canary traffic from the canary label of the stable ingress', () => {
    // GIVEN an ingress-nginx source narrowed to one canary service
    const plan = planQueries({
      ...appRequest,
      workload: { namespace: 'shop', source: { ingressNginx: { stableIngress: 'web.public', canaryService: 'web-canary', namespaceLabel: 'exported_namespace' } } },
    });

    // THEN stable is canary="" and canary is the upstream of the canary service
    const selector = 'exported_namespace="shop",ingress="web.public",canary=~"|shop-web-canary-.+"';
    expect(plan.requests).toBe(`sum by (track) (label_replace(increase(nginx_ingress_controller_requests{${selector}}[2m]), "track", "canary", "canary", ".+"))`);
    expect(plan.latency).toBe(`histogram_quantile(0.95, sum by (track, le) (label_replace(rate(nginx_ingress_controller_request_duration_seconds_bucket{${selector}}[2m]), "track", "canary", "canary", ".+")))`);
    expect(plan.side({ track: 'canary' })).toBe('canary');
    expect(plan.side({})).toBe('stable');
  });

  test('fails on a label value carrying PromQL', () => {
    // GIVEN an injection attempt that bypassed the schema
    const evil = { ...appRequest, workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: '"} or vector(1) #' } } } };

    // WHEN / THEN
    expect(() => planQueries(evil)).toThrow('workload.source.app.canaryPodTemplateHash must match ^[a-z0-9]{1,32}$, got "\\"} or vector(1) #"');
  });

  test('fails on a namespace outside the Kubernetes name pattern', () => {
    // GIVEN / WHEN / THEN
    expect(() => planQueries({ ...appRequest, workload: { ...appRequest.workload, namespace: 'Shop' } }))
      .toThrow('workload.namespace must match ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$, got "Shop"');
  });

  test('fails on a PromQL keyword as a metric name, even without the server in front', () => {
    // GIVEN a duration metric Prometheus would read as the number NaN
    const keyword = { ...appRequest, workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc', durationMetric: 'NaN' } } } };

    // WHEN / THEN
    expect(() => planQueries(keyword)).toThrow(new Error(
      'workload.source.app.durationMetric must be a metric name, got the PromQL keyword "NaN": name the counter or histogram the service exports'));
  });
});

describe('escaping', () => {
  test('escapes string literals and regex metacharacters', () => {
    // GIVEN / WHEN / THEN
    expect(promqlString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(regexLiteral('a.b|c')).toBe('a\\.b\\|c');
  });
});

describe('verdictKey', () => {
  test('ignores key order and applied defaults', () => {
    // GIVEN the same request written in another order and with the default minRequests spelled out
    const reordered: VerdictRequest = {
      objectives: { latency: { thresholdSeconds: 3, quantile: 0.95 }, successRate: 0.95, minRequests: 50 },
      window: '2m',
      workload: { source: { app: { stablePodTemplateHash: 'st4ble', canaryPodTemplateHash: 'c4n4ry' } }, namespace: 'shop' },
    };

    // THEN both share one key, and a different window does not
    expect(verdictKey(reordered)).toBe(verdictKey(appRequest));
    expect(verdictKey({ ...appRequest, window: '3m' })).not.toBe(verdictKey(appRequest));
  });
});

describe('readMeasurements', () => {
  test('splits grouped samples into canary and stable', () => {
    // GIVEN answers grouped by hash, with no 5xx series for stable and NaN latency for the canary
    const plan = planQueries(appRequest);
    const h = (hash: string, value: number) => ({ labels: { rollouts_pod_template_hash: hash }, value });

    // WHEN read
    const measured = readMeasurements(plan, [h('c4n4ry', 100), h('st4ble', 900)], [h('c4n4ry', 20)], [h('c4n4ry', NaN), h('st4ble', 0.1)]);

    // THEN
    expect(measured).toEqual({
      canary: { requests: 100, errors: 20, latency: NaN },
      stable: { requests: 900, errors: 0, latency: 0.1 },
    });
  });

  test('parses Prometheus special values', () => {
    // GIVEN / WHEN / THEN
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('0.25')).toBe(0.25);
  });
});

describe('resolveObjectives', () => {
  test('applies the documented defaults', () => {
    // GIVEN / WHEN
    const resolved = resolveObjectives({ ...appRequest, objectives: { errorBudget: { objective: 0.99 } } });

    // THEN
    expect(resolved).toEqual({
      minRequests: 50,
      confidence: 0.999,
      comparison: { errorRatioTolerance: 0.01, confidence: 0.999, latencyRatioTolerance: 1.5, latencyMarginSeconds: 0.05 },
      errorBudget: { objective: 0.99, maxBurnRate: 2 },
    });
  });

  test('the comparison takes the objectives\' confidence unless it sets its own', () => {
    const resolve = (objectives: object) => resolveObjectives({ ...appRequest, objectives });
    expect(resolve({ confidence: 0.99 }).comparison.confidence).toBe(0.99);
    expect(resolve({ confidence: 0.99, comparison: { confidence: 0.9 } })).toMatchObject({ confidence: 0.99, comparison: { confidence: 0.9 } });
  });
});
