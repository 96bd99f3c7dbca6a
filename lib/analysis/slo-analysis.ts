import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AnalysisTemplateSpec,
  AnalysisTemplateSpecMetrics,
  AnalysisTemplateSpecMetricsConsecutiveErrorLimit,
  AnalysisTemplateSpecMetricsCount,
  AnalysisTemplateSpecMetricsFailureLimit,
  AnalysisTemplateSpecMetricsInconclusiveLimit,
} from '../../imports/argoproj.io';
import { argRef, checkPromql, promDuration } from './promql';
import { NAMESPACE_ARG, SliArg, SliSource } from './sli-source';
import { MetricConditions } from './expr-eval';
import { DEFAULT_COUNT, GateObjective, JudgementRules, MeasurementOptions, ObjectiveMetric, ResolvedMeasurementOptions, resolveMeasurementOptions, SloObjective } from './slo-objective';
import { addTemplateObject } from './internal-template-object';
import { AnalysisMetricTiming, AnalysisTemplateArg, IAnalysisTemplate, TemplateUse } from './template-ref';
import * as gateContract from '../gate/contract';
import { DEFAULT_CONFIDENCE, DEFAULT_DURATION_METRIC, DEFAULT_MIN_REQUESTS, DEFAULT_REQUESTS_METRIC } from '../gate/contract';
import { ISloGate } from '../gate/slo-gate';
import { ownRule } from '../util/internal-validation';

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
   * @default - see MeasurementOptions: every 30s, 4 times, after 30s, failureLimit 0,
   * inconclusiveLimit 1, consecutiveErrorLimit 2
   */
  readonly measurement?: MeasurementOptions;
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
  /**
   * Judge through an slo-gate instead of Prometheus queries: one web metric POSTs the objectives to the gate,
   * which also compares the canary with stable and refuses to judge too few requests. Every objective must
   * share one window and the analysis-wide `measurement`.
   * @default - Prometheus provider, one metric per objective
   */
  readonly gate?: ISloGate;
  /**
   * Fewer canary requests than this in the window: no judgement. A step's measurement is Inconclusive
   * (never a pass); a background guard does not fail.
   * @default 50
   */
  readonly minRequests?: number;
  /**
   * One-sided confidence of the bounds every metric judges by: a measurement fails only when the
   * canary breaks its objective beyond this confidence. 0.999 keeps a canary exactly at an objective
   * from being failed in more than 1% of rollouts of up to 10 measurements, and a good one far less.
   * @default 0.999
   */
  readonly confidence?: number;
}

