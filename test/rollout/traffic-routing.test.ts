import * as fs from 'fs';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import { CanaryRollout, CanaryRolloutProps, CanaryScale, CanaryStep, LockedDownNetwork, StringMatch, TrafficRouting } from '../../lib';
import * as YAML from 'yaml';
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
    const { chart } = make({ dynamicStableScale: true, steps: [CanaryStep.canaryScale(CanaryScale.replicas(1)), CanaryStep.weight(20)] });
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

describe('TrafficRouting.istio', () => {
  test('tells where its data plane runs: the ingress gateway, the mesh callers, and the sidecar in the rollout\'s pods', () => {
    const routing = TrafficRouting.istio({ gateways: ['istio-system/public', 'mesh'] });
    const sidecar = { controlPlane: { namespace: 'istio-system', podLabels: { app: 'istiod' } }, controlPlanePort: 15012, metricsPort: 15090 };
    expect(routing._routerPods('shop')).toEqual([
      { namespace: 'istio-system', podLabels: { istio: 'ingressgateway' }, sidecar },
      { namespace: 'shop', podLabels: { 'security.istio.io/tlsMode': 'istio' }, sidecar },
    ]);
    expect(TrafficRouting.istio({ gateways: ['public'] })._routerPods('shop').map((p) => p.podLabels)).toEqual([{ istio: 'ingressgateway' }]);
    expect(TrafficRouting.istio({ istiod: { podLabels: { 'istio.io/rev': 'canary' } } })._routerPods('shop')[0].sidecar!.controlPlane)
      .toEqual({ namespace: 'istio-system', podLabels: { 'istio.io/rev': 'canary' } });
  });

  test('host-level: a VirtualService whose one route holds the stable Service at 100 and the canary at 0, named in the Rollout', () => {
    // GIVEN Istio routing with the defaults
    const { chart } = make({ trafficRouting: TrafficRouting.istio() });
    // WHEN synthesized (and validated against the Istio v1.32.0 and Argo Rollouts v1.9.1 CRDs)
    const objs = synthValid(chart);
    // THEN a VirtualService for the mesh, no DestinationRule, no extra Service
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'PodDisruptionBudget/web', 'Rollout/web', 'Service/web-canary', 'Service/web-stable', 'VirtualService/web',
    ]);
    const vs = byKind(objs, 'VirtualService')[0];
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.spec).toEqual({
      hosts: ['web-stable'],
      http: [{ name: 'primary', route: [
        { destination: { host: 'web-stable', port: { number: 80 } }, weight: 100 },
        { destination: { host: 'web-canary', port: { number: 80 } }, weight: 0 },
      ] }],
    });
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ istio: { virtualService: { name: 'web', routes: ['primary'] } } });
  });

  test('subset-level: a Service for every pod, a DestinationRule with stable and canary subsets, and the VirtualService on them', () => {
    // GIVEN subset-level routing through an ingress gateway
    const { chart } = make({ trafficRouting: TrafficRouting.istio({ subsetLevel: true, hosts: ['app.example.com'], gateways: ['istio-system/public', 'mesh'] }) });
    const objs = synthValid(chart);
    // THEN the Service 'web' selects every pod of the rollout
    const service = byKind(objs, 'Service').find((o) => o.metadata.name === 'web');
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'web' });
    // AND the DestinationRule's subsets start from that selector (the controller adds the pod-template hash)
    const dr = byKind(objs, 'DestinationRule')[0];
    expect(dr.spec).toEqual({ host: 'web', subsets: [{ name: 'stable', labels: { 'app.kubernetes.io/name': 'web' } }, { name: 'canary', labels: { 'app.kubernetes.io/name': 'web' } }] });
    expect(byKind(objs, 'VirtualService')[0].spec).toEqual({
      hosts: ['app.example.com'], gateways: ['istio-system/public', 'mesh'],
      http: [{ name: 'primary', route: [
        { destination: { host: 'web', subset: 'stable', port: { number: 80 } }, weight: 100 },
        { destination: { host: 'web', subset: 'canary', port: { number: 80 } }, weight: 0 },
      ] }],
    });
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ istio: {
      virtualService: { name: 'web', routes: ['primary'] },
      destinationRule: { name: 'web', stableSubsetName: 'stable', canarySubsetName: 'canary' },
    } });
  });

  test('binds to an existing VirtualService (its only route) and DestinationRule, and emits none', () => {
    const { chart } = make({ trafficRouting: TrafficRouting.istio({
      subsetLevel: true, virtualServiceName: 'shop', destinationRuleName: 'shop-web', stableSubsetName: 'v-stable', canarySubsetName: 'v-canary',
    }) });
    const objs = synthValid(chart);
    expect(objs.filter((o) => ['VirtualService', 'DestinationRule'].includes(o.kind) || o.metadata.name === 'web' && o.kind === 'Service')).toEqual([]);
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ istio: {
      virtualService: { name: 'shop' },
      destinationRule: { name: 'shop-web', stableSubsetName: 'v-stable', canarySubsetName: 'v-canary' },
    } });
    const named = make({ trafficRouting: TrafficRouting.istio({ virtualServiceName: 'shop', routes: ['web-route'] }) });
    expect(rolloutOf(synthValid(named.chart)).spec.strategy.canary.trafficRouting).toEqual({ istio: { virtualService: { name: 'shop', routes: ['web-route'] } } });
  });

  test('fails on props of an emitted VirtualService with virtualServiceName, and on names of existing objects without it', () => {
    expect(() => TrafficRouting.istio({ virtualServiceName: 'shop', hosts: ['a.example.com'] })).toThrow(new Error(
      "istio virtualServiceName 'shop' binds to an existing VirtualService, so hosts would not be used: remove them, or remove virtualServiceName to emit the VirtualService"));
    expect(() => TrafficRouting.istio({ routes: ['web'] })).toThrow(new Error(
      "istio routes name parts of an existing VirtualService or DestinationRule: set virtualServiceName to bind to them, or remove routes to emit the VirtualService (route 'primary')"));
    expect(() => TrafficRouting.istio({ subsetLevel: true, virtualServiceName: 'shop' })).toThrow(new Error(
      "istio subsetLevel with virtualServiceName 'shop' needs destinationRuleName: name the existing DestinationRule whose subsets the controller updates"));
    expect(() => TrafficRouting.istio({ virtualServiceName: 'shop', destinationRuleName: 'shop' })).toThrow(new Error(
      'istio destinationRuleName only apply to subset-level routing: set subsetLevel, or remove them'));
  });

  test('fails on invalid hosts, gateways and subset names', () => {
    expect(() => TrafficRouting.istio({ hosts: ['https://a'] })).toThrow(new Error("istio hosts must be lowercase DNS names such as app.example.com, got 'https://a'"));
    expect(() => TrafficRouting.istio({ gateways: ['a/b/c'] })).toThrow(new Error("istio gateways must be '<namespace>/<name>', '<name>' or 'mesh', got 'a/b/c'"));
    expect(() => TrafficRouting.istio({ subsetLevel: true, virtualServiceName: 'shop', destinationRuleName: 'dr', stableSubsetName: 'canary' })).toThrow(new Error(
      "istio stableSubsetName and canarySubsetName must differ, both are 'canary': the controller points each at different pods"));
  });

  test('fails on subset-level when the stable Service is named like the rollout', () => {
    expect(() => make({ stableServiceName: 'web', trafficRouting: TrafficRouting.istio({ subsetLevel: true }) })).toThrow(new Error(
      "istio subsetLevel emits a Service named like the rollout, 'web', which is already the stable or canary Service: give stableServiceName and canaryServiceName other names"));
  });
});

