import { Duration } from 'cdk8s';
import * as gateContract from '../gate/contract';
import { errorDifferenceLowerBound, errorLowerBound, successUpperBound, withMinRequests } from './bounds';
import { atLeast, atMost, bothAbove, literal } from './conditions';
import { MetricConditions } from './expr-eval';
import { argRef, promDuration } from './promql';
import { CANARY_HASH_ARG, NAMESPACE_ARG, SliArg, SliSource } from './sli-source';

/**
 * How often and how long a metric measures, and how much it tolerates. Every field left out
 * takes the analysis' `measurement` setting, then the default documented here. The defaults aim
 * at fast, safe detection: a failing measurement aborts at once (traffic back to stable is the
 * safe side), one measurement without data is tolerated before a human is asked, and a short
 * Prometheus hiccup (two errors, 20s) is tolerated before the run errors.
 */
export interface MeasurementOptions {
  /**
   * Time between measurements.
   * @default 30s
   */
  readonly interval?: Duration;
  /**
   * Number of measurements; 0 measures until the rollout ends (background analysis only).
   * @default - 4 when a rollout runs the template as an analysis step (or blue-green pre/post-promotion);
   * until the rollout ends when it runs the template only as background analysis
   */
  readonly count?: number;
  /**
   * Delay before the first measurement: two scrapes of the canary's traffic, so a rate exists.
   * @default 30s
   */
  readonly initialDelay?: Duration;
  /**
   * Failed measurements tolerated; the next one fails the metric. To measure without ever failing,
   * use `dryRun` (Argo Rollouts rejects failureLimit -1 without a consecutiveSuccessLimit).
   * @default 0
   */
  readonly failureLimit?: number;
  /**
   * Inconclusive measurements (no data) tolerated; the next one pauses the rollout.
   * @default 1
   */
  readonly inconclusiveLimit?: number;
  /**
   * Consecutive errors (Prometheus unreachable, bad answer) tolerated; Argo retries every 10s.
   * @default 2
   */
  readonly consecutiveErrorLimit?: number;
  /**
   * Measure and report, but never fail the run.
   * @default false
   */
  readonly dryRun?: boolean;
}

/** MeasurementOptions with every default applied. */
export interface ResolvedMeasurementOptions {
  readonly interval: Duration;
  /** Undefined: until the rollout ends. */
  readonly count?: number;
  /** True when nobody set count: the default (4) then gives way to "until the rollout ends" in background analysis. */
  readonly countDefaulted: boolean;
  readonly initialDelay: Duration;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  readonly dryRun: boolean;
}

/** Measurements of a finite analysis when the template does not say. */
export const DEFAULT_COUNT = 4;

/** Resolves options: the objective's own, then the analysis-wide ones, then the defaults. */
export function resolveMeasurementOptions(own: MeasurementOptions, shared: MeasurementOptions = {}): ResolvedMeasurementOptions {
  const pick = <K extends keyof MeasurementOptions>(k: K) => own[k] ?? shared[k];
  const count = pick('count') ?? DEFAULT_COUNT;
  const r = {
    interval: pick('interval') ?? Duration.seconds(30),
    count: count === 0 ? undefined : count,
    countDefaulted: pick('count') === undefined,
    initialDelay: pick('initialDelay') ?? Duration.seconds(30),
    failureLimit: pick('failureLimit') ?? 0,
    inconclusiveLimit: pick('inconclusiveLimit') ?? 1,
    consecutiveErrorLimit: pick('consecutiveErrorLimit') ?? 2,
    dryRun: pick('dryRun') ?? false,
  };
  checkOptions(r, count);
  return r;
}

