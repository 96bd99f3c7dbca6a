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

/** The examples that install templates other examples use (analysis-templates.yaml, cluster-analysis-templates.yaml). */
const templateOnly = built.filter((e) => e.behaviour === undefined);

/**
 * Stand-ins for the CRDs of the routers the suite's control plane does not run (SMI, Ambassador, APISIX, App Mesh):
 * not their projects' CRDs, only the group, version and kind the controller of Argo Rollouts v1.9.1 asks for (its
 * default API versions), every field kept. Without them the controller takes the Ambassador and App Mesh rollouts as
 * InvalidSpec (it looks up the Mapping, the VirtualService and its VirtualRouter when it validates the Rollout), and
 * fails each reconcile of the SMI and APISIX ones with a TrafficRoutingError (it cannot create the TrafficSplit, or
 * read the ApisixRoute).
 */
const ROUTER_KINDS: [group: string, version: string, kind: string][] = [
  ['split.smi-spec.io', 'v1alpha1', 'TrafficSplit'], ['getambassador.io', 'v2', 'Mapping'], ['getambassador.io', 'v2', 'KubernetesEndpointResolver'],
  ['apisix.apache.org', 'v2', 'ApisixRoute'], ['appmesh.k8s.aws', 'v1beta2', 'VirtualService'], ['appmesh.k8s.aws', 'v1beta2', 'VirtualRouter'],
  ['appmesh.k8s.aws', 'v1beta2', 'VirtualNode'],
];

function standInCrd([group, version, kind]: [string, string, string]): Json {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/**
 * The router objects the router examples write beside their Rollout (their Mapping, ApisixRoute, App Mesh virtual
 * service, router and nodes), which the charts name but do not emit: as the examples write them, selecting the
 * chart's Services and pods.
 */
const ROUTER_OBJECTS: Json[] = [
  { apiVersion: 'getambassador.io/v2', kind: 'KubernetesEndpointResolver', metadata: { name: 'endpoint', namespace: 'argo-ambassador' } },
  {
    apiVersion: 'getambassador.io/v2', kind: 'Mapping', metadata: { name: 'echo', namespace: 'argo-ambassador' },
    spec: { resolver: 'endpoint', prefix: '/echo', rewrite: '/echo', service: 'echo-stable:80' },
  },
  {
    apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', metadata: { name: 'rollouts-apisix-route', namespace: 'argo-apisix' },
    spec: {
      http: [{
        name: 'rollouts-apisix', match: { paths: ['/*'], methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], hosts: ['rollouts-demo.apisix.local'] },
        backends: [{ serviceName: 'rollout-apisix-canary-stable', servicePort: 80 }, { serviceName: 'rollout-apisix-canary-canary', servicePort: 80 }],
      }],
    },
  },
  {
    apiVersion: 'appmesh.k8s.aws/v1beta2', kind: 'VirtualService', metadata: { name: 'my-svc', namespace: 'argo-appmesh' },
    spec: { provider: { virtualRouter: { virtualRouterRef: { name: 'my-vrouter' } } } },
  },
  {
    apiVersion: 'appmesh.k8s.aws/v1beta2', kind: 'VirtualRouter', metadata: { name: 'my-vrouter', namespace: 'argo-appmesh' },
    spec: {
      listeners: [{ portMapping: { port: 80, protocol: 'http' } }],
      routes: [{
        name: 'primary',
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [{ virtualNodeRef: { name: 'my-vn-canary' }, weight: 0 }, { virtualNodeRef: { name: 'my-vn-stable' }, weight: 100 }] },
        },
      }],
    },
  },
  ...['canary', 'stable'].map((track) => ({
    apiVersion: 'appmesh.k8s.aws/v1beta2', kind: 'VirtualNode', metadata: { name: `my-vn-${track}`, namespace: 'argo-appmesh' },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'my-rollout', 'rollouts-pod-template-hash': `${track}-tbd` } },
      listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
      serviceDiscovery: { dns: { hostname: `my-svc-${track}.argo-appmesh.svc.cluster.local`, responseType: 'LOADBALANCER' } },
    },
  })),
];

