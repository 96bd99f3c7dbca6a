import { DemoServiceOptions, failureProbability, faultSequence, parseDemoOptions, parseDurationMs, startDemoService } from '../../tools/cli/src/demo/demo-service';

const GOOD: Omit<DemoServiceOptions, 'port' | 'host'> = { mode: 'good', errorRate: 0, baselineErrorRate: 0, errors: 'random', latencyP95Ms: 150, seed: 1 };
const faults = (options: Partial<DemoServiceOptions>, n: number) => {
  const sequence = faultSequence({ ...GOOD, ...options });
  return Array.from({ length: n }, () => sequence.next());
};
/** Failures in each run of `size` successive requests. */
const failuresPerRun = (fails: boolean[], size: number) => Array.from({ length: fails.length / size }, (_, i) => fails.slice(i * size, (i + 1) * size).filter(Boolean).length);

describe('parseDemoOptions', () => {
  test('defaults to a good service on a free port, errors at random, latency p95 150ms, seed 1', () => {
    // GIVEN / WHEN / THEN
    expect(parseDemoOptions([], {})).toEqual({
      port: 0, host: '127.0.0.1', mode: 'good', errorRate: 0, baselineErrorRate: 0, errors: 'random', latencyP95Ms: 150, seed: 1,
    });
  });

  test('gives failing and slow modes their default fault', () => {
    // GIVEN / WHEN / THEN
    expect(parseDemoOptions(['--mode', 'failing'], {}).errorRate).toBe(0.2);
    expect(parseDemoOptions(['--mode=slow'], {}).latencyP95Ms).toBe(4000);
    expect(parseDemoOptions([], { DEMO_MODE: 'slow', DEMO_LATENCY: '1.5s' }).latencyP95Ms).toBe(1500);
  });

  test('reads the baseline, the spreading and the seed from flags or env', () => {
    // GIVEN / WHEN / THEN
    expect(parseDemoOptions(['--baseline-error-rate', '0.003', '--errors=even', '--seed', '7'], {}))
      .toMatchObject({ baselineErrorRate: 0.003, errors: 'even', seed: 7 });
    expect(parseDemoOptions([], { DEMO_BASELINE_ERROR_RATE: '0.01', DEMO_ERRORS: 'even', DEMO_SEED: '42' }))
      .toMatchObject({ baselineErrorRate: 0.01, errors: 'even', seed: 42 });
  });

  test('the baseline fails in every mode, the failing mode adds its errors on top, capped at 1', () => {
    // GIVEN / WHEN / THEN
    expect(failureProbability({ mode: 'good', errorRate: 0.2, baselineErrorRate: 0.01 })).toBe(0.01);
    expect(failureProbability({ mode: 'failing', errorRate: 0.2, baselineErrorRate: 0.01 })).toBeCloseTo(0.21, 10);
    expect(failureProbability({ mode: 'failing', errorRate: 0.9, baselineErrorRate: 0.5 })).toBe(1);
  });

  test.each([
    [['--mode', 'broken'], 'mode must be one of good, failing, slow, got "broken"'],
    [['--error-rate', '2'], 'error-rate must be a number between 0 and 1, got "2"'],
    [['--baseline-error-rate', 'some'], 'baseline-error-rate must be a number between 0 and 1, got "some"'],
    [['--errors', 'bursty'], 'errors must be random or even, got "bursty"'],
    [['--seed', '1.5'], 'seed must be an integer between 0 and 4294967295, got "1.5"'],
    [['--latency', 'soon'], 'latency must be a duration like 250ms, 4s or 1m, got "soon"'],
    [['--port', '-1'], 'port must be an integer between 0 and 65535, got "-1"'],
    [['--colour', 'red'], 'unknown flag --colour, allowed flags are --port --host --mode --error-rate --baseline-error-rate --errors --latency --seed'],
    [['good'], 'unexpected argument "good", allowed flags are --port --host --mode --error-rate --baseline-error-rate --errors --latency --seed'],
    [['--port'], 'flag --port needs a value'],
  ])('fails on %j', (argv, message) => {
    // GIVEN / WHEN / THEN
    expect(() => parseDemoOptions(argv, {})).toThrow(new Error(message));
  });

  test('parses durations', () => {
    expect(parseDurationMs('latency', '250ms')).toBe(250);
    expect(parseDurationMs('latency', '1m')).toBe(60_000);
    expect(parseDurationMs('latency', '20')).toBe(20);
  });
});

