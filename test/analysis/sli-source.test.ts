import { App, Chart, Duration } from 'cdk8s';
import { vectorSelectors } from '../../lib/analysis/promql';
import { SliSource } from '../../lib/analysis/sli-source';
import { CanaryRollout, CanaryStep, TrafficRouting } from '../../lib';
import { promtoolErrors } from '../support/promtool';

const W = Duration.minutes(2);
const app = () => SliSource.app({ matchLabels: { 'app.kubernetes.io/name': 'orders' } });

describe('SliSource.app', () => {
  test('canary queries select the canary pod-template hash and the namespace', () => {
    // GIVEN the app source with its defaults
    const q = app().successRatio('canary', W);
    // THEN both sides of the ratio select the canary and nothing else
    expect(q).toBe('(sum(rate(http_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}", status!~"5.."}[2m])) or vector(0))'
      + ' / sum(rate(http_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m]))');
    const selectors = vectorSelectors(q);
    expect(selectors).toHaveLength(2);
    expect(selectors.filter(s => !s.includes('rollouts_pod_template_hash="6d4f8b7c9"'))).toEqual([]);
    expect(app().latencyQuantile('canary', 0.95, W)).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m])))');
  });

  test('stable queries select the stable hash; args say where the rollout takes them from', () => {
    const s = app();
    expect(s.successRatio('stable', W)).toContain('rollouts_pod_template_hash="{{args.stable-hash}}"');
    expect(s.successRatio('stable', W)).not.toContain('canary-hash');
    expect(s.args('canary')).toEqual([
      { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    ]);
    expect(s.args('stable')[1]).toEqual({ name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } });
  });

  test('names and labels are configurable', () => {
    const s = SliSource.app({
      podMonitor: false, requestsMetric: 'orders_requests_total', durationMetric: 'orders_latency_seconds',
      statusLabel: 'code', errorStatusRegex: '5..|429', hashLabel: 'hash', namespaceLabel: 'ns', matchers: { route: '/api' },
    });
    expect(s.successRatio('canary', W)).toBe('(sum(rate(orders_requests_total{ns="{{args.namespace}}", hash="{{args.canary-hash}}", route="/api", code!~"5..|429"}[2m])) or vector(0))'
      + ' / sum(rate(orders_requests_total{ns="{{args.namespace}}", hash="{{args.canary-hash}}", route="/api"}[2m]))');
    expect(s.latencyQuantile('canary', 0.99, W)).toContain('orders_latency_seconds_bucket{ns=');
  });

  test('fails on a PromQL injection through a matcher value', () => {
    expect(() => SliSource.app({ podMonitor: false, matchers: { route: '"} or vector(1) #' } })).toThrow(
      'sliSource.app matchers value of route must be a non-empty label value without quotes, backslashes, line breaks, \'#\', \'{{\' or \'}}\', got "\\"} or vector(1) #"');
  });

  test('fails on a PromQL injection through the error regex', () => {
    expect(() => SliSource.app({ podMonitor: false, errorStatusRegex: '5.."} or vector(1) or x{a="' })).toThrow(
      /^sliSource.app errorStatusRegex must be a non-empty label value without quotes/);
  });

  test('fails on a label name carrying PromQL', () => {
    expect(() => SliSource.app({ podMonitor: false, statusLabel: 'status!="x"} or vector(1) #' })).toThrow(
      'sliSource.app statusLabel must be a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*, got "status!=\\"x\\"} or vector(1) #"');
  });

  test('fails on a PodMonitor without pod selector', () => {
    expect(() => SliSource.app()).toThrow(
      'sliSource.app matchLabels must select the rollout\'s pods for the PodMonitor, got none: pass the rollout\'s selector labels, or set podMonitor: false if you scrape the pods yourself');
  });
});

