import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryPodMonitor } from './pod-monitor';
import { RolloutArgValueFrom } from './template-ref';
import * as gateContract from '../gate/contract';
import { argRef, injectMatchers, LabelMatcher, labelName, labelValue, metricName, promDuration, renderMatchers } from './promql';

/** Which pods' traffic a query measures. */
export type Track = 'canary' | 'stable';


/** PromQL for event counts over a window, each a one-sample vector. */
export interface EventCounts {
  /** Good events (`or vector(0)`: 0 when there is no good series). */
  readonly good: string;
  /** All events; empty when there is no series. */
  readonly total: string;
}

/** A template arg that the SLI queries need, and what the rollout passes for it. */
export interface SliArg {
  readonly name: string;
  /** What the rollout passes, as a Rollout analysis arg `valueFrom`. */
  readonly valueFrom: RolloutArgValueFrom;
}

/** The canary's pod-template hash (the ReplicaSet the rollout is bringing up). */
export const CANARY_HASH_ARG: SliArg = { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } };
/** The stable pod-template hash. */
export const STABLE_HASH_ARG: SliArg = { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } };
/** The namespace of the rollout. */
export const NAMESPACE_ARG: SliArg = { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } };

/**
 * Where the service level indicators come from. Each source builds queries scoped to the canary
 * (or, for comparisons, to stable) and declares the template args those queries need.
 */
export abstract class SliSource {
  /**
   * Application metrics scraped from the rollout's pods (prom-client defaults:
   * `http_requests_total{status}` and `http_request_duration_seconds`), selected by the
   * `rollouts_pod_template_hash` target label that the emitted PodMonitor puts on every series.
   */
  public static app(props: AppSliProps = {}): SliSource {
    return new AppSliSource(props);
  }

  /**
   * ingress-nginx controller metrics: no change to the application. ingress-nginx labels a
   * request that its canary logic routed to the alternative backend with
   * `canary="<namespace>-<canaryService>-<port>"` (the upstream name of the canary Service; the
   * `ingress` label stays the stable Ingress), and requests to the stable backend with `canary=""`.
   */
  public static ingressNginx(props: IngressNginxSliProps): SliSource {
    return new IngressNginxSliSource(props);
  }

  /**
   * ingress-nginx controller metrics of a rollout routed by `TrafficRouting.nginx`: the stable
   * Ingress, the canary Service and the Service port come from the rollout.
   */
  public static ingressNginxForRollout(rollout: IIngressNginxRouted, options: IngressNginxSliOptions = {}): SliSource {
    if (rollout.stableIngressName === undefined) {
      throw new Error(`sliSource.ingressNginxForRollout needs a rollout routed by TrafficRouting.nginx, but rollout '${rollout.rolloutName}' `
        + 'has no stable Ingress: set trafficRouting to TrafficRouting.nginx(...), or use SliSource.app');
    }
    return new IngressNginxSliSource({
      ...options, stableIngress: rollout.stableIngressName, canaryService: rollout.canaryServiceName, servicePort: rollout.servicePort,
    });
  }

  /**
   * Istio's standard metrics, no change to the application: `istio_requests_total` and
   * `istio_request_duration_milliseconds` as reported by the sidecar of the pod that served the request
   * (`reporter="destination"`), scraped from each pod's own sidecar (Envoy's `/stats/prometheus` on its port
   * `http-envoy-prom`, 15090) by an emitted PodMonitor that puts the pod label `rollouts-pod-template-hash` on
   * every series, as for `SliSource.app`. The canary is told apart by the ReplicaSet whose pod served the request,
   * not by Istio's own labels: `destination_workload` is the Rollout's name for both ReplicaSets, and
   * `destination_canonical_revision` is read once, when the sidecar is injected.
   */
  public static istio(props: IstioSliProps = {}): SliSource {
    return new IstioSliSource(props);
  }

  /**
   * Your own PromQL for good and total events (and latency buckets). Every vector selector in
   * them gets the canary's matchers injected, and `$window` is replaced by the objective's window.
   */
  public static custom(props: CustomSliProps): SliSource {
    return new CustomSliSource(props);
  }

