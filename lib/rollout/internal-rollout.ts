import { ApiObject, Duration, Lazy } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { formatSeconds } from '../util/internal-duration';
import { validateDnsLabel, validateInteger } from '../util/internal-validation';
import { budgetAnnotations } from './plan';
import { RolloutServiceProps } from './rollout-service';
import { RolloutWorkload } from './rollout-workload';
import { addService, objectLabels } from '../workload/internal-objects';
import { podTemplateJson, resolveWorkload, ResolvedWorkload } from '../workload/resolved-workload';
import { WorkloadProps } from '../workload/workload';
import { Rollout, RolloutSpecStrategy, toJson_RolloutSpec } from '../../imports/argoproj.io';

/** Props every Rollout has, whatever its strategy. */
export interface RolloutCommonProps extends WorkloadProps {
  /**
   * Take the pod from a Deployment instead of describing it here: the Rollout emits `spec.workloadRef`, e.g.
   * `RolloutWorkload.fromDeployment(deployment, { scaleDown: WorkloadScaleDown.ON_SUCCESS })`. Excludes the pod props
   * (image, env, probes, ...), which then belong to the Deployment; `port` defaults to its first container's port.
   * @default - the pod described by these props
   */
  readonly workload?: RolloutWorkload;
  /**
   * Type, node port, annotations, labels and extra ports of the strategy's Services.
   * @default - ClusterIP Services with the `http` port only
   */
  readonly service?: RolloutServiceProps;
  /**
   * Annotations of the Rollout object itself (not its pods: see podAnnotations), e.g. Argo Rollouts notifications'
   * `notifications.argoproj.io/subscribe.on-rollout-aborted.slack: my-channel`.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /** Extra labels of the Rollout object itself (not its pods: see podLabels). @default - none */
  readonly labels?: { [key: string]: string };
  /**
   * Synth fails when the plan's nominal time to full promotion exceeds this. Recorded on the Rollout
   * (annotation `cdk8s-progressive/max-promotion-time`), where `plan` and `rehearse` read it.
   * @default - no limit at synth; `plan` and `rehearse` judge against 10m
   */
  readonly maxPromotionTime?: Duration;
  /**
   * No promotion budget at all, e.g. for a rollout a human promotes: recorded on the Rollout
   * (`cdk8s-progressive/max-promotion-time: none`) so that `plan` and `rehearse` do not judge it against 10m either.
   * Excludes maxPromotionTime.
   * @default false
   */
  readonly disableMaxPromotionTime?: boolean;
  /**
   * No budget for the time to abort, for a rollout whose analyses are not meant to abort it (none, or dry-run
   * only): synth does not apply the 2m default, and the Rollout records `cdk8s-progressive/max-time-to-abort: none`
   * so that `plan` and `rehearse` do not judge it either. Excludes maxTimeToAbort.
   * @default false
   */
  readonly disableMaxTimeToAbort?: boolean;
  /**
   * Synth fails when the analyses cannot abort a bad new version within this time of it taking traffic (a canary) or becoming ready (a preview)
   * (worst case: the analysis' start, then its initialDelay or its query window and one cycle, failureLimit
   * more cycles of interval + provider timeout; or its errors, each up to the timeout, retried 10s apart).
   * Applies once the rollout has an analysis. Recorded on the Rollout
   * (annotation `cdk8s-progressive/max-time-to-abort`), where `plan` and `rehearse` read it.
   * @default 2m
   */
  readonly maxTimeToAbort?: Duration;
  /** @default 3 */
  readonly revisionHistoryLimit?: number;
  /**
   * Old ReplicaSets kept running during their scale-down delay; for a blue-green rollout at most revisionHistoryLimit.
   * @default - the controller's default
   */
  readonly scaleDownDelayRevisionLimit?: number;
  /**
   * A rollout that makes no progress for this long is marked degraded; must exceed minReady.
   * @default 10m
   */
  readonly progressDeadline?: Duration;
  /**
   * Abort the rollout when the progress deadline passes, instead of only reporting it.
   * @default true
   */
  readonly progressDeadlineAbort?: boolean;
  /**
   * A rollback to one of the last N revisions skips the steps and analysis and goes to 100% at once:
   * a known-good version returns without a second canary. Only a revision whose ReplicaSet is still kept
   * (see revisionHistoryLimit) can come back this way; an older one runs the steps.
   * @default - none: a rollback runs the steps like any other change
   */
  readonly rollbackWindow?: number;
  /**
   * How long the new pods keep running after an abort, once traffic is back on the stable version; then
   * they are scaled to zero. A canary needs trafficRouting for it. 0 does not stop them at once, nor always
   * keep them (Argo Rollouts v1.9.1):
   * - blue-green: the preview is left running until the next update;
   * - canary: no delay at all. The abort sends the rollout back to step 0 at weight 0, which sizes the canary
   *   to zero pods at once, unless step 0 is a setCanaryScale with replicas or weight: then the canary is
   *   left running at that size until the next update.
   * @default 30s (the controller's default)
   */
  readonly abortScaleDownDelay?: Duration;
}

