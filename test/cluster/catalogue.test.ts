import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { CATALOGUE, CatalogueEntry, ExistingTemplate } from '../catalogue/charts';
import { ROOT } from '../support/synth';
import { condition, createNamespaces, eventually, Json, k, kJson, kOk, ref } from './support';

/**
 * The charts of Argo Rollouts' example catalogue (test/catalogue/charts.ts) on the real control plane: applied with
 * strict field validation in namespaces under "restricted", each Rollout reconciled by the Argo Rollouts v1.9.1
 * controller without InvalidSpec; then an update of the pod template runs the first steps, and the controller
 * starts the analyses, sets the routes and pauses where the example expects.
 */

const built = CATALOGUE.filter((e) => e.chart !== undefined);

/** Istio's VirtualService and DestinationRule CRDs, which the Istio examples need (the suite's control plane has no Istio). */
const ISTIO_CRDS = path.join(ROOT, 'crds', 'istio-v1.32.0');

/**
 * A stand-in for a template the example expects in the cluster (another example creates it, with the Job provider):
 * the same name, metric names and args, each metric one web measurement of a local port where nothing listens.
 */
function standIn(t: ExistingTemplate, namespace: string): Json {
  const query = (t.args ?? []).map((a) => `${a.name}={{args.${a.name}}}`).join('&');
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: t.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate',
    metadata: t.clusterScope ? { name: t.name } : { name: t.name, namespace },
    spec: {
      args: t.args,
      metrics: t.metrics.map((name) => ({ name, count: 1, provider: { web: { url: `http://127.0.0.1:9/never-answers?${query}` } } })),
    },
  };
}

const getRollout = (e: CatalogueEntry): Promise<Json> => kJson(['get', 'rollout', e.behaviour!.rollout, '-n', e.namespace]);
const getVirtualService = (e: CatalogueEntry, name: string): Promise<Json> => kJson(['get', 'virtualservices.networking.istio.io', name, '-n', e.namespace]);

