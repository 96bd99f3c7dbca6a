import { Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-27';
import { formatSeconds, ownRule, validateDnsLabel, validateImage, validateInteger } from './internal-validation';

/** Options shared by every probe factory. */
export interface ProbeOptions {
  /**
   * Container port the probe targets.
   * @default - the workload's `port`
   */
  readonly port?: number;
  /** @default 0s */
  readonly initialDelay?: Duration;
  /** @default 10s */
  readonly period?: Duration;
  /** @default 1s */
  readonly timeout?: Duration;
  /** @default 3 */
  readonly failureThreshold?: number;
}

/** A liveness, readiness or startup probe. */
export class Probe {
  /** An HTTP GET probe; 2xx and 3xx answers count as success. */
  public static httpGet(path: string, options: ProbeOptions = {}): Probe {
    if (!path.startsWith('/')) throw new Error(`probe path must start with '/', got '${path}'`);
    return new Probe(options, (port) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(port) } }));
  }

  /** A TCP probe: success when the port accepts a connection. */
  public static tcpSocket(options: ProbeOptions = {}): Probe {
    return new Probe(options, (port) => ({ tcpSocket: { port: k8s.IntOrString.fromNumber(port) } }));
  }

  /** A probe that runs a command in the container; exit code 0 is success. */
  public static exec(command: string[], options: ProbeOptions = {}): Probe {
    if (command.length === 0) throw new Error('probe command must not be empty: give the program and its arguments');
    return new Probe(options, () => ({ exec: { command } }));
  }

  private constructor(
    private readonly options: ProbeOptions,
    private readonly action: (port: number) => k8s.Probe,
  ) {
    if (options.failureThreshold !== undefined) validateInteger('probe failureThreshold', options.failureThreshold, 1);
    if (options.period !== undefined && options.period.toSeconds() < 1) {
      throw new Error(`probe period must be at least 1s, got ${options.period.toSeconds()}s`);
    }
  }

  /** @internal */
  public _render(defaultPort: number): k8s.Probe {
    const o = this.options;
    return {
      ...this.action(o.port ?? defaultPort),
      initialDelaySeconds: o.initialDelay?.toSeconds(),
      periodSeconds: o.period?.toSeconds() ?? 10,
      timeoutSeconds: o.timeout?.toSeconds() ?? 1,
      failureThreshold: o.failureThreshold ?? 3,
    };
  }
}

/** What every workload construct of this library runs: one hardened application container. */
export interface WorkloadProps {
  /**
   * metadata.name of the workload; Services and other objects derive their names from it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** Container image, pinned by a tag (not `latest`) or a digest. */
  readonly image: string;
  /**
   * Container port that serves traffic, named `http`.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Container port that serves `/metrics`, named `metrics` when it differs from `port`.
   * @default - the traffic port
   */
  readonly metricsPort?: number;
  /**
   * Port of the Services in front of the pods.
   * @default 80
   */
  readonly servicePort?: number;
  /** @default - none */
  readonly env?: { [name: string]: string };
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /** @default - the image's cmd */
  readonly args?: string[];
  /**
   * Requests and limits of the container.
   * @default - requests cpu 100m, memory 128Mi; limits cpu 1, memory 256Mi
   */
  readonly resources?: ContainerResources;
  /** @default - HTTP GET /health/live every 10s, 3 failures */
  readonly liveness?: Probe;
  /** @default - HTTP GET /health/ready every 5s, 3 failures: traffic only reaches ready pods */
  readonly readiness?: Probe;
  /** @default - HTTP GET /health/live every 2s, up to 30 failures (60s to start) */
  readonly startup?: Probe;
  /** @default 3 */
  readonly replicas?: number;
  /**
   * How long the container keeps serving after it is told to stop, so that load balancers and
   * endpoints stop sending traffic first (a preStop sleep action, Kubernetes 1.29+).
   * @default 10s
   */
  readonly preStopDelay?: Duration;
  /**
   * Time for the container to stop after the preStop delay; must exceed preStopDelay.
   * @default 30s
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Time a new pod must stay ready before it counts as available.
   * @default 5s
   */
  readonly minReady?: Duration;
  /** @default - the namespace's default service account */
  readonly serviceAccountName?: string;
  /**
   * Mount the service account token into the pods. Off unless the application calls the Kubernetes API.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Numeric user the container runs as (non-root).
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * Pods that voluntary disruptions (node drains) may take down at once, in the PodDisruptionBudget.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /** Extra labels on every pod (the selector labels are always set). @default - none */
  readonly podLabels?: { [key: string]: string };
}

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

