import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { NetworkPolicy as NetworkPolicyModel } from 'kubernetes-models/networking.k8s.io/v1';
import { LockedDownNetwork, NetworkDirection } from '../../lib/network/locked-down-network';
import { NetworkPeer, NetworkPort } from '../../lib/network/network-peer';
import { checkConnection, ConnectionEndpoint, PodEndpoint } from '../../lib/network/reachability';
import { INetworkWorkload } from '../../lib/network/selectable';
import { CanaryRollout, CanaryStep, TrafficRouting } from '../../lib';

/** A stand-in workload: any construct that implements INetworkWorkload. */
class StandInWorkload extends Construct implements INetworkWorkload {
  public readonly namespace?: string;
  public readonly podSelectorLabels: Record<string, string>;
  public readonly canaryLabels?: Record<string, string>;
  public readonly trafficPort: number;
  public readonly metricsPort: number;
  constructor(scope: Construct, id: string, props: Partial<INetworkWorkload> & { podSelectorLabels: Record<string, string> }) {
    super(scope, id);
    this.namespace = props.namespace;
    this.podSelectorLabels = props.podSelectorLabels;
    this.canaryLabels = props.canaryLabels;
    this.trafficPort = props.trafficPort ?? 8080;
    this.metricsPort = props.metricsPort ?? 8080;
  }
}

const APP = { 'app.kubernetes.io/name': 'shop' };
const GATE = { 'app.kubernetes.io/name': 'slo-gate' };
const DB = { 'app.kubernetes.io/name': 'orders-db' };
const PAYMENTS = { 'app.kubernetes.io/name': 'payments' };

/** The test chart: a canary app, its database, a payment service it calls, and the analysis gate. */
function buildChart() {
  const chart = new Chart(Testing.app(), 'test');
  const app = new StandInWorkload(chart, 'App', { namespace: 'shop', podSelectorLabels: APP, canaryLabels: { track: 'canary' }, trafficPort: 8080, metricsPort: 9100 });
  const db = new StandInWorkload(chart, 'Db', { namespace: 'data', podSelectorLabels: DB, trafficPort: 5432, metricsPort: 9187 });
  const payments = new StandInWorkload(chart, 'Payments', { namespace: 'payments', podSelectorLabels: PAYMENTS, trafficPort: 8443 });
  const gate = new StandInWorkload(chart, 'Gate', { namespace: 'shop', podSelectorLabels: GATE, trafficPort: 8080, metricsPort: 8080 });

  const network = new LockedDownNetwork(chart, 'AppNetwork', { workload: app });
  const rules = {
    ingressController: network.allowFromIngressController(),
    scrape: network.allowPrometheusScrape(),
    dns: network.allowDns(),
    db: network.allowTo(NetworkPeer.workload(db), [NetworkPort.tcp(db.trafficPort)]),
    payments: network.allowTo(NetworkPeer.workload(payments), [NetworkPort.tcp(payments.trafficPort)], { canary: false }),
  };
  const dbNetwork = new LockedDownNetwork(chart, 'DbNetwork', { workload: db });
  dbNetwork.allowFrom(NetworkPeer.workload(app), [NetworkPort.tcp(5432)]);
  const gateNetwork = LockedDownNetwork.forAnalysisGate(chart, 'GateNetwork', gate);
  return { chart, network, rules, gateNetwork, objects: Testing.synth(chart) };
}

const pod = (namespace: string, labels: Record<string, string>, namespaceLabels?: Record<string, string>): PodEndpoint => ({ namespace, labels, namespaceLabels });
const ingressController = pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' });
const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
const dns = pod('kube-system', { 'k8s-app': 'kube-dns' });
const stable = pod('shop', { ...APP, 'track': 'stable', 'rollouts-pod-template-hash': '6d4f' });
const canary = pod('shop', { ...APP, 'track': 'canary', 'rollouts-pod-template-hash': '7c9b' });
const db = pod('data', { ...DB });
const payments = pod('payments', { ...PAYMENTS });
const argo = pod('argo-rollouts', { 'app.kubernetes.io/name': 'argo-rollouts' });
const gate = pod('shop', { ...GATE });
const strangerElsewhere = pod('other', { 'app.kubernetes.io/name': 'curious' }, { team: 'shop' });
const strangerSameNamespace = pod('shop', { 'app.kubernetes.io/name': 'curious' });
const internet: ConnectionEndpoint = { ip: '93.184.216.34' };

