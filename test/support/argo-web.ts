import { evaluateMeasurement, MeasurementPhase } from '../../lib/analysis/expr-eval';

type Json = { [key: string]: any };

/**
 * Argo's analysis controller resolves `{{args.name}}` in a metric before the provider runs it: the
 * metric is rendered to JSON, the placeholders replaced (JSON-escaped), and parsed back.
 */
export function resolveArgs(metric: Json, args: Record<string, string>): Json {
  const text = JSON.stringify(metric).replace(/\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_all, name: string) => {
    if (!(name in args)) throw new Error(`failed to resolve {{args.${name}}}`);
    return JSON.stringify(args[name]).slice(1, -1);
  });
  return JSON.parse(text);
}

/** The first match of a client-go JSONPath of the form `{$}` or `{$.a.b}`, as Argo's web provider takes it. */
export function jsonPathFirst(data: unknown, path: string): unknown {
  const m = /^\{\$((?:\.[A-Za-z0-9_-]+)*)\}$/.exec(path);
  if (!m) throw new Error(`unsupported jsonPath ${path}`);
  let value: any = data;
  for (const key of m[1].split('.').filter(Boolean)) {
    if (value === null || typeof value !== 'object' || !(key in value)) throw new Error(`${key} is not found`);
    value = value[key];
  }
  return value;
}

/**
 * One measurement of a web metric as Argo v1.9.1's web provider takes it: the request from the resolved
 * metric (method, url, headers, jsonBody with Content-Type application/json, timeoutSeconds), a non-2xx
 * answer is an Error, the jsonPath picks the value, the conditions judge it.
 */
export async function measureWebMetric(metric: Json, url: string): Promise<{ phase: MeasurementPhase; value: unknown; status: number }> {
  const web = metric.provider.web;
  const headers: Record<string, string> = Object.fromEntries((web.headers ?? []).map((h: Json) => [h.key, h.value]));
  if (web.jsonBody !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method: web.method ?? 'GET',
    headers,
    body: web.jsonBody === undefined ? undefined : JSON.stringify(web.jsonBody),
    signal: AbortSignal.timeout((web.timeoutSeconds > 0 ? web.timeoutSeconds : 10) * 1000),
  });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) return { phase: 'Error', value: text, status: res.status };
  const value = jsonPathFirst(JSON.parse(text), web.jsonPath ?? '{$}');
  return { phase: evaluateMeasurement(value as string, metric), value, status: res.status };
}
