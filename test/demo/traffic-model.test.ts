import { LatencyModel, SeededRandom, standardNormalCdf } from '../../tools/cli/src/demo/traffic-model';

describe('SeededRandom', () => {
  test('the same seed gives the same sequence, another seed another', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const seq = (r: SeededRandom) => Array.from({ length: 5 }, () => r.next());
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test('fails on a seed that is not a 32-bit unsigned integer', () => {
    expect(() => new SeededRandom(-1)).toThrow('seed must be an integer between 0 and 4294967295, got -1');
    expect(() => new SeededRandom(1.5)).toThrow('seed must be an integer between 0 and 4294967295, got 1.5');
  });

  test.each([
    ['exact', 100, 0.3],
    ['rare events among many', 20_000, 0.001],
    ['frequent events among many', 20_000, 0.999],
    ['normal approximation', 20_000, 0.4],
  ])('binomial (%s): mean and variance within 4 standard errors of n p and n p (1 - p)', (_, n, p) => {
    const r = new SeededRandom(11);
    const draws = Array.from({ length: 4000 }, () => r.binomial(n, p));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((4 * sd) / Math.sqrt(draws.length));
    expect(variance / (sd * sd)).toBeGreaterThan(0.85);
    expect(variance / (sd * sd)).toBeLessThan(1.15);
    expect(draws.every((x) => Number.isInteger(x) && x >= 0 && x <= n)).toBe(true);
  });

  test.each([[0.7], [12], [400]])('poisson(%d): mean and variance near lambda', (lambda) => {
    const r = new SeededRandom(5);
    const draws = Array.from({ length: 4000 }, () => r.poisson(lambda));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    expect(Math.abs(mean - lambda)).toBeLessThan(4 * Math.sqrt(lambda / draws.length));
    expect(variance / lambda).toBeGreaterThan(0.85);
    expect(variance / lambda).toBeLessThan(1.15);
  });

  test('bernoulli(0.003) fails about 0.3% of 100,000 requests, not one in every 333', () => {
    const r = new SeededRandom(3);
    const fails = Array.from({ length: 100_000 }, () => r.bernoulli(0.003));
    const count = fails.filter(Boolean).length;
    expect(Math.abs(count - 300)).toBeLessThan(4 * Math.sqrt(300));
    // random, not evenly spread: some stretches of 1,000 requests have no error, some several
    const perThousand = Array.from({ length: 100 }, (_, i) => fails.slice(i * 1000, (i + 1) * 1000).filter(Boolean).length);
    expect(Math.min(...perThousand)).toBe(0);
    expect(Math.max(...perThousand)).toBeGreaterThanOrEqual(7);
  });
});

describe('LatencyModel', () => {
  test('median and p95 are what was asked, in samples and in the CDF', () => {
    const m = new LatencyModel(0.04, 0.15);
    expect(m.cdf(0.04)).toBeCloseTo(0.5, 6);
    expect(m.cdf(0.15)).toBeCloseTo(0.95, 6);
    expect(m.quantile(0.95)).toBeCloseTo(0.15, 6);
    const r = new SeededRandom(1);
    const samples = Array.from({ length: 20_000 }, () => m.sample(r)).sort((a, b) => a - b);
    expect(samples[10_000]).toBeGreaterThan(0.038);
    expect(samples[10_000]).toBeLessThan(0.042);
    expect(samples[19_000]).toBeGreaterThan(0.14);
    expect(samples[19_000]).toBeLessThan(0.16);
  });

  test('withP95 keeps the shape and moves the tail', () => {
    const slow = LatencyModel.DEFAULT.withP95(6);
    expect(slow.p95Seconds).toBe(6);
    expect(slow.sigma).toBeCloseTo(LatencyModel.DEFAULT.sigma, 12);
    expect(slow.cdf(3)).toBeLessThan(0.8);
  });

  test('fails on a median that is not below the p95', () => {
    expect(() => new LatencyModel(0.2, 0.1)).toThrow('latency needs 0 < median < p95, got median 0.2s and p95 0.1s');
  });

  test('standardNormalCdf', () => {
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 7);
    expect(standardNormalCdf(1.6448536)).toBeCloseTo(0.95, 6);
    expect(standardNormalCdf(-3.090232)).toBeCloseTo(0.001, 6);
  });
});