describe('header and mirror routes', () => {
  const header = CanaryStep.setHeaderRoute('canary-by-header', { 'X-Canary': StringMatch.exact('always'), 'X-Team': StringMatch.prefix('pay') });
  const mirror = CanaryStep.mirrorRoute({
    name: 'mirror-get', percentage: 20,
    matches: [{ method: StringMatch.exact('GET'), path: StringMatch.prefix('/api'), headers: { 'X-Mirror': StringMatch.regex('y.*') } }],
  });

  test('Istio: both steps as the controller reads them, and their names in managedRoutes in order of first use', () => {
    // GIVEN a header route, a weight, a mirror route, then both removed
    const { chart, rollout } = make({
      trafficRouting: TrafficRouting.istio(),
      steps: [header, CanaryStep.weight(10), mirror, CanaryStep.pause(Duration.minutes(1)), CanaryStep.removeMirrorRoute('mirror-get'),
        CanaryStep.removeHeaderRoute('canary-by-header'), CanaryStep.weight(50)],
    });
    // WHEN synthesized (and validated against the v1.9.1 Rollout CRD)
    const canary = rolloutOf(synthValid(chart)).spec.strategy.canary;
    // THEN
    expect(canary.steps).toEqual([
      { setHeaderRoute: { name: 'canary-by-header', match: [
        { headerName: 'X-Canary', headerValue: { exact: 'always' } }, { headerName: 'X-Team', headerValue: { prefix: 'pay' } }] } },
      { setWeight: 10 },
      { setMirrorRoute: { name: 'mirror-get', percentage: 20, match: [{ method: { exact: 'GET' }, path: { prefix: '/api' }, headers: { 'X-Mirror': { regex: 'y.*' } } }] } },
      { pause: { duration: '1m' } },
      { setMirrorRoute: { name: 'mirror-get' } },
      { setHeaderRoute: { name: 'canary-by-header' } },
      { setWeight: 50 },
    ]);
    expect(canary.trafficRouting.managedRoutes).toEqual([{ name: 'canary-by-header' }, { name: 'mirror-get' }]);
    expect(rollout.steps.map((s) => s.description).slice(0, 3)).toEqual([
      "setHeaderRoute canary-by-header (X-Canary exact 'always', X-Team prefix 'pay')", 'setWeight 10', 'setMirrorRoute mirror-get (20% of 1 match(es))',
    ]);
  });

  test('Gateway API: a header route, listed in managedRoutes beside the plugin entry', () => {
    const { chart } = make({ steps: [CanaryStep.weight(10), header, CanaryStep.pause()] });
    const routing = rolloutOf(synthValid(chart)).spec.strategy.canary.trafficRouting;
    expect(routing).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web' } }, managedRoutes: [{ name: 'canary-by-header' }] });
  });

  test('no managedRoutes without header or mirror steps', () => {
    expect(rolloutOf(synthValid(make().chart)).spec.strategy.canary.trafficRouting.managedRoutes).toBeUndefined();
  });

  test('fails on a header route with NGINX routing, naming its own way to reach the canary by header', () => {
    expect(() => make({ trafficRouting: TrafficRouting.nginx({ host: 'a.example.com' }), steps: [CanaryStep.weight(5), header] })).toThrow(new Error(
      'step 1 (setHeaderRoute canary-by-header) needs TrafficRouting.istio, TrafficRouting.gatewayApi or a custom router with istio, alb, '
      + 'apisix or plugins, got nginx: with ingress-nginx reach the canary '
      + "by header with additionalIngressAnnotations { 'canary-by-header': '<header>' }, or change router"));
  });

  test('fails on a header route without traffic routing', () => {
    expect(() => make({ trafficRouting: undefined, steps: [header] })).toThrow(new Error(
      'step 0 (setHeaderRoute canary-by-header) needs TrafficRouting.istio, TrafficRouting.gatewayApi or a custom router with istio, alb, '
      + 'apisix or plugins, got no traffic routing: set trafficRouting'));
  });

  test('fails on a mirror route with the Gateway API, whose plugin does not mirror', () => {
    expect(() => make({ steps: [mirror] })).toThrow(new Error(
      'step 0 (setMirrorRoute mirror-get) needs TrafficRouting.istio, got gatewayApi: the controller mirrors traffic with Istio only; remove the step or route with Istio'));
  });

  test('fails on one name for a header and a mirror route', () => {
    const clash = CanaryStep.mirrorRoute({ name: 'canary-by-header', matches: [{ path: StringMatch.prefix('/') }] });
    expect(() => make({ trafficRouting: TrafficRouting.istio(), steps: [header, clash] })).toThrow(new Error(
      'step 1 (setMirrorRoute canary-by-header) uses the name of a setHeaderRoute route: each managed route is either a header or a mirror route, rename one'));
  });

  test('fails on a managed route named like the weighted Istio route', () => {
    const steps = [CanaryStep.setHeaderRoute('primary', { 'X-Canary': StringMatch.exact('1') })];
    expect(() => make({ trafficRouting: TrafficRouting.istio(), steps })).toThrow(new Error(
      'step 0 (setHeaderRoute primary) uses the name of the route whose weights the controller sets: rename the managed route (a rule of cdk8s-progressive, '
      + 'not of Argo Rollouts: the controller removes routes by name, so it would remove the weighted route with the managed one)'));
    expect(() => make({ trafficRouting: TrafficRouting.istio({ virtualServiceName: 'shop', routes: ['main'] }),
      steps: [CanaryStep.removeHeaderRoute('main')] })).toThrow('step 0 (setHeaderRoute main) uses the name of the route whose weights the controller sets');
  });

  test('fails on steps without a match, an empty value, a bad percentage or name', () => {
    expect(() => CanaryStep.setHeaderRoute('h', {})).toThrow(new Error(
      "setHeaderRoute 'h' needs at least one header to match, got none: to remove the route use CanaryStep.removeHeaderRoute('h')"));
    expect(() => CanaryStep.mirrorRoute({ name: 'm', matches: [] })).toThrow(new Error(
      "setMirrorRoute 'm' needs at least one match, got none: to mirror every request match path StringMatch.prefix('/'), to remove the route use "
      + "CanaryStep.removeMirrorRoute('m') (a rule of cdk8s-progressive, not of Argo Rollouts: with an empty match list the controller mirrors every "
      + 'request, with no match at all it removes the route)'));
    expect(() => CanaryStep.mirrorRoute({ name: 'm', matches: [{ path: StringMatch.prefix('/') }], percentage: 101 }))
      .toThrow('setMirrorRoute percentage must be an integer between 0 and 100, got 101');
    expect(() => StringMatch.exact('')).toThrow(new Error("StringMatch.exact needs a value, got ''"));
    expect(() => CanaryStep.removeHeaderRoute('Canary_1')).toThrow("removeHeaderRoute name must be a DNS-1123 label");
  });
});