/**
 * Checks what the controller checks on every Rollout. `blueGreen`: the controller also keeps
 * scaleDownDelayRevisionLimit within revisionHistoryLimit (for blue-green only).
 */
export function validateRolloutCommon(props: RolloutCommonProps, blueGreen: boolean): void {
  if (props.disableMaxPromotionTime && props.maxPromotionTime) {
    throw new Error(`disableMaxPromotionTime turns off the promotion budget that maxPromotionTime (${formatSeconds(props.maxPromotionTime.toSeconds())}) sets: keep one of them`);
  }
  if (props.disableMaxTimeToAbort && props.maxTimeToAbort) {
    throw new Error(`disableMaxTimeToAbort turns off the abort budget that maxTimeToAbort (${formatSeconds(props.maxTimeToAbort.toSeconds())}) sets: keep one of them`);
  }
  for (const [prop, keys] of [['annotations', Object.keys(props.annotations ?? {})], ['labels', Object.keys(props.labels ?? {})]] as const) {
    for (const key of keys) {
      if (key.startsWith('cdk8s-progressive/') || key === 'app.kubernetes.io/name' || key === 'app.kubernetes.io/managed-by') {
        throw new Error(`${prop} must not set '${key}': the rollout sets it itself (budgets are maxPromotionTime and maxTimeToAbort, the name is name); remove it`);
      }
    }
  }
  if (props.revisionHistoryLimit !== undefined) validateInteger('revisionHistoryLimit', props.revisionHistoryLimit, 0);
  if (props.scaleDownDelayRevisionLimit !== undefined) {
    validateInteger('scaleDownDelayRevisionLimit', props.scaleDownDelayRevisionLimit, 0);
    const limit = props.revisionHistoryLimit ?? 3;
    if (blueGreen && props.scaleDownDelayRevisionLimit > limit) {
      throw new Error(`scaleDownDelayRevisionLimit must be at most revisionHistoryLimit (${limit}), got ${props.scaleDownDelayRevisionLimit}: `
        + 'lower it or raise revisionHistoryLimit');
    }
  }
  if (props.rollbackWindow !== undefined) {
    validateInteger('rollbackWindow', props.rollbackWindow, 1, undefined,
      'the controller reads 0 or less as no window, which leaving rollbackWindow unset already says');
  }
  const deadline = props.progressDeadline?.toSeconds() ?? 600;
  const minReady = props.minReady?.toSeconds() ?? 5;
  if (deadline <= minReady) {
    throw new Error(`progressDeadline must be longer than minReady (${formatSeconds(minReady)}), got ${formatSeconds(deadline)}: `
      + 'raise progressDeadline or shorten minReady');
  }
}