  /** A short name of the source, for messages. */
  public abstract readonly kind: string;
  /** True when the source has latency histograms. */
  public abstract readonly hasLatency: boolean;

  /** The args the queries of a track need. */
  public abstract args(track: Track): SliArg[];

  /**
   * The share of good events among all events in `window`, as a one-sample vector: empty when the
   * track has no series, NaN when it had no events in the window.
   */
  public abstract successRatio(track: Track, window: Duration): string;

  /** The `quantile` of request duration (seconds) in `window`, as a one-sample vector. */
  public abstract latencyQuantile(track: Track, quantile: number, window: Duration): string;

  /**
   * The number of good and of all events of a track in `window`, each a one-sample vector: `total` is
   * empty when the track has no series, `good` is 0 then.
   */
  public abstract eventCounts(track: Track, window: Duration): EventCounts;

  /**
   * The number of good and of all events of the service in `period`, except those of the canary being
   * judged (stable and earlier versions): the error budget spent before this release.
   */
  public abstract serviceEventCounts(period: Duration): EventCounts;

  /** Adds what the source needs next to the template (e.g. a PodMonitor). */
  public bind(_scope: Construct): void {}

  /**
   * @internal The source as the slo-gate's request describes it, with its args; throws when the gate
   * cannot query it (the gate builds its own queries from a fixed set of conventions).
   */
  public _gate(): { source: gateContract.SliSource; args: SliArg[] } {
    throw new Error(`the ${this.kind} sli source cannot be judged by the slo-gate, which builds its own queries: `
      + 'use SliSource.app or SliSource.ingressNginx, or the Prometheus provider');
  }
}

/** What the sources that read series from the rollout's own pods share: the labels they select by, and the PodMonitor. */
export interface PodSeriesSliProps {
  /**
   * The series label holding the pod-template hash.
   * @default 'rollouts_pod_template_hash'
   */
  readonly hashLabel?: string;
  /**
   * The series label holding the pod's namespace.
   * @default 'namespace'
   */
  readonly namespaceLabel?: string;
  /**
   * Extra equality matchers added to every query, e.g. `{ route: '/api' }`.
   * @default - none
   */
  readonly matchers?: Record<string, string>;
  /**
   * Emit a PodMonitor that scrapes the rollout's pods (the app's metrics port, or the sidecar's for Istio) and
   * relabels the pod label `rollouts-pod-template-hash` (plus namespace and pod) onto the series.
   * @default true
   */
  readonly podMonitor?: boolean;
  /**
   * Labels selecting the rollout's pods, for the PodMonitor (the rollout's selector, e.g.
   * `{ 'app.kubernetes.io/name': 'orders' }`). Required when `podMonitor` is on.
   * @default - none
   */
  readonly matchLabels?: Record<string, string>;
  /**
   * Scrape interval of the PodMonitor: a rate needs two samples, so it bounds how soon a canary's
   * traffic shows.
   * @default 15s
   */
  readonly scrapeInterval?: Duration;
  /**
   * Labels on the PodMonitor, so that your Prometheus' podMonitorSelector picks it up.
   * @default - none
   */
  readonly podMonitorLabels?: Record<string, string>;
}

/** Props of `SliSource.app()`. */
export interface AppSliProps extends PodSeriesSliProps {
  /**
   * Counter of handled requests, with a status-code label.
   * @default 'http_requests_total'
   */
  readonly requestsMetric?: string;
  /**
   * Histogram of request durations in seconds (its `_bucket` series are queried).
   * @default 'http_request_duration_seconds'
   */
  readonly durationMetric?: string;
  /**
   * The label holding the HTTP status code.
   * @default 'status'
   */
  readonly statusLabel?: string;
  /**
   * Status codes that count as errors (a PromQL regex).
   * @default '5..'
   */
  readonly errorStatusRegex?: string;
  /**
   * Name of the container port serving /metrics.
   * @default 'http'
   */
  readonly metricsPort?: string;
  /**
   * Path of the metrics endpoint.
   * @default '/metrics'
   */
  readonly metricsPath?: string;
}

