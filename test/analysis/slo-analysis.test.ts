import { Chart, Duration, Testing } from 'cdk8s';
import { vectorSelectors } from '../../lib/analysis/promql';
import { SliSource } from '../../lib/analysis/sli-source';
import { DEFAULT_PROMETHEUS_ADDRESS, SloAnalysis } from '../../lib/analysis/slo-analysis';
import { BurnRateWindow, SloObjective } from '../../lib/analysis/slo-objective';
import { worstTimeToAbort } from '../../lib/analysis/timing';
import '../support/pod-monitor-schema';
import { promtoolErrors } from '../support/promtool';
import { synthValid } from '../support/schema';
import { CanaryRollout, CanaryStep, SloGate, TrafficRouting } from '../../lib';

const matchLabels = { 'app.kubernetes.io/name': 'orders' };
const allObjectives = () => [
  SloObjective.successRate(),
  SloObjective.latency(),
  SloObjective.errorBudget({ burnRateWindows: [BurnRateWindow.fast()] }),
  SloObjective.canaryHealth(),
  SloObjective.stableComparison(),
];
const sources = () => ({
  app: SliSource.app({ matchLabels }),
  ingressNginx: SliSource.ingressNginx({ stableIngress: 'orders', canaryService: 'orders-canary', servicePort: 80 }),
  custom: SliSource.custom({
    totalEvents: 'rate(grpc_server_handled_total[$window])',
    goodEvents: 'rate(grpc_server_handled_total{grpc_code="OK"}[$window])',
    latencyBuckets: 'rate(grpc_server_handling_seconds_bucket[$window])',
  }),
});
const template = (objects: any[]) => objects.find(o => o.kind === 'AnalysisTemplate' || o.kind === 'ClusterAnalysisTemplate');

describe('SloAnalysis defaults', () => {
  const chart = Testing.chart();
  const analysis = new SloAnalysis(chart, 'slo', { sli: SliSource.app({ matchLabels }) });
  const objects = synthValid(chart);
  const t = template(objects);

  // The default output: an AnalysisTemplate judging the canary alone on success rate and p95 latency, and its PodMonitor.
  test('snapshot of the default output', () => {
    // THEN the default output is a template and the PodMonitor that gives it data (the snapshot holds their full text)
    expect(objects.map((o) => o.kind)).toEqual(['AnalysisTemplate', 'PodMonitor']);
    expect(t.spec.args).toEqual([{ name: 'namespace' }, { name: 'canary-hash' }]);
    // AND both metrics read only the canary's series, judge at least 50 requests, and keep the default objectives (95%, p95 <= 3s)
    for (const m of t.spec.metrics) {
      expect(vectorSelectors(m.provider.prometheus.query).filter((sel) => !sel.includes('rollouts_pod_template_hash="6d4f8b7c9"'))).toEqual([]);
      expect(m.provider.prometheus.query).toMatch(/>= 50\)$/);
    }
    expect(t.spec.metrics.map((m: any) => m.successCondition)).toEqual([
      'len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.95', 'len(result) > 0 && !isNaN(result[0]) && result[0] <= 3',
    ]);
    expect(objects).toMatchSnapshot();
  });

  test('an AnalysisTemplate child named Resource with success rate and p95 latency', () => {
    expect(analysis.node.findChild('Resource')).toBe(analysis.resource);
    expect(t.kind).toBe('AnalysisTemplate');
    expect(t.metadata.name).toBe(analysis.templateName);
    expect(t.spec.metrics.map((m: any) => m.name)).toEqual(['success-rate', 'latency-p95']);
  });

  test('each metric has the documented measurement defaults and the default Prometheus', () => {
    for (const m of t.spec.metrics) {
      expect(m).toMatchObject({
        interval: '30s', count: 4, initialDelay: '30s', failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2,
        provider: { prometheus: { address: 'http://prometheus-operated.monitoring.svc:9090' } },
      });
      expect(m.successCondition).toMatch(/^len\(result\) > 0 && !isNaN\(result\[0\]\) && /);
      expect(m.failureCondition).toMatch(/^len\(result\) > 0 && !isNaN\(result\[0\]\) && /);
    }
    expect(DEFAULT_PROMETHEUS_ADDRESS).toBe('http://prometheus-operated.monitoring.svc:9090');
    expect(t.spec.dryRun).toBeUndefined();
  });

  test('declares the args the rollout must pass, and where it takes them from', () => {
    expect(t.spec.args).toEqual([{ name: 'namespace' }, { name: 'canary-hash' }]);
    expect(analysis.args).toEqual([
      { name: 'namespace', hasDefault: false, rolloutValueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'canary-hash', hasDefault: false, rolloutValueFrom: { podTemplateHashValue: 'Latest' } },
    ]);
    expect(analysis.rolloutArgs).toEqual([
      { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    ]);
  });

  test('exposes the timing of each metric, with its window', () => {
    expect(analysis.clusterScope).toBe(false);
    const seconds = (d?: Duration) => d?.toSeconds();
    expect(analysis.metrics.map(m => ({ ...m, interval: seconds(m.interval), initialDelay: seconds(m.initialDelay), window: seconds(m.window), timeout: seconds(m.timeout) }))).toEqual([
      { name: 'success-rate', interval: 30, count: 4, initialDelay: 30, failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2, window: 120, dryRun: false, timeout: 10 },
      { name: 'latency-p95', interval: 30, count: 4, initialDelay: 30, failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2, window: 120, dryRun: false, timeout: 10 },
    ]);
    // 120s window + (30s interval + 10s query timeout), then the failing measurement's own 10s
    expect(worstTimeToAbort(analysis.metrics)?.total).toBe(170);
    // AND each query is bounded by the emitted 10s timeout, not Argo's 30s default
    expect(t.spec.metrics.map((m: any) => m.provider.prometheus.timeout)).toEqual([10, 10]);
  });

  test('emits the PodMonitor of the app source', () => {
    expect(objects.filter(o => o.kind === 'PodMonitor')).toHaveLength(1);
  });
});

