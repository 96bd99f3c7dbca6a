/**
 * The workload settings every pod-running construct shares, checked and resolved to their defaults, and the
 * hardened pod template rendered from them: what the rollouts and the slo-gate build their pods from.
 */
import { Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-27';
import { hardenedSecurityContext, renderExtraContainers, renderPodPlumbing, validatePod } from './internal-pod';
import { PodSecurityStandard, HealthProbe, PodSeccompProfile, AppWorkloadProps } from './workload';
import { formatSeconds } from '../util/internal-duration';
import { ownRule, validateDnsLabel, validateImage, validateInteger } from '../util/internal-validation';

/** The resolved workload settings, as the constructs expose them. */
export interface ResolvedWorkload {
  readonly name: string;
  readonly namespace?: string;
  readonly port: number;
  readonly metricsPort: number;
  readonly servicePort: number;
  readonly replicas: number;
  readonly minReadySeconds: number;
  readonly selectorLabels: { [key: string]: string };
}

const DEFAULT_RESOURCES: ContainerResources = {
  cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
};

/** The pod of a workload taken from elsewhere (a Deployment a rollout references): its labels and default port. */
export interface ReferencedPod {
  readonly selectorLabels: { [key: string]: string };
  readonly defaultPort?: number;
}

/** The PodDisruptionBudget's maxUnavailable, from pdbMaxUnavailable or its deprecated name maxUnavailable. */
export function pdbMaxUnavailable(props: AppWorkloadProps): number {
  if (props.pdbMaxUnavailable !== undefined && props.maxUnavailable !== undefined) {
    throw new Error(`maxUnavailable (${props.maxUnavailable}) is the deprecated name of pdbMaxUnavailable (${props.pdbMaxUnavailable}): keep pdbMaxUnavailable only`);
  }
  return props.pdbMaxUnavailable ?? props.maxUnavailable ?? 1;
}

/**
 * Checks the props every workload shares and resolves their defaults. `referenced`: the pod comes from elsewhere
 * (no image of ours), with these selector labels.
 */
export function resolveWorkload(id: string, props: AppWorkloadProps, referenced?: ReferencedPod): ResolvedWorkload {
  const name = props.name ?? id;
  if (props.name === undefined) {
    try {
      validateDnsLabel('name', name);
    } catch (e) {
      const suggestion = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'app';
      throw new Error(`${(e as Error).message}, taken from the construct id because name is not set: `
        + `set name in the props, e.g. name: '${suggestion}' (the construct id can stay as it is)`);
    }
  }
  validateDnsLabel('name', name);
  if (props.namespace !== undefined) validateDnsLabel('namespace', props.namespace);
  if (!referenced) {
    if (props.image === undefined) {
      throw new Error('image must be set: give the container image pinned by a tag or digest, e.g. image: \'registry.example.com/app:1.4.2\', '
        + 'or take the pod from a Deployment with workload: RolloutWorkload.fromDeployment(deployment)');
    }
    validateImage('image', props.image);
  }
  const port = props.port ?? referenced?.defaultPort ?? 8080;
  validateInteger('port', port, 1, 65535);
  const metricsPort = props.metricsPort ?? port;
  validateInteger('metricsPort', metricsPort, 1, 65535);
  const servicePort = props.servicePort ?? 80;
  validateInteger('servicePort', servicePort, 1, 65535);
  const replicas = props.replicas ?? 3;
  validateInteger('replicas', replicas, 0);
  validateInteger(props.maxUnavailable !== undefined ? 'maxUnavailable' : 'pdbMaxUnavailable', pdbMaxUnavailable(props), 1, undefined,
    'a PodDisruptionBudget with maxUnavailable 0 blocks every node drain');
  validateInteger('runAsUser', props.runAsUser ?? 10001, 1);
  if (props.runAsGroup !== undefined) validateInteger('runAsGroup', props.runAsGroup, 0);
  if (props.fsGroup !== undefined) validateInteger('fsGroup', props.fsGroup, 0);
  const preStop = props.preStopDelay?.toSeconds() ?? 10;
  const grace = props.terminationGracePeriod?.toSeconds() ?? 30;
  if (preStop < 1) {
    throw new Error(`preStopDelay must be at least 1s, got ${formatSeconds(preStop)}: raise it `
      + ownRule('a stopping pod keeps serving until the endpoints and the router have dropped it'));
  }
  if (grace <= preStop) {
    throw new Error(`terminationGracePeriod must be longer than preStopDelay (${formatSeconds(preStop)}), got ${formatSeconds(grace)}: `
      + `raise terminationGracePeriod or shorten preStopDelay ${ownRule('otherwise the container is killed before it has stopped after draining')}`);
  }
  const minReadySeconds = props.minReady?.toSeconds() ?? 5;
  return {
    name,
    namespace: props.namespace,
    port,
    metricsPort,
    servicePort,
    replicas,
    minReadySeconds,
    selectorLabels: referenced ? { ...referenced.selectorLabels } : { 'app.kubernetes.io/name': name },
  };
}


/**
 * The hardened pod template, as JSON: restricted Pod Security Standard, writable /tmp on an
 * emptyDir, probes, preStop drain, spread across nodes. Rendered with the Kubernetes types so that
 * the Rollout, a Deployment or any pod-template holder embeds the same thing.
 */
export function podTemplateJson(props: AppWorkloadProps, w: ResolvedWorkload): { [key: string]: any } {
  const json = k8s.toJson_PodTemplateSpec(podTemplate(props, w))!;
  // The preStop sleep action (Kubernetes 1.29+) needs no shell in the image; the generated
  // Kubernetes 1.27 types do not know it, so it is set on the JSON.
  json.spec.containers[0].lifecycle = { preStop: { sleep: { seconds: props.preStopDelay?.toSeconds() ?? 10 } } };
  validatePod(json, props.podSecurityStandard ?? PodSecurityStandard.RESTRICTED);
  return json;
}

function podTemplate(props: AppWorkloadProps, w: ResolvedWorkload): k8s.PodTemplateSpec {
  const resources = props.resources ?? DEFAULT_RESOURCES;
  const runAsUser = props.runAsUser ?? 10001;
  const extra = renderExtraContainers(props, DEFAULT_RESOURCES);
  const plumbing = renderPodPlumbing(props);
  const ports: k8s.ContainerPort[] = [{ name: 'http', containerPort: w.port, protocol: 'TCP' }];
  if (w.metricsPort !== w.port) ports.push({ name: 'metrics', containerPort: w.metricsPort, protocol: 'TCP' });
  return {
    metadata: { labels: { ...props.podLabels, ...w.selectorLabels }, annotations: props.podAnnotations },
    spec: {
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      serviceAccountName: props.serviceAccountName,
      terminationGracePeriodSeconds: props.terminationGracePeriod?.toSeconds() ?? 30,
      priorityClassName: props.priorityClassName,
      imagePullSecrets: props.imagePullSecrets?.map((secret) => ({ name: secret.name })),
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations?.map((t) => t._toKube()),
      affinity: props.affinity,
      securityContext: {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: props.runAsGroup ?? runAsUser,
        fsGroup: props.fsGroup ?? runAsUser,
        seccompProfile: (props.seccompProfile ?? PodSeccompProfile.runtimeDefault())._profile,
      },
      topologySpreadConstraints: props.topologySpreadConstraints ?? [{
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: w.selectorLabels },
        matchLabelKeys: ['rollouts-pod-template-hash'],
      }],
      initContainers: extra.initContainers,
      containers: [{
        name: w.name,
        image: props.image!,
        imagePullPolicy: props.imagePullPolicy,
        command: props.command,
        args: props.args,
        ports,
        env: plumbing.env,
        envFrom: plumbing.envFrom,
        resources: {
          requests: quantities(resources.cpu?.request?.amount, resources.memory?.request),
          limits: quantities(resources.cpu?.limit?.amount, resources.memory?.limit),
        },
        // HealthProbe.none() renders no probe.
        livenessProbe: (props.liveness ?? HealthProbe.httpGet('/health/live'))._render(w.port),
        readinessProbe: (props.readiness ?? HealthProbe.httpGet('/health/ready', { period: Duration.seconds(5) }))._render(w.port),
        startupProbe: (props.startup ?? HealthProbe.httpGet('/health/live', { period: Duration.seconds(2), failureThreshold: 30 }))._render(w.port),
        securityContext: hardenedSecurityContext(props.securityContext),
        volumeMounts: plumbing.volumeMounts,
      }, ...extra.sidecars],
      volumes: plumbing.volumes,
    },
  };
}

function quantities(cpu: string | undefined, memory: Size | undefined): { [key: string]: k8s.Quantity } | undefined {
  const out: { [key: string]: k8s.Quantity } = {};
  if (cpu) out.cpu = k8s.Quantity.fromString(cpu);
  if (memory) out.memory = k8s.Quantity.fromString(`${memory.toMebibytes()}Mi`);
  return Object.keys(out).length ? out : undefined;
}
