import { LatencyModel, SeededRandom } from '../../tools/cli/src/demo/traffic-model';
import { DEMO_LATENCY_BUCKETS } from '../../tools/cli/src/demo/demo-service';
import { bucketShares, canaryShareMs, layoutEndMs, ScenarioSeries, scrapeTimes, SideCounter, TrialLayout, weightAt } from '../../tools/cli/src/simulate/traffic';

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

describe('weights at the edges of a trial', () => {
  const fromStart: TrialLayout = { ...LAYOUT, weights: [{ atMs: 0, weight: 20 }] };

  test('a weight set at the rollout\'s start holds from its first instant; nothing before it', () => {
    expect([-1, 0, 199_999].map((ms) => weightAt(fromStart, ms))).toEqual([0, 20, 20]);
  });

  test('the share counts every trial an interval overlaps, and nothing before the first or after the last', () => {
    // trial 0 from 300s to 500s at 20%, trial 1 from 900s
    expect(canaryShareMs(fromStart, 0, 300_000)).toBe(0);
    expect(canaryShareMs(fromStart, 450_000, 950_000)).toBeCloseTo(50_000 * 0.2 + 50_000 * 0.2, 6);
    expect(canaryShareMs(fromStart, 950_000, 1_000_000)).toBeCloseTo(50_000 * 0.2, 6);
    expect(canaryShareMs(fromStart, 1_500_000, 1_600_000)).toBeCloseTo(100_000 * 0.2, 6);
    expect(canaryShareMs(fromStart, 2_100_000, 2_200_000)).toBe(0);
    expect(layoutEndMs(fromStart)).toBe(2_100_000);
  });
});

describe('scrape times', () => {
  test('from the phase on, every interval, up to the end (excluded)', () => {
    expect(scrapeTimes(1000, 46_000, 5000, 15_000)).toEqual([6000, 21_000, 36_000]);
    expect(scrapeTimes(1000, 36_000, 5000, 15_000)).toEqual([6000, 21_000]);
  });
});