describe('SloAnalysis props', () => {
  test('clusterScope emits a ClusterAnalysisTemplate with the given name and address', () => {
    const chart = Testing.chart();
    const a = new SloAnalysis(chart, 'slo', {
      sli: sources().ingressNginx, clusterScope: true, templateName: 'orders-slo', address: 'https://prometheus.example.org/prom',
    });
    const t = template(synthValid(chart));
    expect(t.kind).toBe('ClusterAnalysisTemplate');
    expect(t.metadata.name).toBe('orders-slo');
    expect(a.templateName).toBe('orders-slo');
    expect(a.clusterScope).toBe(true);
    expect(t.spec.metrics[0].provider.prometheus.address).toBe('https://prometheus.example.org/prom');
  });

  test('a ClusterAnalysisTemplate has no namespace, in a chart that gives its objects one', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    new SloAnalysis(chart, 'slo', { sli: sources().ingressNginx, clusterScope: true, templateName: 'orders-slo' });
    const t = template(synthValid(chart));
    expect(t.metadata.name).toBe('orders-slo');
    expect(t.metadata).not.toHaveProperty('namespace');
  });

  test('measurement options apply to all metrics; an objective overrides them; dryRun and count 0', () => {
    const chart = Testing.chart();
    new SloAnalysis(chart, 'slo', {
      sli: sources().app,
      measurement: { interval: Duration.seconds(10), count: 0, initialDelay: Duration.seconds(0) },
      objectives: [SloObjective.successRate(), SloObjective.latency({ dryRun: true, failureLimit: 2, count: 6 })],
    });
    const [sr, lat] = template(synthValid(chart)).spec.metrics;
    expect(sr.interval).toBe('10s');
    expect(sr.count).toBeUndefined();
    expect(sr.initialDelay).toBeUndefined();
    expect(lat).toMatchObject({ interval: '10s', count: 6, failureLimit: 2 });
    expect(template(Testing.synth(chart)).spec.dryRun).toEqual([{ metricName: 'latency-p95' }]);
  });

  test('addObjective returns the metrics it added and adds the stable-hash arg when comparing', () => {
    const chart = Testing.chart();
    const a = new SloAnalysis(chart, 'slo', { sli: sources().app });
    const added = a.addObjective(SloObjective.stableComparison());
    expect(added.map(m => m.name)).toEqual(['error-ratio-vs-stable']);
    expect(template(synthValid(chart)).spec.args).toEqual([{ name: 'namespace' }, { name: 'canary-hash' }, { name: 'stable-hash' }]);
    expect(a.rolloutArgs[2]).toEqual({ name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } });
  });

  test('no PodMonitor for the ingress-nginx source', () => {
    const chart = Testing.chart();
    new SloAnalysis(chart, 'slo', { sli: sources().ingressNginx });
    expect(synthValid(chart).map(o => o.kind)).toEqual(['AnalysisTemplate']);
  });
});