/** Checks two Service names of a strategy (stable/canary, active/preview): valid and different. */
export function validateServicePair(a: [prop: string, name: string], b: [prop: string, name: string], why: string): void {
  validateDnsLabel(a[0], a[1]);
  validateDnsLabel(b[0], b[1]);
  if (a[1] === b[1]) throw new Error(`${b[0]} and ${a[0]} must differ, both are '${a[1]}': ${why}`);
}

/**
 * The Services the strategy switches between, each selecting the rollout's pods on the http port; the first
 * (stable, active) takes the node port.
 */
export function addServices(scope: Construct, w: ResolvedWorkload, services: [id: string, name: string][], s: RolloutServiceProps = {}, targetPort?: number): void {
  services.forEach(([id, name], i) => {
    addService(scope, id, {
      name, namespace: w.namespace, labels: { ...s.labels, ...objectLabels(w) }, selectorLabels: w.selectorLabels, servicePort: w.servicePort,
      type: s.type, headless: s.headless, annotations: s.annotations, nodePort: i === 0 ? s.nodePort : undefined, extraPorts: s.extraPorts, targetPort,
    });
  });
}

/** The Rollout object and the function that renders its spec as JSON (what synth emits, without a resolve pass). */
export interface RolloutObject {
  readonly resource: ApiObject;
  readonly renderSpec: () => { [key: string]: any };
}

/**
 * Resolves the workload of a rollout: its own pod, or the Deployment's it references (`workload`), whose
 * selector labels and port it takes.
 */
export function resolveRolloutWorkload(id: string, props: RolloutCommonProps): ResolvedWorkload {
  if (props.workload) validateWorkloadExclusive(props, props.workload);
  const w = resolveWorkload(id, props, props.workload && { selectorLabels: props.workload.selectorLabels, defaultPort: props.workload._port });
  if (props.service) validateServiceProps(props.service, w.servicePort);
  return w;
}

/**
 * The Rollout object, child `Resource`, its spec produced at synth. The strategy is typed by the imported
 * Rollout types; the pod template is rendered by the Kubernetes types (podTemplateJson) and embedded as JSON,
 * or, with `workload`, replaced by spec.workloadRef.
 */
export function addRollout(scope: Construct, w: ResolvedWorkload, props: RolloutCommonProps, strategy: () => RolloutSpecStrategy): RolloutObject {
  const template = props.workload ? undefined : podTemplateJson(props, w);
  const renderSpec = () => ({
    ...toJson_RolloutSpec({
      replicas: w.replicas,
      selector: { matchLabels: w.selectorLabels },
      minReadySeconds: w.minReadySeconds || undefined,
      revisionHistoryLimit: props.revisionHistoryLimit ?? 3,
      progressDeadlineSeconds: props.progressDeadline?.toSeconds() ?? 600,
      progressDeadlineAbort: props.progressDeadlineAbort ?? true,
      rollbackWindow: props.rollbackWindow === undefined ? undefined : { revisions: props.rollbackWindow },
      strategy: strategy(),
      workloadRef: props.workload?._ref(),
    }),
    ...(template ? { template } : {}),
  });
  const resource = new ApiObject(scope, 'Resource', {
    ...Rollout.GVK,
    metadata: {
      name: w.name, namespace: w.namespace, labels: { ...props.labels, ...objectLabels(w) },
      annotations: metadataAnnotations(props),
    },
    spec: Lazy.any({ produce: renderSpec }),
  });
  return { resource, renderSpec };
}

function metadataAnnotations(props: RolloutCommonProps): { [key: string]: string } | undefined {
  const all = { ...props.annotations, ...budgetAnnotations(props.maxPromotionTime, props.maxTimeToAbort, props.disableMaxPromotionTime, props.disableMaxTimeToAbort) };
  return Object.keys(all).length > 0 ? all : undefined;
}

/**
 * The spec the plan reads: with a Deployment of the chart as workload, its pod template in place of the reference
 * (readiness, probes), as the controller resolves it.
 */
