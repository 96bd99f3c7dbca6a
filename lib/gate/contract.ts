/**
 * The slo-gate's request/response contract: the one thing the gate service and the constructs share.
 * What `SloAnalysis` sends in a web metric's `jsonBody` is what the gate validates with
 * `VERDICT_REQUEST_SCHEMA`. No cdk8s or construct imports here: the service image stays small.
 *
 * Safety: every value that ends up in PromQL is either a number, a member of a fixed list, or a
 * string matching a strict pattern (Kubernetes object names, pod-template hashes, metric names);
 * the query builder escapes them once more. No field names a URL or carries PromQL.
 *
 * Example request (Argo substitutes `{{args.*}}` before the call):
 * ```json
 * {
 *   "workload": {
 *     "namespace": "shop",
 *     "rollout": "{{args.rollout}}",
 *     "source": { "app": { "canaryPodTemplateHash": "{{args.canary-hash}}", "stablePodTemplateHash": "{{args.stable-hash}}" } }
 *   },
 *   "window": "2m",
 *   "objectives": {
 *     "successRate": 0.95,
 *     "latency": { "quantile": 0.95, "thresholdSeconds": 3 },
 *     "minRequests": 50,
 *     "errorBudget": { "objective": 0.99, "maxBurnRate": 1 }
 *   }
 * }
 * ```
 * It is sent with `Authorization: Bearer <the token of namespace shop>` (see docs/gate-security.md).
 * Example answer (HTTP 200):
 * ```json
 * {
 *   "verdict": "fail",
 *   "reasons": ["successRate: canary success rate 0.8012 is below the objective 0.95"],
 *   "checks": [{ "name": "successRate", "verdict": "fail", "canary": 0.8012, "stable": 1, "objective": 0.95, "reason": "..." }],
 *   "requests": { "canary": 151, "stable": 1349 },
 *   "window": "2m"
 * }
 * ```
 */

/** The path of the verdict endpoint on the gate. */
export const VERDICT_PATH = '/v1/verdict';

/** Overall verdict. Argo: successCondition `result == "pass"`, failureCondition `result == "fail"`. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** A check's verdict; `skipped` checks (e.g. no stable baseline to compare with) do not count. */
export type CheckVerdict = Verdict | 'skipped';

/** Application metrics scraped from the rollout's pods, told apart by pod-template hash. */
export interface AppSource {
  /** The canary's `rollouts-pod-template-hash` (Argo arg `podTemplateHashValue: Latest`). */
  readonly canaryPodTemplateHash: string;
  /** The stable pods' hash (`podTemplateHashValue: Stable`); without it no comparison is made. */
  readonly stablePodTemplateHash?: string;
  /** Counter of requests with a `status` label. @default http_requests_total */
  readonly requestsMetric?: string;
  /** Histogram base name (without `_bucket`). @default http_request_duration_seconds */
  readonly durationMetric?: string;
}

/**
 * ingress-nginx controller metrics. The controller merges the canary Ingress into the stable
 * Ingress' locations as an alternative backend: every series carries `ingress=<stable ingress>`,
 * and the `canary` label holds the alternative upstream (`<namespace>-<canary service>-<port>`)
 * for requests routed to the canary, empty for requests served by stable.
 */
export interface IngressNginxSource {
  /** The stable Ingress (Argo's `trafficRouting.nginx.stableIngress`). */
  readonly stableIngress: string;
  /** Narrows canary traffic to this canary Service's upstream. @default - any canary upstream */
  readonly canaryService?: string;
  /**
   * The label holding the Ingress' namespace: `exported_namespace` when Prometheus scrapes the
   * controller with target labels that override the metric's own `namespace`.
   * @default namespace
   */
  readonly namespaceLabel?: 'namespace' | 'exported_namespace';
}

/** Exactly one SLI source. */
export interface SliSource {
  readonly app?: AppSource;
  readonly ingressNginx?: IngressNginxSource;
}

export interface Workload {
  /** Namespace of the rollout: with tenant tokens, it must be the namespace of the caller's token. */
  readonly namespace: string;
  /** Name of the rollout, for the gate's logs only (Argo arg `fieldRef: metadata.name`). @default - not logged */
  readonly rollout?: string;
  readonly source: SliSource;
}

export interface LatencyObjective {
  /** e.g. 0.95 for p95. */
  readonly quantile: number;
  /** The canary's quantile must be at most this many seconds. */
  readonly thresholdSeconds: number;
}

/** Canary compared with stable (only when the source gives a stable baseline). */
export interface ComparisonObjective {
  /**
   * The canary's error ratio may exceed stable's by at most this much (absolute, 0.01 = one point)
   * before the statistical test may fail it. @default 0.01
   */
  readonly errorRatioTolerance?: number;
  /** Confidence of the one-sided test that the canary is worse. @default - the objectives' confidence */
  readonly confidence?: number;
  /** Canary latency quantile / stable latency quantile must stay at most this. @default 1.5 */
  readonly latencyRatioTolerance?: number;
  /**
   * ... unless the canary is slower than stable by at most this many seconds: at millisecond latencies a
   * ratio is noise (both quantiles are interpolated in the same histogram bucket). @default 0.05
   */
  readonly latencyMarginSeconds?: number;
}

