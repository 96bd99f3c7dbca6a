import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { validateDnsSubdomain } from '../util/internal-validation';
import { DEFAULT_ALLOWED_METRICS, METRIC_NAME_PATTERN, metricNameError, VERDICT_PATH } from './contract';
import { SyncWave } from '../gitops/sync-wave';
import { AnalysisGateNetworkOptions, LockedDownNetwork } from '../network/locked-down-network';
import { INetworkWorkload } from '../network/selectable';
import { addPdb, addService, objectLabels } from '../workload/internal-objects';
import { podTemplateJson, resolveWorkload } from '../workload/resolved-workload';
import { HealthProbe, WorkloadPodProps, AppWorkloadProps } from '../workload/workload';

/** A key of a Kubernetes Secret. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** Options of `GateAuth.tenantTokens`. */
export interface TenantTokensOptions {
  /**
   * The Secret, in the gate's namespace, holding one key per tenant namespace, its value that
   * namespace's token. Mounted as a directory and read again every few seconds: adding a namespace or
   * rotating a token needs no restart.
   * @default 'slo-gate-tenant-tokens'
   */
  readonly tenantTokensSecret?: string;
  /**
   * The Secret key each rollout namespace holds with its own token (the same value as its key in
   * tenantTokensSecret). An AnalysisRun reads it in its own namespace, the rollout's.
   * @default - Secret 'slo-gate-token', key 'token'
   */
  readonly tokenSecret?: SecretKeyRef;
}

/**
 * Who may ask an slo-gate for a verdict. Argo's controller calls whatever URL and body a template
 * says, so the gate cannot trust `workload.namespace`: with tenant tokens, it judges only the namespace
 * whose token the call carries. See docs/gate-security.md.
 */
export class GateAuth {
  /**
   * One token per namespace (the default): the gate reads every tenant's token from a Secret in its
   * own namespace; an analysis sends its namespace's token, which the AnalysisRun reads from a Secret in
   * the rollout's namespace. A template author in one namespace can obtain that namespace's token
   * only, and the gate answers 403 for any other namespace.
   */
  public static tenantTokens(options: TenantTokensOptions = {}): GateAuth {
    const tenantTokensSecret = options.tenantTokensSecret ?? 'slo-gate-tenant-tokens';
    const tokenSecret = options.tokenSecret ?? { name: 'slo-gate-token', key: 'token' };
    validateDnsSubdomain('tenantTokensSecret', tenantTokensSecret);
    validateDnsSubdomain('tokenSecret name', tokenSecret.name);
    if (!/^[-._a-zA-Z0-9]{1,253}$/.test(tokenSecret.key)) {
      throw new Error(`tokenSecret key must be a Secret key (letters, digits, '-', '_' and '.'), got '${tokenSecret.key}'`);
    }
    return new GateAuth(tenantTokensSecret, tokenSecret);
  }

  /**
   * No token: any caller that reaches the gate may ask for any namespace's verdicts (and, through
   * them, read request counts and latencies). Only for a cluster where one team writes every
   * AnalysisTemplate.
   */
  public static unauthenticated(): GateAuth {
    return new GateAuth();
  }

  /** The Secret of every tenant's token, in the gate's namespace; undefined when unauthenticated. */
  public readonly tenantTokensSecret?: string;
  /** The Secret key holding a namespace's own token, in each rollout namespace; undefined when unauthenticated. */
  public readonly tokenSecret?: SecretKeyRef;

  private constructor(tenantTokensSecret?: string, tokenSecret?: SecretKeyRef) {
    this.tenantTokensSecret = tenantTokensSecret;
    this.tokenSecret = tokenSecret;
  }
}

