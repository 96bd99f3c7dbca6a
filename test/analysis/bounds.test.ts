import { errorDifferenceLowerBound, errorLowerBound, successUpperBound, withMinRequests, zOf } from '../../lib/analysis/bounds';
import { EventCounts } from '../../lib/analysis/sli-source';
import { errorRatioDifference, wilsonBounds } from '../../lib/gate/statistics';

/**
 * The arithmetic of a bound with numbers in place of the count selectors: PromQL's +, -, *, / and
 * parentheses read as JavaScript's, sqrt as Math.sqrt (one-sample vectors behave as scalars). Anything
 * else in the query fails the test rather than being guessed.
 */
function evaluate(promql: string): number {
  if (!/^[\d\s.+\-*/()]*$/.test(promql.replace(/sqrt/g, ''))) throw new Error(`not plain arithmetic: ${promql}`);
  return Function('sqrt', `"use strict"; return (${promql});`)(Math.sqrt);
}

const counts = (good: number, total: number): EventCounts => ({ good: String(good), total: String(total) });

describe('the bounds Prometheus computes are the gate\'s own', () => {
  test.each([
    [59, 60, 0.999], [108, 120, 0.999], [1000, 1000, 0.999], [95, 100, 0.9], [0, 50, 0.99], [9990.5, 10000.25, 0.999],
  ])('success rate: %d good of %d at %d is the upper Wilson bound', (good, total, confidence) => {
    // GIVEN the counts WHEN the query's arithmetic is evaluated THEN it is 1 - the lower Wilson bound of the errors
    const expected = 1 - wilsonBounds(total - good, total, confidence).lower;
    expect(evaluate(successUpperBound(counts(good, total), confidence))).toBeCloseTo(expected, 6);
  });

  test.each([
    [59, 60, 0.999], [108, 120, 0.999], [95, 100, 0.9], [0, 50, 0.99], [9990.5, 10000.25, 0.999],
  ])('error ratio: %d good of %d at %d is the lower Wilson bound', (good, total, confidence) => {
    const expected = wilsonBounds(total - good, total, confidence).lower;
    expect(evaluate(errorLowerBound(counts(good, total), confidence))).toBeCloseTo(expected, 6);
  });

  test('12 errors in 120 requests: the lower bound of the error ratio is above 4%, of 1 in 60 below 0.2%', () => {
    expect(evaluate(errorLowerBound(counts(108, 120), 0.999))).toBeGreaterThan(0.04);
    expect(evaluate(errorLowerBound(counts(59, 60), 0.999))).toBeLessThan(0.002);
  });

  test.each([
    [80, 100, 9990, 10000, 0.999], [50, 50, 999, 1000, 0.999], [290, 300, 4950, 5000, 0.95], [0, 10, 0, 10, 0.99],
  ])('canary vs stable: %d of %d against %d of %d at %d is the Agresti-Caffo bound', (cGood, cTotal, sGood, sTotal, confidence) => {
    const expected = errorRatioDifference(cTotal - cGood, cTotal, sTotal - sGood, sTotal, confidence).lowerBound;
    expect(evaluate(errorDifferenceLowerBound(counts(cGood, cTotal), counts(sGood, sTotal), confidence))).toBeCloseTo(expected, 6);
  });

  test('a canary clearly worse than stable has a positive bound; one as good as stable a negative one', () => {
    expect(evaluate(errorDifferenceLowerBound(counts(80, 100), counts(9990, 10000), 0.999))).toBeGreaterThan(0.05);
    expect(evaluate(errorDifferenceLowerBound(counts(999, 1000), counts(9990, 10000), 0.999))).toBeLessThan(0);
  });
});

describe('z in the queries', () => {
  test('is the one-sided normal quantile of the confidence, rounded to 6 decimals', () => {
    expect(zOf(0.999)).toBe(3.090232);
    expect(zOf(0.95)).toBe(1.644854);
    expect(zOf(0.5)).toBe(0);
  });

  test('appears with its square, each written as a plain decimal', () => {
    const q = successUpperBound(counts(1, 2), 0.999);
    expect(q).toBe('(2 * 1 + 9.549534 + 3.090232 * sqrt(9.549534 + 4 * 1 * (2 - 1) / 2)) / (2 * (2 + 9.549534))');
  });
});

describe('withMinRequests', () => {
  test('keeps the query only while every count reached minRequests', () => {
    expect(withMinRequests('q', [counts(1, 2), { good: 'g', total: 'sum(t)' }], 50)).toBe('(q) and on() (2 >= 50) and on() (sum(t) >= 50)');
    expect(withMinRequests('q', [], 50)).toBe('(q)');
  });
});
