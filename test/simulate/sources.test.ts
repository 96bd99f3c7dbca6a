import { metricLimits, RunMetric } from '../../tools/cli/src/rehearsal/controller';
import { hasInstantSelector, latencyObjectiveSeconds, longestWindowSeconds, simulatedSource } from '../../tools/cli/src/simulate/sources';

type Json = { [key: string]: any };
const metric = (name: string, spec: Json): RunMetric => ({ name, spec: { name, ...spec }, limits: metricLimits(spec), initialDelayMs: 0, errorRetryMs: 10_000 });
const prom = (name: string, query: string, extra: Json = {}) => metric(name, { provider: { prometheus: { address: 'http://p:9090', query } }, ...extra });
const gate = (body: Json) => metric('gate', { provider: { web: { url: 'http://slo-gate.shop.svc/v1/verdict', method: 'POST', jsonBody: body, jsonPath: '{$.verdict}' } } });
const GATE_BODY = {
  workload: { namespace: 'shop-s0', source: { app: { canaryPodTemplateHash: 'bbb', stablePodTemplateHash: 'aaa' } } },
  window: '2m', objectives: { latency: { quantile: 0.95, thresholdSeconds: 0.5 } },
};

describe('what the analysis reads', () => {
  test('app series: the counter and histogram the queries and the gate select', () => {
    const source = simulatedSource([
      prom('rate', 'sum(rate(http_requests_total{namespace="shop-s0", rollouts_pod_template_hash="bbb", status!~"5.."}[1m]))'),
      gate(GATE_BODY),
    ], 'shop-s0');
    expect(source.kind).toBe('app');
    expect(source.names).toMatchObject({ requests: 'http_requests_total', histogram: 'http_request_duration_seconds', histogramCountAndSum: false });
  });

  test('ingress-nginx series through the gate', () => {
    const body = { ...GATE_BODY, workload: { namespace: 'shop-s0', source: { ingressNginx: { stableIngress: 'web' } } } };
    expect(simulatedSource([gate(body)], 'shop-s0')).toMatchObject({ kind: 'ingressNginx', names: { requests: 'nginx_ingress_controller_requests' } });
  });

  test('fails on a label the simulated series do not carry', () => {
    expect(() => simulatedSource([prom('rate', 'sum(rate(http_requests_total{namespace="shop-s0", route="/"}[1m]))')], 'shop-s0'))
      .toThrow('metric rate selects http_requests_total by label route: the simulated app series carry namespace, pod, rollouts_pod_template_hash, status, le only');
  });

  test('fails on a namespace written into the query instead of passed from the Rollout', () => {
    expect(() => simulatedSource([prom('rate', 'sum(rate(http_requests_total{namespace="prod"}[1m]))')], 'shop-s0'))
      .toThrow('metric rate selects namespace="prod" where the rollout\'s namespace is shop-s0: the simulation gives each scenario its own namespace '
        + 'through the Rollout\'s metadata.namespace; pass the namespace as an arg with fieldRef metadata.namespace');
  });

  test('fails on a provider the simulation does not evaluate', () => {
    expect(() => simulatedSource([metric('job', { provider: { job: {} } })], 'shop-s0'))
      .toThrow('metric job uses the job provider: the simulation evaluates prometheus metrics and web metrics that call the slo-gate (POST /v1/verdict); use one of those or drop the metric from the simulated chart');
  });

  test('latency objective: the gate\'s threshold or a histogram_quantile condition, the smallest', () => {
    const latency = prom('p95', 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))', {
      successCondition: 'len(result) > 0 && result[0] <= 3', failureCondition: 'len(result) > 0 && result[0] > 3',
    });
    expect(latencyObjectiveSeconds([latency])).toBe(3);
    expect(latencyObjectiveSeconds([latency, gate(GATE_BODY)])).toBe(0.5);
    expect(latencyObjectiveSeconds([prom('rate', 'sum(rate(http_requests_total[1m]))', { successCondition: 'result[0] <= 3' })])).toBeUndefined();
  });

  test('longest window and instant selectors', () => {
    expect(longestWindowSeconds([prom('rate', 'sum(rate(http_requests_total[5m]))'), gate(GATE_BODY)])).toBe(300);
    expect(hasInstantSelector([prom('rate', 'sum(rate(http_requests_total[5m]))')])).toBe(false);
    expect(hasInstantSelector([prom('total', 'sum(http_requests_total)')])).toBe(true);
  });
});
