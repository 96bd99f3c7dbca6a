/**
 * Argo Rollouts v1.9.1's example catalogue (its examples/ folder), rewritten with the constructs of this library
 * from each example's intent. Each entry says what the example is for, how far the public API expresses it, the
 * chart that expresses it, and the behaviour the chart must emit, written from the example's intent (not from
 * its YAML). Read by test/catalogue/catalogue.test.ts (the emitted objects) and test/cluster/catalogue.test.ts
 * (the same charts on the real controller). docs/argo-examples.md is the table of this file.
 */
import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import {
  Cpu, Deployment, HttpIngressPathType, ImagePullPolicy, Ingress, IngressBackend, k8s, Probe as KProbe, Secret, Service, ServiceType,
} from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AnalysisTemplate, AssumedMetricTiming, BlueGreenRollout, CanaryRollout, CanaryScale, CanaryStep, ClusterAnalysisTemplate, ExperimentSpecRef,
  MetricProvider, HealthProbe, RolloutWorkload, StringMatch, TemplateArg, TrafficRouting, AppWorkloadProps,
} from '../../lib';

/** How far the public API expresses an example. */
export type Expressed = 'full' | 'partial' | 'none';

/** An analysis as the Rollout runs it: `name` or `cluster:name` per template, and args as `name=value` or `name<-valueFrom`. */
export interface AnalysisBehaviour {
  readonly templates: string[];
  readonly args?: string[];
}

/** What an example does, in the terms of its intent; compared with what the chart emits. */
export interface Behaviour {
  readonly rollout: string;
  readonly strategy: 'canary' | 'blueGreen';
  readonly replicas: number;
  readonly revisionHistoryLimit?: number;
  readonly image: string;
  /**
   * The canary steps, compact: `setWeight 20`, `pause`, `pause 40s`, `analysis random-fail+cluster:always-pass`,
   * `experiment [baseline<-stable, canary<-canary 20%] analyses [random-fail]`; the parts of a step with several
   * joined by ` & `.
   */
  readonly steps?: string[];
  /** The analyses of the steps, in step order, with their args. */
  readonly stepAnalyses?: AnalysisBehaviour[];
  /** The canary's background analysis and the step it starts at. */
  readonly background?: AnalysisBehaviour & { readonly startingStep: number };
  /** strategy.canary.trafficRouting, as emitted. */
  readonly trafficRouting?: { [key: string]: any };
  /** The blue-green fields that carry the example's intent. */
  readonly blueGreen?: { [key: string]: any };
  /** Names of the Services the chart emits (required once the example has a chart). */
  readonly services?: string[];
  /** The workload the Rollout takes its pod template from: `Deployment/<name>`. */
  readonly workloadRef?: string;
  /** Types of the Services that are not ClusterIP, by name. */
  readonly serviceTypes?: { [name: string]: string };
  /** Annotations the Rollout must carry (a subset). */
  readonly rolloutAnnotations?: { [key: string]: string };
  /** Kinds and names of the other objects the example needs (e.g. `VirtualService/istio-host-split`). */
  readonly others?: string[];
}

/**
 * An AnalysisTemplate or ClusterAnalysisTemplate the example expects to exist in the cluster (another example
 * creates it): the cluster suite installs a stand-in with the same metric names.
 */
export interface ExistingTemplate {
  readonly name: string;
  readonly clusterScope: boolean;
  readonly metrics: string[];
  /** Args the template declares, as Argo writes them (`{ name, value }` or `{ name, valueFrom }`). */
  readonly args?: { [key: string]: any }[];
}

/** What the cluster suite checks once the chart's first steps run (after an update of the pod template). */
export interface FirstSteps {
  /** An AnalysisRun with these metrics (sorted) is created. */
  readonly analysisRunMetrics?: string[];
  /** The controller sets these weights in a route of the chart's VirtualService. */
  readonly weightedRoute?: { readonly virtualService: string; readonly route: string; readonly weights: number[] };
  /** The update pauses there, waiting for a human: `CanaryPauseStep` at a canary step, or `BlueGreenPause` before promotion. */
  readonly pausedFor?: { readonly reason: 'CanaryPauseStep' | 'BlueGreenPause'; readonly stepIndex?: number };
  /** A value the controller writes into an object of the router (`path` into the object read with kubectl get). */
  readonly routerObject?: { readonly resource: string; readonly name: string; readonly path: (string | number)[]; readonly value: any };
  /** The update reaches this step (status.currentStepIndex). */
  readonly reachesStep?: number;
  /** The controller creates an Experiment for the step, with these templates (sorted). */
  readonly experimentTemplates?: string[];
  /** The controller adds this managed route, mirroring to `host`, to the chart's VirtualService. */
  readonly mirrorRoute?: { readonly virtualService: string; readonly route: string; readonly host: string; readonly percentage: number };
}

export interface CatalogueEntry {
  /** Path under the examples/ folder of Argo Rollouts v1.9.1. */
  readonly example: string;
  /** What the example is for, in one line. */
  readonly intent: string;
  readonly expressed: Expressed;
  /** What the chart uses of this library. */
  readonly uses: string;
  /** What is not expressed yet, and the API it needs: `test.todo` until that API exists. */
  readonly missing?: string;
  /** Namespace of the chart's objects (one per example, so that the cluster suite can apply them side by side). */
  readonly namespace: string;
  readonly chart?: () => Chart;
  readonly behaviour?: Behaviour;
  readonly existingTemplates?: ExistingTemplate[];
  /**
   * The AnalysisTemplates and ClusterAnalysisTemplates the chart emits, compact:
   * `AnalysisTemplate/name(arg, arg=value, arg<-secret name/key): metric provider what, count 1, interval 5s, failureLimit 1, success cond; ...`.
   */
  readonly templates?: string[];
  readonly firstSteps?: FirstSteps;
}

