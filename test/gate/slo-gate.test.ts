import { Duration, Testing } from 'cdk8s';
import { Volume } from 'cdk8s-plus-27';
import { GateAuth, PodSecurity, Reachability, SloGate, SloGateProps } from '../../lib';
import { synthValid } from '../support/schema';

const make = (props: Partial<SloGateProps> = {}) => {
  const chart = Testing.chart();
  const gate = new SloGate(chart, 'gate', { namespace: 'ops', image: 'registry.example.com/slo-gate:0.1.0', ...props });
  return { chart, gate };
};
const podOf = (objs: any[]) => objs.find((o) => o.kind === 'Deployment')!.spec.template.spec;

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
    expect(PodSecurity.check(objs)).toEqual([]);
    expect(deployment.spec).toMatchObject({ replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    expect(container.args).toEqual(['--prometheus-url', 'http://prometheus-operated.monitoring.svc:9090', '--port', '8080',
      '--metrics-port', '9464', '--verdict-timeout', '5s']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
  });

  test('tells analyses where to call it, how long it takes at most, and which metrics it serves', () => {
    expect(gate.verdictUrl).toBe('http://slo-gate.ops.svc.cluster.local/v1/verdict');
    expect(gate.verdictTimeout.toSeconds()).toBe(5);
    expect(gate.network).toBeDefined();
    expect(gate.allowedMetrics).toEqual(['http_requests_total', 'http_request_duration_seconds']);
  });

  test('by default requires per-namespace tokens: every tenant\'s from a mounted Secret, each namespace\'s own for its analyses', () => {
    // THEN the tenant tokens Secret is mounted whole (rotations reach the pod) and named by path, never by value
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'tenant-tokens', secret: { secretName: 'slo-gate-tenant-tokens', defaultMode: 0o440 } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tenant-tokens', mountPath: '/var/run/slo-gate/tenant-tokens', readOnly: true });
    expect(pod.containers[0].env).toEqual([{ name: 'SLO_GATE_TENANT_TOKENS_DIR', value: '/var/run/slo-gate/tenant-tokens' }]);
    expect(pod.securityContext.fsGroup).toBe(pod.securityContext.runAsUser);
    // AND analyses read their namespace's token from this Secret key
    expect(gate.authTokenSecret).toEqual({ name: 'slo-gate-token', key: 'token' });
    expect(gate.auth.tenantTokensSecret).toBe('slo-gate-tenant-tokens');
  });

  test('tenant token Secrets can be named', () => {
    const { chart: c, gate: g } = make({ auth: GateAuth.tenantTokens({ tenantTokensSecret: 'gate-tenants', tokenSecret: { name: 'team-token', key: 'slo-gate' } }) });
    expect(podOf(synthValid(c)).volumes).toContainEqual({ name: 'tenant-tokens', secret: { secretName: 'gate-tenants', defaultMode: 0o440 } });
    expect(g.authTokenSecret).toEqual({ name: 'team-token', key: 'slo-gate' });
  });

  test('unauthenticated, for a single team\'s cluster, is said so to the gate and mounts nothing', () => {
    const { chart: c, gate: g } = make({ auth: GateAuth.unauthenticated() });
    const pod = podOf(synthValid(c));
    expect(pod.containers[0].env).toEqual([{ name: 'SLO_GATE_ALLOW_UNAUTHENTICATED', value: 'true' }]);
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('tenant-tokens');
    expect(g.authTokenSecret).toBeUndefined();
  });

  test('Prometheus basic auth comes from a basic-auth Secret mounted as two files', () => {
    const { chart: c } = make({ prometheusBasicAuthSecret: 'prometheus-gate-auth' });
    const pod = podOf(synthValid(c));
    expect(pod.volumes).toContainEqual({
      name: 'prometheus-basic-auth',
      secret: { secretName: 'prometheus-gate-auth', items: [{ key: 'username', path: 'username' }, { key: 'password', path: 'password' }], defaultMode: 0o440 },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'prometheus-basic-auth', mountPath: '/var/run/slo-gate/prometheus', readOnly: true });
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'SLO_GATE_PROMETHEUS_PASSWORD_FILE', value: '/var/run/slo-gate/prometheus/password' },
      { name: 'SLO_GATE_PROMETHEUS_USERNAME_FILE', value: '/var/run/slo-gate/prometheus/username' },
    ]));
  });

  test('allowedMetrics are passed to the gate', () => {
    const { chart: c, gate: g } = make({ allowedMetrics: ['orders_requests_total', 'orders_duration_seconds'] });
    expect(podOf(synthValid(c)).containers[0].args.slice(-2)).toEqual(['--allowed-metrics', 'orders_requests_total,orders_duration_seconds']);
    expect(g.allowedMetrics).toEqual(['orders_requests_total', 'orders_duration_seconds']);
  });

  test('the verdict URL carries a non-default service port', () => {
    expect(make({ servicePort: 8080 }).gate.verdictUrl).toBe('http://slo-gate.ops.svc.cluster.local:8080/v1/verdict');
  });

  test('no network policies when lockDown is off', () => {
    const { chart: c } = make({ lockDown: false });
    expect(synthValid(c).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  describe('who may call it (the NetworkPolicy, with the labels of Argo Rollouts v1.9.1\'s install manifests and Helm chart)', () => {
    const gatePod = { namespace: 'ops', labels: { 'app.kubernetes.io/name': 'slo-gate' } };
    const reaches = (from: { namespace: string; labels: Record<string, string> }, objects = objs) => Reachability.canConnect(objects, { source: from, destination: gatePod, port: 8080 });
    // manifests/install.yaml: the controller pod carries the name label alone; dashboard-install.yaml names the dashboard apart
    const manifestController = { namespace: 'argo-rollouts', labels: { 'app.kubernetes.io/name': 'argo-rollouts' } };
    const manifestDashboard = { namespace: 'argo-rollouts', labels: { 'app.kubernetes.io/name': 'argo-rollouts-dashboard' } };
    // the Helm chart: selectorLabels (name, instance) plus the component, rollouts-controller or rollouts-dashboard
    const helm = (component: string) => ({
      namespace: 'argo-rollouts', labels: { 'app.kubernetes.io/name': 'argo-rollouts', 'app.kubernetes.io/instance': 'argo-rollouts', 'app.kubernetes.io/component': component },
    });

    test('admits the controller of either install', () => {
      expect([reaches(manifestController), reaches(helm('rollouts-controller'))]).toEqual([true, true]);
    });

    test('refuses the dashboard of either install, and anything else', () => {
      expect([reaches(manifestDashboard), reaches(helm('rollouts-dashboard'))]).toEqual([false, false]);
      expect(reaches({ namespace: 'team-b', labels: { 'app.kubernetes.io/name': 'argo-rollouts' } })).toBe(false);
    });

    test('labels can be overridden, e.g. a Helm release with nameOverride', () => {
      const { chart: c } = make({ network: { argoRollouts: { podLabels: { 'app.kubernetes.io/name': 'rollouts' } } } });
      const objects = synthValid(c);
      const renamed = (component: string) => ({ namespace: 'argo-rollouts', labels: { 'app.kubernetes.io/name': 'rollouts', 'app.kubernetes.io/component': component } });
      expect([reaches(renamed('rollouts-controller'), objects), reaches(renamed('rollouts-dashboard'), objects)]).toEqual([true, false]);
    });
  });

  test('fails on a Prometheus URL that is not one', () => {
    expect(() => make({ prometheusUrl: 'prometheus:9090' })).toThrow("prometheusUrl must be an http or https URL of the Prometheus API, got 'prometheus:9090'");
  });
  test('fails on a Prometheus URL with credentials, without showing them', () => {
    expect(() => make({ prometheusUrl: 'http://gate:hunter2@prometheus:9090' })).toThrow(new Error(
      "prometheusUrl must not carry credentials, got 'http://***@prometheus:9090': put them in a kubernetes.io/basic-auth Secret and name it in prometheusBasicAuthSecret"));
  });
  test('fails on a verdict timeout Argo would cut short', () => {
    expect(() => make({ verdictTimeout: Duration.seconds(10) })).toThrow(
      "verdictTimeout must be between 3s (the gate's query timeout) and 9s (Argo's web provider waits 10s by default), got 10s");
  });
  test('fails on a volume that takes the name or the path of the gate\'s own Secret mount', () => {
    // GIVEN volumes of the user's named or mounted like the gate's tenant-token mount
    const chart = Testing.chart();
    const byName = Volume.fromEmptyDir(chart, 'A', 'tenant-tokens');
    const byPath = Volume.fromEmptyDir(chart, 'B', 'tokens');
    const message = 'the gate mounts its Secret as volume \'tenant-tokens\' at /var/run/slo-gate/tenant-tokens, which volumeMounts already use: '
      + 'give your volume another name and mount it elsewhere';
    // WHEN the gate is built THEN it fails, naming the volume, the path and the fix
    expect(() => make({ volumeMounts: [{ path: '/var/tokens', volume: byName }] })).toThrow(message);
    expect(() => make({ volumeMounts: [{ path: '/var/run/slo-gate/tenant-tokens', volume: byPath }] })).toThrow(message);
    // AND a volume of its own name and path is mounted next to the gate's
    const pod = podOf(synthValid(make({ volumeMounts: [{ path: '/var/tokens', volume: byPath }] }).chart));
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['tmp', 'tokens', 'tenant-tokens']);
  });

  test('fails on a latest image, like every workload', () => {
    expect(() => make({ image: 'slo-gate:latest' })).toThrow("image must not use the 'latest' tag");
  });
  test.each([
    [{ allowedMetrics: [] }, 'allowedMetrics must name at least one metric, got []: e.g. ["http_requests_total","http_request_duration_seconds"]'],
    [{ allowedMetrics: ['up{job="x"}'] }, 'allowedMetrics must hold metric names matching ^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$, got \'up{job="x"}\''],
    [{ allowedMetrics: ['Inf'] }, 'allowedMetrics must be a metric name, got the PromQL keyword "Inf": name the counter or histogram the service exports'],
    [{ prometheusBasicAuthSecret: 'Prom_Auth' }, "prometheusBasicAuthSecret must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters), got 'Prom_Auth'"],
  ] as Array<[Partial<SloGateProps>, string]>)('fails on %j', (props, message) => {
    expect(() => make(props)).toThrow(new Error(message));
  });
  test.each([
    [{ tenantTokensSecret: 'Tenants' }, "tenantTokensSecret must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters), got 'Tenants'"],
    [{ tokenSecret: { name: 'token', key: 'a/b' } }, "tokenSecret key must be a Secret key (letters, digits, '-', '_' and '.'), got 'a/b'"],
  ])('fails on tenant tokens %j', (options, message) => {
    expect(() => GateAuth.tenantTokens(options)).toThrow(new Error(message));
  });
});