describe('SliSource.istio', () => {
  const istio = () => SliSource.istio({ matchLabels: { 'app.kubernetes.io/name': 'orders' } });

  test('canary queries read the destination sidecar\'s series of the canary pod-template hash, latency in seconds', () => {
    // GIVEN the Istio source with its defaults
    const q = istio().successRatio('canary', W);
    // THEN both sides select the canary's hash and the server-side reports only
    expect(q).toBe('(sum(rate(istio_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}", reporter="destination", response_code!~"5.."}[2m])) or vector(0))'
      + ' / sum(rate(istio_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}", reporter="destination"}[2m]))');
    expect(vectorSelectors(q)).toHaveLength(2);
    // AND the histogram, in milliseconds, is turned into seconds
    expect(istio().latencyQuantile('canary', 0.95, W)).toBe(
      '(histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}", reporter="destination"}[2m]))) / 1000)');
    expect(istio().args('canary').map((a) => a.name)).toEqual(['namespace', 'canary-hash']);
    expect(istio().successRatio('stable', W)).toContain('rollouts_pod_template_hash="{{args.stable-hash}}"');
  });

  test('the service\'s other versions: every hash but the canary\'s, never a series without a hash', () => {
    const { total } = istio().serviceEventCounts(Duration.days(28));
    expect(total).toBe('sum(increase(istio_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash!="{{args.canary-hash}}", '
      + 'rollouts_pod_template_hash!="", reporter="destination"}[672h]))');
  });

  test('error codes, labels and matchers are configurable', () => {
    const s = SliSource.istio({ podMonitor: false, errorCodeRegex: '5..|429', hashLabel: 'hash', namespaceLabel: 'ns', matchers: { request_protocol: 'grpc' } });
    expect(s.eventCounts('canary', W).good).toBe('(sum(increase(istio_requests_total{ns="{{args.namespace}}", hash="{{args.canary-hash}}", reporter="destination", '
      + 'request_protocol="grpc", response_code!~"5..|429"}[2m])) or vector(0))');
  });

  test('emits a PodMonitor on the sidecar\'s Envoy metrics port that puts the pod-template hash on the series', () => {
    // GIVEN the source bound to a chart
    const chart = new Chart(new App(), 'c');
    SliSource.istio({ matchLabels: { app: 'orders' }, scrapeInterval: Duration.seconds(10), podMonitorLabels: { release: 'prom' } }).bind(chart);
    // THEN the PodMonitor scrapes port http-envoy-prom (istio-proxy's 15090) at /stats/prometheus
    const [monitor] = chart.toJson();
    expect(monitor.metadata.labels).toEqual({ release: 'prom' });
    expect(monitor.spec.selector).toEqual({ matchLabels: { app: 'orders' } });
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http-envoy-prom', path: '/stats/prometheus', interval: '10s' });
    expect(monitor.spec.podMetricsEndpoints[0].relabelings[0]).toEqual({
      sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'rollouts_pod_template_hash', action: 'replace',
    });
    // AND without it, nothing
    const bare = new Chart(new App(), 'd');
    SliSource.istio({ podMonitor: false }).bind(bare);
    expect(bare.toJson()).toEqual([]);
  });

  test('fails without pods for the PodMonitor, on a matcher the queries set, and on an injection', () => {
    expect(() => SliSource.istio()).toThrow(new Error('sliSource.istio matchLabels must select the rollout\'s pods for the PodMonitor, got none: '
      + 'pass the rollout\'s selector labels, or set podMonitor: false if you scrape the pods yourself'));
    expect(() => SliSource.istio({ podMonitor: false, matchers: { reporter: 'source' } })).toThrow(new Error(
      'sliSource.istio matchers must not set reporter, which the queries set themselves: remove reporter'));
    expect(() => SliSource.istio({ podMonitor: false, errorCodeRegex: '5.."} or vector(1) #' })).toThrow(
      /^sliSource.istio errorCodeRegex must be a non-empty label value without quotes/);
  });

  test('cannot be judged by the slo-gate', () => {
    expect(() => istio()._gate()).toThrow(/^the istio sli source cannot be judged by the slo-gate/);
  });
});

