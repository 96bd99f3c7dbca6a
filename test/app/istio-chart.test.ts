import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryRollout, CanaryStep, checkConnection, checkPodSecurity, LockedDownNetwork, PodEndpoint, SliSource, SloAnalysis, SloObjective, StringMatch,
  TrafficRouting,
} from '../../lib';
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
      CanaryStep.setMirrorRoute({ name: 'mirror-reads', matches: [{ method: StringMatch.exact('GET') }], percentage: 50 }),
      ...CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
      CanaryStep.removeMirrorRoute('mirror-reads'),
    ],
    trafficRouting: TrafficRouting.istio({ subsetLevel: true, hosts: ['orders.example.com'], gateways: ['istio-system/public'] }),
    maxPromotionTime: Duration.minutes(5),
  });
  const window = Duration.minutes(1);
  const slo = new SloAnalysis(chart, 'orders-slo', {
    templateName: 'orders-slo',
    sli: SliSource.app({ matchLabels: rollout.podSelectorLabels }),
    objectives: [SloObjective.successRate({ window })],
    measurement: { interval: Duration.seconds(20), count: 3 },
  });
  rollout.addAnalysis({ templates: [slo] }, { atWeights: [10] });
  // Istio's ingress gateway pods, as the router's pods cannot be told from the VirtualService
  LockedDownNetwork.forRollout(chart, 'orders-network', rollout, { ingressController: { namespace: 'istio-system', podLabels: { istio: 'ingressgateway' } } });
  const objs = synthValid(chart);

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
    expect(checkPodSecurity(objs)).toEqual([]);
  });

  test.each([
    ['ingress gateway -> canary', { namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, 'canary', true],
    ['ingress gateway -> stable', { namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, 'stable', true],
    ['ingress-nginx controller -> stable', { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } }, 'stable', false],
    ['another namespace -> stable', { namespace: 'other', labels: { app: 'x' } }, 'stable', false],
  ] as const)('%s', (_flow, from, track, allowed) => {
    const template = objs.find((o) => o.kind === 'Rollout')!.spec.template;
    const to: PodEndpoint = { namespace: 'orders', labels: { ...template.metadata.labels, track }, ports: template.spec.containers[0].ports };
    expect(checkConnection(objs, { from: { namespace: from.namespace, labels: { ...from.labels } }, to, port: 8080 }).allowed).toBe(allowed);
  });
});
