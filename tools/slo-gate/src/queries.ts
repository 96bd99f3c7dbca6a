/**
 * Builds the gate's PromQL from a validated request and reads the answers back into the judging
 * core's numbers. Three instant queries per verdict, each grouped so that one answer carries both
 * the canary and the stable side: requests, 5xx errors, and (with a latency objective) the latency
 * quantile. Every label value is checked against its pattern again here and escaped, so the
 * builder is safe even when called without the schema in front of it.
 */
import {
  DEFAULT_CONFIDENCE, DEFAULT_DURATION_METRIC, DEFAULT_ERROR_RATIO_TOLERANCE, DEFAULT_LATENCY_RATIO_TOLERANCE, DEFAULT_LATENCY_MARGIN_SECONDS,
  DEFAULT_MAX_BURN_RATE, DEFAULT_MIN_REQUESTS, DEFAULT_REQUESTS_METRIC, DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN,
  METRIC_NAME_PATTERN, metricNameError, POD_TEMPLATE_HASH_PATTERN, VerdictRequest, WINDOW_PATTERN,
} from '@cdk8s-progressive/gate-contract';
import { Measurements, ResolvedObjectives } from './judge';

/** One sample of an instant vector: its labels and its value (NaN and infinities kept). */
export interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface QueryPlan {
  readonly requests: string;
  readonly errors: string;
  /** Present when the request has a latency objective. */
  readonly latency?: string;
  /** Whether the request names a stable baseline. */
  readonly hasStable: boolean;
  /** Which side a sample belongs to, from its grouping label. */
  side(labels: Record<string, string>): 'canary' | 'stable' | undefined;
}

