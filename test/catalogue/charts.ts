/**
 * Argo Rollouts v1.9.1's example catalogue (its examples/ folder), rewritten with the constructs of this library
 * from each example's intent. Each entry says what the example is for, how far the public API expresses it, the
 * chart that expresses it, and the behaviour the chart must emit, written from the example's intent (not from
 * its YAML). Read by test/catalogue/catalogue.test.ts (the emitted objects) and test/cluster/catalogue.test.ts
 * (the same charts on the real controller). docs/argo-examples.md is the table of this file.
 */
import { Chart, Duration, Testing } from 'cdk8s';
import { HttpIngressPathType, ImagePullPolicy, Ingress, IngressBackend, Secret, Service, ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AnalysisMetricTiming, AnalysisTemplateArg, BlueGreenRollout, CanaryRollout, CanaryScale, CanaryStep, IAnalysisTemplate, Probe,
  StringMatch, TrafficRouting, WorkloadProps,
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
  readonly firstSteps?: FirstSteps;
}

/**
 * A template that already exists in the cluster, referenced by name. Today the public way is to implement
 * IAnalysisTemplate, restating the timing of each metric for the plan arithmetic.
 */
class ExistingAnalysisTemplate extends Construct implements IAnalysisTemplate {
  constructor(scope: Construct, public readonly templateName: string, public readonly clusterScope: boolean,
    public readonly metrics: AnalysisMetricTiming[], public readonly args: AnalysisTemplateArg[] = []) {
    super(scope, `${clusterScope ? 'cluster-' : ''}${templateName}`);
  }
}

/** The timing of a Job metric of the examples' templates: `count` runs `interval` apart, one failure tolerated. */
function jobMetric(name: string, count: number): AnalysisMetricTiming {
  return { name, count, interval: Duration.seconds(5), failureLimit: 1, inconclusiveLimit: 0, consecutiveErrorLimit: 4, dryRun: false };
}

/** analysis-templates.yaml's `random-fail`: a Job that fails half the time, twice, one failure tolerated. */
const randomFail = (scope: Construct) => new ExistingAnalysisTemplate(scope, 'random-fail', false, [jobMetric('random-fail', 2)]);
/** cluster-analysis-templates.yaml's `always-pass`: a Job that succeeds, once. */
const alwaysPass = (scope: Construct) => new ExistingAnalysisTemplate(scope, 'always-pass', true, [jobMetric('pass', 1)]);

const RANDOM_FAIL: ExistingTemplate = { name: 'random-fail', clusterScope: false, metrics: ['random-fail'] };
const ALWAYS_PASS: ExistingTemplate = { name: 'always-pass', clusterScope: true, metrics: ['pass'] };

/** The examples' demo application: argoproj/rollouts-demo on 8080, pulled at every start; it serves / and /color, no health paths. */
const DEMO: Pick<WorkloadProps, 'image' | 'imagePullPolicy' | 'readiness' | 'liveness' | 'startup'> = {
  image: 'argoproj/rollouts-demo:blue',
  imagePullPolicy: ImagePullPolicy.ALWAYS,
  readiness: Probe.httpGet('/color'),
  liveness: Probe.tcpSocket(),
  startup: Probe.none(),
};

const chartIn = (namespace: string): Chart => new Chart(Testing.app(), namespace, { namespace });

