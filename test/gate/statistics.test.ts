import { errorRatioDifference, normalQuantile, wilsonBounds } from '../../lib/gate/statistics';

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
    for (const p of [0, -0.5, 1.5, NaN]) expect(() => normalQuantile(p)).toThrow(`p must be strictly between 0 and 1, got ${p}`);
  });

  test('is antisymmetric around 0.5 in each of its three regions', () => {
    for (const p of [0.0001, 0.001, 0.02, 0.1, 0.3]) expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 7);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalQuantile(0.3)).toBeCloseTo(-0.524401, 5);
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

describe('errorRatioDifference is the Agresti-Caffo bound', () => {
  test('adds one error and one success to each side, and subtracts z standard errors', () => {
    // GIVEN 10 errors in 200 canary requests and 10 in 10000 stable requests at 99.9%
    const result = errorRatioDifference(10, 200, 10, 10000, 0.999);
    // THEN p~ = 11/202 and 11/10002, and the bound is their difference minus z = 3.0902 standard errors
    const [pc, ps] = [11 / 202, 11 / 10002];
    const se = Math.sqrt((pc * (1 - pc)) / 202 + (ps * (1 - ps)) / 10002);
    expect(result.z).toBeCloseTo(3.090232, 5);
    expect(result.difference).toBeCloseTo(0.049, 12);
    expect(result.lowerBound).toBeCloseTo(pc - ps - 3.090232 * se, 6);
    expect(result.lowerBound).toBeCloseTo(0.0040075, 6);
  });

  test('a higher confidence lowers the bound by more standard errors', () => {
    const at = (confidence: number) => errorRatioDifference(10, 200, 10, 10000, confidence).lowerBound;
    expect(at(0.9)).toBeGreaterThan(at(0.99));
    expect(at(0.99)).toBeGreaterThan(at(0.999));
    expect(at(0.5)).toBeCloseTo(11 / 202 - 11 / 10002, 12);
  });

  test('a side without requests counts as an error ratio of 0 in the observed difference', () => {
    expect(errorRatioDifference(0, 0, 5, 100, 0.99).difference).toBeCloseTo(-0.05, 12);
    expect(errorRatioDifference(5, 100, 0, 0, 0.99).difference).toBeCloseTo(0.05, 12);
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
    expect(wilsonBounds(-1, 100, 0.99)).toEqual(wilsonBounds(0, 100, 0.99));
  });

  test('the bounds are probabilities: never below 0 or above 1, even where rounding would cross them', () => {
    // GIVEN 50 errors in 50 requests at 95%, where the closed form gives 1.0000000000000002
    expect(wilsonBounds(50, 50, 0.95).upper).toBe(1);
    expect(wilsonBounds(0, 50, 0.95).lower).toBe(0);
  });

  test('is the closed form (2x + z² ∓ z sqrt(z² + 4x(n - x)/n)) / (2(n + z²))', () => {
    // GIVEN 3 errors in 100 requests at 99.9% (z = 3.090232)
    const z = 3.090232;
    const root = z * Math.sqrt(z * z + (4 * 3 * 97) / 100);
    const b = wilsonBounds(3, 100, 0.999);
    expect(b.lower).toBeCloseTo((6 + z * z - root) / (2 * (100 + z * z)), 6);
    expect(b.upper).toBeCloseTo((6 + z * z + root) / (2 * (100 + z * z)), 6);
  });
});