describe.each(Object.keys(sources()))('every objective with the %s source', (name) => {
  const chart = Testing.chart();
  const analysis = new SloAnalysis(chart, 'slo', { sli: (sources() as any)[name], objectives: allObjectives() });
  const objects = synthValid(chart);
  const metrics: any[] = template(objects).spec.metrics;

  test('is valid against the Argo CRD schema (strict)', () => {
    expect(metrics.map(m => m.name)).toEqual([
      'success-rate', 'latency-p95', 'error-budget-remaining', 'burn-rate', 'burn-rate-1h-5m', 'canary-ready', 'canary-restarts', 'error-ratio-vs-stable',
    ]);
  });

  test('every query is canary-scoped, except the error-budget policy, which counts the service\'s other versions', () => {
    // the SLI queries select the canary traffic; the health queries the canary pods by name
    const canary = name === 'ingressNginx' ? 'canary="default-orders-canary-80"' : 'rollouts_pod_template_hash="6d4f8b7c9"';
    const service = (s: string) => s.includes('namespace="default"') && !s.includes('5c7d9f8b6') && (name === 'ingressNginx'
      ? s.includes('ingress="orders", canary=""') : s.includes('rollouts_pod_template_hash!="6d4f8b7c9"'));
    for (const m of metrics) {
      if (m.name === 'error-budget-remaining') {
        const selectors = vectorSelectors(m.provider.prometheus.query);
        expect(selectors.length).toBeGreaterThan(0);
        expect(selectors.filter((s) => !service(s))).toEqual([]);
        continue;
      }
      const selectors = vectorSelectors(m.provider.prometheus.query);
      expect(selectors.length).toBeGreaterThan(0);
      const scope = m.name.startsWith('canary-') ? 'pod=~".+-6d4f8b7c9-[a-z0-9]+"' : canary;
      const unscoped = selectors.filter(s => !s.includes(scope));
      if (m.name === 'error-ratio-vs-stable') {
        // the stable half selects stable, never the canary: half of the selectors
        expect(unscoped).toHaveLength(selectors.length / 2);
        const stable = name === 'ingressNginx' ? 'ingress="orders", canary=""' : 'rollouts_pod_template_hash="5c7d9f8b6"';
        expect(unscoped.filter(s => !s.includes(stable))).toEqual([]);
      } else {
        expect(unscoped).toEqual([]);
      }
    }
  });

  test('every condition pair is guarded: an empty result is Inconclusive, never an Error; the policy fails only', () => {
    for (const m of metrics) {
      if (m.name !== 'error-budget-remaining') expect(m.successCondition).toMatch(/^len\(result\) (> 0|== 2) && /);
      expect(m.failureCondition).toMatch(/^len\(result\) (> 0|== 2) && /);
    }
    const policy = metrics.find((m) => m.name === 'error-budget-remaining');
    expect(policy).toMatchObject({ failureLimit: 0 });
    expect([policy.successCondition, policy.interval, policy.count]).toEqual([undefined, undefined, undefined]);
    expect(analysis.queries).toHaveLength(metrics.length);
  });

  test('promtool type-checks every query', () => {
    expect(promtoolErrors(Object.fromEntries(metrics.map(m => [m.name, m.provider.prometheus.query])))).toBe('');
  });
});

