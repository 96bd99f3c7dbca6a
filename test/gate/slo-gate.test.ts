import { Duration, Testing } from 'cdk8s';
import { checkPodSecurity, SloGate, SloGateProps } from '../../lib';
import { synthValid } from '../support/schema';

const make = (props: Partial<SloGateProps> = {}) => {
  const chart = Testing.chart();
  const gate = new SloGate(chart, 'gate', { namespace: 'ops', image: 'registry.example.com/slo-gate:0.1.0', ...props });
  return { chart, gate };
};

describe('SloGate', () => {
  // GIVEN the defaults / WHEN synthesized and validated
  const { chart, gate } = make();
  const objs = synthValid(chart);
  const deployment = objs.find((o) => o.kind === 'Deployment')!;
  const container = deployment.spec.template.spec.containers[0];

  test('emits a Deployment, Service, PDB and the locked-down network, all before the rollouts (sync wave -1)', () => {
    expect(objs.map((o) => o.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
    for (const o of objs) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(objs).toMatchSnapshot();
  });

  test('runs the gate hardened like the rollout pods, with its probes', () => {
    expect(checkPodSecurity(objs)).toEqual([]);
    expect(deployment.spec).toMatchObject({ replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    expect(container.args).toEqual(['--prometheus-url', 'http://prometheus-operated.monitoring.svc:9090', '--port', '8080',
      '--metrics-port', '9464', '--verdict-timeout', '5s']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
  });

  test('tells analyses where to call it and how long it takes at most', () => {
    expect(gate.verdictUrl).toBe('http://slo-gate.ops.svc.cluster.local/v1/verdict');
    expect(gate.verdictTimeout.toSeconds()).toBe(5);
    expect(gate.network).toBeDefined();
  });

  test('auth: the token Secret is mounted read-only and named to the gate', () => {
    const { chart: c } = make({ authTokenSecret: { name: 'gate-token', key: 'token' }, servicePort: 8080, name: 'verdicts' });
    const d = synthValid(c).find((o) => o.kind === 'Deployment')!;
    const pod = d.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'auth-token', secret: { secretName: 'gate-token', items: [{ key: 'token', path: 'token' }], defaultMode: 0o440 } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'auth-token', mountPath: '/var/run/slo-gate', readOnly: true });
    expect(pod.containers[0].env).toEqual([{ name: 'SLO_GATE_AUTH_TOKEN_FILE', value: '/var/run/slo-gate/token' }]);
  });

  test('the verdict URL carries a non-default service port', () => {
    expect(make({ servicePort: 8080 }).gate.verdictUrl).toBe('http://slo-gate.ops.svc.cluster.local:8080/v1/verdict');
  });

  test('no network policies when lockDown is off', () => {
    const { chart: c } = make({ lockDown: false });
    expect(synthValid(c).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('fails on a Prometheus URL that is not one', () => {
    expect(() => make({ prometheusUrl: 'prometheus:9090' })).toThrow("prometheusUrl must be an http or https URL of the Prometheus API, got 'prometheus:9090'");
  });
  test('fails on a verdict timeout Argo would cut short', () => {
    expect(() => make({ verdictTimeout: Duration.seconds(10) })).toThrow(
      "verdictTimeout must be between 3s (the gate's query timeout) and 9s (Argo's web provider waits 10s by default), got 10s");
  });
  test('fails on a latest image, like every workload', () => {
    expect(() => make({ image: 'slo-gate:latest' })).toThrow("image must not use the 'latest' tag");
  });
});
