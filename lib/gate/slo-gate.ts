import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { VERDICT_PATH } from './contract';
import { SyncWave, setSyncWave } from '../gitops/sync-wave';
import { AnalysisGateNetworkOptions, LockedDownNetwork } from '../network/locked-down-network';
import { INetworkWorkload } from '../network/selectable';
import { addPdb, addServices, objectLabels } from '../rollout/internal-rollout';
import { validateDnsLabel } from '../rollout/internal-validation';
import { Probe, podTemplateJson, resolveWorkload, WorkloadProps } from '../rollout/workload';

/** A key of a Kubernetes Secret. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** What an analysis needs to call an slo-gate. */
export interface ISloGate {
  /** URL of the verdict endpoint, e.g. `http://slo-gate.amas-prod.svc.cluster.local/v1/verdict`. */
  readonly verdictUrl: string;
  /** The gate's own bound on a verdict: the analysis waits a little longer before it calls the measurement an Error. */
  readonly verdictTimeout: Duration;
  /**
   * The Secret key holding the bearer token the gate requires, when auth is on. An AnalysisRun reads it
   * in the rollout's namespace, so the Secret must exist there too.
   */
  readonly authTokenSecret?: SecretKeyRef;
}

/** Props of the slo-gate deployment. */
export interface SloGateProps extends Omit<WorkloadProps, 'liveness' | 'readiness' | 'startup' | 'command' | 'args'> {
  /** @default 'slo-gate' */
  readonly name?: string;
  /** URL of the Prometheus HTTP API the gate queries. @default 'http://prometheus-operated.monitoring.svc:9090' */
  readonly prometheusUrl?: string;
  /**
   * Require `Authorization: Bearer <token>` on verdict requests, the token read from this Secret key
   * (mounted as a file). The NetworkPolicy already admits only the Argo Rollouts controller.
   * @default - no auth
   */
  readonly authTokenSecret?: SecretKeyRef;
  /**
   * The gate's bound on one verdict (its Prometheus queries included), 3s to 9s; analyses wait 3s longer.
   * @default 5s
   */
  readonly verdictTimeout?: Duration;
  /** @default 2 */
  readonly replicas?: number;
  /**
   * Port serving only /metrics: Prometheus may scrape it without reaching the verdict endpoint.
   * @default 9464
   */
  readonly metricsPort?: number;
  /**
   * Lock the gate's pods down: only the Argo Rollouts controller may call it, it may reach only Prometheus and DNS.
   * @default true
   */
  readonly lockDown?: boolean;
  /** Where the Argo Rollouts controller and Prometheus run, for the NetworkPolicy. @default - see AnalysisGateNetworkOptions */
  readonly network?: AnalysisGateNetworkOptions;
}

/**
 * The slo-gate: a Deployment of the verdict service Argo Rollouts' web metric provider calls, its
 * Service, PodDisruptionBudget and locked-down network, hardened like the rollout pods and synced
 * by Argo CD before the rollouts that use it.
 */
export class SloGate extends Construct implements ISloGate, INetworkWorkload {
  public readonly verdictUrl: string;
  public readonly verdictTimeout: Duration;
  public readonly authTokenSecret?: SecretKeyRef;
  public readonly namespace?: string;
  public readonly podSelectorLabels: { [key: string]: string };
  public readonly trafficPort: number;
  public readonly metricsPort: number;
  public readonly serviceName: string;
  /** The Deployment. */
  public readonly resource: ApiObject;
  /** The gate's NetworkPolicies, unless lockDown is off. */
  public readonly network?: LockedDownNetwork;

  constructor(scope: Construct, id: string, props: SloGateProps) {
    super(scope, id);
    const prometheusUrl = props.prometheusUrl ?? 'http://prometheus-operated.monitoring.svc:9090';
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(prometheusUrl)) {
      throw new Error(`prometheusUrl must be an http or https URL of the Prometheus API, got '${prometheusUrl}'`);
    }
    const timeout = props.verdictTimeout?.toSeconds() ?? 5;
    if (!(timeout >= 3 && timeout <= 9)) {
      throw new Error(`verdictTimeout must be between 3s (the gate's query timeout) and 9s (Argo's web provider waits 10s by default), got ${timeout}s`);
    }
    if (props.authTokenSecret) validateDnsLabel('authTokenSecret name', props.authTokenSecret.name);
    const tokenFile = '/var/run/slo-gate/token';
    const workloadProps: WorkloadProps = {
      ...props,
      name: props.name ?? 'slo-gate',
      replicas: props.replicas ?? 2,
      metricsPort: props.metricsPort ?? 9464,
      args: ['--prometheus-url', prometheusUrl, '--port', String(props.port ?? 8080), '--metrics-port', String(props.metricsPort ?? 9464),
        '--verdict-timeout', `${timeout}s`],
      env: { ...props.env, ...(props.authTokenSecret ? { SLO_GATE_AUTH_TOKEN_FILE: tokenFile } : {}) },
      liveness: Probe.httpGet('/healthz'),
      readiness: Probe.httpGet('/readyz', { period: Duration.seconds(5) }),
      startup: Probe.httpGet('/healthz', { period: Duration.seconds(1), failureThreshold: 30 }),
    };
    const w = resolveWorkload(id, workloadProps);
    this.namespace = w.namespace;
    this.podSelectorLabels = w.selectorLabels;
    this.trafficPort = w.port;
    this.metricsPort = w.metricsPort;
    this.serviceName = w.name;
    this.verdictTimeout = Duration.seconds(timeout);
    this.authTokenSecret = props.authTokenSecret;
    const host = w.namespace ? `${w.name}.${w.namespace}.svc.cluster.local` : w.name;
    this.verdictUrl = `http://${host}${w.servicePort === 80 ? '' : `:${w.servicePort}`}${VERDICT_PATH}`;

    const template = podTemplateJson(workloadProps, w);
    if (props.authTokenSecret) {
      const { name, key } = props.authTokenSecret;
      template.spec.volumes.push({ name: 'auth-token', secret: { secretName: name, items: [{ key, path: 'token' }], defaultMode: 0o440 } });
      template.spec.containers[0].volumeMounts.push({ name: 'auth-token', mountPath: '/var/run/slo-gate', readOnly: true });
    }
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: w.name, namespace: w.namespace, labels: objectLabels(w) },
      spec: Lazy.any({
        produce: () => ({
          replicas: w.replicas,
          selector: { matchLabels: w.selectorLabels },
          minReadySeconds: w.minReadySeconds || undefined,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template,
        }),
      }),
    });
    addServices(this, w, [['Service', w.name]]);
    addPdb(this, w, workloadProps);
    if (props.lockDown ?? true) this.network = LockedDownNetwork.forAnalysisGate(this, 'Network', this, props.network);
    for (const child of this.node.findAll()) {
      if (child instanceof ApiObject) setSyncWave(child, SyncWave.ANALYSIS);
    }
  }
}
