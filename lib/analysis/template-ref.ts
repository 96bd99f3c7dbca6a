import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The timing of one metric of an analysis template: what the plan arithmetic needs to compute
 * how long an analysis runs and how long a bad canary can live before the analysis aborts it.
 */
export interface AnalysisMetricTiming {
  /** The metric's name in the template. */
  readonly name: string;
  /** Time between measurements. Undefined means a single measurement. */
  readonly interval?: Duration;
  /** Number of measurements. Undefined with an interval means: until the rollout ends (background only). */
  readonly count?: number;
  /** Delay before the first measurement. */
  readonly initialDelay?: Duration;
  /** Failed measurements tolerated before the metric fails (Argo's failureLimit; -1 disables). */
  readonly failureLimit: number;
  /** Inconclusive measurements tolerated (Argo's inconclusiveLimit). */
  readonly inconclusiveLimit: number;
  /** Consecutive errors tolerated before the metric errors (Argo's consecutiveErrorLimit). */
  readonly consecutiveErrorLimit: number;
  /** The lookback window of the metric's query, if it has one: a fault shows fully only after it. */
  readonly window?: Duration;
  /** A dry-run metric never fails the run. */
  readonly dryRun: boolean;
  /**
   * The longest one measurement can take: the provider's timeout (Prometheus `timeout`, 30s when unset;
   * web `timeoutSeconds`, 10s when unset). Argo schedules the next measurement from the end of the last one.
   * @default - 0: measurements taken as instant (providers without a timeout, e.g. a Job)
   */
  readonly timeout?: Duration;
}

/** Where a rollout takes the value of a template arg from (the Rollout's analysis `args[].valueFrom`). */
export interface RolloutArgValueFrom {
  readonly podTemplateHashValue?: 'Stable' | 'Latest';
  readonly fieldRef?: RolloutFieldRef;
}

/** A field of the Rollout whose value an analysis arg takes, e.g. `metadata.labels['app']`. */
export interface RolloutFieldRef {
  /** The field's path in the Rollout object. */
  readonly fieldPath: string;
}

/** An argument an analysis template declares. */
export interface AnalysisTemplateArg {
  readonly name: string;
  /** True when the template gives the arg a value (or valueFrom), so a rollout need not supply it. */
  readonly hasDefault: boolean;
  /**
   * What a rollout passes for this arg when it does not pass the arg itself, e.g. the canary's
   * pod-template hash. Rollouts of this library fill it in.
   */
  readonly rolloutValueFrom?: RolloutArgValueFrom;
}

/** An Argo AnalysisTemplate or ClusterAnalysisTemplate that a rollout can reference. */
export interface IAnalysisTemplate extends IConstruct {
  /** metadata.name of the template. */
  readonly templateName: string;
  /** True for a ClusterAnalysisTemplate. */
  readonly clusterScope: boolean;
  /** The args the template declares. */
  readonly args: AnalysisTemplateArg[];
  /** The timing of each metric, for the plan arithmetic. */
  readonly metrics: AnalysisMetricTiming[];
  /**
   * Why the timing of the template's metrics is unknown (then `metrics` is empty), e.g. a template
   * referenced by name whose timing nobody stated: the plan says so, and budgets need the timing.
   * @default - the timing is known: `metrics`
   */
  readonly timingUnknown?: string;
}

/** How a rollout runs a template: as a step (inline, blue-green pre/post-promotion) or in the background. */
export type TemplateUse = 'inline' | 'background';

/**
 * Tells a template how a rollout runs it. Templates that choose their measurement count by use
 * (SloAnalysis without a count: 4 inline, until the rollout ends in the background) take note;
 * others ignore it. Rollouts call it when they are given the template.
 */
export function noteTemplateUse(template: IAnalysisTemplate, use: TemplateUse): void {
  const aware = template as IAnalysisTemplate & { _noteUse?: (use: TemplateUse) => void };
  if (typeof aware._noteUse === 'function') aware._noteUse(use);
}
