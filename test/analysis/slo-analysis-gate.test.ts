import Ajv from 'ajv';
import { Duration, Testing } from 'cdk8s';
import { CanaryRollout, CanaryStep, GateAuth, SliSource, SloAnalysis, SloAnalysisProps, SloGate, SloGateProps, SloObjective, TrafficRouting } from '../../lib';
import * as gateContract from '../../lib/gate/contract';
import { resolveArgs } from '../support/argo-web';
import { synthValid } from '../support/schema';

function make(props: Partial<SloAnalysisProps> = {}, gateProps: Partial<SloGateProps> = {}) {
  const chart = Testing.chart();
  const gate = new SloGate(chart, 'gate', { namespace: 'shop', image: 'registry.example.com/slo-gate:0.1.0', ...gateProps });
  const analysis = new SloAnalysis(chart, 'slo', {
    templateName: 'web-slo', gate, sli: SliSource.app({ podMonitor: false }),
    objectives: [SloObjective.successRate({ window: Duration.minutes(1) }), SloObjective.latency({ window: Duration.minutes(1) }),
      SloObjective.errorBudget({ window: Duration.minutes(1) }), SloObjective.stableComparison({ window: Duration.minutes(1), tolerance: 0.02 })],
    ...props,
  });
  return { chart, analysis };
}
const templateOf = (objs: any[]) => objs.find((o) => o.kind === 'AnalysisTemplate');

