import * as fs from 'node:fs';
import * as path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { findSyntaxError } from '../analysis/promql';
import { AnalysisMetricTiming } from '../analysis/template-ref';
import { ARGO_METRIC_DEFAULTS } from '../analysis/timing';
import { blueGreenPlan, canaryPlan, PlanBudgets, recordedBudgets, RolloutPlan } from '../rollout/plan';
import { parseDurationSeconds } from '../rollout/internal-validation';

/**
 * Plans read from manifests, pure (no constructs): load the YAML a chart synthesized (a dist/
 * folder or files), then compute each Argo Rollout's plan from its spec and the AnalysisTemplates
 * and ClusterAnalysisTemplates found beside it. What the plan command and a reviewer see is what
 * the cluster gets.
 */

type Json = { [key: string]: any };

/** One object of a manifest file. */
export interface ManifestObject {
  /** The file it was read from, as given. */
  readonly source: string;
  readonly object: Json;
}

/** The plan of one Rollout found in manifests. */
export interface ManifestRolloutPlan {
  readonly name: string;
  /** metadata.namespace, when the manifest sets one. */
  readonly namespace?: string;
  readonly strategy: 'canary' | 'blueGreen';
  /** The file the Rollout was read from. */
  readonly source: string;
  readonly plan: RolloutPlan;
  /** The budgets recorded on the Rollout (maxPromotionTime, maxTimeToAbort), else the defaults (10m, 2m). */
  readonly budgets: PlanBudgets;
}

const ARGO_GROUP = 'argoproj.io/';

/**
 * Reads every object of the given paths: a folder contributes its `*.yaml` and `*.yml` files
 * (not its sub-folders), in name order; a file is read as it is.
 */
export function loadManifests(paths: string[]): ManifestObject[] {
  const files = paths.flatMap((p) => {
    let stat: fs.Stats;
    try { stat = fs.statSync(p); } catch {
      throw new Error(`cannot read ${p}: no such file or folder, pass a dist/ folder or YAML files`);
    }
    if (!stat.isDirectory()) return [p];
    const inside = fs.readdirSync(p, { withFileTypes: true }).filter((f) => f.isFile() && /\.ya?ml$/.test(f.name))
      .map((f) => path.join(p, f.name)).sort();
    if (inside.length === 0) throw new Error(`${p} has no .yaml or .yml file: run cdk8s synth first, or pass the files`);
    return inside;
  });
  return files.flatMap((file) => parseManifest(file, fs.readFileSync(file, 'utf8')));
}

/** The objects of one YAML text (several documents separated by `---`); empty documents are skipped. */
export function parseManifest(source: string, text: string): ManifestObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source} is not valid YAML: ${doc.errors[0].message}`);
    const object = doc.toJS();
    return object && typeof object === 'object' ? [{ source, object }] : [];
  });
}

/** The plan of every argoproj.io Rollout among `objects`, in the order they appear. */
export function planRollouts(objects: ManifestObject[]): ManifestRolloutPlan[] {
  const templates = objects.filter((o) => isArgo(o.object, 'AnalysisTemplate') || isArgo(o.object, 'ClusterAnalysisTemplate'));
  return objects.filter((o) => isArgo(o.object, 'Rollout')).map(({ source, object }) => {
    const name: string = object.metadata?.name ?? '';
    const namespace: string | undefined = object.metadata?.namespace;
    const what = `Rollout ${qualified(namespace, name)}`;
    const spec: Json = object.spec ?? {};
    const lookup = (templateName: string, clusterScope: boolean): AnalysisMetricTiming[] => {
      const kind = clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
      const candidates = templates.filter((t) => isArgo(t.object, kind) && t.object.metadata?.name === templateName);
      const found = clusterScope ? candidates[0]
        : candidates.find((t) => t.object.metadata?.namespace === namespace) ?? candidates.find((t) => t.object.metadata?.namespace === undefined);
      if (!found) {
        throw new Error(`${what} (${source}) references ${kind} '${templateName}'${clusterScope ? '' : ` in namespace ${namespace ?? '(none)'}`}, `
          + `which is not in the manifests read: add the file that defines it, or fix templateName`);
      }
      return metricTimings(found.object);
    };
    const budgets = recordedBudgets(object.metadata, `${what} (${source})`);
    if (spec.strategy?.canary) return { name, namespace, strategy: 'canary' as const, source, plan: canaryPlan(spec, lookup), budgets };
    if (spec.strategy?.blueGreen) return { name, namespace, strategy: 'blueGreen' as const, source, plan: blueGreenPlan(spec, lookup), budgets };
    throw new Error(`${what} (${source}) has neither strategy.canary nor strategy.blueGreen: the plan knows these two strategies`);
  });
}

/** `namespace/name`, or `name` without a namespace. */
export function qualified(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * The timing of each metric of an AnalysisTemplate or ClusterAnalysisTemplate object, with Argo's
 * defaults (failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4) and `{{args.x}}`
 * placeholders replaced by the template's own arg values.
 */
export function metricTimings(template: Json): AnalysisMetricTiming[] {
  const spec: Json = template.spec ?? {};
  const where = `${template.kind} ${qualified(template.metadata?.namespace, template.metadata?.name ?? '')}`;
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

function isArgo(object: Json, kind: string): boolean {
  return typeof object.apiVersion === 'string' && object.apiVersion.startsWith(ARGO_GROUP) && object.kind === kind;
}
