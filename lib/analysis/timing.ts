import { parser } from '@prometheus-io/lezer-promql';
import { Duration } from 'cdk8s';
import { findSyntaxError } from './promql';
import { AnalysisMetricTiming } from './template-ref';
import { parseDurationSeconds } from '../util/internal-duration';

/**
 * Timing of analysis metrics, pure: read from a template object (what the plan command and the
 * template constructs both use), how long a bad canary can live before a metric aborts the
 * rollout, and how long a finite analysis runs.
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

type Json = { [key: string]: any };

/**
 * The timing of each metric of an AnalysisTemplate or ClusterAnalysisTemplate object, with Argo's
 * defaults (failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4) and `{{args.x}}`
 * placeholders replaced by the template's own arg values.
 */
export function metricTimings(template: Json): AnalysisMetricTiming[] {
  const spec: Json = template.spec ?? {};
  const where = `${template.kind} ${[template.metadata?.namespace, template.metadata?.name ?? ''].filter((x) => x).join('/')}`;
  const args = argValues(spec);
  const metrics: Json[] = spec.metrics ?? [];
  const dryRun = (spec.dryRun ?? []).map((d: Json, i: number) => {
    let pattern: RegExp;
    try { pattern = new RegExp(d.metricName); } catch {
      throw new Error(`${where}: dryRun[${i}].metricName '${d.metricName}' is not a regular expression: use a metric name or a pattern such as '.*'`);
    }
    if (!metrics.some((m) => pattern.test(m.name))) {
      throw new Error(`${where}: dryRun[${i}].metricName '${d.metricName}' matches no metric, and Argo fails such an analysis: fix the name or remove the entry`);
    }
    return pattern;
  });
  return metrics.map((m): AnalysisMetricTiming => {
    const at = `${where}, metric ${m.name}`;
    const duration = (prop: string): Duration | undefined => {
      if (m[prop] === undefined) return undefined;
      return durationOf(at, prop, resolveArgs(at, prop, m[prop], args));
    };
    const integer = (prop: string, fallback: number): number => {
      if (m[prop] === undefined) return fallback;
      const value = resolveArgs(at, prop, m[prop], args);
      if (!/^-?\d+$/.test(String(value))) throw new Error(`${at}: ${prop} must be an integer, got '${value}'`);
      return Number(value);
    };
    const count = integer('count', 0);
    const interval = duration('interval');
    const failureLimit = integer('failureLimit', ARGO_METRIC_DEFAULTS.failureLimit);
    if (failureLimit === -1 && integer('consecutiveSuccessLimit', 0) === 0) {
      throw new Error(`${at}: failureLimit -1 without a consecutiveSuccessLimit is a metric Argo Rollouts rejects ("failureLimit and `
        + 'consecutiveSuccessLimit cannot both be disabled"): the AnalysisRun errors and the rollout aborts at its first analysis; '
        + 'set failureLimit to 0 or more, or set consecutiveSuccessLimit, or use dryRun to measure without failing');
    }
    return {
      name: m.name,
      interval,
      count: count === 0 ? undefined : count,
      initialDelay: duration('initialDelay'),
      failureLimit,
      inconclusiveLimit: integer('inconclusiveLimit', ARGO_METRIC_DEFAULTS.inconclusiveLimit),
      consecutiveErrorLimit: integer('consecutiveErrorLimit', ARGO_METRIC_DEFAULTS.consecutiveErrorLimit),
      window: metricWindow(at, m.provider ?? {}, args),
      dryRun: dryRun.some((r: RegExp) => r.test(m.name)),
      timeout: metricTimeout(at, m.provider ?? {}),
    };
  });
}

/** A duration field (seconds or a Go duration) as a Duration of whole seconds. */
function durationOf(at: string, prop: string, value: string): Duration {
  let seconds: number;
  try { seconds = parseDurationSeconds(value); } catch (e) {
    throw new Error(`${at}: ${prop} ${(e as Error).message}`);
  }
  return wholeSeconds(at, `${prop} '${value}'`, seconds);
}

function wholeSeconds(at: string, what: string, seconds: number): Duration {
  if (!Number.isInteger(seconds)) throw new Error(`${at}: ${what} is not a whole number of seconds: the plan counts in seconds, round it`);
  return Duration.seconds(seconds);
}

