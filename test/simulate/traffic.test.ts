import { LatencyModel, SeededRandom } from '../../lib/demo/traffic-model';
import { DEMO_LATENCY_BUCKETS } from '../../lib/demo/demo-service';
import { bucketShares, canaryShareMs, ScenarioSeries, SideCounter, TrialLayout, weightAt } from '../../lib/simulate/traffic';

const LAYOUT: TrialLayout = {
  trials: 3, firstTrialMs: 300_000, periodMs: 600_000, durationMs: 200_000, scrapeIntervalMs: 15_000,
  weights: [{ atMs: 10_000, weight: 10 }, { atMs: 100_000, weight: 50 }],
};

describe('weights on the plan timeline', () => {
  test('the canary weight follows the steps and is 0 before the canary starts and after the rollout', () => {
    // GIVEN weight 10 from 10s and 50 from 100s, until 200s THEN
    expect([0, 9_999, 10_000, 99_999, 100_000, 199_999, 200_000].map((ms) => weightAt(LAYOUT, ms))).toEqual([0, 0, 10, 10, 50, 50, 0]);
  });

  test('the canary share integrates the weight over an interval, across a weight change and outside trials', () => {
    // GIVEN trial 0 starts at 300s THEN 90s at 10% + 100s at 50% = 59s of canary traffic; nothing between trials
    expect(canaryShareMs(LAYOUT, 300_000, 500_000)).toBeCloseTo(59_000, 6);
    expect(canaryShareMs(LAYOUT, 395_000, 405_000)).toBeCloseTo(5_000 * 0.1 + 5_000 * 0.5, 6);
    expect(canaryShareMs(LAYOUT, 500_000, 900_000)).toBe(0);
  });
});

describe('one side\'s counters', () => {
  test('bucket shares add up to 1, with the rest above the last bound', () => {
    const shares = bucketShares(LatencyModel.DEFAULT, DEMO_LATENCY_BUCKETS);
    expect(shares).toHaveLength(DEMO_LATENCY_BUCKETS.length + 1);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  test('born at zero; then counts add up: buckets cumulative, +Inf equals requests, errors at the error rate', () => {
    // GIVEN a side with 2% errors scraped 400 times with 1000 expected requests each
    const counter = new SideCounter(new SeededRandom(7), { errorRate: 0.02, latency: LatencyModel.DEFAULT }, DEMO_LATENCY_BUCKETS);
    const first = counter.scrape(0, 1000);
    let last = first;
    for (let k = 1; k <= 400; k++) last = counter.scrape(k * 15_000, 1000);
    // THEN the first scrape is all zeros, the counters are consistent, and the shares are near the model's
    expect(first).toEqual({ atMs: 0, requests: 0, errors: 0, buckets: new Array(DEMO_LATENCY_BUCKETS.length + 1).fill(0), latencySum: 0 });
    expect(last.buckets[last.buckets.length - 1]).toBe(last.requests);
    for (let j = 1; j < last.buckets.length; j++) expect(last.buckets[j]).toBeGreaterThanOrEqual(last.buckets[j - 1]);
    expect(last.requests / 400).toBeGreaterThan(990);
    expect(last.requests / 400).toBeLessThan(1010);
    expect(last.errors / last.requests).toBeGreaterThan(0.018);
    expect(last.errors / last.requests).toBeLessThan(0.022);
    const le100ms = DEMO_LATENCY_BUCKETS.indexOf(0.1);
    expect(last.buckets[le100ms] / last.requests).toBeCloseTo(LatencyModel.DEFAULT.cdf(0.1), 2);
  });

  test('errors happen at random: the same expected traffic gives different counts per interval', () => {
    const counter = new SideCounter(new SeededRandom(3), { errorRate: 0.05, latency: LatencyModel.DEFAULT }, DEMO_LATENCY_BUCKETS);
    counter.scrape(0, 0);
    let previous = 0;
    const perInterval = Array.from({ length: 50 }, (_, k) => {
      const s = counter.scrape((k + 1) * 15_000, 200);
      const errors = s.errors - previous;
      previous = s.errors;
      return errors;
    });
    expect(new Set(perInterval).size).toBeGreaterThan(5);
  });
});

describe('the series of a scenario', () => {
  const labels = {
    stable: 'namespace="shop-s0",pod="web-aaa-stable",rollouts_pod_template_hash="aaa"',
    canary: (t: number) => `namespace="shop-s0",pod="web-bbb-t${t}",rollouts_pod_template_hash="bbb"`,
    canaryPerTrial: true,
  };
  const write = (seed: number) => {
    const series = new ScenarioSeries(LAYOUT, 100, { errorRate: 0.01, latency: LatencyModel.DEFAULT }, { errorRate: 0.1, latency: LatencyModel.DEFAULT },
      labels, { requests: 'http_requests_total', histogram: 'http_request_duration_seconds', bounds: DEMO_LATENCY_BUCKETS }, new SeededRandom(seed));
    const out: string[] = [];
    const samples = series.write(0, 3600_000, Date.UTC(2024, 0, 1), out);
    return { out, samples };
  };

  test('OpenMetrics lines of the selected series only, each series in time order, one canary series per trial', () => {
    const { out, samples } = write(1);
    expect(samples).toBe(out.length);
    expect(out[0]).toMatch(/^http_requests_total\{namespace="shop-s0",pod="web-aaa-stable",rollouts_pod_template_hash="aaa",status="200"\} \d+ 1704067\d{3}\.\d{3}$/);
    expect(out.some((l) => l.includes('pod="web-bbb-t2"') && l.includes('le="+Inf"'))).toBe(true);
    expect(out.some((l) => l.includes('_count') || l.includes('_sum'))).toBe(false);
    const bySeries = new Map<string, number[]>();
    for (const l of out) {
      const [series, , ts] = l.split(' ');
      bySeries.set(series, [...(bySeries.get(series) ?? []), Number(ts)]);
    }
    for (const times of bySeries.values()) expect([...times].sort((a, b) => a - b)).toEqual(times);
    // a canary series starts at its trial's rollout (trial 1 at 900s) and ends one scrape after the canary's last traffic
    const trial1 = bySeries.get('http_requests_total{namespace="shop-s0",pod="web-bbb-t1",rollouts_pod_template_hash="bbb",status="200"}')!;
    expect(trial1[0] - 1704067200).toBeGreaterThanOrEqual(900);
    expect(trial1[0] - 1704067200).toBeLessThan(915);
    expect(trial1[trial1.length - 1] - 1704067200).toBeLessThan(900 + 200 + 15);
  });

  test('the same seed writes the same bytes; another seed different counts', () => {
    expect(write(5).out).toEqual(write(5).out);
    expect(write(5).out).not.toEqual(write(6).out);
  });
});