describe('LockedDownNetwork', () => {
  it('emits schema-valid NetworkPolicies only', () => {
    // GIVEN / WHEN
    const { objects } = buildChart();
    // THEN every object is a NetworkPolicy that the Kubernetes schema accepts
    expect(objects.map(o => o.kind)).toEqual(Array(objects.length).fill('NetworkPolicy'));
    expect(objects).toHaveLength(4);
    for (const o of objects) {
      expect(() => new NetworkPolicyModel(o).validate()).not.toThrow();
    }
  });

  it('denies ingress and egress by default and splits stable and canary pods', () => {
    // GIVEN a workload with canaryLabels and no rule
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'App', { namespace: 'shop', podSelectorLabels: APP, canaryLabels: { track: 'canary' } });
    // WHEN
    const network = new LockedDownNetwork(chart, 'Net', { workload });
    const [main, canaryPolicy] = Testing.synth(chart);
    // THEN the main policy selects the workload's non-canary pods, the canary one its canary pods, both deny all
    expect(network.rules).toEqual([]);
    expect(main.metadata.namespace).toBe('shop');
    expect(main.spec).toEqual({
      podSelector: { matchLabels: APP, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] },
      policyTypes: ['Egress', 'Ingress'],
    });
    expect(canaryPolicy.spec).toEqual({ podSelector: { matchLabels: { ...APP, track: 'canary' } }, policyTypes: ['Egress', 'Ingress'] });
    for (const [from, to] of [[stable, canary], [canary, stable], [strangerSameNamespace, stable], [strangerSameNamespace, canary]]) {
      expect(checkConnection([main, canaryPolicy], { source: from, destination: to, port: 8080 }).allowed).toBe(false);
    }
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('emits a single policy for a workload without canary pods', () => {
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'Gate', { podSelectorLabels: GATE });
    const network = new LockedDownNetwork(chart, 'Net', { workload });
    const objects = Testing.synth(chart);
    expect(network.canaryPolicy).toBeUndefined();
    expect(objects).toHaveLength(1);
    expect(objects[0].metadata.namespace).toBeUndefined();
    expect(objects[0].spec.podSelector).toEqual({ matchLabels: GATE });
  });

  it('returns the rules it added, with their defaults', () => {
    const { network, rules } = buildChart();
    expect(network.rules).toEqual(Object.values(rules));
    expect(rules.ingressController.description).toBe('ingress from pods app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller in namespace ingress-nginx on TCP 8080');
    expect(rules.scrape.description).toBe('ingress from pods app.kubernetes.io/name=prometheus in namespace monitoring on TCP 9100');
    expect(rules.dns.description).toBe('egress to pods k8s-app=kube-dns in namespace kube-system on UDP 53, TCP 53');
    expect(rules.db).toMatchObject({ direction: NetworkDirection.EGRESS, canary: true });
    expect(rules.payments).toMatchObject({ direction: NetworkDirection.EGRESS, canary: false });
  });

  it('takes custom namespaces, labels and ports for the intent methods', () => {
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'App', { namespace: 'shop', podSelectorLabels: APP });
    const network = new LockedDownNetwork(chart, 'Net', { workload });
    expect(network.allowFromIngressController({ namespace: 'edge', podLabels: { app: 'traefik' }, port: 8443 }).description)
      .toBe('ingress from pods app=traefik in namespace edge on TCP 8443');
    expect(network.allowPrometheusScrape({ namespace: 'obs', podLabels: { app: 'prom' }, port: 9999 }).description)
      .toBe('ingress from pods app=prom in namespace obs on TCP 9999');
    expect(network.allowDns({ namespace: 'dns', podLabels: { app: 'coredns' } }).description)
      .toBe('egress to pods app=coredns in namespace dns on UDP 53, TCP 53');
    expect(network.allowFromArgoRolloutsController({ namespace: 'argo', podLabels: { app: 'ctl' }, port: 9000 }).description)
      .toBe('ingress from pods app=ctl, app.kubernetes.io/component notin (rollouts-dashboard) in namespace argo on TCP 9000');
    expect(network.allowFromArgoRolloutsController({ namespace: 'argo', podLabels: { app: 'ctl2' }, excludedPodLabels: {}, port: 9000 }).description)
      .toBe('ingress from pods app=ctl2 in namespace argo on TCP 9000');
    expect(network.allowToPrometheus({ namespace: 'obs', podLabels: { app: 'prom' }, port: 9091 }).description)
      .toBe('egress to pods app=prom in namespace obs on TCP 9091');
    expect(network.allowFrom(NetworkPeer.cidr('192.0.2.0/24'), [NetworkPort.tcp(8080)]).description)
      .toBe('ingress from addresses 192.0.2.0/24 on TCP 8080');
  });

  describe('flows proven with the reachability oracle', () => {
    const { objects } = buildChart();
    it.each([
      ['ingress controller -> app traffic port', true, ingressController, stable, 8080, 'TCP'],
      ['ingress controller -> canary traffic port', true, ingressController, canary, 8080, 'TCP'],
      ['ingress controller -> app metrics port', false, ingressController, stable, 9100, 'TCP'],
      ['ingress controller -> app other port', false, ingressController, stable, 22, 'TCP'],
      ['Prometheus -> app metrics port', true, prometheus, stable, 9100, 'TCP'],
      ['Prometheus -> canary metrics port', true, prometheus, canary, 9100, 'TCP'],
      ['Prometheus -> app traffic port', false, prometheus, stable, 8080, 'TCP'],
      ['app -> DNS 53/UDP', true, stable, dns, 53, 'UDP'],
      ['app -> DNS 53/TCP', true, stable, dns, 53, 'TCP'],
      ['canary -> DNS 53/UDP', true, canary, dns, 53, 'UDP'],
      ['app -> DNS other port', false, stable, dns, 5353, 'UDP'],
      ['app -> database port', true, stable, db, 5432, 'TCP'],
      ['canary -> database port (kept)', true, canary, db, 5432, 'TCP'],
      ['app -> database other port', false, stable, db, 5433, 'TCP'],
      ['app -> payments', true, stable, payments, 8443, 'TCP'],
      ['canary -> payments (removed for canary)', false, canary, payments, 8443, 'TCP'],
      ['app -> internet', false, stable, internet, 443, 'TCP'],
      ['app -> Prometheus API', false, stable, prometheus, 9090, 'TCP'],
      ['app -> stranger pod', false, stable, strangerElsewhere, 8080, 'TCP'],
      ['other namespace -> app', false, strangerElsewhere, stable, 8080, 'TCP'],
      ['same namespace stranger -> app', false, strangerSameNamespace, stable, 8080, 'TCP'],
      ['internet -> app', false, internet, stable, 8080, 'TCP'],
      ['other namespace -> database', false, strangerElsewhere, db, 5432, 'TCP'],
      ['Argo Rollouts controller -> gate', true, argo, gate, 8080, 'TCP'],
      ['Argo Rollouts controller -> gate other port', false, argo, gate, 8081, 'TCP'],
      ['Argo Rollouts controller -> app', false, argo, stable, 8080, 'TCP'],
      ['app -> gate', false, stable, gate, 8080, 'TCP'],
      ['canary -> gate', false, canary, gate, 8080, 'TCP'],
      ['other namespace -> gate', false, strangerElsewhere, gate, 8080, 'TCP'],
      ['Prometheus -> gate metrics (scrape)', true, prometheus, gate, 8080, 'TCP'],
      ['gate -> Prometheus API', true, gate, prometheus, 9090, 'TCP'],
      ['gate -> DNS', true, gate, dns, 53, 'UDP'],
      ['gate -> Prometheus other port', false, gate, prometheus, 9091, 'TCP'],
      ['gate -> app', false, gate, stable, 8080, 'TCP'],
      ['gate -> database', false, gate, db, 5432, 'TCP'],
      ['gate -> internet', false, gate, internet, 443, 'TCP'],
    ] as const)('%s: allowed=%s', (_name, expected, from, to, port, protocol) => {
      expect(checkConnection(objects, { source: from, destination: to, port, protocol }).allowed).toBe(expected);
    });

    it('gives canary pods only the canary policy (the main policy never selects them)', () => {
      const verdict = checkConnection(objects, { source: canary, destination: db, port: 5432 });
      expect(verdict.egress.allowedBy).toEqual([`shop/${objects[1].metadata.name}`]);
      const stableVerdict = checkConnection(objects, { source: stable, destination: db, port: 5432 });
      expect(stableVerdict.egress.allowedBy).toEqual([`shop/${objects[0].metadata.name}`]);
    });
  });

  it('locks the gate down without the scrape rule, and with custom controller and Prometheus places', () => {
    // GIVEN a gate whose network skips scraping and names its own controller and Prometheus
    const chart = new Chart(Testing.app(), 'test');
    const gateWorkload = new StandInWorkload(chart, 'Gate', { namespace: 'shop', podSelectorLabels: GATE });
    const network = LockedDownNetwork.forAnalysisGate(chart, 'GateNetwork', gateWorkload, {
      allowPrometheusScrape: false,
      argoRollouts: { namespace: 'argo', podLabels: { app: 'rollouts' } },
      prometheus: { namespace: 'obs', podLabels: { app: 'prom' }, port: 9091 },
    });
    const objects = Testing.synth(chart);
    // THEN
    expect(network.rules.map(r => r.description)).toEqual([
      'ingress from pods app=rollouts, app.kubernetes.io/component notin (rollouts-dashboard) in namespace argo on TCP 8080',
      'egress to pods app=prom in namespace obs on TCP 9091',
      'egress to pods k8s-app=kube-dns in namespace kube-system on UDP 53, TCP 53',
    ]);
    expect(checkConnection(objects, { source: pod('argo', { app: 'rollouts' }), destination: gate, port: 8080 }).allowed).toBe(true);
    expect(checkConnection(objects, { source: argo, destination: gate, port: 8080 }).allowed).toBe(false);
    expect(checkConnection(objects, { source: pod('obs', { app: 'prom' }), destination: gate, port: 8080 }).allowed).toBe(false);
    expect(checkConnection(objects, { source: gate, destination: pod('obs', { app: 'prom' }), port: 9091 }).allowed).toBe(true);
    for (const o of objects) expect(() => new NetworkPolicyModel(o).validate()).not.toThrow();
  });

  it('forRollout leaves out the rules switched off and passes on the places given', () => {
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'App', { namespace: 'shop', podSelectorLabels: APP, canaryLabels: { track: 'canary' } });
    const none = LockedDownNetwork.forRollout(chart, 'None', workload, { allowIngressController: false, allowPrometheusScrape: false, allowDns: false });
    expect(none.rules).toEqual([]);
    const custom = LockedDownNetwork.forRollout(chart, 'Custom', workload, {
      ingressController: { namespace: 'edge', podLabels: { app: 'traefik' } },
      prometheus: { namespace: 'obs', podLabels: { app: 'prom' } },
      dns: { podLabels: { app: 'coredns' } },
    });
    expect(custom.rules.map(r => r.description)).toEqual([
      'ingress from pods app=traefik in namespace edge on TCP 8080',
      'ingress from pods app=prom in namespace obs on TCP 8080',
      'egress to pods app=coredns in namespace kube-system on UDP 53, TCP 53',
    ]);
  });

  it('fails on empty podSelectorLabels', () => {
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'App', { podSelectorLabels: {} });
    expect(() => new LockedDownNetwork(chart, 'Net', { workload }))
      .toThrow('workload podSelectorLabels must not be empty, got {}; an empty selector would lock down every pod of the namespace');
  });

  it('fails on canaryLabels with more than one label', () => {
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'App', { podSelectorLabels: APP, canaryLabels: { track: 'canary', tier: 'new' } });
    expect(() => new LockedDownNetwork(chart, 'Net', { workload }))
      .toThrow('workload canaryLabels must hold exactly one label, got {"track":"canary","tier":"new"}; use the rollout\'s canaryMetadata label such as track: canary');
  });

  it('fails on a canary label key that is also a selector label', () => {
    const chart = new Chart(Testing.app(), 'test');
    const workload = new StandInWorkload(chart, 'App', { podSelectorLabels: { ...APP, track: 'stable' }, canaryLabels: { track: 'canary' } });
    expect(() => new LockedDownNetwork(chart, 'Net', { workload }))
      .toThrow('workload canaryLabels key track must not be one of podSelectorLabels, got app.kubernetes.io/name=shop,track=stable');
  });

  it('fails on a rule without ports', () => {
    const { network } = buildChart();
    expect(() => network.allowTo(NetworkPeer.namespace('cache'), []))
      .toThrow('allowTo ports must list at least one port, got []; a rule without ports would open every port');
  });

  it('fails on canary false for a workload without canary pods', () => {
    const { gateNetwork } = buildChart();
    expect(() => gateNetwork.allowFrom(NetworkPeer.namespace('cache'), [NetworkPort.tcp(1)], { canary: false }))
      .toThrow('allowFrom canary is false but workload test/Gate has no canaryLabels; drop the option or give the workload canaryLabels');
  });

  it('fails on a duplicate rule', () => {
    const { network } = buildChart();
    expect(() => network.allowDns())
      .toThrow('allowTo duplicates the rule egress to pods k8s-app=kube-dns in namespace kube-system on UDP 53, TCP 53 already added; remove the second call');
  });
});

