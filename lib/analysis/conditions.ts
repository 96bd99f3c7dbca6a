import { MetricConditions } from './expr-eval';

/**
 * Condition pairs for Prometheus-provider metrics whose query returns at most one sample.
 *
 * Both conditions are set and both are guarded, so that (Argo v1.9.1 semantics):
 * - no data (empty vector) makes both false: Inconclusive, never an Error (`result[0]` is only
 *   read after `len(result) > 0`);
 * - NaN (0/0: series exist but no requests in the window) makes both false: Inconclusive;
 * - otherwise exactly one of them holds: Successful or Failed.
 */

const GUARD = 'len(result) > 0 && !isNaN(result[0])';

/** The measured value must be at least `threshold`. */
export function atLeast(threshold: number): MetricConditions {
  return {
    successCondition: `${GUARD} && result[0] >= ${literal(threshold)}`,
    failureCondition: `${GUARD} && result[0] < ${literal(threshold)}`,
  };
}

/** The measured value must be at most `threshold`. */
export function atMost(threshold: number): MetricConditions {
  return {
    successCondition: `${GUARD} && result[0] <= ${literal(threshold)}`,
    failureCondition: `${GUARD} && result[0] > ${literal(threshold)}`,
  };
}

/**
 * For a query returning exactly two samples (the long and the short window of a burn-rate
 * pair): Failed when both exceed `factor`, Successful when both are numbers and one is at most
 * `factor`, Inconclusive otherwise (a window without data).
 */
export function bothAbove(factor: number): MetricConditions {
  const f = literal(factor);
  return {
    successCondition: `len(result) == 2 && !isNaN(result[0]) && !isNaN(result[1]) && (result[0] <= ${f} || result[1] <= ${f})`,
    failureCondition: `len(result) == 2 && result[0] > ${f} && result[1] > ${f}`,
  };
}

/** A number as an expr-lang literal (no exponent form, which expr-lang reads differently). */
export function literal(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`a condition threshold must be a finite number, got ${n}`);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}