describe('SliSource.ingressNginx', () => {
  const nginx = () => SliSource.ingressNginx({ stableIngress: 'orders', canaryService: 'orders-canary', servicePort: 80 });

  test('canary queries select the canary upstream that ingress-nginx puts in the canary label', () => {
    expect(nginx().successRatio('canary', W)).toBe(
      '(sum(rate(nginx_ingress_controller_requests{namespace="{{args.namespace}}", canary="{{args.namespace}}-orders-canary-80", status!~"5.."}[2m])) or vector(0))'
      + ' / sum(rate(nginx_ingress_controller_requests{namespace="{{args.namespace}}", canary="{{args.namespace}}-orders-canary-80"}[2m]))');
    expect(nginx().latencyQuantile('canary', 0.95, W)).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="{{args.namespace}}", canary="{{args.namespace}}-orders-canary-80"}[2m])))');
    expect(nginx().args('canary').map(a => a.name)).toEqual(['namespace']);
  });

  test('stable queries select the stable ingress without canary upstream', () => {
    expect(nginx().successRatio('stable', W)).toContain('nginx_ingress_controller_requests{namespace="{{args.namespace}}", ingress="orders", canary=""}');
  });

  test('a named port and a renamed namespace label', () => {
    const s = SliSource.ingressNginx({ stableIngress: 'orders', canaryService: 'orders-canary', servicePortName: 'http', namespaceLabel: 'exported_namespace' });
    expect(s.successRatio('canary', W)).toContain('{exported_namespace="{{args.namespace}}", canary="{{args.namespace}}-orders-canary-http"}');
  });

  test.each([
    [{ stableIngress: 'orders"} or vector(1) #', canaryService: 'c', servicePort: 80 },
      'sliSource.ingressNginx stableIngress must be a Kubernetes object name (lowercase letters, digits, \'-\' and \'.\'), got "orders\\"} or vector(1) #"'],
    [{ stableIngress: 'orders', canaryService: 'Orders_Canary', servicePort: 80 },
      'sliSource.ingressNginx canaryService must be a Service name (lowercase letters, digits and \'-\'), got "Orders_Canary"'],
    [{ stableIngress: 'orders', canaryService: 'c', servicePort: 70000 },
      'sliSource.ingressNginx servicePort must be a port number 1-65535, got 70000'],
    [{ stableIngress: 'orders', canaryService: 'c', servicePortName: 'HTTP_PORT' },
      "sliSource.ingressNginx servicePortName must be a port name (at most 15 lowercase letters, digits and '-'), got \"HTTP_PORT\""],
    [{ stableIngress: 'orders', canaryService: 'c' },
      'sliSource.ingressNginx needs one of servicePort (a number) and servicePortName (a name), got neither: give the one the stable Ingress backend uses'],
    [{ stableIngress: 'orders', canaryService: 'c', servicePort: 80, servicePortName: 'http' },
      'sliSource.ingressNginx needs one of servicePort (a number) and servicePortName (a name), got both (80, "http"): give the one the stable Ingress backend uses'],
  ])('fails on invalid names %#', (props, message) => {
    expect(() => SliSource.ingressNginx(props)).toThrow(message);
  });
});

