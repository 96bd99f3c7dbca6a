/**
 * What a chart's analysis reads, pure: which series its queries select (so that the simulation
 * writes exactly those), the latency objective it holds a canary to, and its longest query window.
 * Two sources are supported, the two this library emits: `SliSource.app` (request counter with a
 * `status` label and a latency histogram, on the pods' `namespace` and `rollouts_pod_template_hash`)
 * and `SliSource.ingressNginx` (the ingress-nginx controller's request counter and histogram, on
 * `namespace`/`exported_namespace`, `ingress` and `canary`).
 */
import { vectorSelectors } from 'cdk8s-progressive/build/lib/analysis/promql';
import { promqlWindow } from 'cdk8s-progressive/build/lib/analysis/timing';
import { DEFAULT_DURATION_METRIC, DEFAULT_REQUESTS_METRIC, VERDICT_PATH, VerdictRequest, windowSeconds } from '@cdk8s-progressive/gate-contract';
import type { RunMetric } from '../rehearsal/controller';
import type { SeriesNames } from './traffic';
import { DEMO_LATENCY_BUCKETS } from '../demo/demo-service';

type Json = { [key: string]: any };

export const NGINX_REQUESTS = 'nginx_ingress_controller_requests';
export const NGINX_HISTOGRAM = 'nginx_ingress_controller_request_duration_seconds';

/** Labels the generated series carry, by source. */
export const SOURCE_LABELS = {
  app: ['namespace', 'pod', 'rollouts_pod_template_hash', 'status', 'le'],
  ingressNginx: ['namespace', 'exported_namespace', 'ingress', 'canary', 'status', 'le'],
} as const;

export type SourceKind = keyof typeof SOURCE_LABELS;

/** The series to write for a rollout's analysis. */
export interface SimulatedSource {
  readonly kind: SourceKind;
  readonly names: SeriesNames;
}

/** A selector of a query: its metric name and the matchers it holds. */
export interface Selector {
  readonly name: string;
  readonly matchers: Array<{ label: string; op: string; value: string }>;
}

/** The selectors of a PromQL query, parsed. */
export function selectorsOf(query: string): Selector[] {
  return vectorSelectors(query).map((text) => {
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(text)?.[1] ?? '';
    const inside = text.slice(text.indexOf('{') + 1, text.lastIndexOf('}'));
    const matchers = text.includes('{')
      ? [...inside.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => ({ label: m[1], op: m[2], value: m[3] }))
      : [];
    return { name, matchers };
  });
}

/** The gate request of a web metric, or undefined when the metric does not call the slo-gate's verdict endpoint. */
export function gateRequest(metric: Json): VerdictRequest | undefined {
  const web = metric.provider?.web;
  if (!web) return undefined;
  let path: string;
  try { path = new URL(web.url).pathname; } catch { return undefined; }
  if (path !== VERDICT_PATH) return undefined;
  if (web.jsonBody !== undefined) return web.jsonBody as VerdictRequest;
  try { return JSON.parse(web.body) as VerdictRequest; } catch { return undefined; }
}

/** The selectors a metric's provider reads: the query's, or those the gate builds for the request. */
function metricSelectors(m: RunMetric): Selector[] {
  const spec = m.spec;
  if (spec.provider?.prometheus) return selectorsOf(spec.provider.prometheus.query);
  const request = gateRequest(spec);
  if (spec.provider?.web && request) {
    const { app, ingressNginx } = request.workload?.source ?? {};
    const latency = request.objectives?.latency !== undefined;
    if (app) {
      const labels = [{ label: 'namespace', op: '=', value: request.workload.namespace }];
      return [
        { name: app.requestsMetric ?? DEFAULT_REQUESTS_METRIC, matchers: labels },
        ...(latency ? [{ name: `${app.durationMetric ?? DEFAULT_DURATION_METRIC}_bucket`, matchers: labels }] : []),
      ];
    }
    if (ingressNginx) {
      const labels = [{ label: ingressNginx.namespaceLabel ?? 'namespace', op: '=', value: request.workload.namespace }];
      return [{ name: NGINX_REQUESTS, matchers: labels }, ...(latency ? [{ name: `${NGINX_HISTOGRAM}_bucket`, matchers: labels }] : [])];
    }
  }
  const kind = Object.keys(spec.provider ?? {})[0] ?? 'no';
  throw new Error(`metric ${m.name} uses the ${kind === 'web' ? `web provider on ${spec.provider.web.url}` : `${kind} provider`}: `
    + `the simulation evaluates prometheus metrics and web metrics that call the slo-gate (POST ${VERDICT_PATH}); use one of those or drop the metric from the simulated chart`);
}

/**
 * The series the metrics select, checked: one source kind, one request counter and one latency
 * histogram at most, label matchers on labels the source has, and the namespace the one given.
 */
