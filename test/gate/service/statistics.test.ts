import { errorRatioDifference, normalQuantile, wilsonBounds } from '../../../lib/gate/service/statistics';

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

describe('wilsonBounds', () => {
  test('matches the published Wilson interval: 1 of 10 at 95% two-sided is 0.0179 to 0.4042', () => {
    const b = wilsonBounds(1, 10, 0.975);
    expect(b.lower).toBeCloseTo(0.0179, 4);
    expect(b.upper).toBeCloseTo(0.4042, 4);
  });

  test('keeps a width with no errors, and with errors only', () => {
    expect(wilsonBounds(0, 20, 0.975)).toEqual({ lower: 0, upper: expect.closeTo(0.1611, 4) });
    expect(wilsonBounds(20, 20, 0.975)).toEqual({ lower: expect.closeTo(0.8389, 4), upper: 1 });
  });

  test('the lower bound of 1 error in 60 requests is far below 1%; of 12 in 120 above 4% (99.9%)', () => {
    expect(wilsonBounds(1, 60, 0.999).lower).toBeLessThan(0.002);
    expect(wilsonBounds(12, 120, 0.999).lower).toBeGreaterThan(0.04);
  });

  test('takes fractional counts and clamps errors to requests', () => {
    expect(wilsonBounds(2.5, 99.7, 0.99).lower).toBeGreaterThan(0);
    expect(wilsonBounds(101, 100, 0.99)).toEqual(wilsonBounds(100, 100, 0.99));
  });
});