function checkOptions(r: ResolvedMeasurementOptions, count: number): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number >= ${min}, got ${v}`);
  };
  int('count', count, 0);
  if (r.failureLimit === -1) {
    throw new Error('failureLimit must be a whole number >= 0, got -1: Argo Rollouts rejects a metric whose failureLimit (-1) and '
      + 'consecutiveSuccessLimit are both disabled, errors the AnalysisRun and aborts the rollout; to measure without failing, set dryRun: true');
  }
  int('failureLimit', r.failureLimit, 0);
  int('inconclusiveLimit', r.inconclusiveLimit, 0);
  int('consecutiveErrorLimit', r.consecutiveErrorLimit, 0);
  promDuration('interval', r.interval);
  if (r.initialDelay.toMilliseconds() !== 0) promDuration('initialDelay', r.initialDelay);
  if (r.count !== undefined && r.count < r.failureLimit) {
    throw new Error(`count must be at least failureLimit, got count ${r.count} and failureLimit ${r.failureLimit}: raise count or lower failureLimit`);
  }
  if (r.count !== undefined && r.count < r.inconclusiveLimit) {
    throw new Error(`count must be at least inconclusiveLimit, got count ${r.count} and inconclusiveLimit ${r.inconclusiveLimit}: raise count or lower inconclusiveLimit`);
  }
}

/** What an objective contributes to an slo-gate verdict request. */
export interface GateObjective {
  /** The objective's name, for messages. */
  readonly name: string;
  readonly window: Duration;
  readonly objectives: gateContract.Objectives;
}

/** One Prometheus metric an objective contributes to the template. */
export interface ObjectiveMetric {
  readonly name: string;
  readonly query: string;
  /**
   * Success and failure conditions, as a step needs them. In a template that rollouts run only in the
   * background the metric is a guard: it keeps the failure condition alone, so that too little data
   * never pauses the rollout.
   */
  readonly conditions: MetricConditions;
  /** The query's lookback window (the longest, for multi-window queries). */
  readonly window?: Duration;
  /** The template args the query uses. */
  readonly args: SliArg[];
  /**
   * A precondition of the release rather than a judgement of the canary (the error-budget policy): one
   * measurement when the analysis starts, failure condition only.
   */
  readonly precondition?: boolean;
}

/** How every metric of an analysis judges what it measured: the analysis-wide settings objectives follow. */
export interface JudgementRules {
  /** Fewer canary requests than this in the window: no judgement (Inconclusive at a step; never a failure in the background). */
  readonly minRequests: number;
  /** One-sided confidence of every bound: a metric fails only on evidence this strong. */
  readonly confidence: number;
}

/** Props shared by the objectives that query a window. */
export interface WindowedObjectiveProps extends MeasurementOptions {
  /**
   * The query's lookback window.
   * @default 2m
   */
  readonly window?: Duration;
}

/** Props of `SloObjective.successRate()`. */
export interface SuccessRateProps extends WindowedObjectiveProps {
  /**
   * The lowest acceptable share of non-error requests of the canary. The metric fails when the upper
   * confidence bound of the canary's success rate is below it.
   * @default 0.95
   */
  readonly objective?: number;
}

/** Props of `SloObjective.latency()`. */
export interface LatencyProps extends WindowedObjectiveProps {
  /**
   * The quantile of request duration, e.g. 0.95 for p95.
   * @default 0.95
   */
  readonly quantile?: number;
  /**
   * The highest acceptable duration at that quantile.
   * @default 3s
   */
  readonly threshold?: Duration;
}

/** Props of `SloObjective.errorBudget()`. */
export interface ErrorBudgetProps extends WindowedObjectiveProps {
  /**
   * The service level objective: the share of good requests over the SLO period.
   * @default 0.99
   */
  readonly objective?: number;
  /**
   * The error-budget policy: the release does not go on when less than this share of the service's
   * error budget is left over `period`, spent before this release (the traffic of every version but
   * the canary's): 1 - (error ratio over the period / (1 - objective)), by the upper confidence bound
   * of what is left. Checked once when the analysis starts. 0 turns the check off.
   * @default 0.05
   */
  readonly minBudgetRemaining?: number;
  /**
   * The SLO period the budget is counted over.
   * @default 30 days
   */
  readonly period?: Duration;
  /**
   * The canary fails when it burns the budget faster than this: when the lower confidence bound of its
   * burn rate (error ratio over `window` / (1 - objective)) is above it. At 2x a version would spend a
   * 30-day budget in 15 days.
   * @default 2
   */
  readonly maxBurnRate?: number;
  /**
   * Multi-window burn-rate checks, one metric each, in addition to the canary's burn rate.
   * @default - none
   */
  readonly burnRateWindows?: BurnRateWindow[];
}

/** Props of `BurnRateWindow.of()`. */
export interface BurnRateWindowProps {
  readonly longWindow: Duration;
  readonly shortWindow: Duration;
  /** The burn rate that both windows must exceed for the check to fail. */
  readonly factor: number;
}

/**
 * A multi-window burn-rate pair (Google SRE workbook): the check fails when the burn rate
 * (error ratio / error budget) exceeds `factor` over both windows.
 */
export class BurnRateWindow {
  /** 14.4x over 1h and 5m: 2% of a 30-day budget in an hour. */
  public static fast(): BurnRateWindow {
    return new BurnRateWindow({ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), factor: 14.4 });
  }
  /** 6x over 6h and 30m: 5% of a 30-day budget in six hours. */
  public static medium(): BurnRateWindow {
    return new BurnRateWindow({ longWindow: Duration.hours(6), shortWindow: Duration.minutes(30), factor: 6 });
  }
  /** Your own pair. */
  public static of(props: BurnRateWindowProps): BurnRateWindow {
    return new BurnRateWindow(props);
  }

  public readonly longWindow: Duration;
  public readonly shortWindow: Duration;
  public readonly factor: number;

  private constructor(props: BurnRateWindowProps) {
    if (!(props.factor > 0) || !Number.isFinite(props.factor)) {
      throw new Error(`burnRateWindow factor must be a number above 0, got ${props.factor}`);
    }
    const long = promDuration('burnRateWindow longWindow', props.longWindow);
    const short = promDuration('burnRateWindow shortWindow', props.shortWindow);
    if (props.shortWindow.toSeconds() >= props.longWindow.toSeconds()) {
      throw new Error(`burnRateWindow shortWindow must be shorter than longWindow, got ${short} and ${long}`);
    }
    this.longWindow = props.longWindow;
    this.shortWindow = props.shortWindow;
    this.factor = props.factor;
  }
}

/** Props of `SloObjective.canaryHealth()`. */
export interface CanaryHealthProps extends WindowedObjectiveProps {
  /**
   * The lowest acceptable share of ready canary pods.
   * @default 1
   */
  readonly minReadyRatio?: number;
  /**
   * The most container restarts of canary pods acceptable within the window.
   * @default 0
   */
  readonly maxRestarts?: number;
}

/** Props of `SloObjective.stableComparison()`. */
export interface StableComparisonProps extends WindowedObjectiveProps {
  /**
   * How much higher than stable's the canary's error ratio may be (0.01: one point).
   * @default 0.01
   */
  readonly tolerance?: number;
}

/** One objective the canary is judged against; each becomes one or more metrics. */
export abstract class SloObjective {
  /**
   * Canary success rate (non-error requests / all requests) >= objective: the metric's value is the
   * upper confidence bound of the canary's success rate, and it fails when even that is below the objective.
   */
  public static successRate(props: SuccessRateProps = {}): SloObjective {
    const objective = props.objective ?? 0.95;
    ratio('successRate objective', objective, false);
    const window = windowOf('successRate', props);
    return build(props, (source, rules) => {
      const canary = source.eventCounts('canary', window);
      return [{
        name: 'success-rate',
        query: withMinRequests(successUpperBound(canary, rules.confidence), [canary], rules.minRequests),
        conditions: atLeast(objective),
        window,
        args: source.args('canary'),
      }];
    }, { name: 'successRate', window, objectives: { successRate: objective } });
  }

  /** Canary request duration at a quantile <= threshold, judged once the canary served minRequests requests. */
  public static latency(props: LatencyProps = {}): SloObjective {
    const quantile = props.quantile ?? 0.95;
    if (!(quantile > 0 && quantile < 1)) {
      throw new Error(`latency quantile must be between 0 and 1 (exclusive), got ${quantile}`);
    }
    const threshold = props.threshold ?? Duration.seconds(3);
    if (threshold.toMilliseconds() <= 0) {
      throw new Error(`latency threshold must be above 0, got ${threshold.toMilliseconds()}ms`);
    }
    const window = windowOf('latency', props);
    const name = `latency-p${String(round(quantile * 100)).replace('.', '')}`;
    return build(props, (source, rules) => {
      if (!source.hasLatency) {
        throw new Error(`latency objective needs latency histograms, but the ${source.kind} sli source has none: set latencyBuckets or drop the latency objective`);
      }
      return [{
        name,
        query: withMinRequests(source.latencyQuantile('canary', quantile, window), [source.eventCounts('canary', window)], rules.minRequests),
        conditions: atMost(threshold.toMilliseconds() / 1000),
        window,
        args: source.args('canary'),
      }];
    }, { name: 'latency', window, objectives: { latency: { quantile, thresholdSeconds: threshold.toMilliseconds() / 1000 } } });
  }

  /**
   * The error budget as SRE practice means it, two checks:
   * - policy (`error-budget-remaining`, once when the analysis starts): at least minBudgetRemaining of
   *   the service's budget is left over the SLO period;
   * - burn rate (`burn-rate`): the canary does not burn the budget confidently faster than maxBurnRate
   *   over the window;
   * plus optional multi-window burn-rate checks.
   */
  public static errorBudget(props: ErrorBudgetProps = {}): SloObjective {
    const objective = props.objective ?? 0.99;
    ratio('errorBudget objective', objective, true);
    const minRemaining = props.minBudgetRemaining ?? 0.05;
    if (!(minRemaining >= 0 && minRemaining < 1)) {
      throw new Error(`errorBudget minBudgetRemaining must be between 0 and 1 (1 excluded), got ${minRemaining}`);
    }
    const maxBurnRate = props.maxBurnRate ?? 2;
    if (!(maxBurnRate > 0) || !Number.isFinite(maxBurnRate)) {
      throw new Error(`errorBudget maxBurnRate must be a number above 0, got ${maxBurnRate}`);
    }
    const period = props.period ?? Duration.days(30);
    promDuration('errorBudget period', period);
    const window = windowOf('errorBudget', props);
    if (period.toSeconds() <= window.toSeconds()) {
      throw new Error(`errorBudget period must be longer than the window (${promDuration('window', window)}), got ${promDuration('period', period)}: `
        + 'the period is the SLO period, e.g. 28 or 30 days');
    }
    const budget = literal(round(1 - objective));
    const errorRatio = (source: SliSource, w: Duration) => `(1 - (${source.successRatio('canary', w)}))`;
    return build(props, (source, rules) => {
      const canary = source.eventCounts('canary', window);
      const service = source.serviceEventCounts(period);
      return [
        ...(minRemaining > 0 ? [{
          name: 'error-budget-remaining',
          // The upper bound of the budget left: a young service's few requests cannot block a release.
          query: `1 - (${errorLowerBound(service, rules.confidence)}) / ${budget}`,
          conditions: { failureCondition: atLeast(minRemaining).failureCondition },
          window: period,
          args: source.args('canary'),
          precondition: true,
        }] : []),
        {
          name: 'burn-rate',
          query: withMinRequests(`(${errorLowerBound(canary, rules.confidence)}) / ${budget}`, [canary], rules.minRequests),
          conditions: atMost(maxBurnRate),
          window,
          args: source.args('canary'),
        },
        ...(props.burnRateWindows ?? []).map(b => {
          const long = promDuration('longWindow', b.longWindow);
          const short = promDuration('shortWindow', b.shortWindow);
          const burn = (w: Duration, label: string) =>
            `label_replace(${errorRatio(source, w)} / ${budget}, "window", "${label}", "", "")`;
          return {
            name: `burn-rate-${long}-${short}`,
            query: `${burn(b.longWindow, long)} or ${burn(b.shortWindow, short)}`,
            conditions: bothAbove(b.factor),
            window: b.longWindow,
            args: source.args('canary'),
          };
        }),
      ];
    }, props.burnRateWindows?.length ? undefined : {
      name: 'errorBudget', window, objectives: { errorBudget: { objective, maxBurnRate } },
    });
  }

  /**
   * The canary's pods are ready and do not restart, from kube-state-metrics
   * (kube_pod_status_ready, kube_pod_container_status_restarts_total). Canary pods are found by
   * name: a rollout's pods are named `<rollout>-<pod-template-hash>-<suffix>`.
   */
  public static canaryHealth(props: CanaryHealthProps = {}): SloObjective {
    const minReady = props.minReadyRatio ?? 1;
    ratio('canaryHealth minReadyRatio', minReady, false);
    const maxRestarts = props.maxRestarts ?? 0;
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
      throw new Error(`canaryHealth maxRestarts must be a whole number >= 0, got ${maxRestarts}`);
    }
    const window = windowOf('canaryHealth', props);
    const pods = `namespace="${argRef(NAMESPACE_ARG.name)}", pod=~".+-${argRef(CANARY_HASH_ARG.name)}-[a-z0-9]+"`;
    const w = promDuration('window', window);
    return build(props, () => [
      {
        name: 'canary-ready',
        query: `sum(kube_pod_status_ready{${pods}, condition="true"}) / count(kube_pod_status_ready{${pods}, condition="true"})`,
        conditions: atLeast(minReady),
        args: [NAMESPACE_ARG, CANARY_HASH_ARG],
      },
      {
        name: 'canary-restarts',
        query: `sum(increase(kube_pod_container_status_restarts_total{${pods}}[${w}]))`,
        conditions: atMost(maxRestarts),
        window,
        args: [NAMESPACE_ARG, CANARY_HASH_ARG],
      },
    ]);
  }

  /**
   * The canary's error ratio is not worse than stable's by more than `tolerance`: the metric's value is
   * the lower confidence bound (Agresti-Caffo) of the canary's error ratio minus stable's. Too little
   * traffic on either side gives no data.
   */
  public static stableComparison(props: StableComparisonProps = {}): SloObjective {
    const tolerance = props.tolerance ?? 0.01;
    if (!(tolerance >= 0 && tolerance < 1)) {
      throw new Error(`stableComparison tolerance must be between 0 and 1 (1 excluded), got ${tolerance}`);
    }
    const window = windowOf('stableComparison', props);
    return build(props, (source, rules) => {
      const [canary, stable] = [source.eventCounts('canary', window), source.eventCounts('stable', window)];
      return [{
        name: 'error-ratio-vs-stable',
        query: withMinRequests(errorDifferenceLowerBound(canary, stable, rules.confidence), [canary, stable], rules.minRequests),
        conditions: atMost(tolerance),
        window,
        args: unique([...source.args('canary'), ...source.args('stable')]),
      }];
    }, { name: 'stableComparison', window, objectives: { comparison: { errorRatioTolerance: tolerance } } });
  }

  /** The objective's own measurement options. */
  public abstract readonly options: MeasurementOptions;

  /** @internal What the objective asks of the slo-gate; undefined when the gate cannot judge it. */
  public abstract readonly _gate?: GateObjective;

  /** The metrics the objective contributes, for a source, judged by the analysis' rules. */
  public abstract metrics(source: SliSource, rules: JudgementRules): ObjectiveMetric[];
}

function build(options: MeasurementOptions, metrics: (source: SliSource, rules: JudgementRules) => ObjectiveMetric[], gate?: GateObjective): SloObjective {
  return new class extends SloObjective {
    public readonly options = options;
    public readonly _gate = gate;
    public metrics(source: SliSource, rules: JudgementRules) { return metrics(source, rules); }
  }();
}

function windowOf(prop: string, props: WindowedObjectiveProps): Duration {
  const window = props.window ?? Duration.minutes(2);
  promDuration(`${prop} window`, window);
  return window;
}

function ratio(prop: string, v: number, exclusiveOne: boolean): void {
  const ok = exclusiveOne ? v > 0 && v < 1 : v > 0 && v <= 1;
  if (!ok) {
    throw new Error(`${prop} must be between 0 and 1 (${exclusiveOne ? 'both excluded' : '0 excluded'}), got ${v}`);
  }
}

/** Removes floating-point noise such as 0.010000000000000009 from 1 - 0.99. */
function round(n: number): number {
  return Number(n.toPrecision(12));
}

function unique(args: SliArg[]): SliArg[] {
  return args.filter((a, i) => args.findIndex(b => b.name === a.name) === i);
}