export function simulatedSource(metrics: readonly RunMetric[], namespace: string): SimulatedSource {
  const kinds = new Set<SourceKind>();
  let requests: string | undefined;
  let histogram: string | undefined;
  let countAndSum = false;
  for (const m of metrics) {
    for (const s of metricSelectors(m)) {
      const kind: SourceKind = s.name.startsWith('nginx_ingress_controller_') ? 'ingressNginx' : 'app';
      kinds.add(kind);
      const base = /^(.*)_(bucket|count|sum)$/.exec(s.name);
      if (!s.name) {
        throw new Error(`metric ${m.name} selects series without a metric name: the simulation writes a request counter and a latency histogram, name them in the query`);
      }
      if (base && (kind === 'ingressNginx' ? base[1] === NGINX_HISTOGRAM : true)) {
        if (histogram !== undefined && histogram !== base[1]) throw new Error(`metric ${m.name} reads histogram ${base[1]} and another metric reads ${histogram}: the simulation writes one latency histogram per rollout`);
        histogram = base[1];
        if (base[2] !== 'bucket') countAndSum = true;
      } else {
        if (kind === 'ingressNginx' && s.name !== NGINX_REQUESTS) {
          throw new Error(`metric ${m.name} reads ${s.name}: of the ingress-nginx controller the simulation writes ${NGINX_REQUESTS} and ${NGINX_HISTOGRAM}_bucket only`);
        }
        if (requests !== undefined && requests !== s.name) throw new Error(`metric ${m.name} reads counter ${s.name} and another metric reads ${requests}: the simulation writes one request counter per rollout`);
        requests = s.name;
      }
      const allowed: readonly string[] = SOURCE_LABELS[kind];
      for (const matcher of s.matchers) {
        if (matcher.label === '__name__') continue;
        if (!allowed.includes(matcher.label)) {
          throw new Error(`metric ${m.name} selects ${s.name} by label ${matcher.label}: the simulated ${kind} series carry ${allowed.join(', ')} only`);
        }
        if ((matcher.label === 'namespace' || matcher.label === 'exported_namespace') && matcher.op === '=' && matcher.value !== namespace) {
          throw new Error(`metric ${m.name} selects ${matcher.label}="${matcher.value}" where the rollout's namespace is ${namespace}: `
            + 'the simulation gives each scenario its own namespace through the Rollout\'s metadata.namespace; pass the namespace as an arg with fieldRef metadata.namespace');
        }
      }
    }
  }
  if (kinds.size > 1) throw new Error('the analysis reads both application and ingress-nginx series: the simulation supports one source per rollout');
  const kind = [...kinds][0] ?? 'app';
  return {
    kind,
    names: { ...(requests ? { requests } : {}), ...(histogram ? { histogram, histogramCountAndSum: countAndSum } : {}), bounds: DEMO_LATENCY_BUCKETS },
  };
}

/**
 * The latency objective of the metrics, in seconds: the threshold of a gate request's latency
 * objective, or the number a histogram_quantile metric's condition compares `result[0]` with;
 * the smallest when there are several, undefined when there is none.
 */
export function latencyObjectiveSeconds(metrics: readonly RunMetric[]): number | undefined {
  const found: number[] = [];
  for (const m of metrics) {
    const request = gateRequest(m.spec);
    const threshold = request?.objectives?.latency?.thresholdSeconds;
    if (typeof threshold === 'number') found.push(threshold);
    const query: string | undefined = m.spec.provider?.prometheus?.query;
    if (query && /histogram_quantile\s*\(/.test(query)) {
      const success = /result(?:\[0\])?\s*(<=|<)\s*(\d+(?:\.\d+)?(?:e[-+]?\d+)?)/.exec(m.spec.successCondition ?? '');
      const failure = /result(?:\[0\])?\s*(>=|>)\s*(\d+(?:\.\d+)?(?:e[-+]?\d+)?)/.exec(m.spec.failureCondition ?? '');
      for (const c of [success, failure]) if (c) found.push(Number(c[2]));
    }
  }
  return found.length > 0 ? Math.min(...found) : undefined;
}

/** The longest window the metrics look back over, in seconds (a query's largest range, a gate request's window). */
export function longestWindowSeconds(metrics: readonly RunMetric[]): number {
  let longest = 0;
  for (const m of metrics) {
    const query: string | undefined = m.spec.provider?.prometheus?.query;
    if (query) longest = Math.max(longest, promqlWindow(`metric ${m.name}`, query)?.toSeconds() ?? 0);
    const window = gateRequest(m.spec)?.window;
    if (window) longest = Math.max(longest, windowSeconds(window) ?? 0);
  }
  return longest;
}

/** Whether a query reads an instant vector selector (which sees a series' last sample up to 5 minutes back). */
export function hasInstantSelector(metrics: readonly RunMetric[]): boolean {
  return metrics.some((m) => {
    const query: string | undefined = m.spec.provider?.prometheus?.query;
    if (!query) return false;
    const selectors = vectorSelectors(query).length;
    const ranged = (query.match(/\}\s*\[|[a-zA-Z0-9_:]\s*\[/g) ?? []).length;
    return selectors > ranged;
  });
}