describe('faultSequence', () => {
  test('random errors: near the rate over 10,000 requests, but not evenly spread', () => {
    // GIVEN a baseline of 5% errors at random WHEN 10,000 requests arrive
    const fails = faults({ baselineErrorRate: 0.05 }, 10_000).map((f) => f.fail);
    // THEN about 500 fail (the binomial's standard deviation is 22)
    const count = fails.filter(Boolean).length;
    expect(count).toBeGreaterThan(400);
    expect(count).toBeLessThan(600);
    // AND runs of 20 requests hold 0, 1, 2 or more failures, not exactly 1 each
    const runs = failuresPerRun(fails, 20);
    expect(runs).toContain(0);
    expect(Math.max(...runs)).toBeGreaterThanOrEqual(3);
  });

  test('even errors: exactly the rate in every run of requests', () => {
    // GIVEN 5% errors spread evenly WHEN 10,000 requests arrive THEN each run of 20 holds exactly one failure
    const fails = faults({ baselineErrorRate: 0.05, errors: 'even' }, 10_000).map((f) => f.fail);
    expect(new Set(failuresPerRun(fails, 20))).toEqual(new Set([1]));
  });

  test('the same seed repeats the same errors and latencies exactly, another seed does not', () => {
    // GIVEN a failing service's options WHEN the sequence is drawn twice with seed 3 and once with seed 4
    const options = { mode: 'failing' as const, errorRate: 0.2, baselineErrorRate: 0.003, seed: 3 };
    // THEN the two seed-3 sequences are equal and the seed-4 one differs
    expect(faults(options, 1000)).toEqual(faults(options, 1000));
    expect(faults({ ...options, seed: 4 }, 1000)).not.toEqual(faults(options, 1000));
  });

  test('latencies follow the model: median near 40ms and p95 near 150ms, or the p95 --latency gives', () => {
    // GIVEN the good and slow defaults WHEN 10,000 latencies are drawn
    const quantile = (latencyP95Ms: number, q: number) => {
      const sorted = faults({ latencyP95Ms }, 10_000).map((f) => f.latencyMs).sort((a, b) => a - b);
      return sorted[Math.floor(q * sorted.length)];
    };
    // THEN their quantiles are those of the log-normal model, within a few percent
    expect(quantile(150, 0.5)).toBeGreaterThan(37);
    expect(quantile(150, 0.5)).toBeLessThan(43);
    expect(quantile(150, 0.95)).toBeGreaterThan(140);
    expect(quantile(150, 0.95)).toBeLessThan(160);
    expect(quantile(4000, 0.95)).toBeGreaterThan(3700);
    expect(quantile(4000, 0.95)).toBeLessThan(4300);
    // AND --latency 0 answers at once
    expect(faults({ latencyP95Ms: 0 }, 10).every((f) => f.latencyMs === 0)).toBe(true);
  });
});

describe('startDemoService', () => {
  const bucket = (metrics: string, le: string) => Number(new RegExp(`http_request_duration_seconds_bucket\\{le="${le}",status="200",method="GET",route="/"\\} (\\d+)`).exec(metrics)![1]);

  test('fails the configured share of requests (even) and exposes the conventional metrics', async () => {
    // GIVEN a failing service with a 25% error rate spread evenly, answering at once
    const service = await startDemoService({ ...GOOD, port: 0, host: '127.0.0.1', mode: 'failing', errorRate: 0.25, errors: 'even', latencyP95Ms: 0 });
    try {
      // WHEN 8 requests are served
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetch(`http://127.0.0.1:${service.port}/`)).status);
      const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();

      // THEN 2 of 8 failed, and the counter and histogram carry status, method and route
      expect(statuses.filter((s) => s === 500)).toHaveLength(2);
      expect(metrics).toContain('http_requests_total{status="500",method="GET",route="/"} 2');
      expect(metrics).toContain('http_requests_total{status="200",method="GET",route="/"} 6');
      expect(bucket(metrics, '0.05')).toBe(6);
      expect((await fetch(`http://127.0.0.1:${service.port}/health/ready`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${service.port}/health/live`)).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  test('serves the latency distribution: the histogram spreads over several buckets', async () => {
    // GIVEN a good service with the default latency model
    const service = await startDemoService({ ...GOOD, port: 0, host: '127.0.0.1' });
    try {
      // WHEN 200 requests are served, 20 at a time
      for (let i = 0; i < 10; i++) {
        await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${service.port}/`).then((r) => r.text())));
      }
      const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();

      // THEN the cumulative bucket counts rise at three bucket bounds or more, not all at one
      const counts = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '3', '5', '10', '\\+Inf'].map((le) => bucket(metrics, le));
      expect(counts[counts.length - 1]).toBe(200);
      expect(counts.filter((c, i) => c > (i === 0 ? 0 : counts[i - 1])).length).toBeGreaterThanOrEqual(3);
    } finally {
      await service.close();
    }
  });
});