/** How a source that reads series from the rollout's own pods names its metrics and scrapes them. */
interface PodSeriesQueries {
  /** The source's name in messages, e.g. `sliSource.app`. */
  readonly where: string;
  /** Counter of handled requests. */
  readonly requests: string;
  /** The histogram of request durations, without `_bucket`. */
  readonly duration: string;
  /** The divisor that turns the histogram's unit into seconds. */
  readonly durationPerSecond: number;
  /** The label of the status code, and the regex of the codes that count as errors. */
  readonly statusLabel: string;
  readonly errorRegex: string;
  /** Matchers every query has, e.g. Istio's `reporter="destination"`. */
  readonly fixed: LabelMatcher[];
  /** For the service's other versions, leave out the series scraped without a hash (another scrape of the same pods). */
  readonly otherVersionsHashedOnly: boolean;
  /** The container port (by name) and path the PodMonitor scrapes. */
  readonly port: string;
  readonly path: string;
}

/** A source that reads series from the rollout's own pods, which a PodMonitor labels with their pod-template hash. */
abstract class PodSeriesSliSource extends SliSource {
  public readonly hasLatency = true;
  protected readonly hashLabel: string;
  protected readonly namespaceLabel: string;
  protected readonly extra: LabelMatcher[];

  constructor(protected readonly props: PodSeriesSliProps, private readonly q: PodSeriesQueries) {
    super();
    this.hashLabel = labelName(`${q.where} hashLabel`, props.hashLabel ?? 'rollouts_pod_template_hash');
    this.namespaceLabel = labelName(`${q.where} namespaceLabel`, props.namespaceLabel ?? 'namespace');
    this.extra = staticMatchers(`${q.where} matchers`, props.matchers);
    if ((props.podMonitor ?? true) && Object.keys(props.matchLabels ?? {}).length === 0) {
      throw new Error(`${q.where} matchLabels must select the rollout's pods for the PodMonitor, got none: `
        + 'pass the rollout\'s selector labels, or set podMonitor: false if you scrape the pods yourself');
    }
  }

  public args(track: Track): SliArg[] {
    return [NAMESPACE_ARG, track === 'canary' ? CANARY_HASH_ARG : STABLE_HASH_ARG];
  }

  /** Matchers of a track, or of the service's other versions (every pod of the namespace but the canary's) without one. */
  private selector(track: Track | undefined, more: LabelMatcher[] = []): string {
    const hash = track === 'canary' ? CANARY_HASH_ARG : STABLE_HASH_ARG;
    const byHash: LabelMatcher[] = track
      ? [{ name: this.hashLabel, op: '=', value: argRef(hash.name) }]
      : [{ name: this.hashLabel, op: '!=', value: argRef(CANARY_HASH_ARG.name) },
        ...(this.q.otherVersionsHashedOnly ? [{ name: this.hashLabel, op: '!=', value: '' } as LabelMatcher] : [])];
    return renderMatchers([
      { name: this.namespaceLabel, op: '=', value: argRef(NAMESPACE_ARG.name) },
      ...byHash,
      ...this.q.fixed,
      ...this.extra,
      ...more,
    ]);
  }

  private good(track: Track | undefined): string {
    return this.selector(track, [{ name: this.q.statusLabel, op: '!~', value: this.q.errorRegex }]);
  }

  public eventCounts(track: Track, window: Duration): EventCounts {
    return this.counts(track, promDuration('window', window));
  }

  public serviceEventCounts(period: Duration): EventCounts {
    return this.counts(undefined, promDuration('period', period));
  }

  private counts(track: Track | undefined, range: string): EventCounts {
    const r = this.q.requests;
    return {
      good: `(sum(increase(${r}{${this.good(track)}}[${range}])) or vector(0))`,
      total: `sum(increase(${r}{${this.selector(track)}}[${range}]))`,
    };
  }

