import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as argo from '../../imports/argoproj.io';
import { checkCondition } from './internal-conditions';
import { addTemplateObject } from './internal-template-object';
import { checkPromql, promDuration } from './promql';
import { DEFAULT_PROMETHEUS_ADDRESS } from './slo-analysis';
import { ARGO_METRIC_DEFAULTS, metricTimings } from './timing';
import { AnalysisMetricTiming, AnalysisTemplateArg, IAnalysisTemplate } from './template-ref';
import { ownRule, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger } from '../util/internal-validation';

/**
 * General Argo Rollouts AnalysisTemplates and ClusterAnalysisTemplates: the providers of Argo v1.9.1
 * used most (Prometheus with your own PromQL, a web call, a Kubernetes Job, Datadog, New Relic,
 * CloudWatch) and metric plugins, your own args and conditions, checked at synth like SloAnalysis;
 * and references to templates installed apart from the chart.
 */

const ARG_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;
const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/** An argument a template declares: required, with a literal value, or with a value from a Secret. */
export class TemplateArg {
  /** An arg without a value: every rollout or experiment that runs the template must pass it. */
  public static required(name: string): TemplateArg {
    return new TemplateArg(name, { name });
  }

  /** An arg with a literal value, which a rollout may override. */
  public static value(name: string, value: string): TemplateArg {
    return new TemplateArg(name, { name, value });
  }

  /** An arg whose value the controller reads from a key of a Secret in the rollout's namespace (e.g. a token). */
  public static fromSecret(name: string, secretName: string, key: string): TemplateArg {
    validateDnsSubdomain(`arg '${name}' secretName`, secretName);
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
      throw new Error(`arg '${name}' key must be a Secret key (letters, digits, '-', '_' or '.'), got '${key}'`);
    }
    return new TemplateArg(name, { name, valueFrom: { secretKeyRef: { name: secretName, key } } });
  }

  private constructor(public readonly name: string, private readonly spec: argo.AnalysisTemplateSpecArgs) {
    if (!ARG_NAME.test(name)) {
      throw new Error(`arg name must be letters, digits, '-', '_' or '.', starting with a letter or digit, got '${name}'`);
    }
  }

  /** True when the template gives the arg a value, so a rollout need not pass it. */
  public get hasDefault(): boolean {
    return this.spec.value !== undefined || this.spec.valueFrom !== undefined;
  }

  /** @internal */
  public _render(): argo.AnalysisTemplateSpecArgs { return this.spec; }
}

/** The HTTP method of a web metric. */
export enum WebMethod {
  GET = 'GET',
  POST = 'POST',
  PUT = 'PUT',
}

/** Options of `MetricProvider.prometheus`. */
export interface PrometheusProviderOptions {
  /** The PromQL query; `{{args.x}}` placeholders are replaced by the args' values when the run starts. */
  readonly query: string;
  /**
   * URL of the Prometheus HTTP API.
   * @default 'http://prometheus-operated.monitoring.svc:9090'
   */
  readonly address?: string;
  /**
   * How long Argo waits for the query.
   * @default 30s (Argo's default)
   */
  readonly timeout?: Duration;
}

/** Options of `MetricProvider.web`. */
export interface WebProviderOptions {
  /** The URL called; may be or contain `{{args.x}}` placeholders. */
  readonly url: string;
  /**
   * The HTTP method.
   * @default WebMethod.GET
   */
  readonly method?: WebMethod;
  /**
   * Request headers; values may hold `{{args.x}}` placeholders (e.g. a token from a Secret arg).
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * A request body as text (POST or PUT only).
   * @default - no body
   */
  readonly body?: string;
  /**
   * A request body as JSON (POST or PUT only); not with `body`.
   * @default - no body
   */
  readonly jsonBody?: any;
  /**
   * The JSONPath of the value the conditions judge, e.g. `{$.status}`.
   * @default - the whole response body
   */
  readonly jsonPath?: string;
  /**
   * How long Argo waits for the response.
   * @default 10s (Argo's default)
   */
  readonly timeout?: Duration;
  /**
   * Skip TLS verification.
   * @default false
   */
  readonly insecure?: boolean;
}

