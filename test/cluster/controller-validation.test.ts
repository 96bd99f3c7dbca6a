import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../support/synth';
import { condition, createNamespaces, eventually, Json, k, kJson, kOk } from './support';

/**
 * Controller-side truth for validation: for each rule of docs/validation.md's table of the controller's
 * rules, a spec that breaks only that rule, written as raw YAML (synth refuses it), applied to the real
 * Argo Rollouts v1.9.1 controller, which must refuse it with the matching message. Most rules make the
 * Rollout InvalidSpec; the metric limits are checked by the analysis controller when a run starts, and
 * fail that AnalysisRun (phase Error), which aborts the update.
 */

const NS = 'validation';

/** A restricted-compliant canary Rollout named `name`; `strategy` and `spec` are YAML lines spliced in. */
function rollout(name: string, strategy: string, spec = ''): string {
  return `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: { name: ${name}, namespace: ${NS} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
${spec}
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: registry.example.com/app:1.0.0
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
  strategy:
${strategy}
`;
}

/** An AnalysisTemplate with one web metric per entry of `metrics` (YAML lines of the metric besides name and provider). */
function template(name: string, metrics: Record<string, string>, args = ''): string {
  return `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: ${name}, namespace: ${NS} }
spec:
${args}
  metrics:
${Object.entries(metrics).map(([metric, lines]) => `    - name: ${metric}
      provider: { web: { url: "http://127.0.0.1:9/never-called" } }
${lines}`).join('\n')}
`;
}

/** A Service selecting the pods of the Rollout `app` (the controller checks that the selector matches the pod template). */
const service = (name: string, app: string) => `
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${NS} }
spec: { ports: [{ port: 80 }], selector: { app: ${app} } }
`;

interface Case {
  /** The rule, as its row of docs/validation.md starts. */
  readonly rule: string;
  readonly name: string;
  readonly yaml: string[];
  /** What the controller says: part of the InvalidSpec condition's message, or of the AnalysisRun's. */
  readonly message: string;
  /**
   * Refused by the API server before the controller sees it: the message is the server's.
   * @default - accepted by the API server, refused by the controller
   */
  readonly refusedByApiServer?: boolean;
}

