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

/**
 * The terms of the worst-case time from a bad canary to abort, in seconds. Argo schedules a metric's
 * next measurement `interval` after the previous one finished (10s after an Error), and a measurement
 * lasts up to the provider's timeout, so one cycle is interval + timeout. Two cases bound it: a canary
 * bad from the start (the first measurement, at initialDelay, sees it) and a fault that starts just
 * after a measurement began (the first measurement whose window holds only the fault starts within
 * window + one cycle).
 */
export interface TimeToAbortTerms {
  /** The metric the figure belongs to. */
  readonly metric: string;
  /** initialDelay: no measurement happens before it. */
  readonly initialDelay: number;
  /** The query window: a fault that starts mid-run shows in full only after it. */
  readonly window: number;
  /** The interval between measurements (0 for a single measurement). */
  readonly interval: number;
  /** The longest a measurement can take (the provider's timeout). */
  readonly timeout: number;
  /** failureLimit x (interval + timeout): the tolerated failures after the first one. */
  readonly failures: number;
  /** (consecutiveErrorLimit + 1) x timeout + consecutiveErrorLimit x 10s: the measurements that error, retried 10s apart. */
  readonly errors: number;
  /**
   * The failure path: max(initialDelay, window + interval + timeout) + failureLimit x (interval + timeout)
   * + timeout; for a single measurement, initialDelay + timeout (it judges once, on what it has seen by then).
   */
  readonly failurePath: number;
  /** True when the metric measures once (no interval, or count 1). */
  readonly single: boolean;
  /**
   * The error path (measurements that error instead of failing): max(initialDelay, interval + timeout)
   * + errors; for a single measurement, initialDelay + errors.
   */
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
  const t = seconds(m.timeout);
  const single = m.interval === undefined || m.count === 1;
  const i = single ? 0 : seconds(m.interval);
  const cycle = i + t;
  const failures = m.failureLimit * cycle;
  const failurePath = single ? d + t : Math.max(d, w + cycle) + failures + t;
  const errors = (m.consecutiveErrorLimit + 1) * t + m.consecutiveErrorLimit * ERROR_RETRY_INTERVAL.toSeconds();
  const errorPath = (single ? d : Math.max(d, cycle)) + errors;
  const base = { metric: m.name, initialDelay: d, window: w, interval: i, timeout: t, failures, errors, failurePath, errorPath, single };
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
  const cycle = t.timeout > 0 ? `(${t.interval}s interval + ${t.timeout}s timeout)` : `${t.interval}s interval`;
  const parts: string[] = [];
  if (t.failurePath >= t.errorPath) {
    if (t.single || t.initialDelay > t.window + t.interval + t.timeout) parts.push(`${t.initialDelay}s initialDelay`);
    else parts.push(`${t.window}s window`, cycle);
    if (t.failures > 0) parts.push(`${t.failures}s failureLimit x ${cycle}`);
    if (t.timeout > 0) parts.push(`${t.timeout}s timeout`);
  } else {
    parts.push(t.single || t.initialDelay > t.interval + t.timeout ? `${t.initialDelay}s initialDelay` : cycle);
    parts.push(`${t.errors}s (consecutiveErrorLimit + 1) errors${t.timeout > 0 ? ` of up to ${t.timeout}s` : ''}, 10s apart`);
  }
  const single = t.single && t.failurePath >= t.errorPath ? ' (a single measurement)' : '';
  return `${t.metric}: ${t.total}s = ${parts.join(' + ')}${single}`;
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