/** A container of a Job metric. */
export interface JobContainer {
  /** The container's name. */
  readonly name: string;
  /** The image, pinned by a version tag or a digest. */
  readonly image: string;
  /**
   * The entrypoint.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * The arguments; may hold `{{args.x}}` placeholders.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Environment variables; values may hold `{{args.x}}` placeholders.
   * @default - none
   */
  readonly env?: { [name: string]: string };
}

/** Options of `MetricProvider.job`. */
export interface JobProviderOptions {
  /** The containers of the Job's pod; the measurement is Successful when the Job completes, Failed when it fails. */
  readonly containers: JobContainer[];
  /**
   * Retries of a failed pod before the Job (and the measurement) fails.
   * @default - Kubernetes' default, 6
   */
  readonly backoffLimit?: number;
  /**
   * How long the Job may run before Kubernetes stops it and it fails.
   * @default - no limit
   */
  readonly activeDeadline?: Duration;
  /**
   * The ServiceAccount the pod runs as.
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * Annotations on the Job's pod, e.g. a mesh's injection annotation (`linkerd.io/inject: enabled`).
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Labels on the Job's pod.
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
}

/** Options of `MetricProvider.datadog`. */
export interface DatadogProviderOptions {
  /**
   * One query (API v1 or v2).
   * @default - none: give `queries` and `formula`
   */
  readonly query?: string;
  /**
   * Named queries combined by `formula` (API v2).
   * @default - none: give `query`
   */
  readonly queries?: { [name: string]: string };
  /**
   * The formula over `queries`, e.g. `a / b`.
   * @default - none
   */
  readonly formula?: string;
  /**
   * The time window Datadog aggregates over (not the measurement interval).
   * @default 5m (Argo's default)
   */
  readonly interval?: Duration;
}

/** Options of `MetricProvider.newRelic`. */
export interface NewRelicProviderOptions {
  /** The NRQL query. */
  readonly query: string;
  /**
   * The profile (Secret) holding the account and API key.
   * @default - Argo's default profile
   */
  readonly profile?: string;
}

/** One query of a CloudWatch metric: a metric statistic, or an expression over other queries. */
export interface CloudWatchQuery {
  /** The query's id, referenced by expressions: a lowercase letter, then letters, digits or '_'. */
  readonly id: string;
  /**
   * A metric math or Metrics Insights expression, e.g. `errors / requests`; not with `metricName`.
   * @default - a metric statistic: give metricName, namespace and stat
   */
  readonly expression?: string;
  /**
   * The metric's name, e.g. `HTTPCode_Target_5XX_Count`.
   * @default - none: give expression
   */
  readonly metricName?: string;
  /**
   * The metric's namespace, e.g. `AWS/ApplicationELB`.
   * @default - none
   */
  readonly namespace?: string;
  /**
   * The metric's dimensions; values may hold `{{args.x}}` placeholders.
   * @default - none
   */
  readonly dimensions?: { [name: string]: string };
  /**
   * The statistic, e.g. `Sum`, `Average`, `p99`.
   * @default - none
   */
  readonly stat?: string;
  /**
   * The period of the statistic.
   * @default 5m
   */
  readonly period?: Duration;
  /**
   * Whether the query's values are returned to the conditions (false for the inputs of an expression).
   * @default true
   */
  readonly returnData?: boolean;
}

/** Options of `MetricProvider.cloudWatch`. */
export interface CloudWatchProviderOptions {
  /** The queries; the conditions judge those with returnData. */
  readonly queries: CloudWatchQuery[];
  /**
   * The time window the queries read (not the measurement interval).
   * @default 5m (Argo's default)
   */
  readonly interval?: Duration;
}

/** Where a metric's measurements come from. */
export class MetricProvider {
  /** A PromQL query of your own; parsed at synth with the args replaced by values. */
  public static prometheus(options: PrometheusProviderOptions): MetricProvider {
    const address = options.address ?? DEFAULT_PROMETHEUS_ADDRESS;
    checkUrl('prometheus address', address);
    return new MetricProvider('prometheus', {
      prometheus: { address, query: options.query, timeout: options.timeout && wholeSeconds('prometheus timeout', options.timeout) },
    }, options.query);
  }