/** Waits for CRDs to be Established; `kubectl wait` fails at once on a CRD whose status has no conditions yet, so it is retried. */
const established = (crds: string[]): Promise<boolean> => eventually(`${crds.join(', ')} Established`, async () =>
  ((await k(['wait', '--for', 'condition=Established', '--timeout', '10s', ...crds], { timeoutMs: 20_000 })).code === 0 ? true : undefined), 70_000);

const getRollout = (e: CatalogueEntry): Promise<Json> => kJson(['get', 'rollout', e.behaviour!.rollout, '-n', e.namespace]);
const getVirtualService = (e: CatalogueEntry, name: string): Promise<Json> => kJson(['get', 'virtualservices.networking.istio.io', name, '-n', e.namespace]);

describe('the example catalogue on the real Argo Rollouts controller', () => {
  const objects = new Map<CatalogueEntry, Json[]>();
  const standIns: Json[] = [];

  beforeAll(async () => {
    // GIVEN Istio's CRDs installed and Established
    const crds = fs.readdirSync(ISTIO_CRDS).filter((f) => f.endsWith('-crd.yaml')).map((f) => path.join(ISTIO_CRDS, f));
    const names = (await kOk(['apply', '--server-side', '-o', 'name', ...crds.flatMap((f) => ['-f', f])])).trim().split('\n');
    await established(names);
    // AND stand-ins for the CRDs of the other routers the examples use, Established
    const routerCrds = ROUTER_KINDS.map(standInCrd);
    await kOk(['apply', '--server-side', '-f', '-'], { input: routerCrds.map((o) => JSON.stringify(o)).join('\n') });
    await established(routerCrds.map((c) => `crd/${c.metadata.name}`));
    // AND a namespace under "restricted" per example, with the router objects the router examples write beside their Rollout
    await createNamespaces(built.map((e) => e.namespace));
    await kOk(['apply', '--server-side', '-f', '-'], { input: ROUTER_OBJECTS.map((o) => JSON.stringify(o)).join('\n') });
    // AND the templates the examples expect to exist, as stand-ins
    for (const e of built) standIns.push(...(e.existingTemplates ?? []).map((t) => standIn(t, e.namespace)));
    await kOk(['apply', '--server-side', '--validate=strict', '-f', '-'], { input: standIns.map((o) => JSON.stringify(o)).join('\n') });
    for (const e of built) objects.set(e, Testing.synth(e.chart!()));
    // AND the examples that install templates, first: the cluster template always-pass is the one the analysis step runs
    await kOk(['apply', '--server-side', '--validate=strict', '-f', '-'],
      { input: templateOnly.flatMap((e) => objects.get(e)!).map((o) => JSON.stringify(o)).join('\n') });
  }, 180_000);

  afterAll(async () => {
    await k(['delete', 'namespace', ...built.map((e) => e.namespace), '--wait=false']);
    const clusterScoped = [...standIns, ...templateOnly.flatMap((e) => objects.get(e) ?? [])].filter((x) => x.kind === 'ClusterAnalysisTemplate');
    for (const o of clusterScoped) await k(['delete', 'clusteranalysistemplate', o.metadata.name, '--wait=false']);
  });

  test('the charts cover every example the API expresses', () => {
    expect(built.map((e) => e.example)).toEqual(CATALOGUE.filter((e) => e.expressed !== 'none').map((e) => e.example));
  });

  describe.each(built.map((e) => [e.example, e] as [string, CatalogueEntry]))('%s', (_example, entry) => {
    const apply = async () => {
      const applied = await k(['apply', '--server-side', '--validate=strict', '-f', '-'],
        { input: objects.get(entry)!.map((o) => JSON.stringify(o)).join('\n'), timeoutMs: 60_000 });
      // Kubernetes v1.34 warns on every headless Service: its defaulting sets spec.sessionAffinity (None), which the
      // warning checks for being set (pkg/api/service/warnings.go); the chart sets no session affinity.
      const headless = objects.get(entry)!.filter((o) => o.kind === 'Service' && o.spec?.clusterIP === 'None');
      expect(headless.filter((o) => o.spec.sessionAffinity !== undefined)).toEqual([]);
      const warnings = applied.stderr.trim().split('\n').filter((l) => l && !(headless.length > 0 && l === 'Warning: spec.SessionAffinity is ignored for headless services'));
      expect({ code: applied.code, stderr: warnings }).toEqual({ code: 0, stderr: [] });
    };
    if (entry.behaviour === undefined) {
      test('the API server takes its templates with strict field validation and no warning, and keeps them as written', async () => {
        // WHEN every template of the chart is applied THEN the API server keeps each spec as synthesized (nothing pruned)
        await apply();
        for (const o of objects.get(entry)!) {
          const live = await kJson(['get', o.kind.toLowerCase(), o.metadata.name,
            ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : [])]);
          expect(live.spec).toEqual(o.spec);
        }
      }, 150_000);
      return;
    }

    test('the API server takes every object with strict field validation and no warning, and the controller reconciles the Rollout without InvalidSpec', async () => {
      // WHEN every object of the chart is applied
      await apply();
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
      // GIVEN the Rollout Healthy (test above) WHEN its pod template changes (the Deployment's, for a rollout that references one)
      const workload = entry.behaviour!.workloadRef?.split('/');
      await kOk(['patch', workload ? workload[0].toLowerCase() : 'rollout', workload ? workload[1] : entry.behaviour!.rollout, '-n', entry.namespace,
        '--type', 'merge', '-p', JSON.stringify({ spec: { template: { metadata: { annotations: { 'catalogue.example.com/revision': '2' } } } } })]);
      if (first.experimentTemplates) {
        // THEN the controller runs an Experiment of the Rollout with the step's templates
        const experiment = await eventually(`an Experiment of ${entry.behaviour!.rollout}`, async () => {
          const items = (await kJson<{ items: Json[] }>(['get', 'experiments', '-n', entry.namespace])).items
            .filter((x) => x.metadata.ownerReferences?.some((o: Json) => o.kind === 'Rollout' && o.name === entry.behaviour!.rollout));
          return items[0];
        }, 90_000);
        expect(experiment.spec.templates.map((t: Json) => t.name).sort()).toEqual(first.experimentTemplates);
      }
      if (first.routerObject) {
        // THEN the controller writes the step's weight, or its own object, into the router's configuration
        const r = first.routerObject;
        const value = await eventually(`${r.resource}/${r.name} ${r.path.join('.')} = ${JSON.stringify(r.value)}`, async () => {
          const got = await k(['get', r.resource, r.name, '-n', entry.namespace, '-o', 'json']);
          if (got.code !== 0) return undefined;
          const at = r.path.reduce((o: any, key) => o?.[key], JSON.parse(got.stdout));
          return JSON.stringify(at) === JSON.stringify(r.value) ? at : undefined;
        }, 90_000);
        expect(value).toEqual(r.value);
      }
      if (first.reachesStep !== undefined) {
        // THEN the update runs the steps up to this one
        const reached = await eventually(`${entry.behaviour!.rollout} at step ${first.reachesStep}`, async () => {
          const index = (await getRollout(entry)).status?.currentStepIndex;
          return index !== undefined && index >= first.reachesStep! ? index : undefined;
        }, 90_000);
        expect(reached).toBeGreaterThanOrEqual(first.reachesStep);
      }
      if (first.analysisRunMetrics) {
        // THEN an AnalysisRun of the Rollout measures the metrics of the example's templates
        const run = await eventually(`an AnalysisRun of ${entry.behaviour!.rollout}`, async () => {
          // The Rollout's own runs, or those of its experiments (named after it)
          const runs = (await kJson<{ items: Json[] }>(['get', 'analysisruns', '-n', entry.namespace])).items
            .filter((r) => r.metadata.ownerReferences?.some((o: Json) => (o.kind === 'Rollout' && o.name === entry.behaviour!.rollout)
              || (o.kind === 'Experiment' && o.name.startsWith(`${entry.behaviour!.rollout}-`))));
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
      'AnalysisTemplate/argo-experiment-step/random-fail',
    ]);
  });
});