/** The timing of the Job metrics of analysis-templates.yaml and cluster-analysis-templates.yaml: `count` runs 5s apart, one failure tolerated. */
const jobTiming = (name: string, count: number): AssumedMetricTiming => ({ name, count, interval: Duration.seconds(5), failureLimit: 1 });

/** analysis-templates.yaml's `random-fail`, installed by that example: referenced by name, its timing stated for the plan. */
const randomFail = (scope: Construct) => AnalysisTemplate.fromName(scope, 'random-fail', 'random-fail', { metrics: [jobTiming('random-fail', 2)] });
/** cluster-analysis-templates.yaml's `always-pass`, installed by that example. */
const alwaysPass = (scope: Construct) => ClusterAnalysisTemplate.fromName(scope, 'always-pass', 'always-pass', { metrics: [jobTiming('pass', 1)] });

const RANDOM_FAIL: ExistingTemplate = { name: 'random-fail', clusterScope: false, metrics: ['random-fail'] };

/** The Job of analysis-templates.yaml's metrics: alpine 3.8 running one shell line, never retried. */
const shellJob = (line: string): MetricProvider => MetricProvider.job({
  containers: [{ name: 'sleep', image: 'alpine:3.8', command: ['sh', '-c'], args: [line] }], backoffLimit: 0,
});

/** The examples' demo application: argoproj/rollouts-demo on 8080, pulled at every start; it serves / and /color, no health paths. */
const DEMO: Pick<AppWorkloadProps, 'image' | 'imagePullPolicy' | 'readiness' | 'liveness' | 'startup'> = {
  image: 'argoproj/rollouts-demo:blue',
  imagePullPolicy: ImagePullPolicy.ALWAYS,
  readiness: HealthProbe.httpGet('/color'),
  liveness: HealthProbe.tcpSocket(),
  startup: HealthProbe.none(),
};

const chartIn = (namespace: string): Chart => new Chart(Testing.app(), namespace, { namespace });

