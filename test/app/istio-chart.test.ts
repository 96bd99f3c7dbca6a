import { Chart, Duration, Testing } from 'cdk8s';
import { CanaryRollout, CanaryStep, LockedDownNetwork, PodEndpoint, PodSecurity, Reachability, SliSource, SloAnalysis, SloObjective, StringMatch, TrafficRouting } from '../../lib';
import { synthValid } from '../support/schema';

/**
 * A service routed by Istio (subset-level, behind the ingress gateway, with a mirror route), written against the
 * public API as a user would, held to what the examples are held to: schemas, plan, Pod Security, reachability.
 */
describe('a chart routed by Istio', () => {
  const chart = new Chart(Testing.app(), 'orders', { namespace: 'orders' });
  const rollout = new CanaryRollout(chart, 'orders-api', {
    namespace: 'orders',
    image: 'registry.example.com/orders-api:2.4.0',
    replicas: 3,
    steps: [
      CanaryStep.mirrorRoute({ name: 'mirror-reads', matches: [{ method: StringMatch.exact('GET') }], percentage: 50 }),
      ...CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
      CanaryStep.removeMirrorRoute('mirror-reads'),
    ],
    trafficRouting: TrafficRouting.istio({ subsetLevel: true, hosts: ['orders.example.com'], gateways: ['istio-system/public'] }),
    maxPromotionTime: Duration.minutes(5),
  });
  const window = Duration.minutes(1);
  const slo = new SloAnalysis(chart, 'orders-slo', {
    templateName: 'orders-slo',
    sli: SliSource.istio({ matchLabels: rollout.podSelectorLabels }),
    objectives: [SloObjective.successRate({ window })],
    measurement: { interval: Duration.seconds(20), count: 3 },
  });
  rollout.addAnalysis({ templates: [slo] }, { atWeights: [10] });
  // the routing tells where Istio's data plane runs: the ingress gateway's pods, and the rollout's own sidecars
  const network = LockedDownNetwork.forRollout(chart, 'orders-network', rollout);
  const objs = synthValid(chart);
  const podOf = (track: 'canary' | 'stable'): PodEndpoint => {
    const template = objs.find((o) => o.kind === 'Rollout')!.spec.template;
    return { namespace: 'orders', labels: { ...template.metadata.labels, track }, ports: template.spec.containers[0].ports };
  };

  test('emits the Service for every pod, the DestinationRule and the VirtualService, and the Rollout names them', () => {
    expect(objs.map((o) => o.kind).filter((k) => ['VirtualService', 'DestinationRule', 'Ingress', 'HTTPRoute'].includes(k)).sort()).toEqual(['DestinationRule', 'VirtualService']);
    expect(objs.filter((o) => o.kind === 'Service').map((o) => o.metadata.name).sort()).toEqual(['orders-api', 'orders-api-canary', 'orders-api-stable']);
    const canary = objs.find((o) => o.kind === 'Rollout')!.spec.strategy.canary;
    expect(canary.trafficRouting).toEqual({
      istio: { virtualService: { name: 'orders-api', routes: ['primary'] }, destinationRule: { name: 'orders-api', stableSubsetName: 'stable', canarySubsetName: 'canary' } },
      managedRoutes: [{ name: 'mirror-reads' }],
    });
  });

  test('the plan: 10% with its analysis, 50%, the mirror route steps not timed', () => {
    const plan = rollout.plan;
    expect(plan.steps.map((s) => s.description)).toEqual([
      'setMirrorRoute mirror-reads', 'setWeight 10', 'analysis orders-slo', 'pause 1m', 'setWeight 50', 'pause 1m', 'setMirrorRoute mirror-reads (remove)',
      'promote: canary scaled to 3 pods',
    ]);
    expect(plan.steps[0]).toMatchObject({ seconds: 0, terms: ['route change, no wait'] });
    expect(plan.promotionSeconds).toBeLessThanOrEqual(300);
  });

  test('every pod template meets the Pod Security Standard "restricted" and our own checks', () => {
    expect(PodSecurity.check(objs)).toEqual([]);
  });

  test('the SLIs are Istio\'s, read from each pod\'s sidecar: a PodMonitor on its Envoy metrics port', () => {
    const monitor = objs.find((o) => o.kind === 'PodMonitor')!;
    expect(monitor.spec.selector.matchLabels).toEqual(rollout.podSelectorLabels);
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http-envoy-prom', path: '/stats/prometheus' });
    const template = objs.find((o) => o.kind === 'AnalysisTemplate')!;
    expect(template.spec.metrics[0].provider.prometheus.query).toContain('istio_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}", reporter="destination"');
  });

  test('the network rules: the ingress gateway in, Prometheus on the metrics ports, the sidecar out to istiod, DNS', () => {
    expect(network.rules.map((r) => r.description)).toEqual([
      'ingress from pods istio=ingressgateway in namespace istio-system on TCP 8080',
      'ingress from pods app.kubernetes.io/name=prometheus in namespace monitoring on TCP 8080',
      'ingress from pods app.kubernetes.io/name=prometheus in namespace monitoring on TCP 15090',
      'egress to pods app=istiod in namespace istio-system on TCP 15012',
      'egress to pods k8s-app=kube-dns in namespace kube-system on UDP 53, TCP 53',
    ]);
  });

  const gateway = { namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
  const prometheus = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
  const meshedHere = { namespace: 'orders', labels: { 'app.kubernetes.io/name': 'web', 'security.istio.io/tlsMode': 'istio' } };
  const istiod = { namespace: 'istio-system', labels: { app: 'istiod' } };
  /** The reachability table of the chart: who reaches the rollout's pods, and whom they reach. */
  test.each([
    ['ingress gateway -> canary :8080', gateway, 'canary', 8080, true],
    ['ingress gateway -> stable :8080', gateway, 'stable', 8080, true],
    ['ingress gateway -> stable :15090 (sidecar metrics)', gateway, 'stable', 15090, false],
    ['Prometheus -> canary :15090 (sidecar metrics)', prometheus, 'canary', 15090, true],
    ['Prometheus -> stable :8080 (app metrics)', prometheus, 'stable', 8080, true],
    ['Prometheus -> stable :15000 (Envoy admin)', prometheus, 'stable', 15000, false],
    ['meshed pod of the same namespace -> stable :8080 (the VirtualService routes only the gateway)', meshedHere, 'stable', 8080, false],
    ['istiod -> stable :8080', istiod, 'stable', 8080, false],
    ['ingress-nginx controller -> stable :8080', { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } }, 'stable', 8080, false],
    ['another namespace -> stable :8080', { namespace: 'other', labels: { app: 'x' } }, 'stable', 8080, false],
  ] as const)('%s', (_flow, from, track, port, allowed) => {
    expect(Reachability.check(objs, { source: { namespace: from.namespace, labels: { ...from.labels } }, destination: podOf(track), port }).allowed).toBe(allowed);
  });

  test.each([
    ['canary -> istiod :15012 (the sidecar\'s configuration and certificates)', 'canary', istiod, 15012, true],
    ['stable -> istiod :15012', 'stable', istiod, 15012, true],
    ['canary -> istiod :15010 (plain-text xDS)', 'canary', istiod, 15010, false],
    ['canary -> cluster DNS :53', 'canary', { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, 53, true],
    ['canary -> ingress gateway :8080', 'canary', gateway, 8080, false],
  ] as const)('%s', (_flow, track, to, port, allowed) => {
    expect(Reachability.check(objs, { source: podOf(track), destination: { namespace: to.namespace, labels: { ...to.labels } }, port }).allowed).toBe(allowed);
  });
});
