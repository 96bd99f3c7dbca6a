import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AnalysisTemplate,
  AnalysisTemplateSpec,
  AnalysisTemplateSpecMetrics,
  AnalysisTemplateSpecMetricsConsecutiveErrorLimit,
  AnalysisTemplateSpecMetricsCount,
  AnalysisTemplateSpecMetricsFailureLimit,
  AnalysisTemplateSpecMetricsInconclusiveLimit,
  ClusterAnalysisTemplate,
} from '../../imports/argoproj.io';
import { checkPromql, promDuration } from './promql';
import { SliArg, SliSource } from './sli-source';
import { MetricOptions, ObjectiveMetric, ResolvedMetricOptions, resolveMetricOptions, SloObjective } from './slo-objective';
import { AnalysisMetricTiming, AnalysisTemplateArg, IAnalysisTemplate } from './template-ref';

/** The Prometheus that analysis queries go to unless `address` says otherwise. */
export const DEFAULT_PROMETHEUS_ADDRESS = 'http://prometheus-operated.monitoring.svc:9090';

/** Props of `SloAnalysis`. */
export interface SloAnalysisProps {
  /** Where the service level indicators come from. */
  readonly sli: SliSource;
  /**
   * The objectives the canary is judged against; more can be added with `addObjective()`.
   * @default - success rate >= 0.95 and p95 latency <= 3s, both over 2m
   */
  readonly objectives?: SloObjective[];
  /**
   * Measurement options for every metric; an objective's own options win.
   * @default - see MetricOptions: every 30s, 4 times, after 30s, failureLimit 0,
   * inconclusiveLimit 1, consecutiveErrorLimit 2
   */
  readonly measurement?: MetricOptions;
  /**
   * URL of the Prometheus HTTP API. The default is the Service that prometheus-operator creates
   * for a Prometheus in the `monitoring` namespace (kube-prometheus-stack's usual install).
   * @default 'http://prometheus-operated.monitoring.svc:9090'
   */
  readonly address?: string;
  /**
   * Emit a ClusterAnalysisTemplate instead of a namespaced AnalysisTemplate.
   * @default false
   */
  readonly clusterScope?: boolean;
  /**
   * metadata.name of the template.
   * @default - a name generated from the construct path
   */
  readonly templateName?: string;
}

interface BuiltMetric extends ObjectiveMetric {
  readonly options: ResolvedMetricOptions;
}

/**
 * An Argo Rollouts AnalysisTemplate (or ClusterAnalysisTemplate) that judges the canary itself
 * against service level objectives, one Prometheus metric per objective.
 *
 * Every query selects the canary's own traffic (its pod-template hash, or its ingress-nginx
 * upstream), so a bad canary cannot hide behind stable's traffic. Every metric sets both a
 * success and a failure condition guarded so that no data and NaN are Inconclusive, never
 * Successful and never an Error. Every query is parsed at construction.
 */
export class SloAnalysis extends Construct implements IAnalysisTemplate {
  /** The generated AnalysisTemplate or ClusterAnalysisTemplate. */
  public readonly resource: ApiObject;
  public readonly templateName: string;
  public readonly clusterScope: boolean;
  /** The Prometheus address of every metric. */
  public readonly address: string;
  /** The SLI source. */
  public readonly sli: SliSource;
  private readonly measurement: MetricOptions;
  private readonly built: BuiltMetric[] = [];

  constructor(scope: Construct, id: string, props: SloAnalysisProps) {
    super(scope, id);
    this.sli = props.sli;
    this.clusterScope = props.clusterScope ?? false;
    this.measurement = props.measurement ?? {};
    this.address = props.address ?? DEFAULT_PROMETHEUS_ADDRESS;
    if (!/^https?:\/\/[^\s/?#{}"]+(\/[^\s?#{}"]*)?$/.test(this.address)) {
      throw new Error(`address must be an http or https URL of the Prometheus API, got ${JSON.stringify(this.address)}`);
    }
    resolveMetricOptions({}, this.measurement);

    const Kind = this.clusterScope ? ClusterAnalysisTemplate : AnalysisTemplate;
    this.resource = new Kind(this, 'Resource', {
      metadata: props.templateName ? { name: props.templateName } : {},
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    this.templateName = this.resource.name;
    this.sli.bind(this);

    for (const o of props.objectives ?? [SloObjective.successRate(), SloObjective.latency()]) {
      this.addObjective(o);
    }
    this.node.addValidation({
      validate: () => (this.built.length === 0 ? ['SloAnalysis has no objective: pass objectives or call addObjective()'] : []),
    });
  }

  /**
   * Adds an objective; returns the metrics it added. Throws when a metric of the same name
   * exists or a query does not parse.
   */
  public addObjective(objective: SloObjective): ObjectiveMetric[] {
    const options = resolveMetricOptions(objective.options, this.measurement);
    const metrics = objective.metrics(this.sli);
    for (const m of metrics) {
      if (this.built.some(b => b.name === m.name)) {
        throw new Error(`objective metric ${m.name} is already in ${this.node.path}: each objective can be added once`);
      }
      checkPromql(`metric ${m.name} of ${this.node.path}`, m.query);
    }
    this.built.push(...metrics.map(m => ({ ...m, options })));
    return metrics;
  }

  /** The metrics of the template with their queries and conditions. */
  public get queries(): ObjectiveMetric[] {
    return this.built.map(({ options: _, ...m }) => m);
  }

  public get args(): AnalysisTemplateArg[] {
    return this.rolloutArgs.map(a => ({ name: a.name, hasDefault: false, rolloutValueFrom: a.valueFrom }));
  }

  /** The args a rollout must pass to this template, with where it takes each value from. */
  public get rolloutArgs(): SliArg[] {
    const all = this.built.flatMap(m => m.args);
    return all.filter((a, i) => all.findIndex(b => b.name === a.name) === i);
  }

  public get metrics(): AnalysisMetricTiming[] {
    return this.built.map(m => ({
      name: m.name,
      interval: m.options.interval,
      count: m.options.count,
      initialDelay: m.options.initialDelay.toMilliseconds() === 0 ? undefined : m.options.initialDelay,
      failureLimit: m.options.failureLimit,
      inconclusiveLimit: m.options.inconclusiveLimit,
      consecutiveErrorLimit: m.options.consecutiveErrorLimit,
      window: m.window,
      dryRun: m.options.dryRun,
    }));
  }

  private renderSpec(): AnalysisTemplateSpec {
    const metrics: AnalysisTemplateSpecMetrics[] = this.built.map(m => ({
      name: m.name,
      interval: promDuration('interval', m.options.interval),
      count: m.options.count === undefined ? undefined : AnalysisTemplateSpecMetricsCount.fromNumber(m.options.count),
      initialDelay: m.options.initialDelay.toMilliseconds() === 0 ? undefined : promDuration('initialDelay', m.options.initialDelay),
      failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(m.options.failureLimit),
      inconclusiveLimit: AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber(m.options.inconclusiveLimit),
      consecutiveErrorLimit: AnalysisTemplateSpecMetricsConsecutiveErrorLimit.fromNumber(m.options.consecutiveErrorLimit),
      successCondition: m.conditions.successCondition,
      failureCondition: m.conditions.failureCondition,
      provider: { prometheus: { address: this.address, query: m.query } },
    }));
    const dryRun = this.built.filter(m => m.options.dryRun).map(m => ({ metricName: m.name }));
    return {
      args: this.rolloutArgs.map(a => ({ name: a.name })),
      metrics,
      dryRun: dryRun.length > 0 ? dryRun : undefined,
    };
  }
}