/** What an analysis needs to call an slo-gate. */
export interface ISloGate {
  /** URL of the verdict endpoint, e.g. `http://slo-gate.amas-prod.svc.cluster.local/v1/verdict`. */
  readonly verdictUrl: string;
  /** The gate's own bound on a verdict: the analysis waits a little longer before it calls the measurement an Error. */
  readonly verdictTimeout: Duration;
  /**
   * The Secret key holding a namespace's own bearer token, when the gate requires one. An AnalysisRun
   * reads it in its own namespace (the rollout's), so each rollout namespace holds its own.
   */
  readonly authTokenSecret?: SecretKeyRef;
  /** The metric names an app SLI source may use with this gate. */
  readonly allowedMetrics: string[];
}

/** Props of the slo-gate deployment. */
export interface SloGateProps extends WorkloadPodProps {
  /** @default 'slo-gate' */
  readonly name?: string;
  /** The slo-gate image, pinned by a tag or a digest. */
  readonly image: string;
  /**
   * URL of the Prometheus HTTP API the gate queries, without credentials (see prometheusBasicAuthSecret).
   * @default 'http://prometheus-operated.monitoring.svc:9090'
   */
  readonly prometheusUrl?: string;
  /**
   * A Secret of type kubernetes.io/basic-auth (keys `username` and `password`) in the gate's namespace,
   * for a Prometheus behind basic auth: mounted as files, read again when it changes.
   * @default - no credentials
   */
  readonly prometheusBasicAuthSecret?: string;
  /**
   * Who may ask for verdicts.
   * @default GateAuth.tenantTokens()
   */
  readonly auth?: GateAuth;
  /**
   * The metric names an app SLI source may name (`requestsMetric`, and `durationMetric` without its
   * `_bucket` suffix); others are answered 403. The ingress-nginx source's metrics are always served.
   * @default ['http_requests_total', 'http_request_duration_seconds']
   */
  readonly allowedMetrics?: string[];
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

/** Where the gate's pod mounts its Secrets. */
const TENANT_TOKENS_DIR = '/var/run/slo-gate/tenant-tokens';
const PROMETHEUS_AUTH_DIR = '/var/run/slo-gate/prometheus';

/**
 * The slo-gate: a Deployment of the verdict service Argo Rollouts' web metric provider calls, its
 * Service, PodDisruptionBudget and locked-down network, hardened like the rollout pods and synced
 * by Argo CD before the rollouts that use it.
 */
export class SloGate extends Construct implements ISloGate, INetworkWorkload {
  public readonly verdictUrl: string;
  public readonly verdictTimeout: Duration;
  public readonly authTokenSecret?: SecretKeyRef;
  public readonly auth: GateAuth;
  public readonly allowedMetrics: string[];
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
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(prometheusUrl)) {
      throw new Error(`prometheusUrl must not carry credentials, got '${prometheusUrl.replace(/\/\/[^/?#]*@/, '//***@')}': `
        + 'put them in a kubernetes.io/basic-auth Secret and name it in prometheusBasicAuthSecret');
    }
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(prometheusUrl)) {
      throw new Error(`prometheusUrl must be an http or https URL of the Prometheus API, got '${prometheusUrl}'`);
    }
    const timeout = props.verdictTimeout?.toSeconds() ?? 5;
    if (!(timeout >= 3 && timeout <= 9)) {
      throw new Error(`verdictTimeout must be between 3s (the gate's query timeout) and 9s (Argo's web provider waits 10s by default), got ${timeout}s`);
    }
    if (props.prometheusBasicAuthSecret !== undefined) validateDnsSubdomain('prometheusBasicAuthSecret', props.prometheusBasicAuthSecret);
    const allowedMetrics = props.allowedMetrics ?? [...DEFAULT_ALLOWED_METRICS];
    if (allowedMetrics.length === 0) {
      throw new Error(`allowedMetrics must name at least one metric, got []: e.g. ${JSON.stringify(DEFAULT_ALLOWED_METRICS)}`);
    }
    for (const m of allowedMetrics) {
      if (!new RegExp(METRIC_NAME_PATTERN).test(m)) throw new Error(`allowedMetrics must hold metric names matching ${METRIC_NAME_PATTERN}, got '${m}'`);
      const keyword = metricNameError('allowedMetrics', m);
      if (keyword) throw new Error(keyword);
    }
    const auth = props.auth ?? GateAuth.tenantTokens();
    const basicAuth = props.prometheusBasicAuthSecret;
    const workloadProps: AppWorkloadProps = {
      ...props,
      name: props.name ?? 'slo-gate',
      replicas: props.replicas ?? 2,
      metricsPort: props.metricsPort ?? 9464,
      args: ['--prometheus-url', prometheusUrl, '--port', String(props.port ?? 8080), '--metrics-port', String(props.metricsPort ?? 9464),
        '--verdict-timeout', `${timeout}s`, ...(props.allowedMetrics ? ['--allowed-metrics', allowedMetrics.join(',')] : [])],
      // Secrets are mounted as files and named by path: no value in the Deployment, the args or the environment.
      env: {
        ...props.env,
        ...(auth.tenantTokensSecret ? { SLO_GATE_TENANT_TOKENS_DIR: TENANT_TOKENS_DIR } : { SLO_GATE_ALLOW_UNAUTHENTICATED: 'true' }),
        ...(basicAuth ? {
          SLO_GATE_PROMETHEUS_USERNAME_FILE: `${PROMETHEUS_AUTH_DIR}/username`, SLO_GATE_PROMETHEUS_PASSWORD_FILE: `${PROMETHEUS_AUTH_DIR}/password`,
        } : {}),
      },
      liveness: HealthProbe.httpGet('/healthz'),
      readiness: HealthProbe.httpGet('/readyz', { period: Duration.seconds(5) }),
      startup: HealthProbe.httpGet('/healthz', { period: Duration.seconds(1), failureThreshold: 30 }),
    };
    const w = resolveWorkload(id, workloadProps);
    this.namespace = w.namespace;
    this.podSelectorLabels = w.selectorLabels;
    this.trafficPort = w.port;
    this.metricsPort = w.metricsPort;
    this.serviceName = w.name;
    this.verdictTimeout = Duration.seconds(timeout);
    this.auth = auth;
    this.authTokenSecret = auth.tokenSecret;
    this.allowedMetrics = allowedMetrics;
    const host = w.namespace ? `${w.name}.${w.namespace}.svc.cluster.local` : w.name;
    this.verdictUrl = `http://${host}${w.servicePort === 80 ? '' : `:${w.servicePort}`}${VERDICT_PATH}`;

    const template = podTemplateJson(workloadProps, w);
    const mount = (name: string, secret: Record<string, unknown>, mountPath: string) => {
      const taken = template.spec.volumes.some((v: any) => v.name === name)
        || template.spec.containers[0].volumeMounts.some((m: any) => m.mountPath === mountPath);
      if (taken) {
        throw new Error(`the gate mounts its Secret as volume '${name}' at ${mountPath}, which volumeMounts already use: `
          + 'give your volume another name and mount it elsewhere');
      }
      template.spec.volumes.push({ name, secret: { ...secret, defaultMode: 0o440 } });
      template.spec.containers[0].volumeMounts.push({ name, mountPath, readOnly: true });
    };
    // Whole-directory mounts (no subPath), so that the kubelet's updates of a rotated Secret reach the pod.
    if (auth.tenantTokensSecret) mount('tenant-tokens', { secretName: auth.tenantTokensSecret }, TENANT_TOKENS_DIR);
    if (basicAuth) {
      mount('prometheus-basic-auth', { secretName: basicAuth, items: [{ key: 'username', path: 'username' }, { key: 'password', path: 'password' }] },
        PROMETHEUS_AUTH_DIR);
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
    addService(this, 'Service', {
      name: w.name, namespace: w.namespace, labels: objectLabels(w), selectorLabels: w.selectorLabels, servicePort: w.servicePort,
    });
    addPdb(this, w, workloadProps);
    if (props.lockDown ?? true) this.network = LockedDownNetwork.forAnalysisGate(this, 'Network', this, props.network);
    for (const child of this.node.findAll()) {
      if (child instanceof ApiObject) SyncWave.set(child, SyncWave.ANALYSIS);
    }
  }
}