const MEASUREMENT_KEYS = ['interval', 'count', 'initialDelay', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit', 'dryRun'] as const;

/** The name of the one metric of an analysis in gate mode. */
export const GATE_METRIC_NAME = 'slo-gate';
/** The template arg carrying the gate's bearer token, from the Secret named by the gate. */
export const GATE_TOKEN_ARG = 'gate-token';
/** The rollout's name, sent to the gate for its logs (gate mode only). */
const ROLLOUT_ARG: SliArg = { name: 'rollout', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

interface BuiltMetric extends ObjectiveMetric {
  readonly options: ResolvedMeasurementOptions;
}

/**
 * An Argo Rollouts AnalysisTemplate (or ClusterAnalysisTemplate) that judges the canary itself
 * against service level objectives, one Prometheus metric per objective (or one slo-gate verdict).
 *
 * Every query selects the canary's own traffic (its pod-template hash, or its ingress-nginx
 * upstream), so a bad canary cannot hide behind stable's traffic, and judges with the uncertainty
 * of what it measured: a metric fails only on confident evidence (a confidence bound beyond the
 * objective), and gives no data below minRequests. How a rollout runs the template decides the
 * conditions: as a step, both conditions, so that no data and NaN are Inconclusive, never a pass; in
 * the background only, a guard with the failure condition alone, so that too little traffic never
 * pauses the rollout. Every query is parsed at construction.
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
  /** The gate judging this analysis, in gate mode. */
  public readonly gate?: ISloGate;
  private readonly measurement: MeasurementOptions;
  private readonly built: BuiltMetric[] = [];
  private readonly gateObjectives: GateObjective[] = [];
  /** The judgement rules every metric follows. */
  public readonly rules: JudgementRules;
  private readonly uses = new Set<TemplateUse>();

  constructor(scope: Construct, id: string, props: SloAnalysisProps) {
    super(scope, id);
    this.sli = props.sli;
    this.clusterScope = props.clusterScope ?? false;
    this.measurement = props.measurement ?? {};
    this.address = props.address ?? DEFAULT_PROMETHEUS_ADDRESS;
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(this.address)) {
      throw new Error(`address must not carry credentials, got ${JSON.stringify(this.address.replace(/\/\/[^/?#]*@/, '//***@'))}: `
        + 'the template is readable by everyone who can read the namespace; put Prometheus behind the slo-gate (its prometheusBasicAuthSecret) or an authenticating proxy');
    }
    if (!/^https?:\/\/[^\s/?#{}"]+(\/[^\s?#{}"]*)?$/.test(this.address)) {
      throw new Error(`address must be an http or https URL of the Prometheus API, got ${JSON.stringify(this.address)}`);
    }
    resolveMeasurementOptions({}, this.measurement);
    this.gate = props.gate;
    const minRequests = props.minRequests ?? DEFAULT_MIN_REQUESTS;
    if (!Number.isInteger(minRequests) || minRequests < 1) {
      throw new Error(`minRequests must be a whole number >= 1, got ${minRequests}`);
    }
    const confidence = props.confidence ?? DEFAULT_CONFIDENCE;
    if (!(confidence >= 0.5 && confidence <= 0.9999)) {
      throw new Error(`confidence must be between 0.5 and 0.9999, got ${confidence}: 0.999 fails a measurement only on strong evidence`);
    }
    this.rules = { minRequests, confidence };
    if (this.gate) this.sli._gate();

    this.resource = addTemplateObject(this, this.clusterScope, props.templateName, () => this.renderSpec());
    this.templateName = this.resource.name;
    this.sli.bind(this);

    for (const o of props.objectives ?? [SloObjective.successRate(), SloObjective.latency()]) {
      this.addObjective(o);
    }
    this.node.addValidation({
      validate: () => {
        if (this.built.length + this.gateObjectives.length === 0) return ['SloAnalysis has no objective: pass objectives or call addObjective()'];
        const refused = this.metricsRefusedByGate();
        if (refused.length > 0) return refused;
        if (this.uses.size === 2) {
          return [`SloAnalysis ${this.templateName} runs both as an analysis step and in the background: use one SloAnalysis for `
            + `the steps and another for the background ${ownRule('a step needs positive evidence and a finite count, a background guard fails only on confident harm and watches until the rollout ends')}`];
        }
        return [];
      },
    });
  }

  /**
   * Adds an objective; returns the metrics it added. Throws when a metric of the same name
   * exists or a query does not parse.
   */
  public addObjective(objective: SloObjective): ObjectiveMetric[] {
    if (this.gate) this.addGateObjective(objective);
    const options = resolveMeasurementOptions(objective.options, this.measurement);
    // In gate mode the gate judges the canary; preconditions (the error-budget policy) stay Prometheus metrics.
    const metrics = objective.metrics(this.sli, this.rules).filter((m) => !this.gate || m.precondition);
    for (const m of metrics) {
      if (this.built.some(b => b.name === m.name)) {
        throw new Error(`objective metric ${m.name} is already in ${this.node.path}: each objective can be added once`);
      }
      checkPromql(`metric ${m.name} of ${this.node.path}`, m.query);
    }
    this.built.push(...metrics.map(m => ({ ...m, options })));
    return metrics;
  }

  private addGateObjective(objective: SloObjective): void {
    const g = objective._gate;
    if (!g) {
      throw new Error(`an objective of ${this.node.path} cannot be judged by the slo-gate (canary health and burn-rate windows need `
        + 'the Prometheus provider): drop it, or use a separate SloAnalysis without gate');
    }
    const own = MEASUREMENT_KEYS.filter(k => objective.options[k] !== undefined);
    if (own.length > 0) {
      throw new Error(`objective ${g.name} of ${this.node.path} sets ${own.join(', ')}: in gate mode one measurement judges every objective, `
        + 'so set them on the SloAnalysis measurement');
    }
    const first = this.gateObjectives[0];
    if (first && first.window.toSeconds() !== g.window.toSeconds()) {
      throw new Error(`objective ${g.name} of ${this.node.path} has window ${promDuration('window', g.window)} but ${first.name} has `
        + `${promDuration('window', first.window)}: in gate mode every objective shares one window`);
    }
    if (this.gateObjectives.some((o) => o.name === g.name)) {
      throw new Error(`objective ${g.name} is already in ${this.node.path}: each objective can be added once`);
    }
    this.gateObjectives.push(g);
  }

  /** The app source's metric names the gate would refuse (it serves only its allowedMetrics). */
  private metricsRefusedByGate(): string[] {
    const app = this.gate ? this.sli._gate().source.app : undefined;
    if (!this.gate || !app) return [];
    const used: Array<[string, string]> = [['requestsMetric', app.requestsMetric ?? DEFAULT_REQUESTS_METRIC]];
    if (app.durationMetric !== undefined || this.gateObjectives.some((g) => g.objectives.latency)) {
      used.push(['durationMetric', app.durationMetric ?? DEFAULT_DURATION_METRIC]);
    }
    const allowed = this.gate.allowedMetrics;
    return used.filter(([, name]) => !allowed.includes(name)).map(([prop, name]) => `sliSource.app ${prop} '${name}' of ${this.node.path} is not `
      + `among the slo-gate's allowedMetrics ${JSON.stringify(allowed)}, so the gate would refuse every verdict: add it to the SloGate's allowedMetrics`);
  }

  /** @internal A rollout runs this template as a step or in the background: its conditions and a count nobody set follow from it. */
  public _noteUse(use: TemplateUse): void {
    this.uses.add(use);
  }

  /** True when rollouts run this template only in the background: its metrics are guards. */
  private get guard(): boolean {
    return this.uses.size === 1 && this.uses.has('background');
  }

  /** The count a metric is emitted with: the one set, else until the rollout ends when run only in the background, else 4. */
  private count(o: ResolvedMeasurementOptions): number | undefined {
    if (!o.countDefaulted) return o.count;
    return this.guard ? undefined : DEFAULT_COUNT;
  }

  /** The conditions a metric is emitted with: a guard keeps the failure condition alone. */
  private conditions(m: ObjectiveMetric): MetricConditions {
    return this.guard || m.precondition ? { failureCondition: m.conditions.failureCondition } : m.conditions;
  }

  /** The template's dryRun entries: the given metrics and every Prometheus metric set to dryRun. */
  private dryRunSpec(names: string[]): Array<{ metricName: string }> | undefined {
    const all = [...names, ...this.built.filter((m) => m.options.dryRun).map((m) => m.name)];
    return all.length > 0 ? all.map((metricName) => ({ metricName })) : undefined;
  }

  /** The Prometheus metrics, as the template emits them. */
  private prometheusMetrics(): AnalysisTemplateSpecMetrics[] {
    return this.built.map(m => ({
      name: m.name,
      ...(m.precondition ? {} : {
        interval: promDuration('interval', m.options.interval),
        count: countSpec(this.count(m.options)),
        initialDelay: m.options.initialDelay.toMilliseconds() === 0 ? undefined : promDuration('initialDelay', m.options.initialDelay),
      }),
      failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(m.precondition ? 0 : m.options.failureLimit),
      inconclusiveLimit: AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber(m.options.inconclusiveLimit),
      consecutiveErrorLimit: AnalysisTemplateSpecMetricsConsecutiveErrorLimit.fromNumber(m.options.consecutiveErrorLimit),
      ...this.conditions(m),
      provider: { prometheus: { address: this.address, query: m.query, timeout: PROMETHEUS_TIMEOUT.toSeconds() } },
    }));
  }

  /** The metrics of the template with their queries and conditions. */
  public get queries(): ObjectiveMetric[] {
    return this.built.map(({ options: _, ...m }) => m);
  }

  public get args(): AnalysisTemplateArg[] {
    const token = this.gate?.authTokenSecret ? [{ name: GATE_TOKEN_ARG, hasDefault: true }] : [];
    return [...this.rolloutArgs.map(a => ({ name: a.name, hasDefault: false, rolloutValueFrom: a.valueFrom })), ...token];
  }

  /** The args a rollout must pass to this template, with where it takes each value from. */
  public get rolloutArgs(): SliArg[] {
    const all = this.gate ? [...this.sli._gate().args, ROLLOUT_ARG] : this.built.flatMap(m => m.args);
    return all.filter((a, i) => all.findIndex(b => b.name === a.name) === i);
  }

  public get metrics(): AnalysisMetricTiming[] {
    const prometheus = this.built.map((m): AnalysisMetricTiming => (m.precondition
      ? { ...timing(m.options), name: m.name, interval: undefined, count: undefined, initialDelay: undefined, failureLimit: 0, window: m.window, timeout: PROMETHEUS_TIMEOUT }
      : { ...timing(m.options), name: m.name, count: this.count(m.options), window: m.window, timeout: PROMETHEUS_TIMEOUT }));
    if (!this.gate) return prometheus;
    const o = resolveMeasurementOptions({}, this.measurement);
    const gate = { ...timing(o), count: this.count(o), name: GATE_METRIC_NAME, window: this.gateObjectives[0]?.window, timeout: webTimeout(this.gate) };
    return [gate, ...prometheus];
  }

  private renderSpec(): AnalysisTemplateSpec {
    if (this.gate) return this.renderGateSpec(this.gate);
    return {
      args: this.rolloutArgs.map(a => ({ name: a.name })),
      metrics: this.prometheusMetrics(),
      dryRun: this.dryRunSpec([]),
    };
  }

  /** One web metric: POST the objectives to the gate, judge its verdict. */
  private renderGateSpec(gate: ISloGate): AnalysisTemplateSpec {
    const o = resolveMeasurementOptions({}, this.measurement);
    const objectives = Object.assign({}, ...this.gateObjectives.map(g => g.objectives),
      { minRequests: this.rules.minRequests, confidence: this.rules.confidence });
    const body: gateContract.VerdictRequest = {
      workload: { namespace: argRef(NAMESPACE_ARG.name), rollout: argRef(ROLLOUT_ARG.name), source: this.sli._gate().source },
      window: promDuration('window', this.gateObjectives[0].window),
      objectives,
    };
    const token = gate.authTokenSecret;
    return {
      args: [
        ...this.rolloutArgs.map(a => ({ name: a.name })),
        ...(token ? [{ name: GATE_TOKEN_ARG, valueFrom: { secretKeyRef: { name: token.name, key: token.key } } }] : []),
      ],
      metrics: [{
        name: GATE_METRIC_NAME,
        interval: promDuration('interval', o.interval),
        count: countSpec(this.count(o)),
        initialDelay: o.initialDelay.toMilliseconds() === 0 ? undefined : promDuration('initialDelay', o.initialDelay),
        failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(o.failureLimit),
        inconclusiveLimit: AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber(o.inconclusiveLimit),
        consecutiveErrorLimit: AnalysisTemplateSpecMetricsConsecutiveErrorLimit.fromNumber(o.consecutiveErrorLimit),
        // "inconclusive" (too few requests, no data) matches neither: Inconclusive, never Successful; a guard
        // keeps the failure condition alone.
        ...(this.guard ? {} : { successCondition: 'result == "pass"' }),
        failureCondition: 'result == "fail"',
        provider: {
          web: {
            method: 'POST',
            url: gate.verdictUrl,
            headers: token ? [{ key: 'Authorization', value: `Bearer ${argRef(GATE_TOKEN_ARG)}` }] : undefined,
            jsonBody: JSON.parse(JSON.stringify(body)),
            jsonPath: '{$.verdict}',
            timeoutSeconds: webTimeout(gate).toSeconds(),
          },
        },
      }, ...this.prometheusMetrics()],
      dryRun: this.dryRunSpec(o.dryRun ? [GATE_METRIC_NAME] : []),
    };
  }
}

/**
 * How long Argo waits for one Prometheus query (the provider's `timeout`; 30s when unset). A range query
 * over the window answers in well under a second; a Prometheus that hangs costs one timeout per measurement.
 */
const PROMETHEUS_TIMEOUT = Duration.seconds(10);

/** How long Argo waits for the gate's verdict: the gate's own deadline and 3s for the network. */
function webTimeout(gate: ISloGate): Duration {
  return Duration.seconds(gate.verdictTimeout.toSeconds() + 3);
}

function countSpec(count: number | undefined): AnalysisTemplateSpecMetricsCount | undefined {
  return count === undefined ? undefined : AnalysisTemplateSpecMetricsCount.fromNumber(count);
}

function timing(o: ResolvedMeasurementOptions): Omit<AnalysisMetricTiming, 'name' | 'window'> {
  return {
    interval: o.interval,
    count: o.count,
    initialDelay: o.initialDelay.toMilliseconds() === 0 ? undefined : o.initialDelay,
    failureLimit: o.failureLimit,
    inconclusiveLimit: o.inconclusiveLimit,
    consecutiveErrorLimit: o.consecutiveErrorLimit,
    dryRun: o.dryRun,
  };
}