describe('SliSource.ingressNginxForRollout', () => {
  const rollout = (trafficRouting?: TrafficRouting) => new CanaryRollout(new Chart(new App(), 'c'), 'payments', {
    namespace: 'pay', image: 'registry.example.com/payments:1.0.0', port: 8080, servicePort: 8081,
    steps: [CanaryStep.weight(5)], trafficRouting,
  });

  test('takes the stable Ingress, the canary Service and the Service port from the rollout', () => {
    // GIVEN a rollout routed by ingress-nginx
    const r = rollout(TrafficRouting.nginx({ host: 'payments.example.com' }));
    // WHEN
    const s = SliSource.ingressNginxForRollout(r, { namespaceLabel: 'exported_namespace' });
    // THEN the queries are those of the explicit form
    const explicit = SliSource.ingressNginx({ stableIngress: 'payments', canaryService: 'payments-canary', servicePort: 8081, namespaceLabel: 'exported_namespace' });
    expect(s.successRatio('canary', W)).toBe(explicit.successRatio('canary', W));
    expect(s.successRatio('stable', W)).toBe(explicit.successRatio('stable', W));
    expect(s.successRatio('canary', W)).toContain('canary="{{args.namespace}}-payments-canary-8081"');
  });

  test('fails for a rollout without nginx routing', () => {
    expect(() => SliSource.ingressNginxForRollout(rollout())).toThrow(
      "sliSource.ingressNginxForRollout needs a rollout routed by TrafficRouting.nginx, but rollout 'payments' has no stable Ingress: "
      + 'set trafficRouting to TrafficRouting.nginx(...), or use SliSource.app');
  });
});

describe('SliSource.custom', () => {
  const custom = () => SliSource.custom({
    totalEvents: 'rate(grpc_server_handled_total{grpc_service="orders"}[$window])',
    goodEvents: 'rate(grpc_server_handled_total{grpc_service="orders", grpc_code="OK"}[$window])',
    latencyBuckets: 'rate(grpc_server_handling_seconds_bucket[$window])',
  });

  test('injects the canary selector into every selector and the window', () => {
    expect(custom().successRatio('canary', W)).toBe(
      '(sum(rate(grpc_server_handled_total{grpc_service="orders", grpc_code="OK", namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m])) or vector(0))'
      + ' / sum(rate(grpc_server_handled_total{grpc_service="orders", namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m]))');
    expect(custom().latencyQuantile('canary', 0.9, W)).toBe(
      'histogram_quantile(0.9, sum by (le) (rate(grpc_server_handling_seconds_bucket{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m])))');
  });

  test('fails on a placeholder in user PromQL', () => {
    expect(() => SliSource.custom({ totalEvents: 'rate(x{h="{{args.canary-hash}}"}[$window])', goodEvents: 'rate(x[$window])' })).toThrow(
      'sliSource.custom totalEvents must be non-empty PromQL without \'{{\' (the canary selector is injected for you), got "rate(x{h=\\"{{args.canary-hash}}\\"}[$window])"');
  });

  test('fails on a latency query without latency buckets', () => {
    const s = SliSource.custom({ totalEvents: 'rate(x[$window])', goodEvents: 'rate(x[$window])' });
    expect(s.hasLatency).toBe(false);
    expect(() => s.latencyQuantile('canary', 0.95, W)).toThrow(
      'sliSource.custom latencyBuckets is required for a latency objective, got none: set latencyBuckets or drop the latency objective');
  });
});

test('promtool accepts every query of every source, canary and stable', () => {
  // GIVEN every query the sources build
  const queries: Record<string, string> = {};
  const sources = {
    app: app(),
    nginx: SliSource.ingressNginx({ stableIngress: 'orders', canaryService: 'orders-canary', servicePort: 80 }),
    istio: SliSource.istio({ podMonitor: false }),
    custom: SliSource.custom({ totalEvents: 'rate(x[$window])', goodEvents: 'rate(x{c="ok"}[$window])', latencyBuckets: 'rate(d_bucket[$window])' }),
  };
  for (const [name, s] of Object.entries(sources)) {
    for (const track of ['canary', 'stable'] as const) {
      queries[`${name}_${track}_success`] = s.successRatio(track, W);
      queries[`${name}_${track}_latency`] = s.latencyQuantile(track, 0.95, W);
    }
  }
  // WHEN promtool type-checks them THEN it has nothing to say
  expect(promtoolErrors(queries)).toBe('');
});

test('promtool catches a type error the parser lets through', () => {
  expect(promtoolErrors({ bad: 'rate(sum(x))' })).toContain('expected type range vector in call to function "rate", got instant vector');
});