export interface ErrorBudgetObjective {
  /** The SLO, e.g. 0.99: the error budget is 1 - objective. */
  readonly objective: number;
  /**
   * Highest burn rate (canary error ratio / error budget) allowed over the window: the check fails when
   * the lower confidence bound of the canary's burn rate exceeds it.
   * @default 2
   */
  readonly maxBurnRate?: number;
}

export interface Objectives {
  /**
   * Lowest share of non-5xx canary responses, e.g. 0.95: the check fails when the upper confidence
   * bound of the canary's success rate is below it.
   */
  readonly successRate?: number;
  readonly latency?: LatencyObjective;
  /** Fewer canary requests than this in the window: inconclusive, never pass. @default 50 */
  readonly minRequests?: number;
  /**
   * Confidence of every bound the checks use (one-sided): a check fails only when the canary breaks its
   * objective beyond reasonable doubt. 0.999 keeps a canary exactly at an objective from being failed
   * in more than 1% of rollouts of up to 10 measurements. @default 0.999
   */
  readonly confidence?: number;
  /** @default - compare with stable using the defaults of each field */
  readonly comparison?: ComparisonObjective;
  readonly errorBudget?: ErrorBudgetObjective;
}

export interface VerdictRequest {
  readonly workload: Workload;
  /** Lookback window of every query, `<n>s|m|h`, between 5s and 24h, e.g. `2m`. */
  readonly window: string;
  readonly objectives: Objectives;
}

/** The names of the checks the gate may run. */
export type CheckName = 'traffic' | 'successRate' | 'latency' | 'errorBudget' | 'errorRatioVsStable' | 'latencyVsStable';

export interface Check {
  readonly name: CheckName;
  readonly verdict: CheckVerdict;
  /** The canary's measured value (null when Prometheus had no data, e.g. NaN). */
  readonly canary: number | null;
  /** The stable value it was compared with, when there is one. */
  readonly stable: number | null;
  /** The objective the check applies. */
  readonly objective: number | null;
  /** One sentence: what was measured and why this verdict. */
  readonly reason: string;
  /** Extra figures (e.g. the test's bound, the burn rate's budget). */
  readonly detail?: Record<string, number | string | null>;
}

export interface VerdictResponse {
  readonly verdict: Verdict;
  /** Reasons of the failing checks; without failures, of the inconclusive ones; on pass, of the passing ones. */
  readonly reasons: string[];
  readonly checks: Check[];
  /** Requests seen in the window (rounded). */
  readonly requests: { readonly canary: number | null; readonly stable: number | null };
  readonly window: string;
}

/**
 * The JSON answer of every non-200 response: 400 `bad_request`, 401 `unauthorized` (no valid token),
 * 403 `forbidden` (a namespace or metric the caller's token does not cover), 503 `prometheus_unavailable`,
 * 503 `overloaded` (with a Retry-After header), 503 `shutting_down`, 500 `internal`.
 */
export interface ErrorResponse {
  readonly error: 'bad_request' | 'unauthorized' | 'forbidden' | 'prometheus_unavailable' | 'overloaded' | 'shutting_down' | 'internal';
  readonly message: string;
  /** For bad and forbidden requests: the offending field, dotted (e.g. `workload.namespace`). */
  readonly field?: string;
}

/** The header carrying the request id: taken from the request when well-formed, else made up; always echoed. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Request ids the gate takes from a caller; anything else is replaced by its own. */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
/** Deepest nesting of objects and arrays a request body may have (a valid request needs 4). */
export const MAX_BODY_DEPTH = 10;

/** Kubernetes object names usable as label values (DNS-1123 label, at most 63 characters). */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** Kubernetes names that may contain dots (Ingress names: DNS-1123 subdomain). */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Pod-template hashes: lowercase letters and digits. */
export const POD_TEMPLATE_HASH_PATTERN = '^[a-z0-9]{1,32}$';
/** Prometheus metric names. */
export const METRIC_NAME_PATTERN = '^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$';
/** Windows: a whole number of seconds, minutes or hours. */
export const WINDOW_PATTERN = '^[1-9][0-9]{0,4}(s|m|h)$';
export const MIN_WINDOW_SECONDS = 5;
export const MAX_WINDOW_SECONDS = 24 * 3600;

