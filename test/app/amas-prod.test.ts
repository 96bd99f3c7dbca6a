import { Testing } from 'cdk8s';
import { AmasProdChart, DATABASE_LABELS } from '../../app/amas-prod';
import { ConnectionEndpoint, PodEndpoint, PodSecurity, Reachability } from '../../lib';
import { synthValid } from '../support/schema';

describe('the amas-prod example', () => {
  const chart = new AmasProdChart(Testing.app(), 'amas-prod');
  const objs = synthValid(chart);

  test('every object is valid against its schema, in namespace amas-prod', () => {
    expect(objs).toHaveLength(14);
    expect(objs.filter((o) => o.metadata.namespace !== 'amas-prod')).toEqual([]);
  });

  test('the rollout goes 10 -> 25 -> 50 -> 75 -> 100, promotes in under 10 minutes, aborts in under 2', () => {
    const plan = chart.rollout.plan;
    expect(plan.steps.filter((s) => s.description.startsWith('setWeight')).map((s) => s.weight)).toEqual([10, 25, 50, 75]);
    expect(plan.steps.filter((s) => s.description.startsWith('analysis')).map((s) => s.weight)).toEqual([25, 50, 75]);
    expect(plan.analyses.filter((a) => a.background).map((a) => a.startSeconds)).toEqual([plan.canaryStartSeconds]);
    expect(plan.promotionSeconds).toBe(460);
    expect(plan.abort?.seconds).toBe(100);
  });

  test('every pod template meets the Pod Security Standard "restricted" and our own checks', () => {
    expect(PodSecurity.check(objs)).toEqual([]);
  });

  // The example: a canary with its Services and Ingress, the gate, two analyses and the locked-down network.
  test('snapshot', () => {
    // THEN the example is made of these objects (the snapshot holds their full text)
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`.replace(/-[0-9a-f]{8}$/, '-<hash>'))).toEqual([
      'Service/amas-orchestrator-stable', 'Service/amas-orchestrator-canary', 'Ingress/amas-orchestrator', 'PodDisruptionBudget/amas-orchestrator',
      'Rollout/amas-orchestrator', 'Deployment/slo-gate', 'Service/slo-gate', 'PodDisruptionBudget/slo-gate', 'NetworkPolicy/amas-prod-slo-gate-network-<hash>',
      'AnalysisTemplate/amas-orchestrator-slo', 'AnalysisTemplate/amas-orchestrator-slo-background',
      'PodMonitor/a-amas-orchestrator-slo-background-podmonitor-<hash>',
      'NetworkPolicy/amas-prod-amas-orchestrator-network-<hash>', 'NetworkPolicy/amas-prod-amas-orchestrator-network-canary-<hash>',
    ]);
    // AND the Rollout routes through ingress-nginx, judged by the gate at each analysed step and by Prometheus in the background
    const rollout = objs.find((o) => o.kind === 'Rollout')!;
    expect(rollout.spec.strategy.canary).toMatchObject({
      stableService: 'amas-orchestrator-stable', canaryService: 'amas-orchestrator-canary',
      trafficRouting: { nginx: { stableIngress: 'amas-orchestrator' } },
      analysis: { templates: [{ templateName: 'amas-orchestrator-slo-background' }], startingStep: 1 },
    });
    expect(rollout.spec.strategy.canary.steps.filter((s: any) => s.analysis).map((s: any) => s.analysis.templates)).toEqual(Array(3).fill([{ templateName: 'amas-orchestrator-slo' }]));
    const gateMetric = objs.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === 'amas-orchestrator-slo')!.spec.metrics[0];
    expect(gateMetric.provider.web.url).toMatch(/^http:\/\/slo-gate\.amas-prod\.svc[^/]*\/v1\/verdict$/);
    expect(objs).toMatchSnapshot();
  });

  describe('allowed flows, as the NetworkPolicies decide them', () => {
    // Pods as the controller labels them during a rollout, read from the synthesized Rollout
    const rollout = objs.find((o) => o.kind === 'Rollout')!;
    const template = rollout.spec.template;
    const app = (extra: Record<string, string>): PodEndpoint => ({
      namespace: 'amas-prod', labels: { ...template.metadata.labels, ...extra }, ports: template.spec.containers[0].ports,
    });
    const stable = app({ ...rollout.spec.strategy.canary.stableMetadata.labels, 'rollouts-pod-template-hash': 'a1' });
    const canary = app({ ...rollout.spec.strategy.canary.canaryMetadata.labels, 'rollouts-pod-template-hash': 'b2' });
    const pod = (namespace: string, labels: Record<string, string>): PodEndpoint => ({ namespace, labels });
    const ingressController = pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' });
    const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const dns = pod('kube-system', { 'k8s-app': 'kube-dns' });
    const database = pod('amas-data', DATABASE_LABELS);
    const otherDatabase = pod('amas-data', { 'app.kubernetes.io/name': 'redis' });
    const stranger = pod('other', { 'app.kubernetes.io/name': 'curious' });
    const externalApi: ConnectionEndpoint = { ip: '203.0.113.10' };
    const deployment = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slo-gate')!;
    const gate: PodEndpoint = { namespace: 'amas-prod', labels: deployment.spec.template.metadata.labels, ports: deployment.spec.template.spec.containers[0].ports };
    const argoController = pod('argo-rollouts', { 'app.kubernetes.io/name': 'argo-rollouts' });
    const prometheusApi = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const internet: ConnectionEndpoint = { ip: '198.51.100.7' };

    test.each([
      ['ingress controller -> app port (stable)', ingressController, stable, 8080, 'TCP', true],
      ['ingress controller -> app port (canary)', ingressController, canary, 8080, 'TCP', true],
      ['ingress controller -> another port', ingressController, stable, 9000, 'TCP', false],
      ['Prometheus -> metrics port', prometheus, stable, 8080, 'TCP', true],
      ['app -> DNS (UDP)', stable, dns, 53, 'UDP', true],
      ['app -> DNS (TCP)', canary, dns, 53, 'TCP', true],
      ['app -> database port (stable)', stable, database, 5432, 'TCP', true],
      ['app -> database port (canary)', canary, database, 5432, 'TCP', true],
      ['app -> database on another port', stable, database, 22, 'TCP', false],
      ['app -> another pod of the data namespace', stable, otherDatabase, 6379, 'TCP', false],
      ['stable -> external model API', stable, externalApi, 443, 'TCP', true],
      ['canary -> external model API (removed by the canary policy)', canary, externalApi, 443, 'TCP', false],
      ['app -> anywhere else on the internet', stable, internet, 443, 'TCP', false],
      ['other namespace -> app', stranger, stable, 8080, 'TCP', false],
      ['canary -> stable', canary, stable, 8080, 'TCP', false],
      ['Argo Rollouts controller -> gate', argoController, gate, 8080, 'TCP', true],
      ['app -> gate', stable, gate, 8080, 'TCP', false],
      ['canary -> gate', canary, gate, 8080, 'TCP', false],
      ['other namespace -> gate', stranger, gate, 8080, 'TCP', false],
      ['gate -> Prometheus API', gate, prometheusApi, 9090, 'TCP', true],
      ['Prometheus -> gate metrics port', prometheusApi, gate, 9464, 'TCP', true],
      ['Prometheus -> gate verdict port', prometheusApi, gate, 8080, 'TCP', false],
      ['gate -> DNS', gate, dns, 53, 'UDP', true],
      ['gate -> database', gate, database, 5432, 'TCP', false],
      ['gate -> internet', gate, internet, 443, 'TCP', false],
    ] as const)('%s', (_flow, from, to, port, protocol, allowed) => {
      expect(Reachability.check(objs, { source: from, destination: to, port, protocol }).allowed).toBe(allowed);
    });
  });
});