describe('SloAnalysis errors', () => {
  test('fails on a custom source with a broken query, with the position and the construct path', () => {
    // GIVEN a custom source whose total events miss a closing parenthesis
    const chart = new Chart(Testing.app(), 'shop');
    const sli = SliSource.custom({ totalEvents: 'rate(orders_total[$window]', goodEvents: 'rate(orders_total{code="200"}[$window])' });
    // WHEN the analysis is built THEN the error names the metric, the path, the position and shows the query
    const error = (() => { try { new SloAnalysis(chart, 'slo', { sli, objectives: [SloObjective.successRate()] }); } catch (e) { return (e as Error).message; } return ''; })();
    const [first, query, caret] = error.split('\n');
    expect(first).toBe('metric success-rate of shop/slo: invalid PromQL at line 1, column 611 (args replaced by sample values), fix the query:');
    expect(query).toContain('(sum(rate(orders_total[2m]) * 120)');
    expect(caret).toBe(`${' '.repeat(610)}^`);
  });

  test('fails on an objective added twice', () => {
    const chart = new Chart(Testing.app(), 'shop');
    const a = new SloAnalysis(chart, 'slo', { sli: sources().app });
    expect(() => a.addObjective(SloObjective.successRate({ objective: 0.9 }))).toThrow(
      'objective metric success-rate is already in shop/slo: each objective can be added once');
  });

  test('fails on an address that is not an http URL', () => {
    expect(() => new SloAnalysis(Testing.chart(), 'slo', { sli: sources().app, address: 'prometheus:9090' })).toThrow(
      'address must be an http or https URL of the Prometheus API, got "prometheus:9090"');
  });

  test('fails on bad analysis-wide measurement options', () => {
    expect(() => new SloAnalysis(Testing.chart(), 'slo', { sli: sources().app, measurement: { count: 1, failureLimit: 2 } })).toThrow(
      'count must be at least failureLimit, got count 1 and failureLimit 2: raise count or lower failureLimit');
  });

  test('fails synth without any objective', () => {
    const app = Testing.app();
    new SloAnalysis(new Chart(app, 'shop'), 'slo', { sli: sources().app, objectives: [] });
    expect(() => app.synth()).toThrow('[shop/slo] SloAnalysis has no objective: pass objectives or call addObjective()');
  });
});

describe('SloAnalysis measurement count follows how rollouts run it', () => {
  const setup = (measurement: object = {}, gate = false) => {
    const chart = Testing.chart();
    const rollout = new CanaryRollout(chart, 'orders', {
      image: 'registry.example.com/orders:1.0.0', steps: CanaryStep.weightsWithPauses([20, 50], Duration.minutes(5)),
      trafficRouting: TrafficRouting.nginx({ host: 'orders.example.com' }), maxTimeToAbort: Duration.minutes(5),
    });
    const slo = new SloAnalysis(chart, 'slo', {
      sli: SliSource.app({ matchLabels: rollout.podSelectorLabels }), measurement,
      ...(gate ? { gate: new SloGate(chart, 'gate', { image: 'registry.example.com/slo-gate:0.1.0' }) } : {}),
    });
    return { chart, rollout, slo };
  };
  const counts = (chart: Chart) => template(synthValid(chart)).spec.metrics.map((m: any) => m.count ?? 'until the rollout ends');

  test('without a count, a template run only in the background is a guard that watches until the rollout ends', () => {
    // GIVEN an analysis without count, WHEN added in the background only
    const { chart, rollout, slo } = setup();
    rollout.addAnalysis({ templates: [slo] }, { background: true });
    // THEN no metric has a count, and the plan says it runs until the end
    expect(counts(chart)).toEqual(['until the rollout ends', 'until the rollout ends']);
    // AND every metric keeps its failure condition alone: no data never pauses the rollout
    const metrics = template(synthValid(chart)).spec.metrics;
    expect(metrics.map((m: any) => [m.successCondition, typeof m.failureCondition])).toEqual([[undefined, 'string'], [undefined, 'string']]);
    expect(rollout.plan.analyses.map((a) => [a.background, a.indefinite, a.seconds])).toEqual([[true, true, undefined]]);
  });

  test('without a count, a template run as a step measures 4 times, in gate mode too', () => {
    for (const gate of [false, true]) {
      const { chart, rollout, slo } = setup({}, gate);
      rollout.addAnalysis({ templates: [slo] }, { atWeights: [20] });
      expect(new Set(counts(chart))).toEqual(new Set([4]));
    }
  });

  test('a count the user sets is kept in the background', () => {
    const { chart, rollout, slo } = setup({ count: 3 });
    rollout.addAnalysis({ templates: [slo] }, { background: true });
    expect(counts(chart)).toEqual([3, 3]);
  });

  test('fails when one template runs both as a step and in the background', () => {
    const { chart, rollout, slo } = setup();
    rollout.addAnalysis({ templates: [slo] }, { atWeights: [20], background: true });
    expect(() => Testing.synth(chart)).toThrow(`SloAnalysis ${slo.templateName} runs both as an analysis step and in the background: `
      + 'use one SloAnalysis for the steps and another for the background (a rule of cdk8s-progressive, not of Argo Rollouts: a step needs '
      + 'positive evidence and a finite count, a background guard fails only on confident harm and watches until the rollout ends)');
  });
});
