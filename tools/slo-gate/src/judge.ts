/**
 * The judging core: numbers measured in Prometheus in, a verdict with reasons out. Pure: no I/O,
 * no clock, no Prometheus types, so it is tested on plain numbers.
 *
 * Rules:
 * - Too few canary requests (below `minRequests`): inconclusive, never pass, whatever else shows.
 * - Absolute objectives judge the canary alone, with the uncertainty of what was measured: the success
 *   rate fails when its upper Wilson bound (at `confidence`) is below the objective, the error-budget
 *   burn rate when its lower bound is above maxBurnRate; the latency quantile is compared as measured.
 *   One error among 60 requests is no evidence against a 99% objective; 12 among 120 are.
 * - Comparisons with stable need a baseline with at least `minRequests` requests; without one they
 *   are `skipped` and the canary is judged on the absolute objectives only (e.g. at 100% weight).
 * - Error ratio vs stable: one-sided Agresti-Caffo bound (see statistics.ts); the canary fails
 *   only when it is worse than stable by more than the tolerance with the given confidence.
 * - Latency vs stable: canary quantile / stable quantile at most the tolerance, or slower than stable by
 *   at most the margin (at millisecond latencies a ratio is noise); compared only once each side served
 *   20 requests beyond the quantile (400 for p95): a p95 of 60 requests rests on its 3 slowest.
 * - Missing data (NaN, +Inf, no histogram buckets): the affected check is inconclusive, never pass.
 * - Overall: any failed check fails; otherwise any inconclusive check makes it inconclusive.
 */
import { Check, CheckVerdict, Verdict } from '@cdk8s-progressive/gate-contract';
import { errorRatioDifference, wilsonBounds } from '@cdk8s-progressive/gate-contract/build/statistics';

/** What Prometheus measured for one side (canary or stable) over the window. */
export interface SideMeasurement {
  /** Requests in the window (may be fractional, NaN or missing when Prometheus had no series). */
  readonly requests?: number;
  /** 5xx responses in the window. */
  readonly errors?: number;
  /** The latency quantile in seconds (NaN when the histogram has no data). */
  readonly latency?: number;
}

export interface Measurements {
  readonly canary: SideMeasurement;
  /** Undefined when the request names no stable baseline. */
  readonly stable?: SideMeasurement;
}

/** Objectives with defaults resolved. */
export interface ResolvedObjectives {
  readonly successRate?: number;
  readonly latency?: { readonly quantile: number; readonly thresholdSeconds: number };
  readonly minRequests: number;
  /** Confidence of the bounds of the absolute checks (one-sided). */
  readonly confidence: number;
  readonly comparison: {
    readonly errorRatioTolerance: number; readonly confidence: number; readonly latencyRatioTolerance: number; readonly latencyMarginSeconds: number;
  };
  readonly errorBudget?: { readonly objective: number; readonly maxBurnRate: number };
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly reasons: string[];
  readonly checks: Check[];
  readonly requests: { readonly canary: number | null; readonly stable: number | null };
}

/** Requests beyond a quantile that its estimate needs before two quantiles are compared. */
export const MIN_TAIL_REQUESTS = 20;

