import { Duration } from 'cdk8s';
import { AnalysisMetricTiming } from './template-ref';

/**
 * Timing arithmetic of analysis metrics, pure: how long a bad canary can live before a metric
 * aborts the rollout, and how long a finite analysis runs.
 */

/** Argo's defaults for a metric's limits when the template leaves them out. */
export const ARGO_METRIC_DEFAULTS = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 } as const;

/** Argo retries a measurement that errored after this delay, not after the metric's interval. */
export const ERROR_RETRY_INTERVAL = Duration.seconds(10);

/** The terms of the worst-case time from a bad canary to abort, in seconds. */
export interface TimeToAbortTerms {
  /** The metric the figure belongs to. */
  readonly metric: string;
  /** initialDelay: no measurement happens before it. */
  readonly initialDelay: number;
  /** The query window: a fault that starts mid-run shows in full only after it. */
  readonly window: number;
  /** The interval between measurements (0 for a single measurement). */
  readonly interval: number;
  /** (failureLimit + 1) x interval: the measurement that first sees the fault, then the tolerated failures. */
  readonly failures: number;
  /** (consecutiveErrorLimit + 1) x 10s: the measurements that error, retried every 10s. */
  readonly errors: number;
  /**
   * The failure path: initialDelay + window + (failureLimit + 1) x interval; for a single measurement,
   * initialDelay alone (it judges once, on what it has seen by then).
   */
  readonly failurePath: number;
  /** True when the metric measures once (no interval, or count 1). */
  readonly single: boolean;
  /** The error path (measurements that error instead of failing): initialDelay + interval + (consecutiveErrorLimit + 1) x 10s. */
  readonly errorPath: number;
  /** The larger of the two paths; undefined when the metric can never abort (dry run, failureLimit -1). */
  readonly total?: number;
  /** Why the metric can never abort, when it cannot. */
  readonly never?: string;
}

/** Worst-case time from a bad canary to abort for one metric, with its terms. */
export function timeToAbort(m: AnalysisMetricTiming): TimeToAbortTerms {
  const d = seconds(m.initialDelay);
  const w = seconds(m.window);
  const i = seconds(m.interval);
  const single = m.interval === undefined || m.count === 1;
  const failures = (m.failureLimit + 1) * i;
  const failurePath = single ? d : d + w + failures;
  const errors = (m.consecutiveErrorLimit + 1) * ERROR_RETRY_INTERVAL.toSeconds();
  const errorPath = d + i + errors;
  const base = { metric: m.name, initialDelay: d, window: w, interval: i, failures, errors, failurePath, errorPath, single };
  if (m.dryRun) return { ...base, never: 'dry run' };
  if (m.failureLimit < 0) return { ...base, never: 'failureLimit -1' };
  if (m.interval === undefined && m.failureLimit > 0) {
    return { ...base, never: `a single measurement cannot exceed failureLimit ${m.failureLimit}` };
  }
  if (m.count !== undefined && m.failureLimit >= m.count) {
    return { ...base, never: `failureLimit ${m.failureLimit} is not below count ${m.count}` };
  }
  return { ...base, total: Math.max(failurePath, errorPath) };
}

/**
 * The worst case over the metrics of an analysis: the metric that takes longest to abort among
 * those that can abort. Undefined when no metric can abort.
 */
export function worstTimeToAbort(metrics: AnalysisMetricTiming[]): TimeToAbortTerms | undefined {
  return metrics.map(timeToAbort)
    .filter(t => t.total !== undefined)
    .sort((a, b) => b.total! - a.total!)[0];
}

/** Renders the terms of a time to abort, for an error message: `error-rate: 30s initialDelay + ...`. */
export function describeTimeToAbort(t: TimeToAbortTerms): string {
  if (t.total === undefined) return `${t.metric}: never aborts (${t.never})`;
  const path = t.failurePath >= t.errorPath
    ? (t.single ? `${t.initialDelay}s initialDelay (a single measurement)`
      : `${t.initialDelay}s initialDelay + ${t.window}s window + ${t.failures}s (failureLimit + 1) x interval`)
    : `${t.initialDelay}s initialDelay + ${t.interval}s interval + ${t.errors}s (consecutiveErrorLimit + 1) x 10s`;
  return `${t.metric}: ${t.total}s = ${path}`;
}

/**
 * How long a finite analysis runs when every measurement passes: initialDelay + (count - 1) x
 * interval for its slowest metric (the run ends with its last measurement). Undefined when a
 * metric runs until the rollout ends (interval without count).
 */
export function analysisRunDuration(metrics: AnalysisMetricTiming[]): number | undefined {
  let longest = 0;
  for (const m of metrics) {
    if (m.interval !== undefined && m.count === undefined) return undefined;
    const count = m.count ?? 1;
    longest = Math.max(longest, seconds(m.initialDelay) + (count - 1) * seconds(m.interval));
  }
  return longest;
}

function seconds(d: Duration | undefined): number {
  return d === undefined ? 0 : d.toSeconds();
}