  /** A call to any URL; the response (or the value at `jsonPath`) is what the conditions judge. */
  public static web(options: WebProviderOptions): MetricProvider {
    checkUrl('web url', options.url);
    const method = options.method ?? WebMethod.GET;
    if (options.body !== undefined && options.jsonBody !== undefined) {
      throw new Error('web body and jsonBody are both set: Argo Rollouts errors every measurement of such a metric; keep one of them');
    }
    if ((options.body !== undefined || options.jsonBody !== undefined) && method === WebMethod.GET) {
      throw new Error(`web ${options.body !== undefined ? 'body' : 'jsonBody'} is set with method GET: Argo Rollouts sends a body only `
        + 'with POST or PUT and errors every measurement; set method to WebMethod.POST or WebMethod.PUT, or drop the body');
    }
    if (options.jsonPath !== undefined && !/^\{.*\}$/s.test(options.jsonPath)) {
      throw new Error(`web jsonPath must be a JSONPath in braces such as '{$.status}', got '${options.jsonPath}'`);
    }
    const headers = Object.entries(options.headers ?? {}).map(([key, value]) => ({ key, value }));
    return new MetricProvider('web', {
      web: {
        url: options.url,
        method: options.method,
        headers: headers.length > 0 ? headers : undefined,
        body: options.body,
        jsonBody: options.jsonBody,
        jsonPath: options.jsonPath,
        timeoutSeconds: options.timeout && wholeSeconds('web timeout', options.timeout),
        insecure: options.insecure,
      },
    });
  }

  /**
   * A Kubernetes Job per measurement: Successful when it completes, Failed when it fails. The pod
   * never restarts in place (restartPolicy Never) and runs without privilege escalation or capabilities.
   */
  public static job(options: JobProviderOptions): MetricProvider {
    if (options.containers.length === 0) throw new Error('job containers is empty: give the container that runs the check');
    const names = new Set<string>();
    for (const [i, c] of options.containers.entries()) {
      validateDnsLabel(`job containers[${i}].name`, c.name);
      if (names.has(c.name)) throw new Error(`job containers[${i}].name '${c.name}' is used twice: name each container once`);
      names.add(c.name);
      validateImage(`job containers[${i}].image`, c.image);
    }
    if (options.backoffLimit !== undefined) validateInteger('job backoffLimit', options.backoffLimit, 0);
    if (options.serviceAccountName !== undefined) validateDnsSubdomain('job serviceAccountName', options.serviceAccountName);
    return new MetricProvider('job', {
      job: {
        spec: {
          backoffLimit: options.backoffLimit,
          activeDeadlineSeconds: options.activeDeadline && wholeSeconds('job activeDeadline', options.activeDeadline),
          template: {
            metadata: options.podAnnotations || options.podLabels ? { annotations: options.podAnnotations, labels: options.podLabels } : undefined,
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: options.serviceAccountName,
              containers: options.containers.map((c) => ({
                name: c.name,
                image: c.image,
                command: c.command,
                args: c.args,
                env: c.env && Object.entries(c.env).map(([name, value]) => ({ name, value })),
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              })),
            },
          },
        },
      },
    });
  }

  /** A Datadog query (`query`) or formula over named queries (`queries` and `formula`, API v2). */
  public static datadog(options: DatadogProviderOptions): MetricProvider {
    const queries = options.queries && Object.keys(options.queries).length > 0 ? options.queries : undefined;
    if ((options.query === undefined) === (queries === undefined)) {
      throw new Error('datadog needs either query or queries (with formula): give one of them');
    }
    if (queries && options.formula === undefined) throw new Error('datadog queries need a formula that combines them, e.g. \'a / b\'');
    if (!queries && options.formula !== undefined) throw new Error('datadog formula needs queries: name the queries it combines');
    return new MetricProvider('datadog', {
      datadog: {
        query: options.query,
        queries,
        formula: options.formula,
        apiVersion: queries ? argo.AnalysisTemplateSpecMetricsProviderDatadogApiVersion.V2 : undefined,
        interval: options.interval && promDuration('datadog interval', options.interval),
      },
    });
  }

