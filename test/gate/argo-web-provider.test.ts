/**
 * The gate called exactly as Argo Rollouts would call it from the synthesized AnalysisTemplate of the
 * amas-prod example: the gate started with the example Deployment's own settings, args resolved into
 * the jsonBody and headers as the controller resolves them (a secretKeyRef from a Secret in the
 * AnalysisRun's own namespace), POSTed to the real gate (the cluster host replaced by the local one),
 * the jsonPath applied to its answer, the conditions evaluated.
 *
 * The cluster is shared: team-b writes its own AnalysisTemplates in its own namespace, where the
 * platform team created team-b's gate token. What team-b can make the controller send must not get
 * it a verdict about amas-prod, nor read metrics the SLI sources do not need.
 */
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { AmasProdChart } from '../../app/amas-prod';
import { RunningLoad, startLoad } from '../support/load';
import { measureWebMetric, resolveArgs } from '../support/argo-web';
import { REPO_ROOT, builtGate, startDemo, startProcess, StartedProcess, stopAll } from '../support/processes';
import { PrometheusServer } from '../support/prometheus';
import { SecretVolume } from './service/gate-process';

type Json = { [key: string]: any };
const HASH = { stable: 'st4ble', good: 'g00d', failing: 'fa1l' };
const TOKENS = { 'amas-prod': 'amas-prod-token-0123456789abcdef', 'team-b': 'team-b-token-0123456789abcdef' };
/** The Secrets each namespace holds, as the platform team created them: every tenant's own token under the name the example gives. */
const NAMESPACE_SECRETS: Record<string, Record<string, Record<string, string>>> = {
  'amas-prod': { 'slo-gate-token': { token: TOKENS['amas-prod'] } },
  'team-b': { 'slo-gate-token': { token: TOKENS['team-b'] } },
};

/** The template's args as the controller resolves them for an AnalysisRun in `namespace`: secretKeyRef from that namespace's Secrets. */
function runArgs(template: Json, namespace: string, fromRollout: Record<string, string>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const arg of template.spec.args) {
    const ref = arg.valueFrom?.secretKeyRef;
    if (ref) {
      const value = NAMESPACE_SECRETS[namespace]?.[ref.name]?.[ref.key];
      if (value === undefined) throw new Error(`secret ${ref.name} key ${ref.key} not found in namespace ${namespace}`);
      args[arg.name] = value;
    } else if (arg.name in fromRollout) {
      args[arg.name] = fromRollout[arg.name];
    }
  }
  return args;
}