export function planSpec(spec: { [key: string]: any }, props: RolloutCommonProps): { [key: string]: any } {
  const template = props.workload?._manifest()?.spec?.template;
  return template ? { ...spec, template } : spec;
}

const RESERVED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/managed-by'];

/** Throws unless the service settings are valid; `servicePort` is the http port's. */
export function validateServiceProps(s: RolloutServiceProps, servicePort: number): void {
  const type = s.type ?? ServiceType.CLUSTER_IP;
  if (type === ServiceType.EXTERNAL_NAME) {
    throw new Error('service type must be ClusterIP, NodePort or LoadBalancer, got ExternalName: an ExternalName Service selects no pod, '
      + 'so the controller could not switch it between versions');
  }
  if (s.headless && type !== ServiceType.CLUSTER_IP) {
    throw new Error(`service headless needs type ServiceType.CLUSTER_IP, got ${type}: remove headless or type `
      + '(Kubernetes refuses clusterIP None on a NodePort or LoadBalancer Service)');
  }
  if (s.nodePort !== undefined) {
    if (type === ServiceType.CLUSTER_IP) {
      throw new Error(`service nodePort (${s.nodePort}) needs type ServiceType.NODE_PORT or ServiceType.LOAD_BALANCER, got ClusterIP: set type or remove nodePort`);
    }
    validateInteger('service nodePort', s.nodePort, 1, 65535);
  }
  for (const key of Object.keys(s.labels ?? {})) {
    if (RESERVED_LABELS.includes(key)) {
      throw new Error(`service labels must not set '${key}': the rollout sets it on every object it emits; remove it`);
    }
  }
  const names = new Set(['http']);
  const ports = new Set([servicePort]);
  (s.extraPorts ?? []).forEach((p, i) => {
    const where = `service extraPorts[${i}]`;
    if (p.name === undefined) throw new Error(`${where}.name must be set: a Service with several ports names each, e.g. name: 'grpc'`);
    validateDnsLabel(`${where}.name`, p.name);
    if (names.has(p.name)) throw new Error(`${where}.name '${p.name}' is taken${p.name === 'http' ? ' by the traffic port' : ''}: give each port its own name`);
    names.add(p.name);
    validateInteger(`${where}.port`, p.port, 1, 65535);
    if (ports.has(p.port)) throw new Error(`${where}.port ${p.port} is taken by another port of the Service: give each port its own number`);
    ports.add(p.port);
    if (p.targetPort !== undefined) validateInteger(`${where}.targetPort`, p.targetPort, 1, 65535);
    if (p.nodePort !== undefined) {
      throw new Error(`${where}.nodePort must not be set, got ${p.nodePort}: both Services of the strategy carry the extra ports and a node port `
        + 'belongs to one Service; leave it to the cluster');
    }
  });
}

/** The props that describe the pod itself, which a rollout taking its pod from a Deployment must not set. */
const POD_PROPS: (keyof WorkloadProps)[] = [
  'image', 'env', 'envVariables', 'envFrom', 'volumeMounts', 'initContainers', 'sidecars', 'imagePullPolicy', 'imagePullSecrets',
  'podAnnotations', 'nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'priorityClassName', 'securityContext',
  'command', 'args', 'resources', 'liveness', 'readiness', 'startup', 'preStopDelay', 'terminationGracePeriod', 'serviceAccountName',
  'automountServiceAccountToken', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile', 'podLabels',
];

/** Throws when a rollout given a `workload` also describes a pod of its own. */
export function validateWorkloadExclusive(props: WorkloadProps, workload: RolloutWorkload): void {
  const set = POD_PROPS.filter((k) => props[k] !== undefined);
  if (set.length > 0) {
    throw new Error(`workload takes the pod from Deployment '${workload.deploymentName}', so ${set.join(', ')} would not be used: `
      + 'set them on the Deployment, or remove workload to describe the pod here');
  }
}