  /** Amazon CloudWatch metric data queries (GetMetricData). */
  public static cloudWatch(options: CloudWatchProviderOptions): MetricProvider {
    if (options.queries.length === 0) throw new Error('cloudWatch queries is empty: give at least one query');
    const ids = new Set<string>();
    const queries = options.queries.map((q, i) => {
      const at = `cloudWatch queries[${i}]`;
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.id)) throw new Error(`${at}.id must start with a lowercase letter, then letters, digits or '_', got '${q.id}'`);
      if (ids.has(q.id)) throw new Error(`${at}.id '${q.id}' is used twice: give each query its own id`);
      ids.add(q.id);
      if ((q.expression === undefined) === (q.metricName === undefined)) {
        throw new Error(`${at} (${q.id}) needs either expression or metricName (with namespace and stat): give one of them`);
      }
      if (q.metricName !== undefined && (q.namespace === undefined || q.stat === undefined)) {
        throw new Error(`${at} (${q.id}) has metricName '${q.metricName}' without ${q.namespace === undefined ? 'namespace' : 'stat'}: CloudWatch needs both, e.g. namespace 'AWS/ApplicationELB', stat 'Sum'`);
      }
      const period = wholeSeconds(`${at}.period`, q.period ?? Duration.minutes(5));
      const dimensions = Object.entries(q.dimensions ?? {}).map(([name, value]) => ({ name, value }));
      return q.expression !== undefined
        ? { id: q.id, expression: q.expression, period: argo.AnalysisTemplateSpecMetricsProviderCloudWatchMetricDataQueriesPeriod.fromNumber(period), returnData: q.returnData }
        : {
          id: q.id,
          metricStat: {
            metric: { metricName: q.metricName, namespace: q.namespace, dimensions: dimensions.length > 0 ? dimensions : undefined },
            stat: q.stat,
            period: argo.AnalysisTemplateSpecMetricsProviderCloudWatchMetricDataQueriesMetricStatPeriod.fromNumber(period),
          },
          returnData: q.returnData,
        };
    });
    return new MetricProvider('cloudWatch', {
      cloudWatch: { interval: options.interval && promDuration('cloudWatch interval', options.interval), metricDataQueries: queries },
    });
  }

  /** A New Relic NRQL query. */
  public static newRelic(options: NewRelicProviderOptions): MetricProvider {
    if (options.query.trim() === '') throw new Error('newRelic query is empty: give the NRQL query');
    return new MetricProvider('newRelic', { newRelic: { query: options.query, profile: options.profile } });
  }

  /**
   * A metric plugin installed in the controller (argo-rollouts-config's metricProviderPlugins), e.g.
   * `MetricProvider.plugin('argoproj-labs/sample-prometheus', { address, query })`.
   */
  public static plugin(name: string, config: { [key: string]: any }): MetricProvider {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*\/[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name)) {
      throw new Error(`plugin name must be '<namespace>/<name>' as registered in the controller's metricProviderPlugins, got '${name}'`);
    }
    return new MetricProvider('plugin', { plugin: { [name]: config } });
  }

  private constructor(
    /** The provider's key in the metric, e.g. `prometheus`. */
    public readonly kind: string,
    private readonly spec: argo.AnalysisTemplateSpecMetricsProvider,
    /** @internal The PromQL query, for the Prometheus provider. */
    public readonly _query?: string,
  ) {}

  /** @internal */
  public _render(): argo.AnalysisTemplateSpecMetricsProvider { return this.spec; }
}

/** A metric of an AnalysisTemplate. Unset options take Argo Rollouts' defaults. */
export interface AnalysisMetric {
  /** The metric's name, unique in the template. */
  readonly name: string;
  /** Where its measurements come from. */
  readonly provider: MetricProvider;
  /**
   * Time between measurements.
   * @default - a single measurement
   */
  readonly interval?: Duration;
  /**
   * Number of measurements.
   * @default - 1 without interval; with interval, until the run is stopped (background analysis only)
   */
  readonly count?: number;
  /**
   * Delay before the first measurement.
   * @default - none
   */
  readonly initialDelay?: Duration;
  /**
   * expr-lang condition on `result` for a Successful measurement, e.g. `result[0] >= 0.95`.
   * @default - none: a measurement that does not meet failureCondition is Successful (a Job: its completion)
   */
  readonly successCondition?: string;
  /**
   * expr-lang condition on `result` for a Failed measurement.
   * @default - none: a measurement that does not meet successCondition is Failed
   */
  readonly failureCondition?: string;
  /**
   * Failed measurements tolerated before the metric fails; -1 disables (needs consecutiveSuccessLimit).
   * @default 0
   */
  readonly failureLimit?: number;
  /**
   * Inconclusive measurements tolerated before the run is Inconclusive (which pauses a rollout).
   * @default 0
   */
  readonly inconclusiveLimit?: number;
  /**
   * Consecutive measurements that error tolerated before the metric errors.
   * @default 4
   */
  readonly consecutiveErrorLimit?: number;
  /**
   * Consecutive successful measurements after which the metric succeeds early.
   * @default - disabled
   */
  readonly consecutiveSuccessLimit?: number;
  /**
   * Measure without ever failing the run.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Measurements kept in the AnalysisRun's status.
   * @default - Argo's default (10)
   */
  readonly measurementRetention?: number;
}