const CANARY: CatalogueEntry = {
  example: 'rollout-canary.yaml',
  intent: 'canary by replica ratio: 20% until promoted by hand, then 40%, 60%, 80% with timed pauses',
  expressed: 'full',
  uses: 'CanaryRollout without trafficRouting; steps from CanaryStep.setWeight and CanaryStep.pause',
  namespace: 'argo-canary',
  firstSteps: { pausedFor: { reason: 'CanaryPauseStep', stepIndex: 1 } },
  chart: () => {
    const chart = chartIn('argo-canary');
    new CanaryRollout(chart, 'rollout-canary', {
      ...DEMO, replicas: 5, revisionHistoryLimit: 2,
      steps: [
        CanaryStep.setWeight(20), CanaryStep.pause(),
        CanaryStep.setWeight(40), CanaryStep.pause(Duration.seconds(40)),
        CanaryStep.setWeight(60), CanaryStep.pause(Duration.seconds(20)),
        CanaryStep.setWeight(80), CanaryStep.pause(Duration.seconds(20)),
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
  uses: 'CanaryStep.analysis with two existing templates, referenced through IAnalysisTemplate implemented in the chart (their timing restated)',
  namespace: 'argo-analysis-step',
  existingTemplates: [RANDOM_FAIL, ALWAYS_PASS],
  firstSteps: { analysisRunMetrics: ['pass', 'random-fail'] },
  chart: () => {
    const chart = chartIn('argo-analysis-step');
    new CanaryRollout(chart, 'rollout-analysis-step', {
      ...DEMO, replicas: 4, revisionHistoryLimit: 2,
      steps: [CanaryStep.setWeight(25), CanaryStep.analysis({ templates: [randomFail(chart), alwaysPass(chart)] })],
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
  uses: 'CanaryRollout backgroundAnalysis with startingStep 0 (Argo starts at step 0; this library defaults to after the first setWeight)',
  namespace: 'argo-background-analysis',
  existingTemplates: [RANDOM_FAIL],
  firstSteps: { analysisRunMetrics: ['random-fail'] },
  chart: () => {
    const chart = chartIn('argo-background-analysis');
    new CanaryRollout(chart, 'rollout-background-analysis', {
      ...DEMO, replicas: 4, revisionHistoryLimit: 2,
      steps: [CanaryStep.setWeight(25), CanaryStep.pause()],
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
  expressed: 'partial',
  uses: 'the Rollout: CanaryStep.analysis of the template analysis-secret (IAnalysisTemplate implemented in the chart, its arg defaulted '
    + 'by the template); the Secret: cdk8s-plus Secret',
  missing: 'the AnalysisTemplate itself: a web metric with any URL (`{{args.secret-url}}`), jsonPath and successCondition, and an arg '
    + 'whose value comes from a Secret key (valueFrom.secretKeyRef): the general AnalysisTemplate construct with the web provider',
  namespace: 'argo-secret',
  existingTemplates: [{
    name: 'analysis-secret', clusterScope: false, metrics: ['webmetric'],
    args: [{ name: 'secret-url', valueFrom: { secretKeyRef: { name: 'example-secret', key: 'secretUrl' } } }],
  }],
  firstSteps: { analysisRunMetrics: ['webmetric'] },
  chart: () => {
    const chart = chartIn('argo-secret');
    new Secret(chart, 'example-secret', { metadata: { name: 'example-secret' }, stringData: { secretUrl: 'https://status.example.com/example.json' } });
    // The template defaults its arg from the Secret, so that the Rollout passes none.
    const analysisSecret = new ExistingAnalysisTemplate(chart, 'analysis-secret', false,
      [{ name: 'webmetric', failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, dryRun: false, timeout: Duration.seconds(10) }],
      [{ name: 'secret-url', hasDefault: true }]);
    new CanaryRollout(chart, 'rollout-secret', {
      ...DEMO, replicas: 1, revisionHistoryLimit: 2,
      steps: [CanaryStep.setWeight(25), CanaryStep.analysis({ templates: [analysisSecret] }), CanaryStep.pause()],
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
      steps: [CanaryStep.setWeight(10), CanaryStep.pause()],
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
  uses: 'TrafficRouting.istio({ hosts, gateways }) (it emits the VirtualService with route primary), CanaryStep.setCanaryScale(CanaryScale.weight(50)), '
    + 'CanaryStep.setMirrorRoute with StringMatch; the Istio Gateway itself is cluster infrastructure, named, not emitted',
  namespace: 'argo-istio-mirror',
  firstSteps: { mirrorRoute: { virtualService: 'istio-host-split', route: 'mirror-route', host: 'istio-host-split-canary', percentage: 50 } },
  chart: () => {
    const chart = chartIn('argo-istio-mirror');
    new CanaryRollout(chart, 'istio-host-split', {
      ...DEMO, image: 'argoproj/rollouts-demo:green', replicas: 4,
      trafficRouting: TrafficRouting.istio({ hosts: ['istio-host-split.com'], gateways: ['istio-host-split-gateway'] }),
      steps: [
        CanaryStep.setCanaryScale(CanaryScale.weight(50)),
        CanaryStep.setMirrorRoute({
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
  ['on-rollout-completed', 'on-rollout-step-completed', 'on-rollout-updated', 'on-scaling-replica-set']
    .map((trigger) => [`notifications.argoproj.io/subscribe.${trigger}.slack`, 'deployments-notifications']));

const NOTIFICATIONS: CatalogueEntry = {
  example: 'notifications/',
  intent: 'a canary whose Rollout subscribes a Slack channel to Argo notifications (completed, step completed, updated, scaling), '
    + 'exposed by a LoadBalancer Service and a host-less Ingress',
  expressed: 'partial',
  uses: 'CanaryRollout; the subscriptions as annotations through cdk8s\' own `rollout.resource.metadata.addAnnotation`; the exposure: '
    + 'a cdk8s-plus Service of type LoadBalancer selecting `rollout.podSelectorLabels`, and a cdk8s-plus Ingress without host to it',
  missing: 'annotations as a prop of the rollout (Rollout annotations), and the type of the rollout\'s own Services (here a third Service '
    + 'beside them); the notification templates and triggers (the controller\'s argo-rollouts-notification-configmap) are cluster '
    + 'configuration outside any Rollout',
  namespace: 'argo-notifications',
  firstSteps: { pausedFor: { reason: 'CanaryPauseStep', stepIndex: 1 } },
  chart: () => {
    const chart = chartIn('argo-notifications');
    const rollout = new CanaryRollout(chart, 'rollout-canary', {
      ...DEMO, replicas: 5, revisionHistoryLimit: 2,
      steps: [
        CanaryStep.setWeight(20), CanaryStep.pause(),
        ...CanaryStep.weightsWithPauses([40, 60, 80], Duration.seconds(10)),
      ],
    });
    for (const [key, value] of Object.entries(NOTIFICATION_SUBSCRIPTIONS)) rollout.resource.metadata.addAnnotation(key, value);
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

const TEMPLATES_NEED = 'the general AnalysisTemplate / ClusterAnalysisTemplate construct';
const EXPERIMENT_NEED = 'CanaryStep.experiment (templates from the stable or canary spec, with replicas or weight, selector and metadata; analyses; duration)';
const ROUTER_NEED = 'TrafficRouting.custom, the public way to add a traffic router';

/** The examples the API cannot express yet: each names the API it needs. */
const NOT_YET: CatalogueEntry[] = [
  {
    example: 'rollout-baseline-vs-canary.yaml', namespace: 'argo-baseline-vs-canary', expressed: 'none', uses: '',
    intent: 'an experiment step running a baseline (stable spec) and a canary (canary spec) side by side, to compare them',
    missing: EXPERIMENT_NEED,
    behaviour: {
      rollout: 'rollout-baseline-vs-canary', strategy: 'canary', replicas: 3, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
      steps: ['experiment [baseline<-stable, canary<-canary]'],
    },
  },
  {
    example: 'rollout-canary-preview.yaml', namespace: 'argo-canary-preview', expressed: 'none', uses: '',
    intent: 'an experiment step running the canary spec under its own labels behind a preview Service, away from production traffic',
    missing: `${EXPERIMENT_NEED}; a Service of our own selecting the experiment's pods`,
    behaviour: {
      rollout: 'rollout-canary-preview', strategy: 'canary', replicas: 3, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
      steps: ['experiment [canary-preview<-canary]'],
    },
  },
  {
    example: 'rollout-experiment-step.yaml', namespace: 'argo-experiment-step', expressed: 'none', uses: '',
    intent: 'at 25%, an experiment running the canary spec with the random-fail analysis',
    missing: `${EXPERIMENT_NEED}, and a reference to the existing template random-fail`,
    behaviour: {
      rollout: 'rollout-experiment-step', strategy: 'canary', replicas: 4, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
      steps: ['setWeight 25', 'experiment [canary<-canary] analyses [random-fail]'],
    },
  },
  {
    example: 'rollout-template-ref.yaml', namespace: 'argo-template-ref', expressed: 'none', uses: '',
    intent: 'a canary (20%, 10s) whose pod template comes from an existing Deployment scaled to 0 (workloadRef)',
    missing: 'workloadRef from a cdk8s-plus Deployment of the chart',
    behaviour: {
      rollout: 'rollout-ref-deployment', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
      workloadRef: 'Deployment/rollout-ref-deployment', steps: ['setWeight 20', 'pause 10s'],
    },
  },
  {
    example: 'workload-ref/', namespace: 'argo-workload-ref', expressed: 'none', uses: '',
    intent: 'the same migration path: a Rollout that takes over an existing Deployment through workloadRef',
    missing: 'workloadRef from a cdk8s-plus Deployment of the chart',
    behaviour: {
      rollout: 'rollout-ref-deployment', strategy: 'canary', replicas: 5, image: 'argoproj/rollouts-demo:blue',
      workloadRef: 'Deployment/rollout-ref-deployment', steps: ['setWeight 20', 'pause 10s'],
    },
  },
  {
    example: 'analysis-templates.yaml', namespace: 'argo-analysis-templates', expressed: 'none', uses: '',
    intent: 'two AnalysisTemplates with the Job provider: pass (exit 0, once) and random-fail (fails half the time, twice)',
    missing: `${TEMPLATES_NEED} with the Job provider (count, interval, failureLimit)`,
  },
  {
    example: 'cluster-analysis-templates.yaml', namespace: 'argo-cluster-analysis-templates', expressed: 'none', uses: '',
    intent: 'a ClusterAnalysisTemplate always-pass with the Job provider, usable from any namespace',
    missing: `${TEMPLATES_NEED} with the Job provider, cluster-scoped`,
  },
  {
    example: 'traffic-management/', namespace: 'argo-linkerd', expressed: 'none', uses: '',
    intent: 'Linkerd through SMI: a root Service split between stable and canary at 5%, pods injected by linkerd.io/inject, and a load-test Job template',
    missing: `${ROUTER_NEED} (SMI rootService); ${TEMPLATES_NEED} with the Job provider and args (namespace); podAnnotations exists already`,
    behaviour: {
      rollout: 'rollout-linkerd', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
      steps: ['setWeight 5', 'pause'], trafficRouting: { smi: { rootService: 'rollout-linkerd' } },
    },
  },
  {
    example: 'ambassador/', namespace: 'argo-ambassador', expressed: 'none', uses: '',
    intent: 'Ambassador (Emissary) mappings split 30%, 60%, 100% with 30s and 10s pauses',
    missing: `${ROUTER_NEED} (ambassador.mappings); the Mapping objects are Ambassador's`,
    behaviour: {
      rollout: 'echo-rollout', strategy: 'canary', replicas: 1, image: 'hashicorp/http-echo:1.0', // pinned: the example's is not
      steps: ['setWeight 30', 'pause 30s', 'setWeight 60', 'pause 30s', 'setWeight 100', 'pause 10s'],
      trafficRouting: { ambassador: { mappings: ['echo'] } },
    },
  },
  {
    example: 'apisix/', namespace: 'argo-apisix', expressed: 'none', uses: '',
    intent: 'APISIX route weights, a header route (trace: debug) to one canary pod first, then 20% to 80%',
    missing: `${ROUTER_NEED} (apisix.route), and a raw step: the example sets setCanaryScale and setHeaderRoute in one step`,
    behaviour: {
      rollout: 'rollout-apisix-canary', strategy: 'canary', replicas: 5, revisionHistoryLimit: 2, image: 'argoproj/rollouts-demo:blue',
      steps: ['setCanaryScale replicas 1 & setHeaderRoute set-header [trace=debug]', 'pause', 'setWeight 20', 'pause',
        'setWeight 40', 'pause 15s', 'setWeight 60', 'pause 15s', 'setWeight 80', 'pause 15s'],
      trafficRouting: { apisix: { route: { name: 'rollouts-apisix-route', rules: ['rollouts-apisix'] } }, managedRoutes: [{ name: 'set-header' }] },
    },
  },
  {
    example: 'appmesh/', namespace: 'argo-appmesh', expressed: 'none', uses: '',
    intent: 'App Mesh virtual node weights 25%, 50%, 75%, with a Prometheus success-rate template on Envoy metrics',
    missing: `${ROUTER_NEED} (appMesh virtualService and virtualNodeGroup); ${TEMPLATES_NEED} with a Prometheus metric of your own query and args`,
    behaviour: {
      rollout: 'my-rollout', strategy: 'canary', replicas: 4, image: 'argoproj/rollouts-demo:blue',
      steps: ['setWeight 25', 'pause', 'setWeight 50', 'pause 10m', 'setWeight 75', 'pause 10m'],
      trafficRouting: {
        appMesh: {
          virtualService: { name: 'my-svc' },
          virtualNodeGroup: { canaryVirtualNodeRef: { name: 'my-vn-canary' }, stableVirtualNodeRef: { name: 'my-vn-stable' } },
        },
      },
    },
  },
  {
    example: 'traffic-routing-experiment-step/', namespace: 'argo-alb-experiment', expressed: 'none', uses: '',
    intent: 'AWS ALB at 10%, then an experiment taking 20% of the traffic (weighted experiment template)',
    missing: `${ROUTER_NEED} (alb ingress, rootService, servicePort); ${EXPERIMENT_NEED}; Service type NodePort`,
    behaviour: {
      rollout: 'alb-rollout', strategy: 'canary', replicas: 1, image: 'argoproj/rollouts-demo:blue',
      steps: ['setWeight 10', 'experiment [experiment-alb<-canary 20%]'],
      trafficRouting: { alb: { ingress: 'alb-rollout-ingress', rootService: 'alb-rollout-root', servicePort: 80 } },
    },
  },
];

/** The 20 examples, in the order of the issue that lists them. */
export const CATALOGUE: CatalogueEntry[] = [
  CANARY, BLUE_GREEN, ANALYSIS_STEP, BACKGROUND_ANALYSIS, ...NOT_YET.slice(0, 4), SECRET, ...NOT_YET.slice(4, 7),
  ISTIO_SUBSET_SPLIT, ISTIO_MIRROR, NOTIFICATIONS, ...NOT_YET.slice(7),
];
