import { ApiObject, Lazy } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { formatSeconds } from '../util/internal-duration';
import { validateDnsLabel, validateInteger } from '../util/internal-validation';
import { budgetAnnotations } from './plan';
import { RolloutCommonProps } from './rollout-props';
import { RolloutServiceProps } from './rollout-service';
import { RolloutWorkload } from './rollout-workload';
import { addService, objectLabels } from '../workload/internal-objects';
import { podTemplateJson, resolveWorkload, ResolvedWorkload } from '../workload/resolved-workload';
import { AppWorkloadProps } from '../workload/workload';
import { Rollout, RolloutSpecStrategy, toJson_RolloutSpec } from '../../imports/argoproj.io';

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
const POD_PROPS: (keyof AppWorkloadProps)[] = [
  'image', 'env', 'envVariables', 'envFrom', 'volumeMounts', 'initContainers', 'sidecars', 'imagePullPolicy', 'imagePullSecrets',
  'podAnnotations', 'nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'priorityClassName', 'securityContext',
  'command', 'args', 'resources', 'liveness', 'readiness', 'startup', 'preStopDelay', 'terminationGracePeriod', 'serviceAccountName',
  'automountServiceAccountToken', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile', 'podLabels',
];

/** Throws when a rollout given a `workload` also describes a pod of its own. */
export function validateWorkloadExclusive(props: AppWorkloadProps, workload: RolloutWorkload): void {
  const set = POD_PROPS.filter((k) => props[k] !== undefined);
  if (set.length > 0) {
    throw new Error(`workload takes the pod from Deployment '${workload.deploymentName}', so ${set.join(', ')} would not be used: `
      + 'set them on the Deployment, or remove workload to describe the pod here');
  }
}
