import { Duration } from 'cdk8s';
import {
  ContainerProps, ContainerResources, ContainerSecurityContextProps, EnvFrom, EnvValue, ImagePullPolicy, ISecret, k8s, NodeTaintQuery,
  VolumeMount,
} from 'cdk8s-plus-27';
import { validateInteger } from '../util/internal-validation';

/** Options shared by every probe factory. */
export interface HealthProbeOptions {
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
export class HealthProbe {
  /** An HTTP GET probe; 2xx and 3xx answers count as success. */
  public static httpGet(path: string, options: HealthProbeOptions = {}): HealthProbe {
    if (!path.startsWith('/')) throw new Error(`probe path must start with '/', got '${path}'`);
    return new HealthProbe(options, (port) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(port) } }));
  }

  /** A TCP probe: success when the port accepts a connection. */
  public static tcpSocket(options: HealthProbeOptions = {}): HealthProbe {
    return new HealthProbe(options, (port) => ({ tcpSocket: { port: k8s.IntOrString.fromNumber(port) } }));
  }

  /** A probe that runs a command in the container; exit code 0 is success. */
  public static exec(command: string[], options: HealthProbeOptions = {}): HealthProbe {
    if (command.length === 0) throw new Error('probe command must not be empty: give the program and its arguments');
    return new HealthProbe(options, () => ({ exec: { command } }));
  }

  /**
   * No probe at all, on purpose, for an image that serves no health endpoint.
   *
   * What leaving one out costs:
   * - readiness: a pod counts as ready as soon as its container has started. In a canary, traffic and
   *   the analysis reach the new pods before they can serve: the first requests fail, and a canary
   *   step's weight is reached with pods that only look ready. Prefer `HealthProbe.tcpSocket()` when the
   *   image opens its port only once it serves.
   * - liveness: a hung container is never restarted.
   * - startup: liveness checks start at once (give liveness an initialDelay for a slow start).
   */
  public static none(): HealthProbe {
    return new HealthProbe({}, undefined);
  }

  private constructor(
    private readonly options: HealthProbeOptions,
    private readonly action: ((port: number) => k8s.Probe) | undefined,
  ) {
    if (options.failureThreshold !== undefined) validateInteger('probe failureThreshold', options.failureThreshold, 1);
    if (options.period !== undefined && options.period.toSeconds() < 1) {
      throw new Error(`probe period must be at least 1s, got ${options.period.toSeconds()}s`);
    }
  }

  /** @internal */
  public _render(defaultPort: number): k8s.Probe | undefined {
    if (!this.action) return undefined;
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

/** The seccomp profile of the pod: which system calls its containers may make. */
export class PodSeccompProfile {
  /** The container runtime's default profile: the hardened default, allowed by "restricted". */
  public static runtimeDefault(): PodSeccompProfile {
    return new PodSeccompProfile({ type: 'RuntimeDefault' });
  }

  /** A profile installed on the node, under the kubelet's seccomp folder; allowed by "restricted". */
  public static localhost(localhostProfile: string): PodSeccompProfile {
    if (localhostProfile === '' || localhostProfile.startsWith('/')) {
      throw new Error(`seccomp localhostProfile must be a path relative to the kubelet's seccomp folder, got '${localhostProfile}': e.g. 'profiles/web.json'`);
    }
    return new PodSeccompProfile({ type: 'Localhost', localhostProfile });
  }

  /** No seccomp filter at all: breaks "baseline"; only for a namespace that enforces "privileged". */
  public static unconfined(): PodSeccompProfile {
    return new PodSeccompProfile({ type: 'Unconfined' });
  }

  private constructor(
    /** @internal */
    public readonly _profile: k8s.SeccompProfile,
  ) {}
}

/** The Pod Security Standard the namespace enforces (pod-security.kubernetes.io/enforce). */
export enum PodSecurityStandard {
  /** The hardened profile: what the pods of this library meet unless a relaxation breaks it. */
  RESTRICTED = 'restricted',
  /** Known privilege escalations prevented; restricted's other controls not required. */
  BASELINE = 'baseline',
  /** No restriction. */
  PRIVILEGED = 'privileged',
}

/**
 * The pod every workload construct of this library runs: a hardened application container, with the
 * containers, env, volumes and scheduling of cdk8s-plus' own model (EnvValue, Env, Volume, ContainerProps).
 * The base of AppWorkloadProps and SloGateProps.
 */
export interface WorkloadPodProps {
  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Container port that serves traffic, named `http`.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port of the Services in front of the pods.
   * @default 80
   */
  readonly servicePort?: number;
  /** Literal environment variables of the application container. @default - none */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables from Secrets, ConfigMaps, pod fields or literals, e.g.
   * `{ DB_PASSWORD: EnvValue.fromSecretValue({ secret: Secret.fromSecretName(this, 'Db', 'db'), key: 'password' }) }`.
   * A name may not also appear in `env`.
   * @default - none
   */
  readonly envVariables?: { [name: string]: EnvValue };
  /**
   * Every key of a Secret or ConfigMap as environment variables: `Env.fromSecret(secret)`, `Env.fromConfigMap(configMap, 'PREFIX_')`.
   * @default - none
   */
  readonly envFrom?: EnvFrom[];
  /**
   * Volumes mounted into the application container, e.g.
   * `{ path: '/etc/app', volume: Volume.fromConfigMap(this, 'Config', configMap), readOnly: true }`.
   * The pod gets every volume its containers mount; /tmp is always a writable emptyDir named `tmp`.
   * @default - /tmp only
   */
  readonly volumeMounts?: VolumeMount[];
  /**
   * Containers that run to completion, in order, before the application starts (migrations, config
   * rendering). Hardened like the application container (read-only root filesystem: mount an emptyDir
   * where it writes); resources default to the application container's defaults. Each needs a `name`.
   * @default - none
   */
  readonly initContainers?: ContainerProps[];
  /**
   * Containers that run next to the application (a proxy, a log shipper). Hardened like the application
   * container (read-only root filesystem: mount an emptyDir where it writes); resources default to the
   * application container's defaults; no probe unless given. Each needs a `name`. Where this
   * library's defaults differ from cdk8s-plus' documented ones, ours apply: resources (above), pull
   * policy (`imagePullPolicy` below, not Always), user and group (the pod's, not 25000/26000), and a
   * startup probe only when given.
   * @default - none
   */
  readonly sidecars?: ContainerProps[];
  /**
   * Pull policy of the application container (and of init containers and sidecars that set none).
   * @default - Kubernetes' default: IfNotPresent for a tagged or digest image
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Secrets of type kubernetes.io/dockerconfigjson for a private registry. @default - none */
  readonly imagePullSecrets?: ISecret[];
  /** Annotations on every pod, e.g. a mesh's `linkerd.io/inject: enabled`. @default - none */
  readonly podAnnotations?: { [key: string]: string };
  /** Nodes the pods may run on, by label. @default - any node */
  readonly nodeSelector?: { [key: string]: string };
  /** Taints the pods tolerate, e.g. `NodeTaintQuery.is('dedicated', 'payments')`. @default - none */
  readonly tolerations?: NodeTaintQuery[];
  /** Node and pod affinity and anti-affinity. @default - none */
  readonly affinity?: k8s.Affinity;
  /**
   * How the pods spread across topology domains; replaces the default.
   * @default - one constraint: spread across nodes (kubernetes.io/hostname), maxSkew 1, ScheduleAnyway, per pod-template hash
   */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** @default - the cluster's default priority */
  readonly priorityClassName?: string;
  /**
   * Relaxations of the application container's hardening, one field at a time, e.g.
   * `{ readOnlyRootFilesystem: false }` for an image that writes outside /tmp. Unset fields keep the
   * hardened value: non-root, read-only root filesystem, no privilege escalation, not privileged,
   * capabilities drop ALL; `user` and `group` unset run as the pod's runAsUser and runAsGroup.
   * Capabilities are written without cdk8s-plus' CAP_ prefix, as the Pod Security admission expects.
   * Synth fails when a relaxation breaks `podSecurityStandard`; `checkPodSecurity` reports what it costs.
   * @default - fully hardened
   */
  readonly securityContext?: ContainerSecurityContextProps;
  /**
   * The Pod Security Standard the namespace enforces: synth fails when the pod breaks it, naming the field.
   * @default PodSecurityStandard.RESTRICTED
   */
  readonly podSecurityStandard?: PodSecurityStandard;
  /**
   * Requests and limits of the container.
   * @default - requests cpu 100m, memory 128Mi; limits cpu 1, memory 256Mi
   */
  readonly resources?: ContainerResources;
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
   * Numeric group the containers run as.
   * @default - runAsUser
   */
  readonly runAsGroup?: number;
  /**
   * Group that owns the pod's volumes (and may write to them).
   * @default - runAsUser
   */
  readonly fsGroup?: number;
  /**
   * The pod's seccomp profile.
   * @default PodSeccompProfile.runtimeDefault()
   */
  readonly seccompProfile?: PodSeccompProfile;
  /**
   * Pods that voluntary disruptions (node drains) may take down at once: the PodDisruptionBudget's maxUnavailable
   * (not a rolling-update setting).
   * @default 1
   */
  readonly pdbMaxUnavailable?: number;
  /**
   * @deprecated use `pdbMaxUnavailable`: this is the PodDisruptionBudget's, not the canary strategy's.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /** Extra labels on every pod (the selector labels are always set). @default - none */
  readonly podLabels?: { [key: string]: string };
}

/** What every workload construct of this library runs: its name, image, replicas, command and probes, and its pod. */
export interface AppWorkloadProps extends WorkloadPodProps {
  /**
   * metadata.name of the workload; Services and other objects derive their names from it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Container image, pinned by a tag (not `latest`) or a digest. Required unless a rollout takes its pod from a
   * Deployment (`workload`).
   * @default - none: required
   */
  readonly image?: string;
  /**
   * Container port that serves `/metrics`, named `metrics` when it differs from `port`.
   * @default - the traffic port
   */
  readonly metricsPort?: number;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /** @default - the image's cmd */
  readonly args?: string[];
  /** `HealthProbe.none()` for no liveness probe. @default - HTTP GET /health/live every 10s, 3 failures */
  readonly liveness?: HealthProbe;
  /**
   * `HealthProbe.none()` for no readiness probe: then a pod counts as ready as soon as it has started, and a
   * canary's traffic and analysis reach pods that may not serve yet (see `HealthProbe.none()`).
   * @default - HTTP GET /health/ready every 5s, 3 failures: traffic only reaches ready pods
   */
  readonly readiness?: HealthProbe;
  /** `HealthProbe.none()` for no startup probe. @default - HTTP GET /health/live every 2s, up to 30 failures (60s to start) */
  readonly startup?: HealthProbe;
  /** @default 3 */
  readonly replicas?: number;
}