/** Escapes a value for a double-quoted PromQL string literal. */
export function promqlString(value: string): string {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/** Escapes a value so that a regex matcher matches it literally. */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function checked(field: string, value: string, pattern: string): string {
  if (!new RegExp(pattern).test(value)) {
    throw new Error(`${field} must match ${pattern}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A metric name checked against its pattern and PromQL's keywords. */
function metric(field: string, value: string): string {
  const keyword = metricNameError(field, checked(field, value, METRIC_NAME_PATTERN));
  if (keyword) throw new Error(keyword);
  return value;
}

/** Applies the documented defaults to the objectives. */
export function resolveObjectives(request: VerdictRequest): ResolvedObjectives {
  const o = request.objectives;
  return {
    ...(o.successRate !== undefined ? { successRate: o.successRate } : {}),
    ...(o.latency ? { latency: { quantile: o.latency.quantile, thresholdSeconds: o.latency.thresholdSeconds } } : {}),
    minRequests: o.minRequests ?? DEFAULT_MIN_REQUESTS,
    confidence: o.confidence ?? DEFAULT_CONFIDENCE,
    comparison: {
      errorRatioTolerance: o.comparison?.errorRatioTolerance ?? DEFAULT_ERROR_RATIO_TOLERANCE,
      confidence: o.comparison?.confidence ?? o.confidence ?? DEFAULT_CONFIDENCE,
      latencyRatioTolerance: o.comparison?.latencyRatioTolerance ?? DEFAULT_LATENCY_RATIO_TOLERANCE,
      latencyMarginSeconds: o.comparison?.latencyMarginSeconds ?? DEFAULT_LATENCY_MARGIN_SECONDS,
    },
    ...(o.errorBudget ? { errorBudget: { objective: o.errorBudget.objective, maxBurnRate: o.errorBudget.maxBurnRate ?? DEFAULT_MAX_BURN_RATE } } : {}),
  };
}

/**
 * A canonical key of everything that decides a verdict: identical concurrent requests share one
 * evaluation. Built field by field in a fixed order, so key order in the JSON body does not matter.
 */
export function verdictKey(request: VerdictRequest): string {
  const { app, ingressNginx } = request.workload.source;
  return JSON.stringify([
    request.workload.namespace,
    app ? ['app', app.canaryPodTemplateHash, app.stablePodTemplateHash ?? null, app.requestsMetric ?? null, app.durationMetric ?? null] : null,
    ingressNginx ? ['ingressNginx', ingressNginx.stableIngress, ingressNginx.canaryService ?? null, ingressNginx.namespaceLabel ?? null] : null,
    request.window,
    resolveObjectives(request),
  ]);
}

/** Builds the queries of a validated request. */
export function planQueries(request: VerdictRequest): QueryPlan {
  const window = checked('window', request.window, WINDOW_PATTERN);
  const namespace = checked('workload.namespace', request.workload.namespace, DNS_LABEL_PATTERN);
  const quantile = request.objectives.latency?.quantile;
  if (quantile !== undefined && !(quantile > 0 && quantile < 1)) {
    throw new Error(`objectives.latency.quantile must be between 0 and 1 (exclusive), got ${quantile}`);
  }
  const { app, ingressNginx } = request.workload.source;

  if (app) {
    const canary = checked('workload.source.app.canaryPodTemplateHash', app.canaryPodTemplateHash, POD_TEMPLATE_HASH_PATTERN);
    const stableHash = app.stablePodTemplateHash === undefined ? undefined
      : checked('workload.source.app.stablePodTemplateHash', app.stablePodTemplateHash, POD_TEMPLATE_HASH_PATTERN);
    // The same hash on both sides means no rollout in progress: there is nothing to compare with.
    const stable = stableHash !== undefined && stableHash !== canary ? stableHash : undefined;
    const requests = metric('workload.source.app.requestsMetric', app.requestsMetric ?? DEFAULT_REQUESTS_METRIC);
    const duration = metric('workload.source.app.durationMetric', app.durationMetric ?? DEFAULT_DURATION_METRIC);
    const hashes = stable ? `${regexLiteral(canary)}|${regexLiteral(stable)}` : regexLiteral(canary);
    const selector = `namespace=${promqlString(namespace)},rollouts_pod_template_hash=~${promqlString(hashes)}`;
    const by = 'rollouts_pod_template_hash';
    return {
      requests: `sum by (${by}) (increase(${requests}{${selector}}[${window}]))`,
      errors: `sum by (${by}) (increase(${requests}{${selector},status=~"5.."}[${window}]))`,
      ...(quantile !== undefined
        ? { latency: `histogram_quantile(${quantile}, sum by (${by}, le) (rate(${duration}_bucket{${selector}}[${window}])))` }
        : {}),
      hasStable: stable !== undefined,
      side: (labels) => (labels[by] === canary ? 'canary' : stable !== undefined && labels[by] === stable ? 'stable' : undefined),
    };
  }

  if (ingressNginx) {
    const ingress = checked('workload.source.ingressNginx.stableIngress', ingressNginx.stableIngress, DNS_SUBDOMAIN_PATTERN);
    const namespaceLabel = ingressNginx.namespaceLabel ?? 'namespace';
    if (namespaceLabel !== 'namespace' && namespaceLabel !== 'exported_namespace') {
      throw new Error(`workload.source.ingressNginx.namespaceLabel must be namespace or exported_namespace, got ${JSON.stringify(namespaceLabel)}`);
    }
    let selector = `${namespaceLabel}=${promqlString(namespace)},ingress=${promqlString(ingress)}`;
    if (ingressNginx.canaryService !== undefined) {
      const service = checked('workload.source.ingressNginx.canaryService', ingressNginx.canaryService, DNS_LABEL_PATTERN);
      // Stable requests have canary=""; canary requests carry the upstream <namespace>-<service>-<port>.
      selector += `,canary=~${promqlString(`|${regexLiteral(`${namespace}-${service}-`)}.+`)}`;
    }
    // Collapse every canary upstream into track="canary"; stable series keep no track label.
    const tracked = (expr: string) => `label_replace(${expr}, "track", "canary", "canary", ".+")`;
    return {
      requests: `sum by (track) (${tracked(`increase(nginx_ingress_controller_requests{${selector}}[${window}])`)})`,
      errors: `sum by (track) (${tracked(`increase(nginx_ingress_controller_requests{${selector},status=~"5.."}[${window}])`)})`,
      ...(quantile !== undefined
        ? { latency: `histogram_quantile(${quantile}, sum by (track, le) (${tracked(`rate(nginx_ingress_controller_request_duration_seconds_bucket{${selector}}[${window}])`)}))` }
        : {}),
      hasStable: true,
      side: (labels) => (labels.track === 'canary' ? 'canary' : 'stable'),
    };
  }
  throw new Error('workload.source must name exactly one SLI source: app or ingressNginx');
}

/** Reads the query answers into the judging core's measurements. */
export function readMeasurements(plan: QueryPlan, requests: Sample[], errors: Sample[], latency?: Sample[]): Measurements {
  const pick = (samples: Sample[] | undefined, side: 'canary' | 'stable'): number | undefined => {
    if (!samples) return undefined;
    const values = samples.filter((s) => plan.side(s.labels) === side).map((s) => s.value);
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  const side = (name: 'canary' | 'stable') => ({
    requests: pick(requests, name),
    // No 5xx series at all means no errors, as long as there were requests.
    errors: pick(errors, name) ?? 0,
    latency: latency ? pick(latency, name) ?? NaN : undefined,
  });
  return { canary: side('canary'), ...(plan.hasStable ? { stable: side('stable') } : {}) };
}

/** Parses a sample value as Prometheus writes it ("1.5", "NaN", "+Inf", "-Inf"). */
export function parseSampleValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}