describe('TrafficRouting.custom', () => {
  const smi = () => TrafficRouting.custom({ spec: { smi: { rootService: 'web', trafficSplitName: 'web' } } });

  test('emits the given trafficRouting as the Rollout says it, and the plan times it as routed', () => {
    // GIVEN an SMI-routed canary (Linkerd), a router this library does not model
    const { chart, rollout } = make({ trafficRouting: smi(), steps: [CanaryStep.weight(5), CanaryStep.pause(Duration.seconds(30))] });
    // WHEN synthesized (strict v1.9.1 schema)
    const objs = synthValid(chart);
    // THEN the router's JSON, nothing emitted for it, and the plan counts routed canary pods (1 of 3 at 5%)
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ smi: { rootService: 'web', trafficSplitName: 'web' } });
    expect(objs.map((o) => o.kind).sort()).toEqual(['PodDisruptionBudget', 'Rollout', 'Service', 'Service']);
    expect(rollout.plan.steps[0].terms).toEqual(['pod readiness 10s (1 canary pod)']);
    expect(rollout.routerPods).toEqual([]);
  });

  test('router pods given become the rollout\'s routerPods (for LockedDownNetwork.forRollout); header routes allowed with a plugin, filled into managedRoutes', () => {
    const header = CanaryStep.setHeaderRoute('by-header', { 'X-Canary': StringMatch.exact('1') });
    const { chart, rollout } = make({
      trafficRouting: TrafficRouting.custom({
        spec: { plugins: { 'argoproj-labs/contour': { trafficRouteName: 'web' } }, maxTrafficWeight: 1000 },
        routerPods: [{ namespace: 'projectcontour', podLabels: { app: 'envoy' } }],
      }),
      steps: [CanaryStep.weight(100), header],
    });
    expect(rollout.routerPods).toEqual([{ namespace: 'projectcontour', podLabels: { app: 'envoy' } }]);
    LockedDownNetwork.forRollout(chart, 'net', rollout);
    const objs = synthValid(chart);
    expect(JSON.stringify(byKind(objs, 'NetworkPolicy'))).toContain('{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"projectcontour"}},"podSelector":{"matchLabels":{"app":"envoy"}}}');
    const routing = rolloutOf(objs).spec.strategy.canary.trafficRouting;
    expect(routing.managedRoutes).toEqual([{ name: 'by-header' }]);
    expect(routing.plugins).toEqual({ 'argoproj-labs/contour': { trafficRouteName: 'web' } });
  });

  test('fails on a header route with a router that has none (SMI), and on a mirror route without istio', () => {
    const header = CanaryStep.setHeaderRoute('by-header', { 'X-Canary': StringMatch.exact('1') });
    expect(() => make({ trafficRouting: smi(), steps: [CanaryStep.weight(5), header] })).toThrow(
      'step 1 (setHeaderRoute by-header) needs TrafficRouting.istio, TrafficRouting.gatewayApi or a custom router with istio, alb, apisix or plugins, '
      + 'got a custom router with none of them: set trafficRouting');
    const mirror = CanaryStep.mirrorRoute({ name: 'mirror', matches: [{ path: StringMatch.prefix('/') }] });
    expect(() => make({ trafficRouting: TrafficRouting.custom({ spec: { alb: { ingress: 'web', servicePort: 80 } } }), steps: [mirror] }))
      .toThrow('step 0 (setMirrorRoute mirror) needs TrafficRouting.istio, got custom');
  });

  test.each<[string, object, string]>([
    ['an unknown router', { linkerd: {} }, "custom traffic routing spec has 'linkerd', which is not a trafficRouting field of Argo Rollouts v1.9.1: use one of "
      + 'alb, ambassador, apisix, appMesh, istio, maxTrafficWeight, nginx, plugins, smi, traefik'],
    ['a misspelt nested field', { smi: { rootService: 'web', trafficSplit: 'web' } }, 'custom traffic routing spec has trafficRouting.smi.trafficSplit, not a field of '
      + "Argo Rollouts v1.9.1's trafficRouting: fix the name (the API server would drop it silently)"],
    ['managedRoutes', { istio: {}, managedRoutes: [{ name: 'x' }] }, 'custom traffic routing spec must not set managedRoutes: the rollout fills it from the names of its '
      + 'setHeaderRoute and setMirrorRoute steps; remove it'],
    ['no router', { maxTrafficWeight: 100 }, 'custom traffic routing spec names no router: set one of alb, ambassador, apisix, appMesh, istio, nginx, plugins, smi, traefik'],
    ['maxTrafficWeight with SMI', { smi: {}, maxTrafficWeight: 1000 }, 'custom traffic routing maxTrafficWeight (1000) needs nginx or plugins, got smi: '
      + 'the controller supports it with those only; remove it'],
  ])('fails on %s', (_what, spec, message) => {
    expect(() => TrafficRouting.custom({ spec })).toThrow(new Error(message));
  });

  test('accepts every trafficRouting router of the v1.9.1 CRD', () => {
    // the CRD kept in the repository is the reference
    const crd = YAML.parse(fs.readFileSync(path.join(__dirname, '../../crds/argo-rollouts-v1.9.1/rollout-crd.yaml'), 'utf8'));
    const fields = Object.keys(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.strategy.properties.canary.properties.trafficRouting.properties);
    expect(fields.length).toBeGreaterThan(8);
    for (const field of fields.filter((f) => !['managedRoutes', 'maxTrafficWeight'].includes(f))) {
      expect(() => TrafficRouting.custom({ spec: { [field]: {} } })).not.toThrow();
    }
  });
});