/** Props of `AnalysisTemplate` and `ClusterAnalysisTemplate`. */
export interface AnalysisTemplateProps {
  /**
   * metadata.name of the template.
   * @default - a name generated from the construct path
   */
  readonly templateName?: string;
  /**
   * The args the metrics use as `{{args.name}}`. Every arg used must be declared, every arg declared used.
   * @default - none
   */
  readonly args?: TemplateArg[];
  /**
   * The metrics; more with `addMetric()`.
   * @default - none (at least one is needed at synth)
   */
  readonly metrics?: AnalysisMetric[];
}

/**
 * The timing of a metric of a template referenced by name, as the plan should assume it. Unset
 * options take Argo Rollouts' defaults.
 */
export interface AssumedMetricTiming {
  /** The metric's name in the template. */
  readonly name: string;
  /** @default - a single measurement */
  readonly interval?: Duration;
  /** @default - 1 without interval, until the run is stopped with one */
  readonly count?: number;
  /** @default - none */
  readonly initialDelay?: Duration;
  /** @default 0 */
  readonly failureLimit?: number;
  /** @default 0 */
  readonly inconclusiveLimit?: number;
  /** @default 4 */
  readonly consecutiveErrorLimit?: number;
  /**
   * The lookback window of the metric's query.
   * @default - none
   */
  readonly window?: Duration;
  /**
   * The longest one measurement can take (the provider's timeout: Prometheus 30s, web 10s unless set).
   * @default - 0: measurements taken as instant
   */
  readonly timeout?: Duration;
  /** @default false */
  readonly dryRun?: boolean;
}

/** Options of `AnalysisTemplate.fromName`. */
export interface AnalysisTemplateRefOptions {
  /**
   * The args the template declares, so that rollouts check they pass the required ones.
   * @default - none known: rollouts pass what they are told
   */
  readonly args?: TemplateArg[];
  /**
   * The timing of the template's metrics, as the plan should assume it.
   * @default - unknown: the plan says so, and refuses maxPromotionTime and maxTimeToAbort
   */
  readonly metrics?: AssumedMetricTiming[];
}

/**
 * An Argo Rollouts AnalysisTemplate of your own: any provider (`MetricProvider`), args and
 * conditions. What the arguments alone decide is checked when given: PromQL parses (with the args'
 * values, else sample values, in place of `{{args.x}}`), conditions are well formed, every arg used
 * is declared, durations are whole seconds, limits are Argo's; its timing for the plan is read from
 * the object it synthesizes, as the plan command reads it.
 */
export class AnalysisTemplate extends Construct implements IAnalysisTemplate {
  /**
   * A template installed apart from this chart (e.g. a platform's), referenced by name: emits nothing.
   * Without `metrics` its timing is unknown: the plan says so, and rollout budgets that need it are refused.
   */
  public static fromName(scope: Construct, id: string, templateName: string, options: AnalysisTemplateRefOptions = {}): IAnalysisTemplate {
    return new TemplateReference(scope, id, templateName, false, options);
  }

  /** The generated AnalysisTemplate or ClusterAnalysisTemplate. */
  public readonly resource: ApiObject;
  public readonly templateName: string;
  public readonly clusterScope: boolean;
  private readonly declared: TemplateArg[];
  private readonly added: AnalysisMetric[] = [];