/** The template's args that have a value (valueFrom is resolved by the controller, not here). */
function argValues(spec: Json): Map<string, string> {
  return new Map((spec.args ?? []).filter((a: Json) => a.value !== undefined).map((a: Json) => [a.name, String(a.value)]));
}

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/** A field value with its `{{args.x}}` placeholders replaced; throws when an arg has no value. */
function resolveArgs(at: string, prop: string, value: string | number, args: Map<string, string>): string {
  return String(value).replace(PLACEHOLDER, (_, name: string) => {
    const v = args.get(name);
    if (v === undefined) throw new Error(`${at}: ${prop} '${value}' uses arg ${name}, which has no value in the template: give the arg a value`);
    return v;
  });
}

/**
 * The lookback window of a metric: for prometheus, the largest range of its query's range
 * selectors and subqueries; for web, the `window` of its jsonBody (the slo-gate contract).
 * Undefined for other providers and for queries without a range.
 */
function metricWindow(at: string, provider: Json, args: Map<string, string>): Duration | undefined {
  if (provider.prometheus?.query !== undefined) return promqlWindow(at, provider.prometheus.query, args);
  if (provider.web) {
    let body: Json | undefined = provider.web.jsonBody;
    if (body === undefined && typeof provider.web.body === 'string') {
      try { body = JSON.parse(provider.web.body); } catch { body = undefined; }
    }
    if (body?.window === undefined) return undefined;
    return durationOf(at, 'web jsonBody window', resolveArgs(at, 'web jsonBody window', body.window, args));
  }
  return undefined;
}

/**
 * The longest one measurement can take, as Argo v1.9.1 bounds it: the Prometheus provider's `timeout`
 * (30s when unset), the web provider's `timeoutSeconds` (10s when unset or not positive); undefined for
 * providers this library does not time.
 */
function metricTimeout(at: string, provider: Json): Duration | undefined {
  const timeout = provider.prometheus?.timeout;
  if (timeout !== undefined && !(timeout > 0)) {
    throw new Error(`${at}: prometheus timeout ${timeout} fails every measurement (Argo Rollouts errors on a negative timeout, and a `
      + 'timeout of 0 is a deadline that has passed): remove it for the 30s default, or set a number of seconds such as 10');
  }
  if (provider.prometheus) return Duration.seconds(timeout ?? 30);
  if (provider.web) return Duration.seconds(provider.web.timeoutSeconds > 0 ? provider.web.timeoutSeconds : 10);
  return undefined;
}

const PROM_UNITS: { [unit: string]: number } = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** The largest range of a PromQL query, placeholders replaced by the template's arg values. */
export function promqlWindow(at: string, query: string, args: Map<string, string> = new Map()): Duration | undefined {
  const inRange = /\[[^\]]*\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/.exec(query);
  if (inRange && !args.has(inRange[1])) {
    throw new Error(`${at}: the query's range uses arg ${inRange[1]}, which has no value in the template: give the arg a value, or write the range as a duration such as 1m`);
  }
  // Placeholders outside ranges are label values: any word keeps the query parseable.
  const text = query.replace(PLACEHOLDER, (_, name: string) => args.get(name) ?? 'arg');
  const error = findSyntaxError(text);
  if (error) throw new Error(`${at}: invalid PromQL at line ${error.line}, column ${error.column} (args replaced by their values): fix the query`);
  let largest: number | undefined;
  const cursor = parser.parse(text).cursor();
  do {
    if (cursor.type.name !== 'MatrixSelector' && cursor.type.name !== 'SubqueryExpr') continue;
    const range = cursor.node.getChild('DurationExpr');
    if (!range) continue;
    const literal = text.slice(range.from, range.to).trim();
    const seconds = promDurationSeconds(literal);
    if (seconds === undefined) throw new Error(`${at}: the query's range [${literal}] is not a plain duration: write it as a duration such as 1m`);
    largest = Math.max(largest ?? 0, seconds);
  } while (cursor.next());
  return largest === undefined ? undefined : wholeSeconds(at, `the query's range`, largest);
}

/** Seconds of a PromQL duration literal (`1m30s`, `1d`, `90`), or undefined. */
function promDurationSeconds(literal: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(literal)) return Number(literal);
  const parts = [...literal.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== literal) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * PROM_UNITS[p[2]], 0);
}