export const DEFAULT_MIN_REQUESTS = 50;
export const DEFAULT_ERROR_RATIO_TOLERANCE = 0.01;
export const DEFAULT_CONFIDENCE = 0.999;
export const DEFAULT_LATENCY_RATIO_TOLERANCE = 1.5;
export const DEFAULT_LATENCY_MARGIN_SECONDS = 0.05;
export const DEFAULT_MAX_BURN_RATE = 2;
export const DEFAULT_REQUESTS_METRIC = 'http_requests_total';
export const DEFAULT_DURATION_METRIC = 'http_request_duration_seconds';
/** The metric names a gate serves unless configured otherwise: what `SliSource.app` queries by default. */
export const DEFAULT_ALLOWED_METRICS: readonly string[] = [DEFAULT_REQUESTS_METRIC, DEFAULT_DURATION_METRIC];

/**
 * Words PromQL reads as keywords, operators or aggregations wherever a metric name could stand
 * (matched case-insensitively, as Prometheus' lexer does): as metric names they make a query that
 * does not parse, or one that means something else.
 */
export const PROMQL_KEYWORDS: readonly string[] = [
  'and', 'or', 'unless', 'atan2', 'bool', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset',
  'start', 'end', 'inf', 'nan', 'sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk',
  'count_values', 'quantile', 'limitk', 'limit_ratio', 'smoothed', 'anchored', 'fill', 'fill_left', 'fill_right',
];

const ratio = { type: 'number', exclusiveMinimum: 0, maximum: 1 } as const;
const openRatio = { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } as const;

/** JSON Schema (draft-07) of `VerdictRequest`; unknown fields are rejected. */
export const VERDICT_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['workload', 'window', 'objectives'],
  properties: {
    workload: {
      type: 'object',
      additionalProperties: false,
      required: ['namespace', 'source'],
      properties: {
        namespace: { type: 'string', pattern: DNS_LABEL_PATTERN },
        rollout: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN },
        source: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: {
            app: {
              type: 'object',
              additionalProperties: false,
              required: ['canaryPodTemplateHash'],
              properties: {
                canaryPodTemplateHash: { type: 'string', pattern: POD_TEMPLATE_HASH_PATTERN },
                stablePodTemplateHash: { type: 'string', pattern: POD_TEMPLATE_HASH_PATTERN },
                requestsMetric: { type: 'string', pattern: METRIC_NAME_PATTERN },
                durationMetric: { type: 'string', pattern: METRIC_NAME_PATTERN },
              },
            },
            ingressNginx: {
              type: 'object',
              additionalProperties: false,
              required: ['stableIngress'],
              properties: {
                stableIngress: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN },
                canaryService: { type: 'string', pattern: DNS_LABEL_PATTERN },
                namespaceLabel: { type: 'string', enum: ['namespace', 'exported_namespace'] },
              },
            },
          },
        },
      },
    },
    window: { type: 'string', pattern: WINDOW_PATTERN },
    objectives: {
      type: 'object',
      additionalProperties: false,
      properties: {
        successRate: ratio,
        latency: {
          type: 'object',
          additionalProperties: false,
          required: ['quantile', 'thresholdSeconds'],
          properties: {
            quantile: openRatio,
            thresholdSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
          },
        },
        minRequests: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
        confidence: { type: 'number', minimum: 0.5, maximum: 0.9999 },
        comparison: {
          type: 'object',
          additionalProperties: false,
          properties: {
            errorRatioTolerance: { type: 'number', minimum: 0, maximum: 1 },
            confidence: { type: 'number', minimum: 0.5, maximum: 0.9999 },
            latencyRatioTolerance: { type: 'number', minimum: 1, maximum: 100 },
            latencyMarginSeconds: { type: 'number', minimum: 0, maximum: 3600 },
          },
        },
        errorBudget: {
          type: 'object',
          additionalProperties: false,
          required: ['objective'],
          properties: {
            objective: openRatio,
            maxBurnRate: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
          },
        },
      },
    },
  },
} as const;

/**
 * What the gate says of a window its schema lets through but it does not judge (outside 5s..24h),
 * or undefined for a window it judges.
 */
export function windowError(window: string): string | undefined {
  const seconds = windowSeconds(window);
  if (seconds !== undefined && seconds >= MIN_WINDOW_SECONDS && seconds <= MAX_WINDOW_SECONDS) return undefined;
  return `window must be between ${MIN_WINDOW_SECONDS}s and ${MAX_WINDOW_SECONDS / 3600}h, got ${JSON.stringify(window)}`;
}

/**
 * What the gate says of a metric name its schema lets through but PromQL would misread (a keyword),
 * or undefined for a usable name.
 */
export function metricNameError(field: string, name: string): string | undefined {
  if (!PROMQL_KEYWORDS.includes(name.toLowerCase())) return undefined;
  return `${field} must be a metric name, got the PromQL keyword ${JSON.stringify(name)}: name the counter or histogram the service exports`;
}

/** Seconds in a window such as `2m`; undefined when it does not match `WINDOW_PATTERN`. */
export function windowSeconds(window: string): number | undefined {
  const match = new RegExp(WINDOW_PATTERN).exec(window);
  if (!match) return undefined;
  const n = Number(window.slice(0, -1));
  return match[1] === 'h' ? n * 3600 : match[1] === 'm' ? n * 60 : n;
}