  public successRatio(track: Track, window: Duration): string {
    const w = promDuration('window', window);
    const r = this.q.requests;
    return `(sum(rate(${r}{${this.good(track)}}[${w}])) or vector(0)) / sum(rate(${r}{${this.selector(track)}}[${w}]))`;
  }

  public latencyQuantile(track: Track, quantile: number, window: Duration): string {
    const w = promDuration('window', window);
    const q = `histogram_quantile(${quantile}, sum by (le) (rate(${this.q.duration}_bucket{${this.selector(track)}}[${w}])))`;
    return this.q.durationPerSecond === 1 ? q : `(${q} / ${this.q.durationPerSecond})`;
  }

  public bind(scope: Construct): void {
    if (!(this.props.podMonitor ?? true)) return;
    new CanaryPodMonitor(scope, 'PodMonitor', {
      matchLabels: this.props.matchLabels!,
      port: this.q.port,
      path: this.q.path,
      interval: this.props.scrapeInterval ?? Duration.seconds(15),
      labels: this.props.podMonitorLabels,
      hashLabel: this.hashLabel,
      namespaceLabel: this.namespaceLabel,
    });
  }
}

class AppSliSource extends PodSeriesSliSource {
  public readonly kind = 'app';

  constructor(private readonly app: AppSliProps) {
    super(app, {
      where: 'sliSource.app',
      requests: metricName('sliSource.app requestsMetric', app.requestsMetric ?? 'http_requests_total'),
      duration: metricName('sliSource.app durationMetric', app.durationMetric ?? 'http_request_duration_seconds'),
      durationPerSecond: 1,
      statusLabel: labelName('sliSource.app statusLabel', app.statusLabel ?? 'status'),
      errorRegex: labelValue('sliSource.app errorStatusRegex', app.errorStatusRegex ?? '5..'),
      fixed: [],
      otherVersionsHashedOnly: false,
      port: app.metricsPort === undefined ? 'http' : labelValue('sliSource.app metricsPort', app.metricsPort),
      path: app.metricsPath ?? '/metrics',
    });
  }

  public _gate(): { source: gateContract.SliSource; args: SliArg[] } {
    const p = this.app;
    const fixed: [string, unknown][] = [['statusLabel', p.statusLabel], ['errorStatusRegex', p.errorStatusRegex], ['hashLabel', p.hashLabel],
      ['namespaceLabel', p.namespaceLabel], ['matchers', p.matchers]];
    const custom = fixed.filter(([, v]) => v !== undefined).map(([k]) => k);
    if (custom.length > 0) {
      throw new Error(`sliSource.app ${custom.join(', ')} cannot be sent to the slo-gate, which queries the default labels `
        + `(status, 5.., rollouts_pod_template_hash, namespace): drop ${custom.join(', ')} or use the Prometheus provider`);
    }
    return {
      source: { app: {
        canaryPodTemplateHash: argRef(CANARY_HASH_ARG.name),
        stablePodTemplateHash: argRef(STABLE_HASH_ARG.name),
        requestsMetric: p.requestsMetric,
        durationMetric: p.durationMetric,
      } },
      args: [NAMESPACE_ARG, CANARY_HASH_ARG, STABLE_HASH_ARG],
    };
  }
}

/** What `SliSource.ingressNginxForRollout()` reads from a rollout; a CanaryRollout has it. */
export interface IIngressNginxRouted {
  /** metadata.name of the Rollout. */
  readonly rolloutName: string;
  /** The stable Ingress the rollout's nginx routing names; undefined without nginx routing. */
  readonly stableIngressName?: string;
  /** The rollout's canaryService. */
  readonly canaryServiceName: string;
  /** The port of the stable and canary Services, as the stable Ingress backend names it. */
  readonly servicePort: number;
}

/** Options of `SliSource.ingressNginxForRollout()`: how the controller's metrics are named. */
export interface IngressNginxSliOptions {
  /**
   * The series label holding the Ingress' namespace. Use 'exported_namespace' when your scrape
   * config renames the controller's own `namespace` label.
   * @default 'namespace'
   */
  readonly namespaceLabel?: string;
  /**
   * Prefix of the controller's metrics.
   * @default 'nginx_ingress_controller'
   */
  readonly metricPrefix?: string;
}