describe('one side\'s counters', () => {
  test('bucket shares: each bucket the model\'s probability between two bounds, the rest above the last', () => {
    const m = LatencyModel.DEFAULT;
    const shares = bucketShares(m, [0.05, 0.1]);
    expect(shares[0]).toBeCloseTo(m.cdf(0.05), 12);
    expect(shares[1]).toBeCloseTo(m.cdf(0.1) - m.cdf(0.05), 12);
    expect(shares[2]).toBeCloseTo(1 - m.cdf(0.1), 12);
    expect(bucketShares(m, [])).toEqual([1]);
  });

  test('errors at rate 0 and 1; the latency sum is the count times the model\'s mean; buckets without bounds are the requests', () => {
    const model = new LatencyModel(0.1, 0.3);
    const mean = Math.exp(Math.log(0.1) + model.sigma ** 2 / 2);
    const all = new SideCounter(new SeededRandom(1), { errorRate: 1, latency: model }, []);
    all.scrape(0, 0);
    const a = all.scrape(15_000, 300);
    expect(a.errors).toBe(a.requests);
    expect(a.buckets).toEqual([a.requests]);
    expect(a.latencySum).toBeCloseTo(a.requests * mean, 9);
    const none = new SideCounter(new SeededRandom(1), { errorRate: 0, latency: model }, []);
    none.scrape(0, 0);
    expect(none.scrape(15_000, 300).errors).toBe(0);
  });

  test('an error rate above 1 fails every request', () => {
    const counter = new SideCounter(new SeededRandom(2), { errorRate: 1.5, latency: LatencyModel.DEFAULT }, DEMO_LATENCY_BUCKETS);
    counter.scrape(0, 0);
    const s = counter.scrape(15_000, 100);
    expect(s.requests).toBeGreaterThan(50);
    expect(s.errors).toBe(s.requests);
  });

  test('buckets follow the model: nothing below a bound the model never reaches, everything below one it always does', () => {
    const model = new LatencyModel(1, 1.2);
    const counter = new SideCounter(new SeededRandom(4), { errorRate: 0, latency: model }, [0.001, 1000]);
    counter.scrape(0, 0);
    const s = counter.scrape(15_000, 500);
    expect(s.buckets).toEqual([0, s.requests, s.requests]);
  });

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

  test('writing in windows gives the lines of one write; timestamps are seconds with 3 decimals', () => {
    const make = () => new ScenarioSeries(LAYOUT, 100, { errorRate: 0.01, latency: LatencyModel.DEFAULT }, { errorRate: 0.1, latency: LatencyModel.DEFAULT },
      labels, { requests: 'http_requests_total', bounds: [0.1] }, new SeededRandom(9));
    const whole: string[] = [];
    make().write(0, 2_000_000, 5, whole);
    const parts: string[] = [];
    const series = make();
    series.write(0, 700_000, 5, parts);
    series.write(700_000, 1_300_000, 5, parts);
    series.write(1_300_000, 2_000_000, 5, parts);
    const sorted = (lines: string[]) => [...lines].sort();
    expect(sorted(parts)).toEqual(sorted(whole));
    expect(whole.every((l) => /^http_requests_total\{[^}]+\} \d+ \d+\.\d{3}$/.test(l))).toBe(true);
    // milliseconds below 100 keep their leading zeros: shift the epoch so that the first scrape falls 7ms into a second
    const ms = Math.round(Number(whole[0].split(' ')[2]) * 1000) - 5;
    const shifted: string[] = [];
    make().write(0, 2_000_000, (1007 - (ms % 1000)) % 1000, shifted);
    expect(shifted[0]).toMatch(/ \d+\.007$/);
  });

  test('one canary series for the whole layout when the source does not tell trials apart; _count and _sum when selected', () => {
    const series = new ScenarioSeries(LAYOUT, 100, { errorRate: 0, latency: LatencyModel.DEFAULT }, { errorRate: 0, latency: LatencyModel.DEFAULT },
      { stable: 'canary=""', canary: () => 'canary="up"', canaryPerTrial: false },
      { histogram: 'h', histogramCountAndSum: true, bounds: [0.1] }, new SeededRandom(3));
    const out: string[] = [];
    series.write(0, layoutEndMs(LAYOUT), 0, out);
    const names = new Set(out.map((l) => l.split(' ')[0]));
    expect([...names].sort()).toEqual(['h_bucket{canary="",le="+Inf"}', 'h_bucket{canary="",le="0.1"}', 'h_bucket{canary="up",le="+Inf"}',
      'h_bucket{canary="up",le="0.1"}', 'h_count{canary=""}', 'h_count{canary="up"}', 'h_sum{canary=""}', 'h_sum{canary="up"}']);
    // the canary's series spans the layout, scraped every 15s from a phase below 15s; it grows only during trials
    const canary = out.filter((l) => l.startsWith('h_count{canary="up"}')).map((l) => l.split(' ').map(Number).slice(1));
    expect(canary[0][1]).toBeLessThan(15);
    expect(canary[canary.length - 1][1]).toBeGreaterThan(layoutEndMs(LAYOUT) / 1000 - 15);
    const between = canary.filter(([, t]) => t > 500 && t < 900);
    expect(new Set(between.map(([v]) => v)).size).toBe(1);
    // the sum is the count times the mean, to 3 decimals
    const [count] = canary[canary.length - 1];
    // about 100/s over the three trials' 59s of canary traffic each (Poisson: sd 133)
    expect(count).toBeGreaterThan(17_700 * 0.97);
    expect(count).toBeLessThan(17_700 * 1.03);
    const sum = Number(out.filter((l) => l.startsWith('h_sum{canary="up"}')).pop()!.split(' ')[1]);
    expect(sum).toBeCloseTo(count * Math.exp(Math.log(LatencyModel.DEFAULT.medianSeconds) + LatencyModel.DEFAULT.sigma ** 2 / 2), 2);
  });

  test('stable is scraped every interval, with a new phase from the middle of each gap', () => {
    const { out } = write(1);
    const times = out.filter((l) => l.startsWith('http_requests_total{namespace="shop-s0",pod="web-aaa-stable",rollouts_pod_template_hash="aaa",status="200"}'))
      .map((l) => Math.round((Number(l.split(' ')[2]) - 1704067200) * 1000));
    const steps = times.slice(1).map((t, i) => t - times[i]);
    // gaps of 400s: the phase changes 200s before each trial, at 100s, 700s and 1300s
    const changes = steps.map((d, i) => [d, times[i + 1]]).filter(([d]) => d !== 15_000);
    expect(changes.length).toBe(3);
    for (const [d, at] of changes) {
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(30_000);
      expect([100_000, 700_000, 1_300_000].some((cut) => at >= cut && at < cut + 15_000)).toBe(true);
    }
  });

  test('traffic volume: requests at rps x time, split by the canary\'s share; errors at each side\'s rate; 200s are requests less errors', () => {
    // GIVEN 100 requests/s, 1% errors on stable and 10% on the canary, three trials of 59s of canary traffic each
    const { out } = write(1);
    const last = (series: string) => Number(out.filter((l) => l.startsWith(`${series} `)).pop()!.split(' ')[1]);
    const requests = (labelText: string) => ({
      ok: last(`http_requests_total{${labelText},status="200"}`), errors: last(`http_requests_total{${labelText},status="500"}`),
    });
    // THEN each trial's canary served about 100 x 59s (Poisson: sd 77), its last +Inf bucket is its request count
    for (const t of [0, 1, 2]) {
      const c = requests(labels.canary(t));
      const total = c.ok + c.errors;
      expect(total).toBeGreaterThan(5900 * 0.95);
      expect(total).toBeLessThan(5900 * 1.05);
      expect(c.errors / total).toBeGreaterThan(0.08);
      expect(c.errors / total).toBeLessThan(0.12);
      expect(last(`http_request_duration_seconds_bucket{${labels.canary(t)},le="+Inf"}`)).toBe(total);
    }
    // AND stable served the rest of 100/s over the layout (2100s less 3 x 59s), up to its last scrape
    const st = requests(labels.stable);
    const stableTotal = st.ok + st.errors;
    expect(stableTotal).toBeGreaterThan(100 * (2100 - 177 - 15) * 0.99);
    expect(stableTotal).toBeLessThan(100 * (2100 - 177) * 1.01);
    expect(st.errors / stableTotal).toBeGreaterThan(0.008);
    expect(st.errors / stableTotal).toBeLessThan(0.012);
  });

  test('one canary series per trial: scraped from a random phase after its trial starts, until a scrape after its last traffic', () => {
    const { out } = write(1);
    const times = (t: number) => out.filter((l) => l.startsWith(`http_requests_total{${labels.canary(t)},status="200"}`))
      .map((l) => Math.round((Number(l.split(' ')[2]) - 1704067200) * 1000));
    const offsets = [0, 1, 2].map((t) => times(t)[0] - (300_000 + t * 600_000));
    for (const o of offsets) {
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(15_000);
    }
    expect(new Set(offsets).size).toBeGreaterThan(1);
    // the last scrape comes after the trial's end (200s), so that it counts all of the canary's requests
    for (const t of [0, 1, 2]) expect(times(t)[times(t).length - 1]).toBeGreaterThanOrEqual(300_000 + t * 600_000 + 200_000);
  });

  test('a write holds the scrapes in [fromMs, toMs) only, even as the first write', () => {
    const make = () => new ScenarioSeries(LAYOUT, 100, { errorRate: 0.01, latency: LatencyModel.DEFAULT }, { errorRate: 0.1, latency: LatencyModel.DEFAULT },
      labels, { requests: 'http_requests_total', bounds: [0.1] }, new SeededRandom(9));
    const at = (lines: string[]) => lines.map((l) => Math.round(Number(l.split(' ')[2]) * 1000));
    const whole: string[] = [];
    make().write(0, 2_000_000, 0, whole);
    // GIVEN two scrape instants of the whole write
    const instants = [...new Set(at(whole))].sort((a, b) => a - b);
    const [from, to] = [instants[40], instants[90]];
    // WHEN a fresh series writes [from, to) first
    const part: string[] = [];
    make().write(from, to, 0, part);
    // THEN it holds the scrape at `from` and none at or after `to`, nor before `from`
    const got = at(part);
    expect(Math.min(...got)).toBe(from);
    expect(Math.max(...got)).toBeLessThan(to);
    expect(got.filter((t) => t < from)).toEqual([]);
  });

  test('the same seed writes the same bytes; another seed different counts', () => {
    expect(write(5).out).toEqual(write(5).out);
    expect(write(5).out).not.toEqual(write(6).out);
  });
});