describe('the example catalogue on the real Argo Rollouts controller', () => {
  const objects = new Map<CatalogueEntry, Json[]>();
  const standIns: Json[] = [];

  beforeAll(async () => {
    // GIVEN Istio's CRDs installed and Established
    const crds = fs.readdirSync(ISTIO_CRDS).filter((f) => f.endsWith('-crd.yaml')).map((f) => path.join(ISTIO_CRDS, f));
    const names = (await kOk(['apply', '--server-side', '-o', 'name', ...crds.flatMap((f) => ['-f', f])])).trim().split('\n');
    await kOk(['wait', '--for', 'condition=Established', '--timeout', '60s', ...names], { timeoutMs: 70_000 });
    // AND a namespace under "restricted" per example
    await createNamespaces(built.map((e) => e.namespace));
    // AND the templates the examples expect to exist, as stand-ins
    for (const e of built) standIns.push(...(e.existingTemplates ?? []).map((t) => standIn(t, e.namespace)));
    await kOk(['apply', '--server-side', '--validate=strict', '-f', '-'], { input: standIns.map((o) => JSON.stringify(o)).join('\n') });
    for (const e of built) objects.set(e, Testing.synth(e.chart!()));
  }, 180_000);

  afterAll(async () => {
    await k(['delete', 'namespace', ...built.map((e) => e.namespace), '--wait=false']);
    for (const o of standIns.filter((x) => x.kind === 'ClusterAnalysisTemplate')) await k(['delete', 'clusteranalysistemplate', o.metadata.name, '--wait=false']);
  });

  test('the charts cover every example the API expresses', () => {
    expect(built.map((e) => e.example)).toEqual(CATALOGUE.filter((e) => e.expressed !== 'none').map((e) => e.example));
  });

  describe.each(built.map((e) => [e.example, e] as [string, CatalogueEntry]))('%s', (_example, entry) => {
    test('the API server takes every object with strict field validation and no warning, and the controller reconciles the Rollout without InvalidSpec', async () => {
      // WHEN every object of the chart is applied
      const applied = await k(['apply', '--server-side', '--validate=strict', '-f', '-'],
        { input: objects.get(entry)!.map((o) => JSON.stringify(o)).join('\n'), timeoutMs: 60_000 });
      expect({ code: applied.code, stderr: applied.stderr.trim() }).toEqual({ code: 0, stderr: '' });
      // THEN the controller has seen the Rollout's generation, and calls it Healthy, not InvalidSpec
      const status = await eventually(`${entry.behaviour!.rollout} reconciled`, async () => {
        const live = await getRollout(entry);
        const seen = live.status?.observedGeneration === String(live.metadata.generation);
        return seen && (live.status?.phase === 'Healthy' || condition(live, 'InvalidSpec')) ? live.status : undefined;
      }, 90_000);
      expect({ invalidSpec: condition({ status }, 'InvalidSpec')?.message, phase: status.phase }).toEqual({ invalidSpec: undefined, phase: 'Healthy' });
    }, 150_000);

    const first = entry.firstSteps;
    if (first === undefined) return;
    test('an update runs the first steps: the controller starts the example\'s analyses, sets its routes, pauses where it waits', async () => {
      // GIVEN the Rollout Healthy (test above) WHEN its pod template changes
      await kOk(['patch', 'rollout', entry.behaviour!.rollout, '-n', entry.namespace, '--type', 'merge', '-p',
        JSON.stringify({ spec: { template: { metadata: { annotations: { 'catalogue.example.com/revision': '2' } } } } })]);
      if (first.analysisRunMetrics) {
        // THEN an AnalysisRun of the Rollout measures the metrics of the example's templates
        const run = await eventually(`an AnalysisRun of ${entry.behaviour!.rollout}`, async () => {
          const runs = (await kJson<{ items: Json[] }>(['get', 'analysisruns', '-n', entry.namespace])).items
            .filter((r) => r.metadata.ownerReferences?.some((o: Json) => o.kind === 'Rollout' && o.name === entry.behaviour!.rollout));
          return runs[0];
        }, 90_000);
        expect(run.spec.metrics.map((m: Json) => m.name).sort()).toEqual(first.analysisRunMetrics);
      }
      if (first.weightedRoute) {
        // THEN the controller sets the first step's weights in the route
        const w = first.weightedRoute;
        const weights = await eventually(`weights ${w.weights} in ${w.virtualService}/${w.route}`, async () => {
          const route = (await getVirtualService(entry, w.virtualService)).spec.http.find((h: Json) => h.name === w.route);
          const now = route.route.map((r: Json) => r.weight ?? 0);
          return JSON.stringify(now) === JSON.stringify(w.weights) ? now : undefined;
        }, 90_000);
        expect(weights).toEqual(w.weights);
      }
      if (first.mirrorRoute) {
        // THEN the controller adds the mirror route, first, mirroring the share of matching requests to the canary Service
        const m = first.mirrorRoute;
        const http = await eventually(`route ${m.route} in ${m.virtualService}`, async () => {
          const routes: Json[] = (await getVirtualService(entry, m.virtualService)).spec.http;
          return routes.some((h) => h.name === m.route) ? routes : undefined;
        }, 90_000);
        expect({ name: http[0].name, mirror: http[0].mirror?.host, percentage: http[0].mirrorPercentage?.value })
          .toEqual({ name: m.route, mirror: m.host, percentage: m.percentage });
      }
      if (first.pausedFor) {
        // THEN the update pauses where the example waits for a human
        const paused = await eventually(`${entry.behaviour!.rollout} paused for ${first.pausedFor.reason}`, async () => {
          const status = (await getRollout(entry)).status;
          return status?.pauseConditions?.some((c: Json) => c.reason === first.pausedFor!.reason) ? status : undefined;
        }, 90_000);
        expect({ reason: paused.pauseConditions.map((c: Json) => c.reason), stepIndex: first.pausedFor.stepIndex === undefined ? undefined : paused.currentStepIndex })
          .toEqual({ reason: [first.pausedFor.reason], stepIndex: first.pausedFor.stepIndex });
      }
      // AND the Rollout stays valid
      expect(condition(await getRollout(entry), 'InvalidSpec')).toBeUndefined();
    }, 150_000);
  });

  test('stand-ins of the templates the examples expect exist, and nothing else was needed from outside the charts', () => {
    expect(standIns.map(ref).sort()).toEqual([
      'AnalysisTemplate/argo-analysis-step/random-fail', 'AnalysisTemplate/argo-background-analysis/random-fail',
      'AnalysisTemplate/argo-secret/analysis-secret', 'ClusterAnalysisTemplate//always-pass',
    ]);
  });
});