  constructor(scope: Construct, id: string, props: AnalysisTemplateProps = {}) {
    super(scope, id);
    this.clusterScope = this instanceof ClusterAnalysisTemplate;
    if (props.templateName !== undefined) validateDnsSubdomain('templateName', props.templateName);
    this.declared = [...(props.args ?? [])];
    for (const [i, a] of this.declared.entries()) {
      if (this.declared.findIndex((b) => b.name === a.name) !== i) throw new Error(`args has '${a.name}' twice: declare each arg once`);
    }
    this.resource = addTemplateObject(this, this.clusterScope, props.templateName, () => this.renderSpec());
    this.templateName = this.resource.name;
    for (const m of props.metrics ?? []) this.addMetric(m);
    this.node.addValidation({
      validate: () => {
        if (this.added.length === 0) return [`${this.kind} ${this.templateName} has no metric: pass metrics or call addMetric()`];
        const used = new Set(this.added.flatMap((m) => placeholders(JSON.stringify(renderMetric(m)))));
        return this.declared.filter((a) => !used.has(a.name)).map((a) => `${this.kind} ${this.templateName} declares arg '${a.name}' `
          + `but no metric uses {{args.${a.name}}}: use it or remove it ${ownRule('an unused arg is mostly a misspelt placeholder')}`);
      },
    });
  }