/** Props of `SliSource.ingressNginx()`. */
export interface IngressNginxSliProps extends IngressNginxSliOptions {
  /** The stable Ingress named in the rollout's `trafficRouting.nginx.stableIngress`. */
  readonly stableIngress: string;
  /** The rollout's canaryService. */
  readonly canaryService: string;
  /**
   * The Service port number of the stable Ingress backend, as the canary Ingress copies it.
   * @default - give servicePortName
   */
  readonly servicePort?: number;
  /**
   * Or the Service port name of that backend, when the Ingress names it.
   * @default - give servicePort
   */
  readonly servicePortName?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

class IngressNginxSliSource extends SliSource {
  public readonly kind = 'ingressNginx';
  public readonly hasLatency = true;
  private readonly prefix: string;
  private readonly namespaceLabel: string;
  private readonly port: number | string;

  constructor(private readonly props: IngressNginxSliProps) {
    super();
    if (!DNS_SUBDOMAIN.test(props.stableIngress) || props.stableIngress.length > 253) {
      throw new Error(`sliSource.ingressNginx stableIngress must be a Kubernetes object name (lowercase letters, digits, '-' and '.'), got ${JSON.stringify(props.stableIngress)}`);
    }
    if (!DNS_LABEL.test(props.canaryService) || props.canaryService.length > 63) {
      throw new Error(`sliSource.ingressNginx canaryService must be a Service name (lowercase letters, digits and '-'), got ${JSON.stringify(props.canaryService)}`);
    }
    if ((props.servicePort === undefined) === (props.servicePortName === undefined)) {
      throw new Error(`sliSource.ingressNginx needs one of servicePort (a number) and servicePortName (a name), got ${
        props.servicePort === undefined ? 'neither' : `both (${props.servicePort}, ${JSON.stringify(props.servicePortName)})`}: give the one the stable Ingress backend uses`);
    }
    const port = props.servicePort ?? props.servicePortName!;
    const portOk = typeof port === 'number' ? Number.isInteger(port) && port >= 1 && port <= 65535 : DNS_LABEL.test(port) && port.length <= 15;
    if (!portOk) {
      throw new Error(`sliSource.ingressNginx ${typeof port === 'number' ? 'servicePort must be a port number 1-65535' : 'servicePortName must be a port name (at most 15 lowercase letters, digits and \'-\')'}, got ${JSON.stringify(port)}`);
    }
    this.port = port;
    this.prefix = metricName('sliSource.ingressNginx metricPrefix', props.metricPrefix ?? 'nginx_ingress_controller');
    this.namespaceLabel = labelName('sliSource.ingressNginx namespaceLabel', props.namespaceLabel ?? 'namespace');
  }

  public args(_track: Track): SliArg[] {
    return [NAMESPACE_ARG];
  }

  public _gate(): { source: gateContract.SliSource; args: SliArg[] } {
    if (this.props.metricPrefix !== undefined) {
      throw new Error(`sliSource.ingressNginx metricPrefix '${this.props.metricPrefix}' cannot be sent to the slo-gate, which queries `
        + 'nginx_ingress_controller_*: drop metricPrefix or use the Prometheus provider');
    }
    if (this.namespaceLabel !== 'namespace' && this.namespaceLabel !== 'exported_namespace') {
      throw new Error(`sliSource.ingressNginx namespaceLabel '${this.namespaceLabel}' cannot be sent to the slo-gate: use namespace or exported_namespace`);
    }
    return {
      source: { ingressNginx: { stableIngress: this.props.stableIngress, canaryService: this.props.canaryService, namespaceLabel: this.namespaceLabel } },
      args: [NAMESPACE_ARG],
    };
  }