/** Rules the controller checks when it validates the Rollout: InvalidSpec on the Rollout. */
const INVALID_SPEC: Case[] = [
  {
    rule: '`progressDeadline` longer than `minReady`', name: 'deadline-not-above-min-ready',
    yaml: [rollout('deadline-not-above-min-ready', '    canary: { steps: [{ setWeight: 50 }] }', '  minReadySeconds: 30\n  progressDeadlineSeconds: 30')],
    message: 'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds',
  },
  {
    rule: '`replicas` and `revisionHistoryLimit` not negative', name: 'negative-replicas',
    yaml: [rollout('negative-replicas', '    canary: { steps: [{ setWeight: 50 }] }').replace('replicas: 1', 'replicas: -1')],
    // The Rollout CRD's scale subresource (specReplicasPath .spec.replicas) makes the API server check it first.
    message: 'The Rollout "negative-replicas" is invalid: .spec.replicas: Invalid value: -1: should be a non-negative integer',
    refusedByApiServer: true,
  },
  {
    rule: '`replicas` and `revisionHistoryLimit` not negative', name: 'negative-history',
    yaml: [rollout('negative-history', '    canary: { steps: [{ setWeight: 50 }] }', '  revisionHistoryLimit: -1')],
    message: 'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
  },
  {
    rule: 'stable and canary Services differ', name: 'same-stable-canary',
    yaml: [rollout('same-stable-canary', '    canary: { stableService: web, canaryService: web, steps: [{ setWeight: 50 }] }')],
    message: 'This rollout uses the same service for the stable and canary services, but two different services are required.',
  },
  {
    rule: 'active and preview Services differ', name: 'same-active-preview',
    yaml: [rollout('same-active-preview', '    blueGreen: { activeService: web, previewService: web }')],
    message: 'This rollout uses the same service for the active and preview services, but two different services are required.',
  },
  {
    rule: 'blue-green: `scaleDownDelayRevisionLimit` at most `revisionHistoryLimit`', name: 'scale-down-limit-above-history',
    yaml: [rollout('scale-down-limit-above-history', '    blueGreen: { activeService: active, previewService: preview, scaleDownDelayRevisionLimit: 3 }',
      '  revisionHistoryLimit: 2')],
    message: "This rollout's revision history limit can not be smaller than the rollout's scale down limit",
  },
  {
    rule: '`setWeight` between 0 and 100', name: 'weight-150',
    yaml: [rollout('weight-150', '    canary: { steps: [{ setWeight: 150 }] }')],
    message: 'spec.strategy.steps[0].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100',
  },
  {
    rule: 'a pause is not negative', name: 'negative-pause',
    yaml: [rollout('negative-pause', '    canary: { steps: [{ setWeight: 50 }, { pause: { duration: -10 } }] }')],
    message: 'spec.strategy.steps[1].pause.duration: Invalid value: -10: Duration needs to be greater than 0',
  },
  {
    rule: '`setCanaryScale` needs `trafficRouting`', name: 'canary-scale-without-router',
    yaml: [rollout('canary-scale-without-router', '    canary: { steps: [{ setCanaryScale: { weight: 50 } }, { setWeight: 50 }] }')],
    message: 'spec.strategy.trafficRouting: Required value: SetCanaryScale requires TrafficRouting to be set',
  },
  {
    rule: '`scaleDownDelay` and `dynamicStableScale` need `trafficRouting`, and exclude each other', name: 'scale-down-delay-without-router',
    yaml: [rollout('scale-down-delay-without-router', '    canary: { scaleDownDelaySeconds: 30, steps: [{ setWeight: 50 }] }')],
    message: 'spec.strategy.scaleDownDelaySeconds: Invalid value: 30: Canary scaleDownDelaySeconds can only be used with traffic routing',
  },
  {
    rule: '`scaleDownDelay` and `dynamicStableScale` need `trafficRouting`, and exclude each other', name: 'dynamic-stable-scale-without-router',
    yaml: [rollout('dynamic-stable-scale-without-router', '    canary: { dynamicStableScale: true, steps: [{ setWeight: 50 }] }')],
    message: 'spec.strategy.dynamicStableScale: Invalid value: true: Canary dynamicStableScale can only be used with traffic routing',
  },
  {
    rule: '`scaleDownDelay` and `dynamicStableScale` need `trafficRouting`, and exclude each other', name: 'dynamic-stable-scale-and-delay',
    yaml: [rollout('dynamic-stable-scale-and-delay', `    canary:
      stableService: stable
      canaryService: canary
      trafficRouting: { nginx: { stableIngress: web } }
      scaleDownDelaySeconds: 30
      dynamicStableScale: true
      steps: [{ setWeight: 50 }]`)],
    message: 'spec.strategy.dynamicStableScale: Invalid value: true: Canary dynamicStableScale cannot be used with scaleDownDelaySeconds',
  },
  {
    rule: 'a step has at most one of setWeight, pause, experiment, analysis', name: 'weight-and-pause-in-one-step',
    yaml: [rollout('weight-and-pause-in-one-step', '    canary: { steps: [{ setWeight: 50, pause: { duration: 10 } }] }')],
    message: 'Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause',
  },
  {
    rule: 'an experiment template `weight` needs a router that takes it', name: 'experiment-weight-without-router',
    yaml: [rollout('experiment-weight-without-router', '    canary: { steps: [{ experiment: { templates: [{ name: canary, specRef: canary, weight: 10 }] } }] }')],
    message: 'Experiment template weight cannot be set unless TrafficRouting is enabled',
  },
  {
    rule: 'an experiment template `weight` needs a router that takes it', name: 'experiment-weight-with-nginx',
    yaml: [rollout('experiment-weight-with-nginx', `    canary:
      stableService: stable
      canaryService: canary
      trafficRouting: { nginx: { stableIngress: web } }
      steps: [{ experiment: { templates: [{ name: canary, specRef: canary, weight: 10 }] } }, { setWeight: 50 }]`)],
    message: 'Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time',
  },
  {
    rule: '`setHeaderRoute` needs Istio or a plugin router (here the Gateway API); `setMirrorRoute` needs Istio', name: 'header-route-with-nginx',
    yaml: [rollout('header-route-with-nginx', `    canary:
      stableService: stable
      canaryService: canary
      trafficRouting: { nginx: { stableIngress: web }, managedRoutes: [{ name: beta }] }
      steps: [{ setHeaderRoute: { name: beta, match: [{ headerName: X-Beta, headerValue: { exact: "1" } }] } }, { setWeight: 50 }]`)],
    message: 'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix',
  },
  {
    rule: '`setHeaderRoute` needs Istio or a plugin router (here the Gateway API); `setMirrorRoute` needs Istio', name: 'mirror-route-with-nginx',
    yaml: [rollout('mirror-route-with-nginx', `    canary:
      stableService: stable
      canaryService: canary
      trafficRouting: { nginx: { stableIngress: web }, managedRoutes: [{ name: mirror }] }
      steps: [{ setMirrorRoute: { name: mirror, match: [{ path: { prefix: / } }] } }, { setWeight: 50 }]`)],
    message: 'SetMirrorRoute requires TrafficRouting, supports Istio only',
  },
  {
    rule: 'every header or mirror route of a step is listed in `trafficRouting.managedRoutes`', name: 'header-route-not-managed',
    yaml: [rollout('header-route-not-managed', `    canary:
      stableService: stable
      canaryService: canary
      trafficRouting: { istio: { virtualService: { name: web } }, managedRoutes: [{ name: other }] }
      steps: [{ setHeaderRoute: { name: beta, match: [{ headerName: X-Beta, headerValue: { exact: "1" } }] } }, { setWeight: 50 }]`)],
    message: 'Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes',
  },
  {
    rule: 'a header, path or method match has exactly one of exact, prefix, regex', name: 'header-match-two-values',
    yaml: [rollout('header-match-two-values', `    canary:
      stableService: stable
      canaryService: canary
      trafficRouting: { istio: { virtualService: { name: web } }, managedRoutes: [{ name: beta }] }
      steps: [{ setHeaderRoute: { name: beta, match: [{ headerName: X-Beta, headerValue: { exact: "1", prefix: "2" } }] } }, { setWeight: 50 }]`)],
    message: 'StringMatch match value must have exactly one of the following: exact, regex, prefix',
  },
  {
    rule: 'a `fieldRef` arg reads a metadata field the downward API knows', name: 'field-ref-unknown',
    yaml: [rollout('field-ref-unknown', `    canary:
      steps:
        - setWeight: 50
        - analysis:
            templates: [{ templateName: field-ref-unknown }]
            args: [{ name: owner, valueFrom: { fieldRef: { fieldPath: metadata.finalizers } } }]`)],
    message: 'Analyses arguments must refer to valid object metadata supported by downwardAPI',
  },
  {
    rule: 'inline and pre/post-promotion analyses end', name: 'inline-analysis-forever',
    yaml: [
      template('inline-analysis-forever', { 'success-rate': '      interval: 30s' }),
      rollout('inline-analysis-forever', '    canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: inline-analysis-forever }] } }] }'),
    ],
    message: 'AnalysisTemplate inline-analysis-forever has metric success-rate which runs indefinitely. Invalid value for count',
  },
  {
    rule: 'inline and pre/post-promotion analyses end', name: 'pre-promotion-forever',
    yaml: [
      service('pre-promotion-forever-active', 'pre-promotion-forever'), service('pre-promotion-forever-preview', 'pre-promotion-forever'),
      template('pre-promotion-forever', { 'success-rate': '      interval: 30s' }),
      rollout('pre-promotion-forever', `    blueGreen:
      activeService: pre-promotion-forever-active
      previewService: pre-promotion-forever-preview
      prePromotionAnalysis: { templates: [{ templateName: pre-promotion-forever }] }`),
    ],
    message: 'AnalysisTemplate pre-promotion-forever has metric success-rate which runs indefinitely. Invalid value for count',
  },
  {
    rule: 'metric names unique within one run', name: 'same-metric-twice',
    yaml: [
      template('same-metric-twice-a', { 'success-rate': '      count: 1' }),
      template('same-metric-twice-b', { 'success-rate': '      count: 1' }),
      rollout('same-metric-twice', `    canary:
      steps:
        - setWeight: 50
        - analysis: { templates: [{ templateName: same-metric-twice-a }, { templateName: same-metric-twice-b }] }`),
    ],
    message: "two metrics have the same name 'success-rate'",
  },
  {
    rule: 'every template arg without a value gets one from the rollout', name: 'arg-without-value',
    yaml: [
      template('arg-without-value', { 'success-rate': '      count: 1' }, '  args: [{ name: service }]'),
      rollout('arg-without-value', '    canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: arg-without-value }] } }] }'),
    ],
    message: 'args.service was not resolved',
  },
];