describe('SloAnalysis in gate mode', () => {
  const { chart, analysis } = make({ minRequests: 100 });
  const template = templateOf(synthValid(chart));
  const metric = template.spec.metrics[0];

  test('one web metric POSTs the objectives to the gate and judges its verdict; the budget policy stays a Prometheus metric', () => {
    expect(template.spec.metrics.map((m: any) => m.name)).toEqual(['slo-gate', 'error-budget-remaining']);
    expect(metric).toMatchObject({
      name: 'slo-gate', successCondition: 'result == "pass"', failureCondition: 'result == "fail"',
      provider: { web: { method: 'POST', url: 'http://slo-gate.shop.svc.cluster.local/v1/verdict', jsonPath: '{$.verdict}', timeoutSeconds: 8 } },
    });
    expect(metric.provider.web.jsonBody).toEqual({
      workload: {
        namespace: '{{args.namespace}}', rollout: '{{args.rollout}}',
        source: { app: { canaryPodTemplateHash: '{{args.canary-hash}}', stablePodTemplateHash: '{{args.stable-hash}}' } },
      },
      window: '1m',
      objectives: {
        successRate: 0.95, latency: { quantile: 0.95, thresholdSeconds: 3 }, errorBudget: { objective: 0.99, maxBurnRate: 2 },
        comparison: { errorRatioTolerance: 0.02 }, minRequests: 100, confidence: 0.999,
      },
    });
    expect(template.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(template.spec.metrics[1]).toMatchObject({ failureLimit: 0, failureCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] < 0.05' });
    expect(template.spec.metrics[1].successCondition).toBeUndefined();
  });

  test('what it sends, once Argo resolves the args, is what the gate accepts', () => {
    const validate = new Ajv({ strict: false }).compile(gateContract.VERDICT_REQUEST_SCHEMA);
    const resolved = resolveArgs(metric, { 'namespace': 'shop', 'rollout': 'web', 'canary-hash': 'abc123', 'stable-hash': 'def456', 'gate-token': 'shop-token' });
    const body = resolved.provider.web.jsonBody;
    expect(validate(body) ? [] : validate.errors).toEqual([]);
  });

  test('the rollout passes the namespace, both pod-template hashes and its name (for the gate\'s logs); the token comes from the namespace\'s Secret', () => {
    expect(template.spec.args).toEqual([{ name: 'namespace' }, { name: 'canary-hash' }, { name: 'stable-hash' }, { name: 'rollout' },
      { name: 'gate-token', valueFrom: { secretKeyRef: { name: 'slo-gate-token', key: 'token' } } }]);
    expect(analysis.args.map((a) => [a.name, a.rolloutValueFrom])).toEqual([
      ['namespace', { fieldRef: { fieldPath: 'metadata.namespace' } }],
      ['canary-hash', { podTemplateHashValue: 'Latest' }],
      ['stable-hash', { podTemplateHashValue: 'Stable' }],
      ['rollout', { fieldRef: { fieldPath: 'metadata.name' } }],
      ['gate-token', undefined],
    ]);
  });

  test('its timing is that of the one gate metric, with the shared window, and of the one policy measurement', () => {
    expect(analysis.metrics.map((m) => [m.name, m.interval?.toSeconds(), m.count, m.window?.toSeconds()]))
      .toEqual([['slo-gate', 30, 4, 60], ['error-budget-remaining', undefined, undefined, 30 * 86400]]);
  });

  test('run only in the background, the gate metric is a guard: it fails on a "fail" verdict and nothing else', () => {
    const { chart: c, analysis: a } = make();
    const rollout = new CanaryRollout(c, 'web', { image: 'registry.example.com/web:1.0.0', steps: [CanaryStep.weight(10)],
      trafficRouting: TrafficRouting.nginx({ host: 'web.example.com' }) });
    rollout.addAnalysis({ templates: [a] }, { background: true });
    const [gateMetric] = templateOf(synthValid(c)).spec.metrics;
    expect([gateMetric.successCondition, gateMetric.failureCondition, gateMetric.count]).toEqual([undefined, 'result == "fail"', undefined]);
  });

  test('a dry run covers the gate metric and the budget policy alike', () => {
    const { chart: c } = make({ measurement: { dryRun: true } });
    expect(templateOf(synthValid(c)).spec.dryRun).toEqual([{ metricName: 'slo-gate' }, { metricName: 'error-budget-remaining' }]);
  });

  test('auth: the bearer token comes from the namespace\'s Secret through a template arg', () => {
    const { chart: c, analysis: a } = make({}, { auth: GateAuth.tenantTokens({ tokenSecret: { name: 'gate-token', key: 'shop' } }) });
    const t = templateOf(synthValid(c));
    expect(t.spec.args).toContainEqual({ name: 'gate-token', valueFrom: { secretKeyRef: { name: 'gate-token', key: 'shop' } } });
    expect(t.spec.metrics[0].provider.web.headers).toEqual([{ key: 'Authorization', value: 'Bearer {{args.gate-token}}' }]);
    expect(a.args.find((x) => x.name === 'gate-token')).toEqual({ name: 'gate-token', hasDefault: true });
  });

  test('an unauthenticated gate gets no token arg and no header', () => {
    const { chart: c } = make({}, { auth: GateAuth.unauthenticated() });
    const t = templateOf(synthValid(c));
    expect(t.spec.args.map((x: any) => x.name)).not.toContain('gate-token');
    expect(t.spec.metrics[0].provider.web.headers).toBeUndefined();
  });

  test('fails on an app source metric the gate does not serve', () => {
    const { chart: c } = make({ sli: SliSource.app({ podMonitor: false, requestsMetric: 'orders_total' }) });
    expect(() => Testing.synth(c)).toThrow("sliSource.app requestsMetric 'orders_total' of test/slo is not among the slo-gate's allowedMetrics "
      + '["http_requests_total","http_request_duration_seconds"], so the gate would refuse every verdict: add it to the SloGate\'s allowedMetrics');
  });

  test('an app source metric the gate was told to serve is fine; the duration metric counts only with a latency objective', () => {
    const { chart: c } = make({ sli: SliSource.app({ podMonitor: false, requestsMetric: 'orders_total' }), objectives: [SloObjective.successRate()] },
      { allowedMetrics: ['orders_total'] });
    expect(templateOf(synthValid(c)).spec.metrics[0].provider.web.jsonBody.workload.source.app.requestsMetric).toBe('orders_total');
  });

  test('fails on a Prometheus address with credentials, without showing them', () => {
    expect(() => new SloAnalysis(Testing.chart(), 'slo', { sli: SliSource.app({ podMonitor: false }), address: 'https://gate:hunter2@prom.example' }))
      .toThrow(new Error('address must not carry credentials, got "https://***@prom.example": the template is readable by everyone who can read the namespace; '
        + 'put Prometheus behind the slo-gate (its prometheusBasicAuthSecret) or an authenticating proxy'));
  });

  test('the ingress-nginx source is sent as the gate knows it', () => {
    const { chart: c } = make({ sli: SliSource.ingressNginx({ stableIngress: 'web', canaryService: 'web-canary', servicePort: 80 }) });
    expect(templateOf(synthValid(c)).spec.metrics[0].provider.web.jsonBody.workload.source)
      .toEqual({ ingressNginx: { stableIngress: 'web', canaryService: 'web-canary', namespaceLabel: 'namespace' } });
  });

  test('fails on an objective the gate cannot judge', () => {
    expect(() => make({ objectives: [SloObjective.canaryHealth()] })).toThrow(
      'an objective of test/slo cannot be judged by the slo-gate (canary health and burn-rate windows need the Prometheus provider): drop it, or use a separate SloAnalysis without gate');
  });
  test('fails on objectives with different windows', () => {
    expect(() => make({ objectives: [SloObjective.successRate({ window: Duration.minutes(1) }), SloObjective.latency()] })).toThrow(
      'objective latency of test/slo has window 2m but successRate has 1m: in gate mode every objective shares one window');
  });
  test('fails on an objective with its own measurement options', () => {
    expect(() => make({ objectives: [SloObjective.successRate({ interval: Duration.seconds(10) })] })).toThrow(
      'objective successRate of test/slo sets interval: in gate mode one measurement judges every objective, so set them on the SloAnalysis measurement');
  });
  test('fails on a custom source, whose PromQL the gate would not run', () => {
    expect(() => make({ sli: SliSource.custom({ goodEvents: 'sum(rate(ok_total[1m]))', totalEvents: 'sum(rate(all_total[1m]))' } as any) }))
      .toThrow('the custom sli source cannot be judged by the slo-gate, which builds its own queries: use SliSource.app or SliSource.ingressNginx, or the Prometheus provider');
  });
  test('fails on app source labels the gate does not query', () => {
    expect(() => make({ sli: SliSource.app({ podMonitor: false, statusLabel: 'code' }) })).toThrow(
      'sliSource.app statusLabel cannot be sent to the slo-gate, which queries the default labels (status, 5.., rollouts_pod_template_hash, namespace): drop statusLabel or use the Prometheus provider');
  });
  test.each([
    [{ minRequests: 0 }, 'minRequests must be a whole number >= 1, got 0'],
    [{ confidence: 0.99999 }, 'confidence must be between 0.5 and 0.9999, got 0.99999: 0.999 fails a measurement only on strong evidence'],
  ])('fails on %j', (props, message) => {
    expect(() => new SloAnalysis(Testing.chart(), 'slo', { sli: SliSource.app({ podMonitor: false }), ...props })).toThrow(message);
  });
});