describe('LockedDownNetwork.forRollout lets in the pods of the rollout\'s traffic router', () => {
  const rolloutWith = (trafficRouting?: TrafficRouting) => {
    const chart = new Chart(Testing.app(), 'test');
    const rollout = new CanaryRollout(chart, 'shop', {
      namespace: 'shop', image: 'registry.example.com/shop:1.0.0', steps: [CanaryStep.weight(10), CanaryStep.pause()], trafficRouting,
    });
    return { chart, rollout };
  };
  const ingressRules = (network: LockedDownNetwork) => network.rules.map((r) => r.description).filter((d) => d.startsWith('ingress from') && !d.includes('prometheus'));

  it('NGINX routing: the ingress-nginx controller', () => {
    const { chart, rollout } = rolloutWith(TrafficRouting.nginx({ host: 'shop.example.com' }));
    expect(rollout.routerPods).toEqual([{ namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } }]);
    const network = LockedDownNetwork.forRollout(chart, 'Net', rollout);
    expect(ingressRules(network)).toEqual(['ingress from pods app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller in namespace ingress-nginx on TCP 8080']);
  });

  it('Gateway API routing: the pods GEP-1762 labels with the Gateway\'s name, in the Gateway\'s namespace (default: the rollout\'s)', () => {
    // GIVEN a rollout on Gateway edge/public WHEN locked down THEN its pods are let in, ingress-nginx is not
    const { chart, rollout } = rolloutWith(TrafficRouting.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'edge' }));
    const network = LockedDownNetwork.forRollout(chart, 'Net', rollout);
    expect(ingressRules(network)).toEqual(['ingress from pods gateway.networking.k8s.io/gateway-name=public in namespace edge on TCP 8080']);
    const objects = Testing.synth(chart);
    const gatewayPod = pod('edge', { 'gateway.networking.k8s.io/gateway-name': 'public' });
    expect(checkConnection(objects, { source: gatewayPod, destination: canary, port: 8080 }).allowed).toBe(true);
    expect(checkConnection(objects, { source: pod('edge', { 'gateway.networking.k8s.io/gateway-name': 'internal' }), destination: stable, port: 8080 }).allowed).toBe(false);
    expect(checkConnection(objects, { source: ingressController, destination: stable, port: 8080 }).allowed).toBe(false);
    const local = rolloutWith(TrafficRouting.gatewayApi({ gatewayName: 'shop-gw' })).rollout;
    expect(local.routerPods).toEqual([{ namespace: 'shop', podLabels: { 'gateway.networking.k8s.io/gateway-name': 'shop-gw' } }]);
  });

  it('an explicit ingressController wins over the routing', () => {
    const { chart, rollout } = rolloutWith(TrafficRouting.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'edge' }));
    const network = LockedDownNetwork.forRollout(chart, 'Net', rollout, { ingressController: { namespace: 'edge', podLabels: { app: 'envoy' } } });
    expect(ingressRules(network)).toEqual(['ingress from pods app=envoy in namespace edge on TCP 8080']);
  });

  it('fails when the routing does not tell where the router\'s pods run (an existing HTTPRoute, Istio with no callers)', () => {
    for (const routing of [TrafficRouting.gatewayApi({ httpRouteName: 'shop' }), TrafficRouting.istio({ meshCallers: [] })]) {
      const { chart, rollout } = rolloutWith(routing);
      expect(rollout.routerPods).toEqual([]);
      expect(() => LockedDownNetwork.forRollout(chart, 'Net', rollout)).toThrow(new Error(
        "LockedDownNetwork.forRollout cannot tell which pods route traffic to 'shop' from its traffic routing (an existing HTTPRoute, or Istio with "
        + "meshCallers [] and no ingress gateway): pass ingressController with the router's pods, or set allowIngressController to false and allowFrom the callers"));
      expect(LockedDownNetwork.forRollout(chart, 'Open', rollout, { allowIngressController: false }).rules).toHaveLength(2);
    }
  });
});