/** A count from Prometheus: NaN, negative or missing becomes 0. */
function count(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/** A value JSON can carry: NaN and infinities become null. */
function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** Formats a number for a reason: up to 4 decimals, no trailing zeros; +Inf for a quantile in the +Inf bucket. */
function fmt(value: number | undefined): string {
  if (value === Infinity) return '+Inf';
  if (value === undefined || !Number.isFinite(value)) return 'no data';
  return String(Math.round(value * 10_000) / 10_000);
}

/**
 * A measured quantile, or undefined for none: no data, or -Inf (histogram_quantile's answer to a quantile
 * below 0, never a latency). +Inf is a value: the quantile lies in the +Inf bucket.
 */
function measuredQuantile(q: number | undefined): number | undefined {
  return q === undefined || Number.isNaN(q) || q === -Infinity ? undefined : q;
}

/** Formats seconds: `0.25s`, or `+Inf` for a quantile in the +Inf bucket. */
function secs(value: number): string {
  return Number.isFinite(value) ? `${fmt(value)}s` : fmt(value);
}

function check(
  name: Check['name'], verdict: CheckVerdict, canary: number | undefined, stable: number | undefined,
  objective: number | undefined, reason: string, detail?: Check['detail'],
): Check {
  return {
    name, verdict, canary: finite(canary), stable: finite(stable), objective: objective ?? null,
    reason: `${name}: ${reason}`, ...(detail ? { detail } : {}),
  };
}

/** Judges the canary against the objectives. */
export function judge(measured: Measurements, objectives: ResolvedObjectives): Judgement {
  const canaryRequests = count(measured.canary.requests);
  const canaryErrors = Math.min(count(measured.canary.errors), canaryRequests);
  const canaryErrorRatio = canaryRequests > 0 ? canaryErrors / canaryRequests : NaN;
  const stableRequests = measured.stable ? count(measured.stable.requests) : undefined;
  const stableErrors = measured.stable ? Math.min(count(measured.stable.errors), stableRequests!) : undefined;
  const stableErrorRatio = stableRequests ? stableErrors! / stableRequests : NaN;

  const enoughTraffic = canaryRequests >= objectives.minRequests;
  const checks: Check[] = [];
  checks.push(check('traffic', enoughTraffic ? 'pass' : 'inconclusive', canaryRequests, stableRequests, objectives.minRequests,
    enoughTraffic
      ? `canary served ${fmt(canaryRequests)} requests, at least minRequests ${objectives.minRequests}`
      : `canary served ${fmt(canaryRequests)} requests in the window, fewer than minRequests ${objectives.minRequests}: cannot judge yet`));

  // Below minRequests every other check is reported with its figures but cannot decide.
  // (Skipped comparisons are never gated: they judge nothing either way.)
  const gated = (c: Check): Check => (enoughTraffic
    ? c
    : { ...c, verdict: 'inconclusive', reason: `${c.reason} (not judged: too few canary requests)` });

  // Bounds of the canary's error ratio at the objectives' confidence (none without requests).
  const bounds = canaryRequests > 0 ? wilsonBounds(canaryErrors, canaryRequests, objectives.confidence) : undefined;
  const pct = `${fmt(objectives.confidence * 100)}% confidence`;

  if (objectives.successRate !== undefined) {
    const objective = objectives.successRate;
    const rate = 1 - canaryErrorRatio;
    const stableRate = 1 - stableErrorRatio;
    const upper = bounds ? 1 - bounds.lower : NaN;
    const detail = { upperBound: finite(upper), confidence: objectives.confidence };
    checks.push(gated(!bounds
      ? check('successRate', 'inconclusive', rate, stableRate, objective, 'no canary requests to compute a success rate')
      : upper >= objective
        ? check('successRate', 'pass', rate, stableRate, objective,
          `canary success rate ${fmt(rate)} (at most ${fmt(upper)} at ${pct}) is consistent with the objective ${fmt(objective)}`, detail)
        : check('successRate', 'fail', rate, stableRate, objective,
          `canary success rate ${fmt(rate)} is below the objective ${fmt(objective)}: at most ${fmt(upper)} at ${pct}`, detail)));
  }

  if (objectives.latency) {
    const { quantile, thresholdSeconds } = objectives.latency;
    const q = measuredQuantile(measured.canary.latency);
    const p = `p${fmt(quantile * 100)}`;
    checks.push(gated(q === undefined
      ? check('latency', 'inconclusive', q, measured.stable?.latency, thresholdSeconds, `no latency histogram data for the canary ${p}`)
      : q <= thresholdSeconds
        ? check('latency', 'pass', q, measured.stable?.latency, thresholdSeconds, `canary ${p} ${secs(q)} is within ${secs(thresholdSeconds)}`)
        : check('latency', 'fail', q, measured.stable?.latency, thresholdSeconds, `canary ${p} ${secs(q)} exceeds ${secs(thresholdSeconds)}`)));
  }

  if (objectives.errorBudget) {
    const { objective, maxBurnRate } = objectives.errorBudget;
    const budget = 1 - objective;
    const burn = canaryErrorRatio / budget;
    const lower = bounds ? bounds.lower / budget : NaN;
    const detail = { errorBudget: budget, burnRateLowerBound: finite(lower), confidence: objectives.confidence };
    checks.push(gated(!bounds
      ? check('errorBudget', 'inconclusive', burn, stableErrorRatio / budget, maxBurnRate, 'no canary requests to compute a burn rate', detail)
      : lower <= maxBurnRate
        ? check('errorBudget', 'pass', burn, stableErrorRatio / budget, maxBurnRate,
          `canary burns the ${fmt(objective)} SLO's error budget at ${fmt(burn)}x (at least ${fmt(lower)}x at ${pct}), not confidently above ${fmt(maxBurnRate)}x`, detail)
        : check('errorBudget', 'fail', burn, stableErrorRatio / budget, maxBurnRate,
          `canary burns the ${fmt(objective)} SLO's error budget at ${fmt(burn)}x, at least ${fmt(lower)}x at ${pct}, above ${fmt(maxBurnRate)}x`, detail)));
  }

  if (measured.stable) {
    const { errorRatioTolerance, confidence, latencyRatioTolerance, latencyMarginSeconds } = objectives.comparison;
    const baseline = stableRequests! >= objectives.minRequests;
    const noBaseline = `stable served ${fmt(stableRequests)} requests, fewer than minRequests ${objectives.minRequests}: no baseline, judged on absolute objectives only`;

    if (!baseline) {
      checks.push(check('errorRatioVsStable', 'skipped', canaryErrorRatio, stableErrorRatio, errorRatioTolerance, noBaseline));
    } else {
      const test = errorRatioDifference(canaryErrors, canaryRequests, stableErrors!, stableRequests!, confidence);
      const detail = { difference: test.difference, lowerBound: test.lowerBound, confidence };
      const worse = test.lowerBound > errorRatioTolerance;
      checks.push(gated(worse
        ? check('errorRatioVsStable', 'fail', canaryErrorRatio, stableErrorRatio, errorRatioTolerance,
          `canary error ratio ${fmt(canaryErrorRatio)} is worse than stable's ${fmt(stableErrorRatio)} by at least ${fmt(test.lowerBound)} at ${fmt(confidence * 100)}% confidence, above the tolerance ${fmt(errorRatioTolerance)}`, detail)
        : check('errorRatioVsStable', 'pass', canaryErrorRatio, stableErrorRatio, errorRatioTolerance,
          `canary error ratio ${fmt(canaryErrorRatio)} is not worse than stable's ${fmt(stableErrorRatio)} by more than ${fmt(errorRatioTolerance)} at ${fmt(confidence * 100)}% confidence`, detail)));
    }

    if (objectives.latency) {
      const qc = measuredQuantile(measured.canary.latency);
      const qs = measured.stable.latency;
      // A quantile estimated from fewer than MIN_TAIL_REQUESTS requests beyond it is noise: p95 needs 400 requests.
      const tailRequests = Math.ceil(MIN_TAIL_REQUESTS / (1 - objectives.latency.quantile));
      if (!baseline || qs === undefined || !Number.isFinite(qs) || qs <= 0) {
        checks.push(check('latencyVsStable', 'skipped', qc, qs, latencyRatioTolerance,
          baseline ? 'no latency histogram data for stable: no baseline, judged on absolute objectives only' : noBaseline));
      } else if (Math.min(canaryRequests, stableRequests!) < tailRequests) {
        checks.push(check('latencyVsStable', 'skipped', qc, qs, latencyRatioTolerance,
          `canary served ${fmt(canaryRequests)} and stable ${fmt(stableRequests)} requests, fewer than the ${tailRequests} a `
          + `p${fmt(objectives.latency.quantile * 100)} needs to be compared (${MIN_TAIL_REQUESTS} beyond it): judged on the latency objective only`));
      } else if (qc === undefined) {
        checks.push(gated(check('latencyVsStable', 'inconclusive', qc, qs, latencyRatioTolerance, 'no latency histogram data for the canary')));
      } else {
        const ratio = qc / qs;
        const detail = { ratio: finite(ratio), marginSeconds: latencyMarginSeconds };
        checks.push(gated(ratio <= latencyRatioTolerance
          ? check('latencyVsStable', 'pass', qc, qs, latencyRatioTolerance, `canary latency is ${fmt(ratio)}x stable's, within ${fmt(latencyRatioTolerance)}x`, detail)
          : qc - qs <= latencyMarginSeconds
            ? check('latencyVsStable', 'pass', qc, qs, latencyRatioTolerance,
              `canary latency is ${fmt(ratio)}x stable's but only ${secs(qc - qs)} slower, within the margin ${secs(latencyMarginSeconds)}`, detail)
            : check('latencyVsStable', 'fail', qc, qs, latencyRatioTolerance,
              `canary latency is ${fmt(ratio)}x stable's and ${secs(qc - qs)} slower, above ${fmt(latencyRatioTolerance)}x and the margin ${secs(latencyMarginSeconds)}`, detail)));
      }
    }
  }

  const failed = checks.filter((c) => c.verdict === 'fail');
  const inconclusive = checks.filter((c) => c.verdict === 'inconclusive');
  const verdict: Verdict = failed.length > 0 ? 'fail' : inconclusive.length > 0 ? 'inconclusive' : 'pass';
  const deciding = verdict === 'fail' ? failed : verdict === 'inconclusive' ? inconclusive : checks.filter((c) => c.verdict === 'pass');
  return {
    verdict,
    reasons: deciding.map((c) => c.reason),
    checks,
    requests: { canary: Math.round(canaryRequests), stable: stableRequests === undefined ? null : Math.round(stableRequests) },
  };
}
