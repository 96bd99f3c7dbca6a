import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { DATABASE_LABELS } from '../../app/amas-prod';
import { AmasProdGatewayChart, GATEWAY_API_PLUGIN_VERSION, RolloutsControllerChart } from '../../app/amas-prod-gateway';
import { ConnectionEndpoint, PodEndpoint, PodSecurity, Reachability } from '../../lib';
import { synthValid } from '../support/schema';

describe('the amas-prod example through the Gateway API', () => {
  const chart = new AmasProdGatewayChart(Testing.app(), 'amas-prod-gateway');
  // GIVEN the example synthesized and validated (the HTTPRoute against the Gateway API v1.4.0 CRD)
  const objs = synthValid(chart);

  test('the objects of the ingress-nginx example with an HTTPRoute in place of the Ingress, in namespace amas-prod-gateway', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`.replace(/-[0-9a-f]{8}$/, '-<hash>'))).toEqual([
      'Service/amas-orchestrator-stable', 'Service/amas-orchestrator-canary', 'HTTPRoute/amas-orchestrator', 'PodDisruptionBudget/amas-orchestrator',
      'Rollout/amas-orchestrator', 'Deployment/slo-gate', 'Service/slo-gate', 'PodDisruptionBudget/slo-gate', 'NetworkPolicy/amas-prod-gateway-slo-gate-network-<hash>',
      'AnalysisTemplate/amas-orchestrator-slo', 'AnalysisTemplate/amas-orchestrator-slo-background',
      'PodMonitor/a-amas-orchestrator-slo-background-podmonitor-<hash>',
      'NetworkPolicy/amas-prod-gateway-amas-orchestrator-network-<hash>', 'NetworkPolicy/amas-prod-ga-amas-orchestrator-network-canary-<hash>',
    ]);
    expect(objs.filter((o) => o.metadata.namespace !== 'amas-prod-gateway')).toEqual([]);
  });

  test('the HTTPRoute attaches to the shared Gateway\'s HTTPS listener and holds both Services, and the Rollout names it for the plugin', () => {
    const route = objs.find((o) => o.kind === 'HTTPRoute')!;
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['orchestrator.amas.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'amas-orchestrator-stable', port: 80, weight: 100 }, { name: 'amas-orchestrator-canary', port: 80, weight: 0 }],
      }],
    });
    const rollout = objs.find((o) => o.kind === 'Rollout')!;
    expect(rollout.spec.strategy.canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'amas-orchestrator' } } });
  });

  test('the same plan as the ingress-nginx example: promotes in under 10 minutes, aborts in under 2', () => {
    const plan = chart.rollout.plan;
    expect(plan.steps.filter((s) => s.description.startsWith('setWeight')).map((s) => s.weight)).toEqual([10, 25, 50, 75]);
    expect(plan.promotionSeconds).toBe(460);
    expect(plan.abort?.seconds).toBe(100);
  });

  test('every pod template meets the Pod Security Standard "restricted" and our own checks', () => {
    expect(PodSecurity.check(objs)).toEqual([]);
  });

  describe('allowed flows, as the NetworkPolicies decide them', () => {
    const rollout = objs.find((o) => o.kind === 'Rollout')!;
    const template = rollout.spec.template;
    const app = (extra: Record<string, string>): PodEndpoint => ({
      namespace: 'amas-prod-gateway', labels: { ...template.metadata.labels, ...extra }, ports: template.spec.containers[0].ports,
    });
    const stable = app({ ...rollout.spec.strategy.canary.stableMetadata.labels, 'rollouts-pod-template-hash': 'a1' });
    const canary = app({ ...rollout.spec.strategy.canary.canaryMetadata.labels, 'rollouts-pod-template-hash': 'b2' });
    const pod = (namespace: string, labels: Record<string, string>): PodEndpoint => ({ namespace, labels });
    const gatewayPods = pod('gateways', { 'gateway.networking.k8s.io/gateway-name': 'public', 'app.kubernetes.io/name': 'envoy' });
    const otherGateway = pod('gateways', { 'gateway.networking.k8s.io/gateway-name': 'internal' });
    const ingressNginx = pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' });
    const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const dns = pod('kube-system', { 'k8s-app': 'kube-dns' });
    const database = pod('amas-data', DATABASE_LABELS);
    const stranger = pod('other', { 'app.kubernetes.io/name': 'curious' });
    const deployment = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slo-gate')!;
    const gate: PodEndpoint = { namespace: 'amas-prod-gateway', labels: deployment.spec.template.metadata.labels, ports: deployment.spec.template.spec.containers[0].ports };
    const argoController = pod('argo-rollouts', { 'app.kubernetes.io/name': 'argo-rollouts' });
    const externalApi: ConnectionEndpoint = { ip: '203.0.113.10' };

    test.each([
      ['Gateway pods -> app port (stable)', gatewayPods, stable, 8080, 'TCP', true],
      ['Gateway pods -> app port (canary)', gatewayPods, canary, 8080, 'TCP', true],
      ['Gateway pods -> another port', gatewayPods, stable, 9000, 'TCP', false],
      ['pods of another Gateway -> app', otherGateway, stable, 8080, 'TCP', false],
      ['ingress-nginx controller -> app (no longer the router)', ingressNginx, stable, 8080, 'TCP', false],
      ['Prometheus -> metrics port', prometheus, canary, 8080, 'TCP', true],
      ['app -> DNS', stable, dns, 53, 'UDP', true],
      ['app -> database port (canary)', canary, database, 5432, 'TCP', true],
      ['stable -> external model API', stable, externalApi, 443, 'TCP', true],
      ['canary -> external model API', canary, externalApi, 443, 'TCP', false],
      ['other namespace -> app', stranger, stable, 8080, 'TCP', false],
      ['Argo Rollouts controller -> gate', argoController, gate, 8080, 'TCP', true],
      ['Gateway pods -> gate', gatewayPods, gate, 8080, 'TCP', false],
    ] as const)('%s', (_flow, from, to, port, protocol, allowed) => {
      expect(Reachability.check(objs, { source: from, destination: to, port, protocol }).allowed).toBe(allowed);
    });
  });
});

describe('the cluster-wide part: RolloutsControllerChart', () => {
  test('argo-rollouts-config loads the Gateway API plugin release the library is built against, and its ClusterRole is bound to the controller', () => {
    // GIVEN the chart WHEN synthesized THEN the ConfigMap in argo-rollouts, a ClusterRole and its binding
    const objs = synthValid(new RolloutsControllerChart(Testing.app(), 'argo-rollouts'));
    expect(objs.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'ConfigMap/argo-rollouts/argo-rollouts-config', 'ClusterRole/-/argo-rollouts-traffic-router-plugins', 'ClusterRoleBinding/-/argo-rollouts-traffic-router-plugins',
    ]);
    expect(parse(objs[0].data.trafficRouterPlugins)).toEqual([{
      name: 'argoproj-labs/gatewayAPI',
      location: `https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/${GATEWAY_API_PLUGIN_VERSION}/gatewayapi-plugin-linux-amd64`,
    }]);
    expect(GATEWAY_API_PLUGIN_VERSION).toBe('v0.15.0');
    expect(objs[2].subjects).toEqual([{ kind: 'ServiceAccount', name: 'argo-rollouts', namespace: 'argo-rollouts' }]);
  });
});