/** Rules the analysis controller checks when a run starts (utils/analysis/factory.go ValidateMetric): the AnalysisRun errs. */
const RUN_ERROR: Case[] = [
  {
    rule: '`count` at least `failureLimit` and `inconclusiveLimit`', name: 'count-below-failure-limit',
    yaml: [template('count-below-failure-limit', { 'success-rate': '      count: 1\n      failureLimit: 2' })],
    message: 'Analysis spec invalid: metrics[0]: count (1) must be >= failureLimit + consecutiveSuccessLimit (2 + 0) if both >= 0',
  },
  {
    rule: '`count` at least `failureLimit` and `inconclusiveLimit`', name: 'count-below-inconclusive-limit',
    yaml: [template('count-below-inconclusive-limit', { 'success-rate': '      count: 1\n      inconclusiveLimit: 2' })],
    message: 'Analysis spec invalid: metrics[0]: count must be >= inconclusiveLimit',
  },
  {
    rule: 'no `failureLimit` -1 without `consecutiveSuccessLimit`', name: 'failure-limit-disabled',
    yaml: [template('failure-limit-disabled', { 'success-rate': '      count: 2\n      interval: 5s\n      failureLimit: -1' })],
    message: 'Analysis spec invalid: metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled',
  },
  {
    rule: 'a metric with `count` above 1 has an `interval`', name: 'count-without-interval',
    yaml: [template('count-without-interval', { 'success-rate': '      count: 2' })],
    message: 'Analysis spec invalid: metrics[0]: interval must be specified when count > 1',
  },
  {
    rule: 'a web metric\'s body only with POST or PUT', name: 'web-body-with-get',
    yaml: [`
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: web-body-with-get, namespace: ${NS} }
spec:
  metrics:
    - name: smoke
      consecutiveErrorLimit: 0
      successCondition: result == "ok"
      provider: { web: { url: "http://127.0.0.1:9/never-called", method: GET, body: '{"probe":true}' } }
`],
    message: 'Metric "smoke" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0): '
      + '"Error Message: Body/JSONBody can only be used with POST or PUT WebMetric Method types"',
  },
].map((c) => ({
  ...c,
  // Its step analysis runs once the image changes (the first deploy skips the steps).
  yaml: [...c.yaml, rollout(c.name, `    canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: ${c.name} }] } }] }`)],
}));