const CANARY: CatalogueEntry = {
  example: 'rollout-canary.yaml',
  intent: 'canary by replica ratio: 20% until promoted by hand, then 40%, 60%, 80% with timed pauses',
  expressed: 'full',
  uses: 'CanaryRollout without trafficRouting; steps from CanaryStep.weight and CanaryStep.pause',
  namespace: 'argo-canary',
  firstSteps: { pausedFor: { reason: 'CanaryPauseStep', stepIndex: 1 } },
  chart: () => {
    const chart = chartIn('argo-canary');
    new CanaryRollout(chart, 'rollout-canary', {
      ...DEMO, replicas: 5, revisionHistoryLimit: 2,
      steps: [
        CanaryStep.weight(20), CanaryStep.pause(),
        CanaryStep.weight(40), CanaryStep.pause(Duration.seconds(40)),
        CanaryStep.weight(60), CanaryStep.pause(Duration.seconds(20)),
        CanaryStep.weight(80), CanaryStep.pause(Duration.seconds(20)),
      ],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-canary', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 20', 'pause', 'setWeight 40', 'pause 40s', 'setWeight 60', 'pause 20s', 'setWeight 80', 'pause 20s'],
    services: ['rollout-canary-canary', 'rollout-canary-stable'],
  },
};

const BLUE_GREEN: CatalogueEntry = {
  example: 'rollout-bluegreen.yaml',
  intent: 'blue-green with active and preview Services, promoted by hand',
  expressed: 'full',
  uses: 'BlueGreenRollout with autoPromotionEnabled: false (it emits the active and preview Services)',
  namespace: 'argo-bluegreen',
  firstSteps: { pausedFor: { reason: 'BlueGreenPause' } },
  chart: () => {
    const chart = chartIn('argo-bluegreen');
    new BlueGreenRollout(chart, 'rollout-bluegreen', { ...DEMO, replicas: 2, revisionHistoryLimit: 2, autoPromotionEnabled: false });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-bluegreen', strategy: 'blueGreen', replicas: 2, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    blueGreen: { activeService: 'rollout-bluegreen-active', previewService: 'rollout-bluegreen-preview', autoPromotionEnabled: false },
    services: ['rollout-bluegreen-active', 'rollout-bluegreen-preview'],
  },
};

const ANALYSIS_STEP: CatalogueEntry = {
  example: 'rollout-analysis-step.yaml',
  intent: 'at 25%, one analysis step merging a namespaced template (random-fail) and a cluster template (always-pass)',
  expressed: 'full',
  uses: 'CanaryStep.analysis with two templates installed by other examples, referenced with AnalysisTemplate.fromName and '
    + 'ClusterAnalysisTemplate.fromName (their timing stated for the plan)',
  namespace: 'argo-analysis-step',
  existingTemplates: [RANDOM_FAIL],
  firstSteps: { analysisRunMetrics: ['pass', 'random-fail'] },
  chart: () => {
    const chart = chartIn('argo-analysis-step');
    new CanaryRollout(chart, 'rollout-analysis-step', {
      ...DEMO, replicas: 4, revisionHistoryLimit: 2,
      steps: [CanaryStep.weight(25), CanaryStep.analysis({ templates: [randomFail(chart), alwaysPass(chart)] })],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-analysis-step', strategy: 'canary', replicas: 4, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 25', 'analysis random-fail+cluster:always-pass'],
    stepAnalyses: [{ templates: ['random-fail', 'cluster:always-pass'] }],
    services: ['rollout-analysis-step-canary', 'rollout-analysis-step-stable'],
  },
};

const BACKGROUND_ANALYSIS: CatalogueEntry = {
  example: 'rollout-background-analysis.yaml',
  intent: 'random-fail in the background from the start of the update, while the canary sits at 25% until promoted',
  expressed: 'full',
  uses: 'CanaryRollout backgroundAnalysis of random-fail (AnalysisTemplate.fromName) with startingStep 0 (Argo starts at step 0; this library '
    + 'defaults to after the first setWeight)',
  namespace: 'argo-background-analysis',
  existingTemplates: [RANDOM_FAIL],
  firstSteps: { analysisRunMetrics: ['random-fail'] },
  chart: () => {
    const chart = chartIn('argo-background-analysis');
    new CanaryRollout(chart, 'rollout-background-analysis', {
      ...DEMO, replicas: 4, revisionHistoryLimit: 2,
      steps: [CanaryStep.weight(25), CanaryStep.pause()],
      backgroundAnalysis: { templates: [randomFail(chart)], startingStep: 0 },
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-background-analysis', strategy: 'canary', replicas: 4, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 25', 'pause'],
    background: { templates: ['random-fail'], startingStep: 0 },
    services: ['rollout-background-analysis-canary', 'rollout-background-analysis-stable'],
  },
};

const SECRET: CatalogueEntry = {
  example: 'rollout-secret.yaml',
  intent: 'an analysis step whose web metric takes its URL from a Secret (a template arg valueFrom secretKeyRef), at 25%, then a pause',
  expressed: 'full',
  uses: 'AnalysisTemplate with TemplateArg.fromSecret and MetricProvider.web (url `{{args.secret-url}}`, jsonPath, successCondition); '
    + 'CanaryStep.analysis of it; the Secret: cdk8s-plus Secret',
  namespace: 'argo-secret',
  templates: ["AnalysisTemplate/analysis-secret(secret-url<-secret example-secret/secretUrl): webmetric web {{args.secret-url}} {$.message}, success result == 'It worked!'"],
  firstSteps: { analysisRunMetrics: ['webmetric'] },
  chart: () => {
    const chart = chartIn('argo-secret');
    new Secret(chart, 'example-secret', { metadata: { name: 'example-secret' }, stringData: { secretUrl: 'https://status.example.com/example.json' } });
    const analysisSecret = new AnalysisTemplate(chart, 'analysis-secret', {
      templateName: 'analysis-secret',
      args: [TemplateArg.fromSecret('secret-url', 'example-secret', 'secretUrl')],
      metrics: [{
        name: 'webmetric',
        provider: MetricProvider.web({ url: '{{args.secret-url}}', jsonPath: '{$.message}' }),
        successCondition: "result == 'It worked!'",
      }],
    });
    new CanaryRollout(chart, 'rollout-secret', {
      ...DEMO, replicas: 1, revisionHistoryLimit: 2,
      steps: [CanaryStep.weight(25), CanaryStep.analysis({ templates: [analysisSecret] }), CanaryStep.pause()],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-secret', strategy: 'canary', replicas: 1, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 25', 'analysis analysis-secret', 'pause'],
    stepAnalyses: [{ templates: ['analysis-secret'] }],
    services: ['rollout-secret-canary', 'rollout-secret-stable'],
    others: ['Secret/example-secret'],
  },
};

const ISTIO_SUBSET_SPLIT: CatalogueEntry = {
  example: 'istio/istio-subset-split.yaml',
  intent: 'Istio subset-level split: one Service, a DestinationRule with stable and canary subsets, 10% to the canary subset until promoted',
  expressed: 'full',
  uses: 'TrafficRouting.istio({ subsetLevel: true }) (it emits the Service named like the rollout, the VirtualService with route primary '
    + 'and the DestinationRule); replicas 1, Argo\'s default',
  namespace: 'argo-istio-subset',
  firstSteps: { weightedRoute: { virtualService: 'istio-subset-split', route: 'primary', weights: [90, 10] } },
  chart: () => {
    const chart = chartIn('argo-istio-subset');
    new CanaryRollout(chart, 'istio-subset-split', {
      ...DEMO, replicas: 1,
      trafficRouting: TrafficRouting.istio({ subsetLevel: true }),
      steps: [CanaryStep.weight(10), CanaryStep.pause()],
    });
    return chart;
  },
  behaviour: {
    rollout: 'istio-subset-split', strategy: 'canary', replicas: 1, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 10', 'pause'],
    trafficRouting: {
      istio: {
        virtualService: { name: 'istio-subset-split', routes: ['primary'] },
        destinationRule: { name: 'istio-subset-split', stableSubsetName: 'stable', canarySubsetName: 'canary' },
      },
    },
    services: ['istio-subset-split', 'istio-subset-split-canary', 'istio-subset-split-stable'],
    others: ['DestinationRule/istio-subset-split', 'VirtualService/istio-subset-split'],
  },
};

const ISTIO_MIRROR: CatalogueEntry = {
  example: 'istio/istio-mirror.yaml',
  intent: 'Istio host-level routing through a gateway: canary scaled to half the replicas, 50% of POST /color* mirrored to it, then paused',
  expressed: 'full',
  uses: 'TrafficRouting.istio({ hosts, gateways }) (it emits the VirtualService with route primary), CanaryStep.canaryScale(CanaryScale.weight(50)), '
    + 'CanaryStep.mirrorRoute with StringMatch; the Istio Gateway itself is cluster infrastructure, named, not emitted',
  namespace: 'argo-istio-mirror',
  firstSteps: { mirrorRoute: { virtualService: 'istio-host-split', route: 'mirror-route', host: 'istio-host-split-canary', percentage: 50 } },
  chart: () => {
    const chart = chartIn('argo-istio-mirror');
    new CanaryRollout(chart, 'istio-host-split', {
      ...DEMO, image: 'argoproj/rollouts-demo:green', replicas: 4,
      trafficRouting: TrafficRouting.istio({ hosts: ['istio-host-split.com'], gateways: ['istio-host-split-gateway'] }),
      steps: [
        CanaryStep.canaryScale(CanaryScale.weight(50)),
        CanaryStep.mirrorRoute({
          name: 'mirror-route', percentage: 50,
          matches: [{ method: StringMatch.exact('POST'), path: StringMatch.prefix('/color') }],
        }),
        CanaryStep.pause(),
      ],
    });
    return chart;
  },
  behaviour: {
    rollout: 'istio-host-split', strategy: 'canary', replicas: 4, image: 'argoproj/rollouts-demo:green',
    steps: ['setCanaryScale weight 50', 'setMirrorRoute mirror-route 50% [POST /color*]', 'pause'],
    trafficRouting: {
      istio: { virtualService: { name: 'istio-host-split', routes: ['primary'] } },
      managedRoutes: [{ name: 'mirror-route' }],
    },
    services: ['istio-host-split-canary', 'istio-host-split-stable'],
    others: ['VirtualService/istio-host-split'],
  },
};

const NOTIFICATION_SUBSCRIPTIONS = Object.fromEntries(
  ['on-rollout-completed', 'on-rollout-step-completed', 'on-rollout-updated', 'on-scaling-replica-set', 'on-purple']
    .map((trigger) => [`notifications.argoproj.io/subscribe.${trigger}.slack`, 'deployments-notifications']));

const NOTIFICATIONS: CatalogueEntry = {
  example: 'notifications/',
  intent: 'a canary whose Rollout subscribes a Slack channel to Argo notifications (completed, step completed, updated, scaling, and the '
    + 'custom trigger on-purple), exposed by a LoadBalancer Service over all its pods and a host-less Ingress',
  expressed: 'full',
  uses: 'CanaryRollout with the subscriptions in its annotations; the exposure: a cdk8s-plus Service of type LoadBalancer selecting '
    + '`rollout.podSelectorLabels` (stable and canary pods alike, so that the replica ratio splits the traffic, as in the example: the rollout\'s '
    + 'own Services each get one version\'s pods), and a cdk8s-plus Ingress without host to it; the notification templates and triggers '
    + '(the controller\'s argo-rollouts-notification-configmap) are cluster configuration outside any Rollout',
  namespace: 'argo-notifications',
  firstSteps: { pausedFor: { reason: 'CanaryPauseStep', stepIndex: 1 } },
  chart: () => {
    const chart = chartIn('argo-notifications');
    const rollout = new CanaryRollout(chart, 'rollout-canary', {
      ...DEMO, replicas: 5, revisionHistoryLimit: 2,
      steps: [
        CanaryStep.weight(20), CanaryStep.pause(),
        ...CanaryStep.weightsWithPauses([40, 60, 80], Duration.seconds(10)),
      ],
      annotations: NOTIFICATION_SUBSCRIPTIONS,
    });
    // Exposed outside the cluster, with no traffic routing: every pod, stable and canary, behind one load balancer.
    const service = new Service(chart, 'rollouts-canary', {
      metadata: { name: 'rollouts-canary' }, type: ServiceType.LOAD_BALANCER,
      ports: [{ name: 'http', port: 8080, targetPort: rollout.trafficPort }],
    });
    for (const [key, value] of Object.entries(rollout.podSelectorLabels)) service.selectLabel(key, value);
    new Ingress(chart, 'rollouts-demo-stable', { metadata: { name: 'rollouts-demo-stable' }, className: 'nginx' })
      .addRule('/', IngressBackend.fromService(service), HttpIngressPathType.PREFIX);
    return chart;
  },
  behaviour: {
    rollout: 'rollout-canary', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 20', 'pause', 'setWeight 40', 'pause 10s', 'setWeight 60', 'pause 10s', 'setWeight 80', 'pause 10s'],
    services: ['rollout-canary-canary', 'rollout-canary-stable', 'rollouts-canary'],
    serviceTypes: { 'rollouts-canary': 'LoadBalancer' },
    rolloutAnnotations: NOTIFICATION_SUBSCRIPTIONS,
    others: ['Ingress/rollouts-demo-stable'],
  },
};

/** A cdk8s-plus Deployment of the demo application, scaled to 0, whose pod a Rollout takes over (workloadRef). */
function demoDeployment(chart: Chart, labels: { [key: string]: string } = {}): Deployment {
  const d = new Deployment(chart, 'deployment', {
    metadata: { name: 'rollout-ref-deployment', labels },
    replicas: 0,
    containers: [{
      name: 'rollouts-demo', image: 'argoproj/rollouts-demo:blue', imagePullPolicy: ImagePullPolicy.ALWAYS, portNumber: 8080,
      readiness: KProbe.fromHttpGet('/color'),
    }],
  });
  // The namespaces run under "restricted": cdk8s-plus 27 models neither a seccomp profile nor dropping ALL capabilities.
  ApiObject.of(d).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }));
  return d;
}

const EXPERIMENT_STEP: CatalogueEntry = {
  example: 'rollout-experiment-step.yaml',
  intent: 'at 25%, an experiment running the canary spec with the random-fail analysis',
  expressed: 'full',
  uses: 'CanaryStep.experiment with a canary template and an analysis of random-fail (AnalysisTemplate.fromName)',
  namespace: 'argo-experiment-step',
  existingTemplates: [RANDOM_FAIL],
  firstSteps: { experimentTemplates: ['canary'], analysisRunMetrics: ['random-fail'] },
  chart: () => {
    const chart = chartIn('argo-experiment-step');
    new CanaryRollout(chart, 'rollout-experiment-step', {
      ...DEMO, replicas: 4, revisionHistoryLimit: 2,
      steps: [
        CanaryStep.weight(25),
        CanaryStep.experiment({
          templates: [{ name: 'canary', specRef: ExperimentSpecRef.CANARY }],
          analyses: [{ name: 'random-fail', template: randomFail(chart) }],
        }),
      ],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-experiment-step', strategy: 'canary', replicas: 4, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 25', 'experiment [canary<-canary] analyses [random-fail]'],
    services: ['rollout-experiment-step-canary', 'rollout-experiment-step-stable'],
  },
};

const BASELINE_VS_CANARY: CatalogueEntry = {
  example: 'rollout-baseline-vs-canary.yaml',
  intent: 'an experiment step running a baseline (stable spec) and a canary (canary spec) side by side, to compare them',
  expressed: 'full',
  uses: 'CanaryStep.experiment with a baseline template (ExperimentSpecRef.STABLE) and a canary template (ExperimentSpecRef.CANARY), '
    + 'no duration: it runs until promoted, as in the example',
  namespace: 'argo-baseline-vs-canary',
  firstSteps: { experimentTemplates: ['baseline', 'canary'] },
  chart: () => {
    const chart = chartIn('argo-baseline-vs-canary');
    new CanaryRollout(chart, 'rollout-baseline-vs-canary', {
      ...DEMO, replicas: 3, revisionHistoryLimit: 2,
      steps: [CanaryStep.experiment({
        templates: [{ name: 'baseline', specRef: ExperimentSpecRef.STABLE }, { name: 'canary', specRef: ExperimentSpecRef.CANARY }],
      })],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-baseline-vs-canary', strategy: 'canary', replicas: 3, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['experiment [baseline<-stable, canary<-canary]'],
    services: ['rollout-baseline-vs-canary-canary', 'rollout-baseline-vs-canary-stable'],
  },
};

/** The label that tells the preview pods from the production ones: the experiment sets the rollout's selector label to another value. */
const PREVIEW_LABELS = { 'app.kubernetes.io/name': 'rollout-canary-preview-experiment' };

const CANARY_PREVIEW: CatalogueEntry = {
  example: 'rollout-canary-preview.yaml',
  intent: 'an experiment step running the canary spec under its own labels behind a preview Service, away from production traffic',
  expressed: 'full',
  uses: 'CanaryStep.experiment with a canary template whose labels and selector give the rollout\'s selector label another value, so that '
    + 'the rollout\'s Services do not select its pods; a cdk8s-plus Service (rollout-canary-preview) selecting them; production is the '
    + 'rollout\'s stable Service',
  namespace: 'argo-canary-preview',
  firstSteps: { experimentTemplates: ['canary-preview'] },
  chart: () => {
    const chart = chartIn('argo-canary-preview');
    const rollout = new CanaryRollout(chart, 'rollout-canary-preview', {
      ...DEMO, replicas: 3, revisionHistoryLimit: 2,
      steps: [CanaryStep.experiment({
        templates: [{ name: 'canary-preview', specRef: ExperimentSpecRef.CANARY, labels: PREVIEW_LABELS, selector: PREVIEW_LABELS }],
      })],
    });
    const preview = new Service(chart, 'preview', {
      metadata: { name: 'rollout-canary-preview' },
      ports: [{ name: 'http', port: 80, targetPort: rollout.trafficPort }],
    });
    for (const [key, value] of Object.entries(PREVIEW_LABELS)) preview.selectLabel(key, value);
    return chart;
  },
  behaviour: {
    rollout: 'rollout-canary-preview', strategy: 'canary', replicas: 3, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['experiment [canary-preview<-canary]'],
    services: ['rollout-canary-preview', 'rollout-canary-preview-canary', 'rollout-canary-preview-stable'],
  },
};

const TEMPLATE_REF: CatalogueEntry = {
  example: 'rollout-template-ref.yaml',
  intent: 'a canary (20%, 10s) whose pod template comes from an existing Deployment scaled to 0 (workloadRef)',
  expressed: 'full',
  uses: 'CanaryRollout with workload: RolloutWorkload.fromDeployment of a cdk8s-plus Deployment of the chart, replicas 0',
  namespace: 'argo-template-ref',
  firstSteps: { reachesStep: 1 },
  chart: () => {
    const chart = chartIn('argo-template-ref');
    const deployment = demoDeployment(chart, { 'app.kubernetes.io/instance': 'rollout-canary' });
    new CanaryRollout(chart, 'rollout-ref-deployment', {
      workload: RolloutWorkload.fromDeployment(deployment), replicas: 5, revisionHistoryLimit: 2,
      steps: [CanaryStep.weight(20), CanaryStep.pause(Duration.seconds(10))],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-ref-deployment', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    workloadRef: 'Deployment/rollout-ref-deployment', steps: ['setWeight 20', 'pause 10s'],
    services: ['rollout-ref-deployment-canary', 'rollout-ref-deployment-stable'],
    others: ['Deployment/rollout-ref-deployment'],
  },
};

const WORKLOAD_REF: CatalogueEntry = {
  example: 'workload-ref/',
  intent: 'the same migration path: a Rollout that takes over an existing Deployment through workloadRef',
  expressed: 'full',
  uses: 'CanaryRollout with workload: RolloutWorkload.fromDeployment of a cdk8s-plus Deployment of the chart, replicas 0',
  namespace: 'argo-workload-ref',
  chart: () => {
    const chart = chartIn('argo-workload-ref');
    new CanaryRollout(chart, 'rollout-ref-deployment', {
      workload: RolloutWorkload.fromDeployment(demoDeployment(chart)), replicas: 5,
      steps: [CanaryStep.weight(20), CanaryStep.pause(Duration.seconds(10))],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-ref-deployment', strategy: 'canary', replicas: 5, image: 'argoproj/rollouts-demo:blue',
    workloadRef: 'Deployment/rollout-ref-deployment', steps: ['setWeight 20', 'pause 10s'],
    services: ['rollout-ref-deployment-canary', 'rollout-ref-deployment-stable'],
    others: ['Deployment/rollout-ref-deployment'],
  },
};

const ANALYSIS_TEMPLATES: CatalogueEntry = {
  example: 'analysis-templates.yaml',
  intent: 'two AnalysisTemplates with the Job provider: pass (exit 0, once) and random-fail (fails half the time, twice)',
  expressed: 'full',
  uses: 'AnalysisTemplate with MetricProvider.job (count, interval, failureLimit, backoffLimit 0); the Job\'s pod runs without privilege '
    + 'escalation or capabilities',
  namespace: 'argo-analysis-templates',
  templates: [
    'AnalysisTemplate/pass: pass job alpine:3.8 sh -c exit 0, count 1, interval 5s, failureLimit 1',
    'AnalysisTemplate/random-fail: random-fail job alpine:3.8 sh -c FLIP=$(($(($RANDOM%10))%2)) && exit $FLIP, count 2, interval 5s, failureLimit 1',
  ],
  chart: () => {
    const chart = chartIn('argo-analysis-templates');
    new AnalysisTemplate(chart, 'pass', {
      templateName: 'pass',
      metrics: [{ name: 'pass', count: 1, interval: Duration.seconds(5), failureLimit: 1, provider: shellJob('exit 0') }],
    });
    new AnalysisTemplate(chart, 'random-fail', {
      templateName: 'random-fail',
      metrics: [{
        name: 'random-fail', count: 2, interval: Duration.seconds(5), failureLimit: 1,
        provider: shellJob('FLIP=$(($(($RANDOM%10))%2)) && exit $FLIP'),
      }],
    });
    return chart;
  },
};

const CLUSTER_ANALYSIS_TEMPLATES: CatalogueEntry = {
  example: 'cluster-analysis-templates.yaml',
  intent: 'a ClusterAnalysisTemplate always-pass with the Job provider, usable from any namespace',
  expressed: 'full',
  uses: 'ClusterAnalysisTemplate with MetricProvider.job (count, interval, failureLimit, backoffLimit 0)',
  namespace: 'argo-cluster-analysis-templates',
  templates: ['ClusterAnalysisTemplate/always-pass: pass job alpine:3.8 sh -c exit 0, count 1, interval 5s, failureLimit 1'],
  chart: () => {
    const chart = chartIn('argo-cluster-analysis-templates');
    new ClusterAnalysisTemplate(chart, 'always-pass', {
      templateName: 'always-pass',
      metrics: [{ name: 'pass', count: 1, interval: Duration.seconds(5), failureLimit: 1, provider: shellJob('exit 0') }],
    });
    return chart;
  },
};

/** A Service of the chart over every pod of the rollout, stable and canary: the root Service some routers split. */
function rootService(chart: Chart, rollout: CanaryRollout, name: string, type?: ServiceType): Service {
  const service = new Service(chart, `${name}-root`, { metadata: { name }, type, ports: [{ name: 'http', port: 80, targetPort: rollout.trafficPort }] });
  for (const [key, value] of Object.entries(rollout.podSelectorLabels)) service.selectLabel(key, value);
  return service;
}

const LINKERD: CatalogueEntry = {
  example: 'traffic-management/',
  intent: 'Linkerd through SMI: a root Service split between stable and canary at 5%, pods injected by linkerd.io/inject, and a load-test Job template',
  expressed: 'full',
  uses: 'TrafficRouting.custom({ smi: { rootService } }); the root Service: a cdk8s-plus Service over every pod of the rollout; podAnnotations '
    + 'linkerd.io/inject; the load-test AnalysisTemplate with MetricProvider.job, its pod injected too (podAnnotations) so that SMI splits its '
    + 'traffic; its image under a version tag of your registry (the example\'s argoproj/load-tester is published as latest only, which the '
    + 'library refuses: mirror it under a tag, or pin its digest)',
  namespace: 'argo-linkerd',
  templates: ['AnalysisTemplate/load-test(namespace): pass job registry.example.com/argoproj/load-tester:1.0.0 sh -c -x -e wrk -t10 -c40 -d45s -s '
    + "report.lua http://rollout-linkerd.{{args.namespace}}.svc/color\njq -e '.errors_ratio <= 0.35 and .latency_avg_ms < 100' report.json, "
    + 'interval 5s, failureLimit 1'],
  firstSteps: {
    routerObject: { resource: 'trafficsplits.split.smi-spec.io', name: 'rollout-linkerd', path: ['spec', 'service'], value: 'rollout-linkerd' },
    pausedFor: { reason: 'CanaryPauseStep', stepIndex: 1 },
  },
  chart: () => {
    const chart = chartIn('argo-linkerd');
    const rollout = new CanaryRollout(chart, 'rollout-linkerd', {
      ...DEMO, replicas: 5, revisionHistoryLimit: 2, podAnnotations: { 'linkerd.io/inject': 'enabled' },
      trafficRouting: TrafficRouting.custom({ spec: { smi: { rootService: 'rollout-linkerd' } } }),
      steps: [CanaryStep.weight(5), CanaryStep.pause()],
    });
    rootService(chart, rollout, 'rollout-linkerd');
    new AnalysisTemplate(chart, 'load-test', {
      templateName: 'load-test',
      args: [TemplateArg.required('namespace')],
      metrics: [{
        name: 'pass', interval: Duration.seconds(5), failureLimit: 1,
        provider: MetricProvider.job({
          podAnnotations: { 'linkerd.io/inject': 'enabled' },
          containers: [{
            name: 'load-tester', image: 'registry.example.com/argoproj/load-tester:1.0.0', command: ['sh', '-c', '-x', '-e'],
            args: ['wrk -t10 -c40 -d45s -s report.lua http://rollout-linkerd.{{args.namespace}}.svc/color\n'
              + "jq -e '.errors_ratio <= 0.35 and .latency_avg_ms < 100' report.json"],
          }],
        }),
      }],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-linkerd', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 5', 'pause'], trafficRouting: { smi: { rootService: 'rollout-linkerd' } },
    services: ['rollout-linkerd', 'rollout-linkerd-canary', 'rollout-linkerd-stable'],
  },
};

/** Ambassador's objects the example writes (the Mapping and its resolver) are Ambassador's configuration: named by the rollout, not emitted. */
const AMBASSADOR: CatalogueEntry = {
  example: 'ambassador/',
  intent: 'Ambassador (Emissary) mappings split 30%, 60%, 100% with 30s and 10s pauses',
  expressed: 'full',
  uses: 'TrafficRouting.custom({ ambassador: { mappings } }); Services echo-stable and echo-canary by stableServiceName and canaryServiceName; '
    + 'the Mapping echo and its KubernetesEndpointResolver are Ambassador\'s configuration (getambassador.io CRDs, no schema here): named, not '
    + 'emitted; the image pinned (the example\'s is not)',
  namespace: 'argo-ambassador',
  firstSteps: { routerObject: { resource: 'mappings.getambassador.io', name: 'echo-canary', path: ['spec', 'weight'], value: 30 } },
  chart: () => {
    const chart = chartIn('argo-ambassador');
    new CanaryRollout(chart, 'echo-rollout', {
      image: 'hashicorp/http-echo:1.0', args: ['-text=VERSION 1', '-listen=:8080'], imagePullPolicy: ImagePullPolicy.ALWAYS, port: 8080,
      readiness: HealthProbe.httpGet('/'), liveness: HealthProbe.tcpSocket(), startup: HealthProbe.none(),
      replicas: 1, stableServiceName: 'echo-stable', canaryServiceName: 'echo-canary',
      trafficRouting: TrafficRouting.custom({ spec: { ambassador: { mappings: ['echo'] } } }),
      steps: [
        CanaryStep.weight(30), CanaryStep.pause(Duration.seconds(30)),
        CanaryStep.weight(60), CanaryStep.pause(Duration.seconds(30)),
        CanaryStep.weight(100), CanaryStep.pause(Duration.seconds(10)),
      ],
    });
    return chart;
  },
  behaviour: {
    rollout: 'echo-rollout', strategy: 'canary', replicas: 1, image: 'hashicorp/http-echo:1.0', // pinned: the example's is not
    steps: ['setWeight 30', 'pause 30s', 'setWeight 60', 'pause 30s', 'setWeight 100', 'pause 10s'],
    trafficRouting: { ambassador: { mappings: ['echo'] } },
    services: ['echo-canary', 'echo-stable'],
  },
};

const APISIX: CatalogueEntry = {
  example: 'apisix/',
  intent: 'APISIX route weights, a header route (trace: debug) to one canary pod first, then 20% to 80%',
  expressed: 'full',
  uses: 'TrafficRouting.custom({ apisix: { route } }); CanaryStep.canaryScale(CanaryScale.replicas(1)) then CanaryStep.setHeaderRoute '
    + '(the example sets both in one step, which this library refuses: one kind per step; as two steps the header route reaches one canary pod '
    + 'before the pause all the same); resources requests; the ApisixRoute is APISIX\'s configuration (apisix.apache.org CRD, no schema here): '
    + 'named, not emitted',
  namespace: 'argo-apisix',
  firstSteps: { pausedFor: { reason: 'CanaryPauseStep', stepIndex: 2 } },
  chart: () => {
    const chart = chartIn('argo-apisix');
    new CanaryRollout(chart, 'rollout-apisix-canary', {
      ...DEMO, replicas: 5, revisionHistoryLimit: 2,
      resources: { cpu: { request: Cpu.millis(5) }, memory: { request: Size.mebibytes(32) } },
      trafficRouting: TrafficRouting.custom({ spec: { apisix: { route: { name: 'rollouts-apisix-route', rules: ['rollouts-apisix'] } } } }),
      steps: [
        CanaryStep.canaryScale(CanaryScale.replicas(1)),
        CanaryStep.setHeaderRoute('set-header', { trace: StringMatch.exact('debug') }),
        CanaryStep.pause(), CanaryStep.weight(20), CanaryStep.pause(),
        ...CanaryStep.weightsWithPauses([40, 60, 80], Duration.seconds(15)),
      ],
    });
    return chart;
  },
  behaviour: {
    rollout: 'rollout-apisix-canary', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
    steps: ['setCanaryScale replicas 1', 'setHeaderRoute set-header [trace=debug]', 'pause', 'setWeight 20', 'pause',
      'setWeight 40', 'pause 15s', 'setWeight 60', 'pause 15s', 'setWeight 80', 'pause 15s'],
    trafficRouting: { apisix: { route: { name: 'rollouts-apisix-route', rules: ['rollouts-apisix'] } }, managedRoutes: [{ name: 'set-header' }] },
    services: ['rollout-apisix-canary-canary', 'rollout-apisix-canary-stable'],
  },
};

const APP_MESH: CatalogueEntry = {
  example: 'appmesh/',
  intent: 'App Mesh virtual node weights 25%, 50%, 75%, with a Prometheus success-rate template on Envoy metrics',
  expressed: 'full',
  uses: 'TrafficRouting.custom({ appMesh: { virtualService, virtualNodeGroup } }); Services my-svc-stable and my-svc-canary by name and the '
    + 'root Service my-svc (cdk8s-plus, every pod); AnalysisTemplate success-rate with MetricProvider.prometheus (your own query, a required '
    + 'arg envoy_cluster_name); the Mesh, VirtualService, VirtualRouter and VirtualNodes are App Mesh\'s configuration (appmesh.k8s.aws '
    + 'CRDs, no schema here): named, not emitted; headless stable and canary Services (service: { headless: true }), which the virtual nodes '
    + 'resolve with responseType ENDPOINTS',
  namespace: 'argo-appmesh',
  firstSteps: {
    routerObject: {
      resource: 'virtualrouters.appmesh.k8s.aws', name: 'my-vrouter', path: ['spec', 'routes', 0, 'httpRoute', 'action', 'weightedTargets', 0, 'weight'], value: 25,
    },
    pausedFor: { reason: 'CanaryPauseStep', stepIndex: 1 },
  },
  templates: ['AnalysisTemplate/success-rate(envoy_cluster_name): success-rate prometheus http://appmesh-prometheus.appmesh-system:9090, '
    + 'interval 5m, failureLimit 3, success result[0] >= 0.99'],
  chart: () => {
    const chart = chartIn('argo-appmesh');
    const rollout = new CanaryRollout(chart, 'my-rollout', {
      ...DEMO, replicas: 4, stableServiceName: 'my-svc-stable', canaryServiceName: 'my-svc-canary', service: { headless: true },
      trafficRouting: TrafficRouting.custom({
        spec: {
          appMesh: {
            virtualService: { name: 'my-svc' },
            virtualNodeGroup: { canaryVirtualNodeRef: { name: 'my-vn-canary' }, stableVirtualNodeRef: { name: 'my-vn-stable' } },
          },
        },
      }),
      steps: [
        CanaryStep.weight(25), CanaryStep.pause(),
        ...CanaryStep.weightsWithPauses([50, 75], Duration.minutes(10)),
      ],
    });
    rootService(chart, rollout, 'my-svc');
    const cluster = '{{args.envoy_cluster_name}}';
    new AnalysisTemplate(chart, 'success-rate', {
      templateName: 'success-rate',
      args: [TemplateArg.required('envoy_cluster_name')],
      metrics: [{
        name: 'success-rate', interval: Duration.minutes(5), failureLimit: 3, successCondition: 'result[0] >= 0.99',
        provider: MetricProvider.prometheus({
          address: 'http://appmesh-prometheus.appmesh-system:9090',
          query: `sum(irate(envoy_cluster_upstream_rq_xx{app="wrk-tester",envoy_cluster_name="${cluster}",envoy_response_code_class!~"5.*"}[5m])) /\n`
            + `sum(irate(envoy_cluster_upstream_rq_xx{app="wrk-tester",envoy_cluster_name="${cluster}"}[5m]))`,
        }),
      }],
    });
    return chart;
  },
  behaviour: {
    rollout: 'my-rollout', strategy: 'canary', replicas: 4, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 25', 'pause', 'setWeight 50', 'pause 10m', 'setWeight 75', 'pause 10m'],
    trafficRouting: {
      appMesh: {
        virtualService: { name: 'my-svc' },
        virtualNodeGroup: { canaryVirtualNodeRef: { name: 'my-vn-canary' }, stableVirtualNodeRef: { name: 'my-vn-stable' } },
      },
    },
    services: ['my-svc', 'my-svc-canary', 'my-svc-stable'],
  },
};

const ALB_EXPERIMENT: CatalogueEntry = {
  example: 'traffic-routing-experiment-step/',
  intent: 'AWS ALB at 10%, then an experiment taking 20% of the traffic (weighted experiment template)',
  expressed: 'full',
  uses: 'TrafficRouting.custom({ alb: { ingress, rootService, servicePort } }); service: { type: NodePort } for the stable and canary Services, '
    + 'the root Service alb-rollout-root (cdk8s-plus, NodePort, every pod); the Ingress (class alb, backend port use-annotation) from '
    + 'cdk8s-plus\' k8s.KubeIngress; CanaryStep.experiment with a template of weight 20',
  namespace: 'argo-alb-experiment',
  firstSteps: { experimentTemplates: ['experiment-alb'] },
  chart: () => {
    const chart = chartIn('argo-alb-experiment');
    const rollout = new CanaryRollout(chart, 'alb-rollout', {
      ...DEMO, replicas: 1, service: { type: ServiceType.NODE_PORT },
      resources: { cpu: { request: Cpu.millis(5) }, memory: { request: Size.mebibytes(16) } },
      trafficRouting: TrafficRouting.custom({ spec: { alb: { ingress: 'alb-rollout-ingress', rootService: 'alb-rollout-root', servicePort: 80 } } }),
      steps: [
        CanaryStep.weight(10),
        CanaryStep.experiment({ templates: [{ name: 'experiment-alb', specRef: ExperimentSpecRef.CANARY, weight: 20 }] }),
      ],
    });
    rootService(chart, rollout, 'alb-rollout-root', ServiceType.NODE_PORT);
    new k8s.KubeIngress(chart, 'alb-rollout-ingress', {
      metadata: { name: 'alb-rollout-ingress' },
      spec: {
        ingressClassName: 'alb',
        rules: [{
          http: {
            paths: [{
              path: '/*', pathType: 'ImplementationSpecific',
              backend: { service: { name: 'alb-rollout-root', port: { name: 'use-annotation' } } },
            }],
          },
        }],
      },
    });
    return chart;
  },
  behaviour: {
    rollout: 'alb-rollout', strategy: 'canary', replicas: 1, image: 'argoproj/rollouts-demo:blue',
    steps: ['setWeight 10', 'experiment [experiment-alb<-canary 20%]'],
    trafficRouting: { alb: { ingress: 'alb-rollout-ingress', rootService: 'alb-rollout-root', servicePort: 80 } },
    services: ['alb-rollout-canary', 'alb-rollout-root', 'alb-rollout-stable'],
    serviceTypes: { 'alb-rollout-canary': 'NodePort', 'alb-rollout-root': 'NodePort', 'alb-rollout-stable': 'NodePort' },
    others: ['Ingress/alb-rollout-ingress'],
  },
};

/** The 20 examples, in the order of the issue that lists them. */
export const CATALOGUE: CatalogueEntry[] = [
  CANARY, BLUE_GREEN, ANALYSIS_STEP, BACKGROUND_ANALYSIS, BASELINE_VS_CANARY, CANARY_PREVIEW, EXPERIMENT_STEP, TEMPLATE_REF, SECRET,
  WORKLOAD_REF, ANALYSIS_TEMPLATES, CLUSTER_ANALYSIS_TEMPLATES, ISTIO_SUBSET_SPLIT, ISTIO_MIRROR, NOTIFICATIONS, LINKERD, AMBASSADOR,
  APISIX, APP_MESH, ALB_EXPERIMENT,
];