  /** Matchers of a track, or of the traffic the stable Ingress served from stable without one. */
  private selector(track: Track | undefined, more: LabelMatcher[] = []): string {
    const ns: LabelMatcher = { name: this.namespaceLabel, op: '=', value: argRef(NAMESPACE_ARG.name) };
    const ingress: LabelMatcher = { name: 'ingress', op: '=', value: this.props.stableIngress };
    const upstream = `${argRef(NAMESPACE_ARG.name)}-${this.props.canaryService}-${this.port}`;
    const matchers: LabelMatcher[] = track === 'canary'
      ? [ns, { name: 'canary', op: '=', value: upstream }]
      : [ns, ingress, { name: 'canary', op: '=', value: '' }];
    return renderMatchers([...matchers, ...more]);
  }

  public eventCounts(track: Track, window: Duration): EventCounts {
    return this.counts(track, promDuration('window', window));
  }

  public serviceEventCounts(period: Duration): EventCounts {
    return this.counts(undefined, promDuration('period', period));
  }

  private counts(track: Track | undefined, range: string): EventCounts {
    const m = `${this.prefix}_requests`;
    const good = this.selector(track, [{ name: 'status', op: '!~', value: '5..' }]);
    return {
      good: `(sum(increase(${m}{${good}}[${range}])) or vector(0))`,
      total: `sum(increase(${m}{${this.selector(track)}}[${range}]))`,
    };
  }

  public successRatio(track: Track, window: Duration): string {
    const w = promDuration('window', window);
    const m = `${this.prefix}_requests`;
    const good = this.selector(track, [{ name: 'status', op: '!~', value: '5..' }]);
    return `(sum(rate(${m}{${good}}[${w}])) or vector(0)) / sum(rate(${m}{${this.selector(track)}}[${w}]))`;
  }

  public latencyQuantile(track: Track, quantile: number, window: Duration): string {
    const w = promDuration('window', window);
    return `histogram_quantile(${quantile}, sum by (le) (rate(${this.prefix}_request_duration_seconds_bucket{${this.selector(track)}}[${w}])))`;
  }
}

/** Props of `SliSource.istio()`. */
export interface IstioSliProps extends PodSeriesSliProps {
  /**
   * Response codes that count as errors (a PromQL regex on Istio's `response_code` label).
   * @default '5..'
   */
  readonly errorCodeRegex?: string;
}

/**
 * Istio's request metrics, reported by the sidecar of the pod that served the request (`reporter="destination"`),
 * scraped from each pod's sidecar (Envoy's `/stats/prometheus` on the port the injector names `http-envoy-prom`).
 * For the service's other versions, a series without the hash (another scrape of the same sidecar) is never counted.
 */
class IstioSliSource extends PodSeriesSliSource {
  public readonly kind = 'istio';

  constructor(istio: IstioSliProps) {
    super(istio, {
      where: 'sliSource.istio',
      requests: 'istio_requests_total',
      duration: 'istio_request_duration_milliseconds',
      durationPerSecond: 1000,
      statusLabel: 'response_code',
      errorRegex: labelValue('sliSource.istio errorCodeRegex', istio.errorCodeRegex ?? '5..'),
      fixed: [{ name: 'reporter', op: '=', value: 'destination' }],
      otherVersionsHashedOnly: true,
      port: 'http-envoy-prom',
      path: '/stats/prometheus',
    });
    const reserved = this.extra.map((m) => m.name).filter((n) => ['reporter', 'response_code', this.hashLabel, this.namespaceLabel].includes(n));
    if (reserved.length > 0) {
      throw new Error(`sliSource.istio matchers must not set ${reserved.join(', ')}, which the queries set themselves: remove ${reserved.join(', ')}`);
    }
    if (istio.scrapeInterval !== undefined) promDuration('sliSource.istio scrapeInterval', istio.scrapeInterval);
  }
}

/** Props of `SliSource.custom()`. */
export interface CustomSliProps {
  /**
   * PromQL for the rate of all events, `$window` standing for the objective's window, e.g.
   * `rate(grpc_server_handled_total{grpc_service="orders"}[$window])`. The canary's matchers
   * are injected into every selector; the result is summed.
   */
  readonly totalEvents: string;
  /** PromQL for the rate of good events, as `totalEvents`. */
  readonly goodEvents: string;
  /**
   * PromQL for the rate of the latency histogram's buckets (with an `le` label), as `totalEvents`.
   * @default - no latency objective possible
   */
  readonly latencyBuckets?: string;
  /**
   * The series label holding the pod-template hash.
   * @default 'rollouts_pod_template_hash'
   */
  readonly hashLabel?: string;
  /**
   * The series label holding the pod's namespace.
   * @default 'namespace'
   */
  readonly namespaceLabel?: string;
}

class CustomSliSource extends SliSource {
  public readonly kind = 'custom';
  public readonly hasLatency: boolean;
  private readonly hashLabel: string;
  private readonly namespaceLabel: string;