/** Checks the props every workload shares and resolves their defaults. */
export function resolveWorkload(id: string, props: WorkloadProps): ResolvedWorkload {
  const name = props.name ?? id;
  validateDnsLabel('name', name);
  if (props.namespace !== undefined) validateDnsLabel('namespace', props.namespace);
  validateImage('image', props.image);
  const port = props.port ?? 8080;
  validateInteger('port', port, 1, 65535);
  const metricsPort = props.metricsPort ?? port;
  validateInteger('metricsPort', metricsPort, 1, 65535);
  const servicePort = props.servicePort ?? 80;
  validateInteger('servicePort', servicePort, 1, 65535);
  const replicas = props.replicas ?? 3;
  validateInteger('replicas', replicas, 0);
  validateInteger('maxUnavailable', props.maxUnavailable ?? 1, 1, undefined, 'a PodDisruptionBudget with maxUnavailable 0 blocks every node drain');
  validateInteger('runAsUser', props.runAsUser ?? 10001, 1);
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
    selectorLabels: { 'app.kubernetes.io/name': name },
  };
}


/**
 * The hardened pod template, as JSON: restricted Pod Security Standard, writable /tmp on an
 * emptyDir, probes, preStop drain, spread across nodes. Rendered with the Kubernetes types so that
 * the Rollout, a Deployment or any pod-template holder embeds the same thing.
 */
export function podTemplateJson(props: WorkloadProps, w: ResolvedWorkload): { [key: string]: any } {
  const json = k8s.toJson_PodTemplateSpec(podTemplate(props, w))!;
  // The preStop sleep action (Kubernetes 1.29+) needs no shell in the image; the generated
  // Kubernetes 1.27 types do not know it, so it is set on the JSON.
  json.spec.containers[0].lifecycle = { preStop: { sleep: { seconds: props.preStopDelay?.toSeconds() ?? 10 } } };
  return json;
}

function podTemplate(props: WorkloadProps, w: ResolvedWorkload): k8s.PodTemplateSpec {
  const resources = props.resources ?? DEFAULT_RESOURCES;
  const runAsUser = props.runAsUser ?? 10001;
  const ports: k8s.ContainerPort[] = [{ name: 'http', containerPort: w.port, protocol: 'TCP' }];
  if (w.metricsPort !== w.port) ports.push({ name: 'metrics', containerPort: w.metricsPort, protocol: 'TCP' });
  return {
    metadata: { labels: { ...props.podLabels, ...w.selectorLabels } },
    spec: {
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      serviceAccountName: props.serviceAccountName,
      terminationGracePeriodSeconds: props.terminationGracePeriod?.toSeconds() ?? 30,
      securityContext: {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: runAsUser,
        fsGroup: runAsUser,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      topologySpreadConstraints: [{
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: w.selectorLabels },
        matchLabelKeys: ['rollouts-pod-template-hash'],
      }],
      containers: [{
        name: w.name,
        image: props.image,
        command: props.command,
        args: props.args,
        ports,
        env: props.env && Object.entries(props.env).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
        resources: {
          requests: quantities(resources.cpu?.request?.amount, resources.memory?.request),
          limits: quantities(resources.cpu?.limit?.amount, resources.memory?.limit),
        },
        livenessProbe: (props.liveness ?? Probe.httpGet('/health/live'))._render(w.port),
        readinessProbe: (props.readiness ?? Probe.httpGet('/health/ready', { period: Duration.seconds(5) }))._render(w.port),
        startupProbe: (props.startup ?? Probe.httpGet('/health/live', { period: Duration.seconds(2), failureThreshold: 30 }))._render(w.port),
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      }],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
    },
  };
}

function quantities(cpu: string | undefined, memory: Size | undefined): { [key: string]: k8s.Quantity } | undefined {
  const out: { [key: string]: k8s.Quantity } = {};
  if (cpu) out.cpu = k8s.Quantity.fromString(cpu);
  if (memory) out.memory = k8s.Quantity.fromString(`${memory.toMebibytes()}Mi`);
  return Object.keys(out).length ? out : undefined;
}
