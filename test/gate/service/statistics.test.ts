import { errorRatioDifference, normalQuantile } from '../../../lib/gate/service/statistics';

describe('normalQuantile', () => {
  test('matches the standard normal table', () => {
    // GIVEN / WHEN / THEN textbook quantiles
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(0.9999)).toBeCloseTo(3.719016, 4);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });

  test('fails outside (0, 1)', () => {
    // GIVEN / WHEN / THEN
    expect(() => normalQuantile(1)).toThrow('p must be strictly between 0 and 1, got 1');
  });
});

describe('errorRatioDifference', () => {
  test('gives a positive lower bound for a clearly worse canary', () => {
    // GIVEN 20% canary errors over 100 requests against 0.1% of 10000
    const result = errorRatioDifference(20, 100, 10, 10000, 0.95);

    // THEN the observed difference is 0.199 and the one-sided bound stays well above 0.1
    expect(result.difference).toBeCloseTo(0.199, 6);
    expect(result.lowerBound).toBeGreaterThan(0.1);
    expect(result.lowerBound).toBeLessThan(result.difference);
  });

  test('keeps a non-zero width when neither side has errors', () => {
    // GIVEN no errors at all on either side (Wald would give a zero standard error)
    const result = errorRatioDifference(0, 50, 0, 1000, 0.95);

    // THEN the bound is below zero: no evidence that the canary is worse
    expect(result.difference).toBe(0);
    expect(result.lowerBound).toBeLessThan(0);
  });

  test('tightens with more requests', () => {
    // GIVEN the same 5% error ratio on 100 and on 10000 canary requests
    const small = errorRatioDifference(5, 100, 10, 10000, 0.95);
    const large = errorRatioDifference(500, 10000, 10, 10000, 0.95);

    // THEN the larger sample gives the higher lower bound
    expect(large.lowerBound).toBeGreaterThan(small.lowerBound);
    expect(large.lowerBound).toBeGreaterThan(0.04);
  });
});