describe('LockedDownNetwork.forRollout with Istio: the ingress gateway, the mesh callers, and the rollout\'s own sidecar', () => {
  const rolloutWith = (trafficRouting: TrafficRouting) => {
    const chart = new Chart(Testing.app(), 'test');
    const rollout = new CanaryRollout(chart, 'shop', {
      namespace: 'shop', image: 'registry.example.com/shop:1.0.0', steps: [CanaryStep.weight(10), CanaryStep.pause()], trafficRouting,
    });
    return { chart, rollout };
  };
  const gateway = pod('istio-system', { istio: 'ingressgateway' });
  const istiod = pod('istio-system', { app: 'istiod' });
  const meshed = (namespace: string) => pod(namespace, { 'app.kubernetes.io/name': 'web', 'security.istio.io/tlsMode': 'istio' });
  const kubeApi: ConnectionEndpoint = { ip: '10.96.0.1' };

  it('mesh routing (the default): the meshed pods of the rollout\'s namespace; the sidecar reaches istiod and is scraped on 15090', () => {
    // GIVEN a rollout routed by Istio inside the mesh WHEN locked down
    const { chart, rollout } = rolloutWith(TrafficRouting.istio());
    const network = LockedDownNetwork.forRollout(chart, 'Net', rollout);
    // THEN the rules say so
    expect(network.rules.map((r) => r.description)).toEqual([
      'ingress from pods security.istio.io/tlsMode=istio in namespace shop on TCP 8080',
      'ingress from pods app.kubernetes.io/name=prometheus in namespace monitoring on TCP 8080',
      'ingress from pods app.kubernetes.io/name=prometheus in namespace monitoring on TCP 15090',
      'egress to pods app=istiod in namespace istio-system on TCP 15012',
      'egress to pods k8s-app=kube-dns in namespace kube-system on UDP 53, TCP 53',
    ]);
    // AND the policies let exactly those through, to stable and canary alike
    const objects = Testing.synth(chart);
    const can = (from: ConnectionEndpoint, to: ConnectionEndpoint, port: number) => checkConnection(objects, { source: from, destination: to, port }).allowed;
    expect([can(meshed('shop'), canary, 8080), can(meshed('shop'), stable, 8080)]).toEqual([true, true]);
    expect(can(meshed('other'), stable, 8080)).toBe(false);
    expect(can(strangerSameNamespace, stable, 8080)).toBe(false);
    expect(can(gateway, stable, 8080)).toBe(false);
    expect(can(meshed('shop'), stable, 15090)).toBe(false);
    expect([can(prometheus, canary, 15090), can(prometheus, stable, 15090)]).toEqual([true, true]);
    expect([can(canary, istiod, 15012), can(stable, istiod, 15012)]).toEqual([true, true]);
    expect(can(canary, istiod, 15010)).toBe(false);
    expect(can(canary, kubeApi, 443)).toBe(false);
  });

  it('through an ingress gateway: its pods (istio-system, istio=ingressgateway), not the mesh; both with mesh named too', () => {
    const viaGateway = rolloutWith(TrafficRouting.istio({ hosts: ['shop.example.com'], gateways: ['istio-system/public'] }));
    expect(viaGateway.rollout.routerPods!.map((p) => [p.namespace, p.podLabels])).toEqual([['istio-system', { istio: 'ingressgateway' }]]);
    const objects = (LockedDownNetwork.forRollout(viaGateway.chart, 'Net', viaGateway.rollout), Testing.synth(viaGateway.chart));
    expect(checkConnection(objects, { source: gateway, destination: canary, port: 8080 }).allowed).toBe(true);
    expect(checkConnection(objects, { source: meshed('shop'), destination: canary, port: 8080 }).allowed).toBe(false);
    const both = rolloutWith(TrafficRouting.istio({ gateways: ['istio-system/public', 'mesh'] })).rollout;
    expect(both.routerPods!.map((p) => p.namespace)).toEqual(['istio-system', 'shop']);
    // an existing VirtualService, whose gateways are not known: both
    expect(rolloutWith(TrafficRouting.istio({ virtualServiceName: 'shop' })).rollout.routerPods!.map((p) => p.namespace)).toEqual(['istio-system', 'shop']);
  });

  it('where the gateway, the callers and istiod run is configurable; the control plane egress can be left out', () => {
    const { chart, rollout } = rolloutWith(TrafficRouting.istio({
      gateways: ['edge/public', 'mesh'], ingressGateway: { namespace: 'edge', podLabels: { app: 'edge-gateway' } },
      meshCallers: [{ namespace: 'web', podLabels: { 'app.kubernetes.io/name': 'web' } }], istiod: { namespace: 'istio', podLabels: { 'istio.io/rev': 'stable' } },
    }));
    const rules = LockedDownNetwork.forRollout(chart, 'Net', rollout).rules.map((r) => r.description);
    expect(rules).toEqual(expect.arrayContaining([
      'ingress from pods app=edge-gateway in namespace edge on TCP 8080',
      'ingress from pods app.kubernetes.io/name=web in namespace web on TCP 8080',
      'egress to pods istio.io/rev=stable in namespace istio on TCP 15012',
    ]));
    expect(rules).toHaveLength(6);
    // an explicit ingressController replaces the callers, not the sidecar's needs
    const explicit = rolloutWith(TrafficRouting.istio());
    expect(LockedDownNetwork.forRollout(explicit.chart, 'Net', explicit.rollout, { ingressController: { namespace: 'edge', podLabels: { app: 'envoy' } } })
      .rules.map((r) => r.description)).toEqual(expect.arrayContaining([
      'ingress from pods app=envoy in namespace edge on TCP 8080', 'egress to pods app=istiod in namespace istio-system on TCP 15012',
      'ingress from pods app.kubernetes.io/name=prometheus in namespace monitoring on TCP 15090',
    ]));
    const bare = rolloutWith(TrafficRouting.istio());
    const without = LockedDownNetwork.forRollout(bare.chart, 'Net', bare.rollout, { allowSidecarControlPlane: false, allowPrometheusScrape: false });
    expect(without.rules.map((r) => r.description)).toEqual([
      'ingress from pods security.istio.io/tlsMode=istio in namespace shop on TCP 8080',
      'egress to pods k8s-app=kube-dns in namespace kube-system on UDP 53, TCP 53',
    ]);
  });

  it('fails on router pods without labels or with a bad namespace', () => {
    expect(() => TrafficRouting.istio({ ingressGateway: { podLabels: {} } })).toThrow(new Error(
      'istio ingressGateway podLabels must select the pods, got {}: give the labels the pods carry'));
    expect(() => TrafficRouting.istio({ meshCallers: [{ namespace: 'Web', podLabels: { app: 'web' } }] })).toThrow(/^istio meshCallers\[0\] namespace must be/);
  });
});
