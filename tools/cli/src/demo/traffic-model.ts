/**
 * The traffic model shared by the demo service, the rehearsal and the simulation: seeded random
 * numbers, errors that happen at random (each request fails with the same probability, independent
 * of the others), and latencies drawn from a log-normal distribution, the usual shape of request
 * durations (a body near the median and a long right tail). Pure: no I/O, no clock.
 */

import { normalQuantile } from '@cdk8s-progressive/gate-contract/build/statistics';

/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence, so a
 * rehearsal or a simulation can be replayed exactly.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`seed must be an integer between 0 and ${0xffffffff}, got ${seed}`);
    }
    this.state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A new generator whose sequence depends on this one's seed and `stream`, for independent streams. */
  public fork(stream: number): SeededRandom {
    return new SeededRandom((Math.imul(Math.floor(this.next() * 4294967296) ^ stream, 2654435761) >>> 0));
  }

  /** True with probability p. */
  public bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal number (Box-Muller). */
  public normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** The number of successes in n trials of probability p: exact below 50 expected events, normal approximation above. */
  public binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const mean = n * p;
    if (mean < 50 || n * (1 - p) < 50) {
      if (n <= 200) {
        let k = 0;
        for (let i = 0; i < n; i++) if (this.next() < p) k++;
        return k;
      }
      // Few events among many trials: count them by the geometric gaps between them.
      const small = p <= 0.5;
      const q = small ? p : 1 - p;
      const logq = Math.log(1 - q);
      let k = 0;
      let i = Math.floor(Math.log(1 - this.next()) / logq);
      while (i < n) { k++; i += 1 + Math.floor(Math.log(1 - this.next()) / logq); }
      return small ? k : n - k;
    }
    const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * this.normal());
    return Math.min(n, Math.max(0, k));
  }

  /** A Poisson number of events with mean lambda: exact below 50, normal approximation above. */
  public poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda >= 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let product = this.next();
    while (product > limit) { k++; product *= this.next(); }
    return k;
  }
}

/** A log-normal latency distribution, given by its median and its 95th percentile. */
export class LatencyModel {
  /** z of the 95th percentile of the standard normal distribution. */
  private static readonly Z95 = 1.6448536269514722;

  /** The demo service's default: median 40ms, p95 150ms. */
  public static readonly DEFAULT = new LatencyModel(0.04, 0.15);

  /** The log-normal's sigma. */
  public readonly sigma: number;
  private readonly mu: number;

  constructor(public readonly medianSeconds: number, public readonly p95Seconds: number) {
    if (!(medianSeconds > 0) || !(p95Seconds > medianSeconds)) {
      throw new Error(`latency needs 0 < median < p95, got median ${medianSeconds}s and p95 ${p95Seconds}s`);
    }
    this.mu = Math.log(medianSeconds);
    this.sigma = Math.log(p95Seconds / medianSeconds) / LatencyModel.Z95;
  }

  /** The same shape scaled so that its 95th percentile is `p95Seconds`. */
  public withP95(p95Seconds: number): LatencyModel {
    return new LatencyModel(this.medianSeconds * (p95Seconds / this.p95Seconds), p95Seconds);
  }

  /** One request's duration in seconds. */
  public sample(random: SeededRandom): number {
    return Math.exp(this.mu + this.sigma * random.normal());
  }

  /** The share of requests that take at most `seconds`. */
  public cdf(seconds: number): number {
    if (seconds <= 0) return 0;
    if (!Number.isFinite(seconds)) return 1;
    return standardNormalCdf((Math.log(seconds) - this.mu) / this.sigma);
  }

  /** The duration at quantile q (0 < q < 1). */
  public quantile(q: number): number {
    return Math.exp(this.mu + this.sigma * normalQuantile(q));
  }
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26 on erf, absolute error below 1.5e-7). */
export function standardNormalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
