/**
 * The metric providers of a rehearsal, making the real calls Argo's providers make, against the
 * rehearsal's own Prometheus and slo-gate:
 * - prometheus (metricproviders/prometheus): the template's query, time-scaled, against the local
 *   Prometheus instead of the template's `address`; a vector becomes a list of floats, a scalar a float.
 * - web (metricproviders/webmetric): the template's method, headers and body (args already
 *   substituted), sent to the local gate instead of the template's host; timeoutSeconds honoured
 *   (<= 0 means 10); a status outside 200-299 is an Error; a JSON body is read with `jsonPath`
 *   (default `{$}`), a missing path is an Error; a body that is not JSON is Successful as it stands.
 * Conditions are judged by `evaluateMeasurement`, Argo's EvaluateResult rules.
 */
import { ConditionResult, evaluateMeasurement, prometheusResult } from 'cdk8s-progressive/build/lib/analysis/expr-eval';
import { WINDOW_PATTERN } from '@cdk8s-progressive/gate-contract';
import type { MeasurementOutcome, RunMetric } from './controller';
import { TimeScale } from './time-scale';

type Json = { [key: string]: any };

export interface ProviderTargets {
  /** The local Prometheus, e.g. `http://127.0.0.1:41234`. */
  readonly prometheusUrl: string;
  /** The local slo-gate, e.g. `http://127.0.0.1:41235`. */
  readonly gateUrl: string;
  readonly scale: TimeScale;
  /** Called once per rewrite, e.g. `prometheus address http://... -> http://127.0.0.1:...`. */
  readonly note?: (text: string) => void;
}

/** Argo's web provider timeout when timeoutSeconds is unset or <= 0. */
export const DEFAULT_WEB_TIMEOUT_SECONDS = 10;
/** Bound on a Prometheus query when the template sets no `timeout`. */
export const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 10;

/**
 * The metric's provider pointed at the rehearsal's services and time-scaled: the Prometheus
 * address replaced and range selectors scaled; the web URL's origin replaced by the gate's and a
 * JSON body's `window` (the gate contract's query window) scaled.
 */
export function localizeProvider(metric: Json, targets: ProviderTargets): Json {
  const provider: Json = metric.provider ?? {};
  const kinds = Object.keys(provider);
  if (kinds.length !== 1) throw new Error(`metric ${metric.name} must have exactly one provider, got ${kinds.join(', ') || 'none'}`);
  if (provider.prometheus) {
    const p = provider.prometheus;
    targets.note?.(`prometheus address ${p.address} -> ${targets.prometheusUrl}`);
    return { ...metric, provider: { prometheus: { ...p, address: targets.prometheusUrl, query: targets.scale.promql(p.query) } } };
  }
  if (provider.web) {
    const w = provider.web;
    const url = new URL(w.url);
    const local = new URL(`${url.pathname}${url.search}`, targets.gateUrl).toString();
    targets.note?.(`web url ${url.origin}${url.pathname} -> ${local}`);
    let jsonBody = w.jsonBody;
    if (jsonBody && typeof jsonBody.window === 'string' && new RegExp(WINDOW_PATTERN).test(jsonBody.window)) {
      jsonBody = { ...jsonBody, window: targets.scale.window(jsonBody.window, 'gate window') };
    }
    return { ...metric, provider: { web: { ...w, url: local, ...(jsonBody !== undefined ? { jsonBody } : {}) } } };
  }
  throw new Error(`metric ${metric.name} uses the ${kinds[0]} provider; the rehearsal runs prometheus and web metrics only`);
}

/** Takes one measurement of a localized metric. Never throws: failures to measure are Errors. */
export async function measure(metric: RunMetric): Promise<MeasurementOutcome> {
  const spec = metric.spec;
  try {
    if (spec.provider.prometheus) return await measurePrometheus(spec);
    return await measureWeb(spec);
  } catch (err) {
    const e = err as Error;
    return { phase: 'Error', value: '', message: e.name === 'TimeoutError' ? 'timed out' : e.message };
  }
}