  constructor(private readonly props: CustomSliProps) {
    super();
    for (const key of ['totalEvents', 'goodEvents', 'latencyBuckets'] as const) {
      const q = props[key];
      if (q === undefined) continue;
      if (q.trim().length === 0 || q.includes('{{')) {
        throw new Error(`sliSource.custom ${key} must be non-empty PromQL without '{{' (the canary selector is injected for you), got ${JSON.stringify(q)}`);
      }
    }
    this.hasLatency = props.latencyBuckets !== undefined;
    this.hashLabel = labelName('sliSource.custom hashLabel', props.hashLabel ?? 'rollouts_pod_template_hash');
    this.namespaceLabel = labelName('sliSource.custom namespaceLabel', props.namespaceLabel ?? 'namespace');
  }

  public args(track: Track): SliArg[] {
    return [NAMESPACE_ARG, track === 'canary' ? CANARY_HASH_ARG : STABLE_HASH_ARG];
  }

  /** The user's query for a track, or for the service's other versions (the namespace but the canary) without one. */
  private scoped(track: Track | undefined, query: string, window: Duration): string {
    const hash = track === 'canary' ? CANARY_HASH_ARG : STABLE_HASH_ARG;
    const withWindow = query.split('$window').join(promDuration('window', window));
    return injectMatchers(withWindow, [
      { name: this.namespaceLabel, op: '=', value: argRef(NAMESPACE_ARG.name) },
      track ? { name: this.hashLabel, op: '=', value: argRef(hash.name) } : { name: this.hashLabel, op: '!=', value: argRef(CANARY_HASH_ARG.name) },
    ]);
  }

  public eventCounts(track: Track, window: Duration): EventCounts {
    return this.counts(track, window);
  }

  public serviceEventCounts(period: Duration): EventCounts {
    return this.counts(undefined, period);
  }

  /** The user's queries are rates: a count is the rate times the window. */
  private counts(track: Track | undefined, window: Duration): EventCounts {
    const seconds = window.toSeconds();
    return {
      good: `((sum(${this.scoped(track, this.props.goodEvents, window)}) or vector(0)) * ${seconds})`,
      total: `(sum(${this.scoped(track, this.props.totalEvents, window)}) * ${seconds})`,
    };
  }

  public successRatio(track: Track, window: Duration): string {
    const good = this.scoped(track, this.props.goodEvents, window);
    const total = this.scoped(track, this.props.totalEvents, window);
    return `(sum(${good}) or vector(0)) / sum(${total})`;
  }

  public latencyQuantile(track: Track, quantile: number, window: Duration): string {
    if (!this.props.latencyBuckets) {
      throw new Error('sliSource.custom latencyBuckets is required for a latency objective, got none: set latencyBuckets or drop the latency objective');
    }
    return `histogram_quantile(${quantile}, sum by (le) (${this.scoped(track, this.props.latencyBuckets, window)}))`;
  }
}

function staticMatchers(prop: string, matchers: Record<string, string> | undefined): LabelMatcher[] {
  return Object.entries(matchers ?? {}).map(([name, value]) => ({
    name: labelName(`${prop} key`, name),
    op: '=' as const,
    value: labelValue(`${prop} value of ${name}`, value),
  }));
}