  /** Adds a metric; returns it. Throws on a duplicate name, an undeclared arg, bad PromQL or a limit Argo refuses. */
  public addMetric(metric: AnalysisMetric): AnalysisMetric {
    const at = `metric '${metric.name}'`;
    validateMetricName(metric.name);
    if (this.added.some((m) => m.name === metric.name)) throw new Error(`${at} is already in ${this.kind} ${this.templateName}: name each metric once`);
    checkLimits(at, metric);
    for (const prop of ['successCondition', 'failureCondition'] as const) {
      const condition = metric[prop];
      if (condition !== undefined) checkCondition(`${at} ${prop}`, condition);
    }
    const rendered = renderMetric(metric);
    const undeclared = placeholders(JSON.stringify(rendered)).filter((n) => !this.declared.some((a) => a.name === n));
    if (undeclared.length > 0) {
      throw new Error(`${at} uses {{args.${undeclared[0]}}} but the template declares no arg '${undeclared[0]}': add `
        + `TemplateArg.required('${undeclared[0]}') (or .value/.fromSecret) to args, or fix the placeholder`);
    }
    const query = metric.provider._query === undefined ? undefined : this.withValues(metric.provider._query);
    // A range from an arg without a value has no sample that parses: the timing's check names the arg instead.
    if (query !== undefined && !/\[[^\]]*\{\{/.test(query)) checkPromql(`${at} prometheus query`, query);
    const judged = metric.provider.kind === 'job' || metric.provider.kind === 'plugin';
    if (!judged && !metric.dryRun && metric.successCondition === undefined && metric.failureCondition === undefined) {
      throw new Error(`${at} has neither successCondition nor failureCondition: Argo Rollouts counts every ${metric.provider.kind} measurement `
        + 'that does not error as Successful; add one, e.g. failureCondition: \'result[0] < 0.95\', or set dryRun to only record the values '
        + ownRule('a metric without conditions never fails, so it judges nothing'));
    }
    this.added.push(metric);
    try {
      this.timings();
    } catch (e) {
      this.added.pop();
      throw e;
    }
    return metric;
  }

  /** The metrics added, in order. */
  public get metricsAdded(): AnalysisMetric[] {
    return [...this.added];
  }

  public get args(): AnalysisTemplateArg[] {
    return this.declared.map((a) => ({ name: a.name, hasDefault: a.hasDefault }));
  }

  /** The timing of each metric, read from the synthesized object by the plan command's own rules. */
  public get metrics(): AnalysisMetricTiming[] {
    return this.timings();
  }

  private get kind(): string {
    return this.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
  }

  private timings(): AnalysisMetricTiming[] {
    return metricTimings({ kind: this.kind, metadata: { name: this.templateName }, spec: argo.toJson_AnalysisTemplateSpec(this.renderSpec()) });
  }

  /** A query with the placeholders of args that have a literal value replaced by it (the rest by sample values when parsed). */
  private withValues(query: string): string {
    return query.replace(PLACEHOLDER, (all, name: string) => this.declared.find((a) => a.name === name)?._render().value ?? all);
  }

  private renderSpec(): argo.AnalysisTemplateSpec {
    const dryRun = this.added.filter((m) => m.dryRun).map((m) => ({ metricName: `^${escapeRegExp(m.name)}$` }));
    const retention = this.added.filter((m) => m.measurementRetention !== undefined)
      .map((m) => ({ metricName: `^${escapeRegExp(m.name)}$`, limit: m.measurementRetention! }));
    return {
      args: this.declared.length > 0 ? this.declared.map((a) => a._render()) : undefined,
      metrics: this.added.map(renderMetric),
      dryRun: dryRun.length > 0 ? dryRun : undefined,
      measurementRetention: retention.length > 0 ? retention : undefined,
    };
  }
}

/** An Argo Rollouts ClusterAnalysisTemplate: an AnalysisTemplate that rollouts of every namespace can reference. */
export class ClusterAnalysisTemplate extends AnalysisTemplate {
  /** A ClusterAnalysisTemplate installed apart from this chart, referenced by name: emits nothing. See AnalysisTemplate.fromName. */
  public static fromName(scope: Construct, id: string, templateName: string, options: AnalysisTemplateRefOptions = {}): IAnalysisTemplate {
    return new TemplateReference(scope, id, templateName, true, options);
  }
}

/** A template referenced by name. */
class TemplateReference extends Construct implements IAnalysisTemplate {
  public readonly args: AnalysisTemplateArg[];
  public readonly metrics: AnalysisMetricTiming[];
  public readonly timingUnknown?: string;

  constructor(scope: Construct, id: string, public readonly templateName: string, public readonly clusterScope: boolean, options: AnalysisTemplateRefOptions) {
    super(scope, id);
    validateDnsSubdomain('templateName', templateName);
    this.args = (options.args ?? []).map((a) => ({ name: a.name, hasDefault: a.hasDefault }));
    if (options.metrics === undefined) {
      this.metrics = [];
      this.timingUnknown = 'referenced by name, its timing not stated';
      return;
    }
    if (options.metrics.length === 0) throw new Error(`metrics of template '${templateName}' is empty: state the timing of each metric, or leave metrics out`);
    this.metrics = options.metrics.map((m) => {
      const at = `metric '${m.name}' of template '${templateName}'`;
      checkLimits(at, m);
      for (const [prop, d] of Object.entries({ interval: m.interval, initialDelay: m.initialDelay, window: m.window, timeout: m.timeout })) {
        if (d !== undefined) wholeSeconds(`${at} ${prop}`, d, true);
      }
      return {
        name: m.name,
        interval: m.interval,
        count: m.count,
        initialDelay: m.initialDelay,
        failureLimit: m.failureLimit ?? ARGO_METRIC_DEFAULTS.failureLimit,
        inconclusiveLimit: m.inconclusiveLimit ?? ARGO_METRIC_DEFAULTS.inconclusiveLimit,
        consecutiveErrorLimit: m.consecutiveErrorLimit ?? ARGO_METRIC_DEFAULTS.consecutiveErrorLimit,
        window: m.window,
        timeout: m.timeout,
        dryRun: m.dryRun ?? false,
      };
    });
  }
}

function renderMetric(m: AnalysisMetric): argo.AnalysisTemplateSpecMetrics {
  const int = <T>(from: (n: number) => T, n: number | undefined): T | undefined => (n === undefined ? undefined : from(n));
  return {
    name: m.name,
    interval: m.interval && promDuration(`metric '${m.name}' interval`, m.interval),
    count: int(argo.AnalysisTemplateSpecMetricsCount.fromNumber, m.count),
    initialDelay: m.initialDelay && m.initialDelay.toMilliseconds() > 0 ? promDuration(`metric '${m.name}' initialDelay`, m.initialDelay) : undefined,
    successCondition: m.successCondition,
    failureCondition: m.failureCondition,
    failureLimit: int(argo.AnalysisTemplateSpecMetricsFailureLimit.fromNumber, m.failureLimit),
    inconclusiveLimit: int(argo.AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber, m.inconclusiveLimit),
    consecutiveErrorLimit: int(argo.AnalysisTemplateSpecMetricsConsecutiveErrorLimit.fromNumber, m.consecutiveErrorLimit),
    consecutiveSuccessLimit: int(argo.AnalysisTemplateSpecMetricsConsecutiveSuccessLimit.fromNumber, m.consecutiveSuccessLimit),
    provider: m.provider._render(),
  };
}

/** The limits Argo v1.9.1 (utils/analysis ValidateMetric) refuses, and what Argo cannot measure. */
function checkLimits(at: string, m: AnalysisMetric | AssumedMetricTiming): void {
  const full = m as AnalysisMetric;
  if (m.count !== undefined) validateInteger(`${at} count`, m.count, 1);
  if (m.failureLimit !== undefined) validateInteger(`${at} failureLimit (-1 disables it)`, m.failureLimit, -1);
  if (m.inconclusiveLimit !== undefined) validateInteger(`${at} inconclusiveLimit`, m.inconclusiveLimit, 0);
  if (m.consecutiveErrorLimit !== undefined) validateInteger(`${at} consecutiveErrorLimit`, m.consecutiveErrorLimit, 0);
  if (full.consecutiveSuccessLimit !== undefined) validateInteger(`${at} consecutiveSuccessLimit`, full.consecutiveSuccessLimit, 0);
  if (full.measurementRetention !== undefined) validateInteger(`${at} measurementRetention`, full.measurementRetention, 1);
  if (m.count !== undefined && m.count > 1 && m.interval === undefined) {
    throw new Error(`${at} has count ${m.count} without interval, which Argo Rollouts rejects ("interval must be specified when count > 1"): set interval`);
  }
  const successes = full.consecutiveSuccessLimit ?? 0;
  const failures = m.failureLimit ?? ARGO_METRIC_DEFAULTS.failureLimit;
  if (m.count !== undefined && failures >= 0 && m.count < failures + successes) {
    throw new Error(`${at} has count ${m.count} below failureLimit + consecutiveSuccessLimit (${failures} + ${successes}), which Argo Rollouts `
      + 'rejects: raise count or lower the limits');
  }
  if (m.count !== undefined && m.count < (m.inconclusiveLimit ?? 0)) {
    throw new Error(`${at} has count ${m.count} below inconclusiveLimit ${m.inconclusiveLimit}, which Argo Rollouts rejects: raise count or lower inconclusiveLimit`);
  }
  for (const [prop, d] of Object.entries({ interval: m.interval, initialDelay: m.initialDelay })) {
    if (d !== undefined) wholeSeconds(`${at} ${prop}`, d, prop === 'initialDelay');
  }
}

/** Metric names: plain words, as this library anchors them in the dryRun and retention patterns and Argo reports them in events. */
function validateMetricName(name: string): void {
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name)) {
    throw new Error(`metric name must be letters, digits, '-', '_' or '.', starting with a letter or digit, got '${name}'`);
  }
}