const objectsOf = (c: Case): Json[] => c.yaml.flatMap((y) => parseAllDocuments(y).map((d) => d.toJSON() as Json));
const getRollout = (name: string) => kJson(['get', 'rollout', name, '-n', NS]);

describe('the Argo Rollouts controller refuses what synth refuses', () => {
  /** What the API server answered to each case's apply: '' when it accepted every object, else its error. */
  const applied: Record<string, string> = {};
  beforeAll(async () => {
    await createNamespaces([NS]);
    // GIVEN every case applied, one case at a time (the Rollout last, after what it references)
    await Promise.all([...INVALID_SPEC, ...RUN_ERROR].map(async (c) => {
      const r = await k(['apply', '--server-side', '--validate=strict', '-f', '-'], { input: objectsOf(c).map((o) => JSON.stringify(o)).join('\n') });
      applied[c.name] = r.code === 0 ? r.stderr.trim() : r.stderr.trim() || `exit ${r.code}`;
    }));
  }, 120_000);

  test('every rule of the controller\'s table in docs/validation.md has a case here', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'validation.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## The controller\'s rules, checked at synth'), doc.indexOf('## This library\'s own rules'));
    const rows = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Rule') && !l.startsWith('| ---')).map((l) => l.slice(2));
    expect(rows.length).toBeGreaterThan(10);
    const covered = (row: string) => [...INVALID_SPEC, ...RUN_ERROR].some((c) => row.startsWith(c.rule));
    expect(rows.filter((row) => !covered(row))).toEqual([]);
  });

  test.each(INVALID_SPEC.filter((c) => c.refusedByApiServer).map((c) => [c.name, c]))('%s: the API server refuses it before the controller', (_name, c) => {
    expect(applied[c.name]).toBe(c.message);
  });

  test.each(INVALID_SPEC.filter((c) => !c.refusedByApiServer).map((c) => [c.name, c]))('%s: the Rollout is InvalidSpec with the controller\'s message', async (_name, c) => {
    // GIVEN the API server took every object as it is
    expect(applied[c.name]).toBe('');
    // WHEN the controller has reconciled it THEN it says InvalidSpec, for this rule's reason
    const invalid = await eventually(`InvalidSpec on ${c.name}`, async () => condition(await getRollout(c.name), 'InvalidSpec'), 60_000);
    expect({ reason: invalid.reason, status: invalid.status }).toEqual({ reason: 'InvalidSpec', status: 'True' });
    expect(invalid.message).toBe(`The Rollout "${c.name}" is invalid: ${invalid.message.slice(`The Rollout "${c.name}" is invalid: `.length)}`);
    expect(invalid.message).toContain(c.message);
  });

  describe.each(RUN_ERROR.map((c) => [c.name, c]))('%s', (_name, c) => {
    test('the Rollout is valid, and its first run errs with the controller\'s message, which aborts the update', async () => {
      // GIVEN the Rollout deployed: the metric limits are no part of the Rollout's validation
      expect(applied[c.name]).toBe('');
      const deployed = await eventually(`${c.name} Healthy or InvalidSpec`, async () => {
        const live = await getRollout(c.name);
        return live.status?.phase === 'Healthy' || condition(live, 'InvalidSpec') ? live : undefined;
      }, 90_000);
      expect({ invalidSpec: condition(deployed, 'InvalidSpec')?.message, phase: deployed.status.phase }).toEqual({ invalidSpec: undefined, phase: 'Healthy' });
      // WHEN its image changes, so that the canary steps and their analysis run
      await kOk(['patch', 'rollout', c.name, '-n', NS, '--type', 'json', '-p',
        JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example.com/app:1.0.1' }])]);
      // THEN the AnalysisRun errs for this rule's reason, and the update is aborted
      const run = await eventually(`an AnalysisRun of ${c.name} in phase Error`, async () => {
        const runs = (await kJson<{ items: Json[] }>(['get', 'analysisruns', '-n', NS])).items
          .filter((r) => r.metadata.ownerReferences?.some((o: Json) => o.kind === 'Rollout' && o.name === c.name));
        return runs.find((r) => r.status?.phase === 'Error');
      }, 90_000);
      expect(run.status.message).toBe(c.message);
      const aborted = await eventually(`${c.name} aborted`, async () => {
        const live = await getRollout(c.name);
        return live.status?.abort ? live : undefined;
      }, 60_000);
      expect(aborted.status.phase).toBe('Degraded');
    }, 240_000);
  });
});
