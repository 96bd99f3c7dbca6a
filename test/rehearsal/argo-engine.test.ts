import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { clusterObjects, rehearsalTimeoutMs, rehearseOnCluster, tokenSecrets } from '../../tools/cli/src/rehearsal/argo-engine';
import { nginxConfig } from '../../tools/cli/src/rehearsal/nginx';
import { modeOfImage, withTag } from '../../tools/cli/src/rehearsal/pod-runner';
import { TimeScale } from '../../tools/cli/src/rehearsal/time-scale';
import { EXAMPLE_CHART } from './example-chart';

/** The pieces of `rehearse --engine argo` that need no cluster (the runs themselves are in test/cluster/). */

type Json = { [key: string]: any };
const docs = (): Json[] => parseAllDocuments(fs.readFileSync(EXAMPLE_CHART, 'utf8')).map((d) => d.toJSON());
const targets = { prometheusUrl: 'http://127.0.0.1:9090', gateUrl: 'http://127.0.0.1:8080' };

describe('the pod runner reads the behaviour from the image tag', () => {
  test.each([
    ['ghcr.io/x/app:good', 'good'], ['ghcr.io/x/app:failing', 'failing'], ['ghcr.io/x/app:slow', 'slow'],
    ['ghcr.io/x/app:1.4.2', 'good'], ['localhost:5000/app', 'good'], ['app:slow@sha256:abc', 'slow'],
  ])('%s runs %s', (image, mode) => expect(modeOfImage(image)).toBe(mode));

  test('withTag replaces the tag, not a registry port', () => {
    expect(withTag('ghcr.io/x/app:1.4.2', 'failing')).toBe('ghcr.io/x/app:failing');
    expect(withTag('localhost:5000/app', 'slow')).toBe('localhost:5000/app:slow');
    expect(withTag('app:1@sha256:abc', 'good')).toBe('app:good');
  });
});

describe('nginx upstreams with one server per endpoint', () => {
  test('every port is a server; no endpoint is a server marked down', () => {
    const conf = nginxConfig('/tmp/x', 8000, { stablePort: 0, stablePorts: [1001, 1002], canaryPorts: [], canaryWeight: 10 }, 1);
    expect(conf).toContain('upstream stable { server 127.0.0.1:1001; server 127.0.0.1:1002; }');
    expect(conf).toContain('upstream canary { server 127.0.0.1:9 down; }');
    expect(conf).toContain('10% canary;');
  });
});

describe('the objects applied to the cluster', () => {
  const objects = clusterObjects(docs(), 'amas-orchestrator', 'rehearse-x', targets, new TimeScale(10));
  const rollout = objects.find((o) => o.kind === 'Rollout')!;

  test('every object is moved to the namespace', () => {
    expect([...new Set(objects.map((o) => o.metadata.namespace))]).toEqual(['rehearse-x']);
  });

  test('pauses in whole seconds, intervals and initialDelay scaled, minReadySeconds scaled', () => {
    expect(rollout.spec.strategy.canary.steps.filter((s: Json) => s.pause).map((s: Json) => s.pause.duration)).toEqual(['6s', '6s', '6s', '6s']);
    const step = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === 'amas-orchestrator-slo')!;
    expect(step.spec.metrics[0]).toMatchObject({ interval: '2000ms', initialDelay: '2000ms' });
    expect(rollout.spec.minReadySeconds).toBe(1);
  });

  test('the providers reach the local Prometheus and gate, with scaled windows', () => {
    const metrics = objects.filter((o) => o.kind === 'AnalysisTemplate').flatMap((t) => t.spec.metrics);
    const web = metrics.find((m: Json) => m.provider.web)!;
    expect(web.provider.web.url).toBe('http://127.0.0.1:8080/v1/verdict');
    expect(web.provider.web.jsonBody.window).toBe('6s');
    const prom = metrics.filter((m: Json) => m.provider.prometheus);
    expect(prom.map((m: Json) => m.provider.prometheus.address)).toEqual(prom.map(() => 'http://127.0.0.1:9090'));
    expect(prom.map((m: Json) => m.provider.prometheus.query).join('\n')).not.toContain('[1m]');
  });

  test('the gate token Secrets the templates read are made in the namespace, with the rehearsal token', () => {
    expect(tokenSecrets(objects, 'rehearse-x', 't0ken')).toEqual([
      { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'slo-gate-token', namespace: 'rehearse-x' }, stringData: { token: 't0ken' } },
    ]);
  });
});

describe('rehearseOnCluster refuses before it starts anything', () => {
  test('a Rollout that takes its pods from workloadRef: the engine cannot give it a canary image', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'argo-engine-'));
    try {
      const withRef = (d: Json): Json => {
        if (d.kind !== 'Rollout') return d;
        const { template: _template, ...spec } = d.spec;
        return { ...d, spec: { ...spec, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } };
      };
      const chart = path.join(dir, 'chart.yaml');
      fs.writeFileSync(chart, docs().map((d) => stringify(withRef(d))).join('---\n'));
      fs.writeFileSync(path.join(dir, 'kubeconfig'), '');
      await expect(rehearseOnCluster({ chart, kubeconfig: path.join(dir, 'kubeconfig') }))
        .rejects.toThrow(/takes its pods from workloadRef \(Deployment web\), which the argo engine cannot change to a canary image: use --engine emulated/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('how long a rehearsal on the cluster waits', () => {
  test('the promotion budget at the time-scale, plus 2 minutes for the controller; the default budget when the chart turns it off', () => {
    expect(rehearsalTimeoutMs({ promotionSeconds: 600, abortSeconds: 120 }, 10)).toBe(60_000 + 120_000);
    expect(rehearsalTimeoutMs({ promotionSeconds: Infinity, abortSeconds: 120 }, 10)).toBe(60_000 + 120_000);
    expect(rehearsalTimeoutMs({ promotionSeconds: 1200, abortSeconds: 120 }, 1)).toBe(1_200_000 + 120_000);
  });
});