describe('the example analysis, measured as Argo measures it', () => {
  // GIVEN the synthesized example: its gate Deployment and its gate metric, with a window short enough for a test
  const objects = Testing.synth(new AmasProdChart(Testing.app(), 'amas-prod'));
  const template = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === 'amas-orchestrator-slo');
  const metric = { ...template.spec.metrics[0] };
  metric.provider.web.jsonBody.window = '15s';
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slo-gate');
  const container = deployment.spec.template.spec.containers[0];
  let prometheus: PrometheusServer | undefined;
  let tenantTokens: SecretVolume;
  let gate: StartedProcess;
  const loads: RunningLoad[] = [];

  beforeAll(async () => {
    // AND a stable version, a good canary and a canary failing 20% of its requests, 10% of the traffic each
    const [stable, good, failing] = await Promise.all([startDemo(), startDemo(), startDemo(['--mode', 'failing', '--error-rate', '0.2'])]);
    const target = (p: StartedProcess, hash: string) => ({
      port: p.port, labels: { namespace: 'amas-prod', pod: `amas-orchestrator-${hash}-0`, rollouts_pod_template_hash: hash },
    });
    prometheus = await PrometheusServer.start({ targets: [target(stable, HASH.stable), target(good, HASH.good), target(failing, HASH.failing)] });

    // AND the gate run as its Deployment runs it: the container's args (Prometheus and ports local), its environment, and
    // the tenant tokens Secret the Deployment mounts, holding every tenant's token
    const env: Record<string, string> = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
    const mount = container.volumeMounts.find((m: Json) => m.mountPath === env.SLO_GATE_TENANT_TOKENS_DIR);
    const volume = deployment.spec.template.spec.volumes.find((v: Json) => v.name === mount.name);
    expect(volume.secret.secretName).toBe('slo-gate-tenant-tokens');
    tenantTokens = SecretVolume.create(TOKENS);
    const args = [...container.args];
    const set = (flag: string, value: string) => { args[args.indexOf(flag) + 1] = value; };
    set('--prometheus-url', prometheus.url);
    set('--port', '0');
    set('--metrics-port', '0');
    builtGate();
    gate = await startProcess({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'tools', 'slo-gate', 'bin', 'slo-gate'), ...args, '--host', '127.0.0.1'],
      env: { ...env, SLO_GATE_TENANT_TOKENS_DIR: tenantTokens.dir },
    });
    for (const canary of [good, failing]) {
      loads.push(startLoad({
        stableUrl: `http://127.0.0.1:${stable.port}/`, canaryUrl: `http://127.0.0.1:${canary.port}/`, canaryShare: 0.1, rate: 100, durationMs: 120_000,
      }));
    }
    await prometheus.waitFor(
      () => prometheus!.vector('sum by (rollouts_pod_template_hash) (increase(http_requests_total{namespace="amas-prod"}[15s]))'),
      (v) => [HASH.good, HASH.failing].every((h) => (v.find((s) => s.metric.rollouts_pod_template_hash === h)?.value ?? 0) >= 80),
      45_000, 'canary traffic in the window');
  }, 90_000);

  afterAll(async () => {
    await Promise.all(loads.map((l) => l.stop()));
    await prometheus?.dispose();
    await stopAll();
    tenantTokens?.dispose();
  }, 30_000);

  /** One measurement of `m` by an AnalysisRun in `namespace` for a rollout there. */
  const measure = (m: Json, namespace: string, canaryHash: string) => {
    // The args as the Rollout passes them (fieldRef metadata.namespace and metadata.name, podTemplateHashValue Latest and Stable),
    // the token as the controller reads it from the run's own namespace
    const resolved = resolveArgs(m, runArgs(template, namespace, { 'namespace': namespace, 'rollout': 'amas-orchestrator', 'canary-hash': canaryHash, 'stable-hash': HASH.stable }));
    const url = new URL(resolved.provider.web.url);
    expect(url.host).toBe('slo-gate.amas-prod.svc.cluster.local');
    return measureWebMetric(resolved, `http://127.0.0.1:${gate.port}${url.pathname}`);
  };
  /** The example's metric as a template author in team-b could rewrite it: its jsonBody changed by `edit`. */
  const rewritten = (edit: (body: Json) => void) => {
    const copy = JSON.parse(JSON.stringify(metric));
    edit(copy.provider.web.jsonBody);
    return copy;
  };

  test('a healthy canary is Successful', async () => {
    const m = await measure(metric, 'amas-prod', HASH.good);
    expect([m.status, m.value, m.phase]).toEqual([200, 'pass', 'Successful']);
  });

  test('a canary failing 20% of its requests at 10% of the traffic is Failed', async () => {
    const m = await measure(metric, 'amas-prod', HASH.failing);
    expect([m.status, m.value, m.phase]).toEqual([200, 'fail', 'Failed']);
  });

  test('a canary with no traffic is Inconclusive, never Successful', async () => {
    const m = await measure(metric, 'amas-prod', 'n0traffic');
    expect([m.status, m.value, m.phase]).toEqual([200, 'inconclusive', 'Inconclusive']);
  });

  test('an unresolvable arg fails before any call, as in the controller', () => {
    expect(() => resolveArgs(metric, { 'namespace': 'amas-prod', 'rollout': 'amas-orchestrator', 'gate-token': TOKENS['amas-prod'] })).toThrow('failed to resolve {{args.canary-hash}}');
  });

  describe('a template author in team-b', () => {
    test('cannot get a verdict about amas-prod: the run in team-b carries team-b\'s token, the gate answers 403, Argo records an Error', async () => {
      // GIVEN the example's template copied into team-b with amas-prod's namespace written in
      const m = await measure(rewritten((body) => { body.workload.namespace = 'amas-prod'; }), 'team-b', HASH.good);

      // THEN refused
      expect([m.status, m.phase]).toEqual([403, 'Error']);
      expect(JSON.parse(m.value as string)).toMatchObject({ error: 'forbidden', field: 'workload.namespace' });
    });

    test('cannot read a business metric of its own namespace through the gate', async () => {
      const m = await measure(rewritten((body) => { body.workload.source.app.requestsMetric = 'orders_revenue_cents_total'; }), 'team-b', HASH.good);
      expect([m.status, m.phase]).toEqual([403, 'Error']);
      expect(JSON.parse(m.value as string)).toMatchObject({ error: 'forbidden', field: 'workload.source.app.requestsMetric' });
    });

    test('cannot read kube-system\'s ingress traffic', async () => {
      const m = await measure(rewritten((body) => {
        body.workload.namespace = 'kube-system';
        body.workload.source = { ingressNginx: { stableIngress: 'dashboard' } };
      }), 'team-b', HASH.good);
      expect([m.status, m.phase]).toEqual([403, 'Error']);
    });

    test('gets nothing without a token', async () => {
      const anonymous = JSON.parse(JSON.stringify(metric));
      delete anonymous.provider.web.headers;
      const m = await measure(anonymous, 'team-b', HASH.good);
      expect([m.status, m.phase]).toEqual([401, 'Error']);
    });

    test('still judges its own rollouts with its own token', async () => {
      // team-b's own traffic is not in this Prometheus: the gate judges, and finds nothing yet
      const m = await measure(metric, 'team-b', HASH.good);
      expect([m.status, m.value, m.phase]).toEqual([200, 'inconclusive', 'Inconclusive']);
    });
  });

  test('the example names its Secrets and holds no token', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(template.spec.args).toContainEqual({ name: 'gate-token', valueFrom: { secretKeyRef: { name: 'slo-gate-token', key: 'token' } } });
    for (const token of Object.values(TOKENS)) expect(JSON.stringify(objects)).not.toContain(token);
  });
});
