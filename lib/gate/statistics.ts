/**
 * The statistics behind the canary-vs-stable error ratio comparison.
 *
 * Why a test on two proportions: each request is a Bernoulli trial (error or not), so the canary's
 * and stable's error ratios are two binomial proportions. Comparing the raw ratios fails good
 * canaries on small samples (1 error in 50 requests is 2%, against stable's 0.1%) and waits too
 * long on clearly bad ones. A one-sided confidence bound on the difference answers the question
 * the rollout asks: "is the canary worse than stable by more than the tolerance, beyond
 * reasonable doubt?" With few requests the bound is wide and the canary is not failed; with a
 * clearly worse canary the bound clears the tolerance after a few dozen requests.
 *
 * Why Agresti-Caffo: the plain Wald interval collapses to zero width when a group has no errors
 * (stable at 0/1000 and canary at 0/50 would give a standard error of 0) and undercovers for
 * small samples and ratios near 0, which is exactly the canary case. Adding one error and one
 * success to each group (Agresti & Caffo, 2000) keeps the interval honest there at no cost for
 * large samples. Kayenta uses a Mann-Whitney U test instead, which suits continuous metrics such
 * as latency; for error counts the binomial model is the exact description of the data.
 */

/**
 * The standard normal quantile (inverse CDF) for 0 < p < 1, by Acklam's rational approximation
 * (relative error below 1.2e-9, ample for a confidence level).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`p must be strictly between 0 and 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

export interface ProportionDifference {
  /** Observed difference of error ratios, canary minus stable. */
  readonly difference: number;
  /** One-sided lower confidence bound of the true difference (Agresti-Caffo). */
  readonly lowerBound: number;
  /** The normal quantile used for the bound. */
  readonly z: number;
}

/**
 * Lower confidence bound of p_canary - p_stable at `confidence` (one-sided), Agresti-Caffo:
 * p~ = (x + 1) / (n + 2) per group, se = sqrt(sum p~(1 - p~) / (n + 2)), bound = p~c - p~s - z se.
 * Counts may be fractional (Prometheus' increase() extrapolates); they must be finite and >= 0.
 */
export function errorRatioDifference(
  canaryErrors: number, canaryRequests: number,
  stableErrors: number, stableRequests: number,
  confidence: number,
): ProportionDifference {
  const z = normalQuantile(confidence);
  const pc = (canaryErrors + 1) / (canaryRequests + 2);
  const ps = (stableErrors + 1) / (stableRequests + 2);
  const se = Math.sqrt((pc * (1 - pc)) / (canaryRequests + 2) + (ps * (1 - ps)) / (stableRequests + 2));
  const difference = (canaryRequests > 0 ? canaryErrors / canaryRequests : 0) - (stableRequests > 0 ? stableErrors / stableRequests : 0);
  return { difference, lowerBound: pc - ps - z * se, z };
}

/**
 * Wilson score bounds of a proportion x / n (errors among requests) at `confidence`, one-sided each.
 * Unlike x / n itself, the bounds carry the sample size: 1 error in 60 requests has a lower bound
 * near 0.1%, not 1.7%, while 12 in 120 has a lower bound above 4%. Wilson keeps its coverage for
 * proportions near 0 and small samples, where the plain normal interval collapses. Counts may be
 * fractional (increase() extrapolates); n must be > 0.
 * Closed form: (2x + z² ∓ z sqrt(z² + 4 x (n - x) / n)) / (2 (n + z²)).
 */
export function wilsonBounds(x: number, n: number, confidence: number): { lower: number; upper: number } {
  const z = normalQuantile(confidence);
  const e = Math.min(Math.max(x, 0), n);
  const root = z * Math.sqrt(z * z + (4 * e * (n - e)) / n);
  const denominator = 2 * (n + z * z);
  return { lower: Math.max(0, (2 * e + z * z - root) / denominator), upper: Math.min(1, (2 * e + z * z + root) / denominator) };
}
