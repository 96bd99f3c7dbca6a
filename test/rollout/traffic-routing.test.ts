import { Duration, Testing } from 'cdk8s';
import { CanaryRollout, CanaryRolloutProps, CanaryScale, CanaryStep, TrafficRouting } from '../../lib';
import { synthValid } from '../support/schema';

const gatewayApi = () => TrafficRouting.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways', hostnames: ['app.example.com'] });

function make(props: Partial<CanaryRolloutProps> = {}) {
  const chart = Testing.chart();
  const rollout = new CanaryRollout(chart, 'web', {
    image: 'registry.example.com/web:1.2.3',
    steps: CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
    trafficRouting: gatewayApi(),
    ...props,
  });
  return { chart, rollout };
}

const byKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);
const rolloutOf = (objs: any[]) => byKind(objs, 'Rollout')[0];

describe('TrafficRouting.gatewayApi', () => {
  test('emits an HTTPRoute with the stable Service at weight 100 and the canary at 0, and names it in the plugin entry', () => {
    // GIVEN a canary routed through the Gateway API
    const { chart, rollout } = make();
    // WHEN synthesized (and validated against the Gateway API v1.4.0 and Argo Rollouts v1.9.1 CRDs)
    const objs = synthValid(chart);
    // THEN one HTTPRoute, no Ingress
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'HTTPRoute/web', 'PodDisruptionBudget/web', 'Rollout/web', 'Service/web-canary', 'Service/web-stable',
    ]);
    const route = byKind(objs, 'HTTPRoute')[0];
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'cdk8s-progressive' });
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways' }],
      hostnames: ['app.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'web-stable', port: 80, weight: 100 }, { name: 'web-canary', port: 80, weight: 0 }],
      }],
    });
    // AND the Rollout names the route under the plugin's name, with the plugin's own key (httpRoute)
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web' } } });
    expect([rollout.httpRouteName, rollout.stableIngressName, rollout.stableIngressNames]).toEqual(['web', undefined, []]);
  });

  test('a listener, a path and custom Service names', () => {
    const { chart } = make({
      stableServiceName: 'web-main', canaryServiceName: 'web-next', port: 9000,
      trafficRouting: TrafficRouting.gatewayApi({ gatewayName: 'shared.gw', sectionName: 'https', path: '/api' }),
    });
    const route = byKind(synthValid(chart), 'HTTPRoute')[0];
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'shared.gw', sectionName: 'https' }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
        backendRefs: [{ name: 'web-main', port: 80, weight: 100 }, { name: 'web-next', port: 80, weight: 0 }],
      }],
    });
  });

  test('binds to an existing HTTPRoute by name and emits none', () => {
    const { chart, rollout } = make({ trafficRouting: TrafficRouting.gatewayApi({ httpRouteName: 'shop-web' }) });
    const objs = synthValid(chart);
    expect(byKind(objs, 'HTTPRoute')).toEqual([]);
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'shop-web' } } });
    expect(rollout.httpRouteName).toBe('shop-web');
  });

  test('takes dynamicStableScale and setCanaryScale, as the controller does with any router', () => {
    // GIVEN the Gateway API (no ingress-nginx, so no #1820) WHEN synthesized THEN both are emitted
    const { chart } = make({ dynamicStableScale: true, steps: [CanaryStep.setCanaryScale(CanaryScale.replicas(1)), CanaryStep.setWeight(20)] });
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary).toMatchObject({
      dynamicStableScale: true, steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 20 }],
    });
  });

  test('fails without gatewayName or httpRouteName', () => {
    expect(() => TrafficRouting.gatewayApi({ hostnames: ['a.example.com'] })).toThrow(new Error(
      'gatewayApi needs gatewayName (the Gateway the HTTPRoute attaches to) or httpRouteName (an existing HTTPRoute), got neither'));
  });

  test('fails on httpRouteName together with the props of an emitted route', () => {
    expect(() => TrafficRouting.gatewayApi({ httpRouteName: 'web', gatewayName: 'public', path: '/' })).toThrow(new Error(
      "gatewayApi httpRouteName 'web' binds to an existing HTTPRoute, so gatewayName, path would not be used: remove them, or remove httpRouteName to emit the HTTPRoute"));
  });

  test('fails on an invalid gateway name, namespace, listener, hostname or path', () => {
    expect(() => TrafficRouting.gatewayApi({ gatewayName: 'Public' }))
      .toThrow(new Error("gatewayApi gatewayName must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters), got 'Public'"));
    expect(() => TrafficRouting.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'a.b' }))
      .toThrow("gatewayApi gatewayNamespace must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got 'a.b'");
    expect(() => TrafficRouting.gatewayApi({ gatewayName: 'public', sectionName: 'HTTPS' }))
      .toThrow("gatewayApi sectionName must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters), got 'HTTPS'");
    expect(() => TrafficRouting.gatewayApi({ gatewayName: 'public', hostnames: ['https://a.example.com'] }))
      .toThrow(new Error("gatewayApi hostnames must be lowercase DNS names such as app.example.com, got 'https://a.example.com'"));
    expect(() => TrafficRouting.gatewayApi({ gatewayName: 'public', path: 'api' })).toThrow(new Error("gatewayApi path must start with '/', got 'api'"));
    expect(() => TrafficRouting.gatewayApi({ httpRouteName: 'Web' }))
      .toThrow("gatewayApi httpRouteName must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters), got 'Web'");
  });
});