/** A positive (or, with zeroOk, non-negative) whole number of seconds. */
function wholeSeconds(prop: string, d: Duration, zeroOk = false): number {
  const ms = d.toMilliseconds();
  if (ms % 1000 !== 0 || ms < 0 || (ms === 0 && !zeroOk)) {
    throw new Error(`${prop} must be a ${zeroOk ? 'non-negative' : 'positive'} whole number of seconds, got ${ms}ms: round it to seconds`);
  }
  return ms / 1000;
}

/** An http(s) URL, or one made of `{{args.x}}` placeholders (resolved when the run starts). */
function checkUrl(prop: string, url: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) {
    throw new Error(`${prop} must not carry credentials, got ${JSON.stringify(url.replace(/\/\/[^/?#]*@/, '//***@'))}: the template is readable `
      + 'by everyone who can read it; pass them in a header from a Secret arg (TemplateArg.fromSecret)');
  }
  const sample = url.replace(PLACEHOLDER, 'sample');
  if (/^\{\{/.test(url) || /^https?:\/\/[^\s/?#"]+([/?#][^\s"]*)?$/.test(sample)) return;
  throw new Error(`${prop} must be an http or https URL (placeholders such as {{args.host}} allowed), got ${JSON.stringify(url)}`);
}

/** The names of the args a text uses as `{{args.name}}`, without repeats. */
function placeholders(text: string): string[] {
  const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
  return names.filter((n, i) => names.indexOf(n) === i);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
