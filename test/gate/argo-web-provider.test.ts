/**
 * The gate called exactly as Argo Rollouts would call it from the synthesized AnalysisTemplate of the
 * amas-prod example: args resolved into the jsonBody, POSTed to the real gate (the cluster host
 * replaced by the local one), the jsonPath applied to its answer, the conditions evaluated.
 */
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { AmasProdChart } from '../../app/amas-prod';
import { RunningLoad, startLoad } from '../support/load';
import { measureWebMetric, resolveArgs } from '../support/argo-web';
import { REPO_ROOT, builtScript, startDemo, startProcess, StartedProcess, stopAll } from '../support/processes';
import { PrometheusServer } from '../support/prometheus';

const HASH = { stable: 'st4ble', good: 'g00d', failing: 'fa1l' };

describe('the example analysis, measured as Argo measures it', () => {
  // GIVEN the synthesized gate metric of the example, with a window short enough for a test
  const objects = Testing.synth(new AmasProdChart(Testing.app(), 'amas-prod'));
  const template = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === 'amas-orchestrator-slo');
  const metric = { ...template.spec.metrics[0] };
  metric.provider.web.jsonBody.window = '15s';
  let prometheus: PrometheusServer | undefined;
  let gate: StartedProcess;
  const loads: RunningLoad[] = [];

  beforeAll(async () => {
    // AND a stable version, a good canary and a canary failing 20% of its requests, 10% of the traffic each
    const [stable, good, failing] = await Promise.all([startDemo(), startDemo(), startDemo(['--mode', 'failing', '--error-rate', '0.2'])]);
    const target = (p: StartedProcess, hash: string) => ({
      port: p.port, labels: { namespace: 'amas-prod', pod: `amas-orchestrator-${hash}-0`, rollouts_pod_template_hash: hash },
    });
    prometheus = await PrometheusServer.start({ targets: [target(stable, HASH.stable), target(good, HASH.good), target(failing, HASH.failing)] });
    builtScript('lib/gate/service/cli');
    gate = await startProcess({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin', 'slo-gate'), '--prometheus-url', prometheus.url, '--port', '0', '--host', '127.0.0.1'],
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
  }, 30_000);

  const measure = (canaryHash: string) => {
    // The args as the Rollout passes them: fieldRef metadata.namespace, podTemplateHashValue Latest and Stable
    const resolved = resolveArgs(metric, { 'namespace': 'amas-prod', 'canary-hash': canaryHash, 'stable-hash': HASH.stable });
    const url = new URL(resolved.provider.web.url);
    expect(url.host).toBe('slo-gate.amas-prod.svc.cluster.local');
    return measureWebMetric(resolved, `http://127.0.0.1:${gate.port}${url.pathname}`);
  };

  test('a healthy canary is Successful', async () => {
    const m = await measure(HASH.good);
    expect([m.status, m.value, m.phase]).toEqual([200, 'pass', 'Successful']);
  });

  test('a canary failing 20% of its requests at 10% of the traffic is Failed', async () => {
    const m = await measure(HASH.failing);
    expect([m.status, m.value, m.phase]).toEqual([200, 'fail', 'Failed']);
  });

  test('a canary with no traffic is Inconclusive, never Successful', async () => {
    const m = await measure('n0traffic');
    expect([m.status, m.value, m.phase]).toEqual([200, 'inconclusive', 'Inconclusive']);
  });

  test('an unresolvable arg fails before any call, as in the controller', () => {
    expect(() => resolveArgs(metric, { namespace: 'amas-prod' })).toThrow('failed to resolve {{args.canary-hash}}');
  });
});