async function measurePrometheus(spec: Json): Promise<MeasurementOutcome> {
  const p = spec.provider.prometheus;
  const timeoutSeconds = Number(p.timeout) > 0 ? Number(p.timeout) : DEFAULT_PROMETHEUS_TIMEOUT_SECONDS;
  const res = await fetch(`${p.address.replace(/\/$/, '')}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: p.query }).toString(),
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  const body = await res.json() as { status: string; data?: { resultType: string; result: unknown }; error?: string };
  if (body.status !== 'success' || !body.data) return { phase: 'Error', value: '', message: `prometheus: ${body.error ?? `status ${res.status}`}` };
  return prometheusOutcome(spec, body.data);
}

/** Argo's prometheus provider on a query's answer: a vector becomes a list of floats, a scalar a float, then the conditions judge it. */
export function prometheusOutcome(spec: Json, data: { resultType: string; result: unknown }): MeasurementOutcome {
  const result = prometheusResult(data);
  const value = Array.isArray(result) ? `[${result.join(',')}]` : String(result);
  return { phase: evaluateMeasurement(result, spec), value };
}

async function measureWeb(spec: Json): Promise<MeasurementOutcome> {
  const w = spec.provider.web;
  const method: string = w.method || 'GET';
  if (w.body && w.jsonBody !== undefined) return { phase: 'Error', value: '', message: 'use either Body or JSONBody; both cannot exists for WebMetric payload' };
  if ((w.body || w.jsonBody !== undefined) && method === 'GET') {
    return { phase: 'Error', value: '', message: 'Body/JSONBody can only be used with POST or PUT WebMetric Method types' };
  }
  const headers: Record<string, string> = {};
  for (const h of w.headers ?? []) headers[h.key] = h.value;
  if (w.jsonBody !== undefined) headers['content-type'] = 'application/json';
  const timeoutSeconds = Number(w.timeoutSeconds) > 0 ? Number(w.timeoutSeconds) : DEFAULT_WEB_TIMEOUT_SECONDS;
  const res = await fetch(w.url, {
    method,
    headers,
    body: w.jsonBody !== undefined ? JSON.stringify(w.jsonBody) : w.body || undefined,
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  return webOutcome(spec, res.status, await res.text());
}

/**
 * Argo's web provider on an answer: a status outside 200-299 is an Error; a JSON body is read with
 * `jsonPath` (default `{$}`) and judged by the conditions; a body that is not JSON is Successful as it stands.
 */
export function webOutcome(spec: Json, status: number, text: string): MeasurementOutcome {
  const w = spec.provider.web;
  if (status < 200 || status >= 300) {
    return { phase: 'Error', value: '', message: `received non 2xx response code: ${status} ${text.slice(0, 200)}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { phase: 'Successful', value: text, message: 'body is not JSON: Argo records it as Successful without judging it' };
  }
  const found = jsonPath(data, w.jsonPath || '{$}');
  if (!found.ok) return { phase: 'Error', value: '', message: `Could not find JSONPath in body: ${found.error}` };
  const reasons = Array.isArray((data as Json)?.reasons) ? ((data as Json).reasons as string[]).join('; ') : undefined;
  const result = conditionValue(found.value);
  if (result === undefined) {
    return { phase: 'Error', value: JSON.stringify(found.value), message: `the value at ${w.jsonPath} is not a string, number or list of numbers` };
  }
  return { phase: evaluateMeasurement(result, spec), value: JSON.stringify(found.value), ...(reasons ? { message: reasons } : {}) };
}

function conditionValue(v: unknown): ConditionResult | undefined {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return undefined;
}

/**
 * The first match of a client-go JSONPath of the simple form `{$.a.b[0]['c']}` (the leading `$`
 * optional). Filters, wildcards and ranges are not supported and are reported as such.
 */
export function jsonPath(data: unknown, expression: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const m = /^\{\s*(.*?)\s*\}$/.exec(expression.trim());
  if (!m) return { ok: false, error: `${expression} is not a {...} JSONPath` };
  let rest = m[1].replace(/^\$/, '');
  let value: unknown = data;
  while (rest.length > 0) {
    const part = /^\.([A-Za-z_][\w-]*)|^\[(\d+)\]|^\['([^']*)'\]|^\["([^"]*)"\]/.exec(rest);
    if (!part) return { ok: false, error: `${expression}: only .name, [n] and ['name'] are supported, got ${rest}` };
    rest = rest.slice(part[0].length);
    const key = part[1] ?? part[3] ?? part[4];
    if (key !== undefined) {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !(key in (value as object))) {
        return { ok: false, error: `${key} is not found` };
      }
      value = (value as Json)[key];
    } else {
      const i = Number(part[2]);
      if (!Array.isArray(value) || i >= value.length) return { ok: false, error: `array index out of bounds: index ${i}` };
      value = value[i];
    }
  }
  return { ok: true, value };
}
