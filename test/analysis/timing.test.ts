import { Duration } from 'cdk8s';
import { AnalysisMetricTiming } from '../../lib/analysis/template-ref';
import { analysisRunDuration, describeTimeToAbort, timeToAbort, worstTimeToAbort } from '../../lib/analysis/timing';

const metric = (over: Partial<AnalysisMetricTiming> = {}): AnalysisMetricTiming => ({
  name: 'success-rate',
  interval: Duration.seconds(30),
  count: 4,
  initialDelay: Duration.seconds(30),
  failureLimit: 0,
  inconclusiveLimit: 1,
  consecutiveErrorLimit: 2,
  window: Duration.minutes(2),
  dryRun: false,
  ...over,
});

describe('timeToAbort', () => {
  test('failure path: initialDelay + window + (failureLimit + 1) x interval', () => {
    // GIVEN the defaults: 30s delay, 2m window, interval 30s, failureLimit 0
    const t = timeToAbort(metric());
    // THEN 30 + 120 + 30 = 180s, above the error path 30 + 30 + 3 x 10 = 90s
    expect(t).toMatchObject({ initialDelay: 30, window: 120, interval: 30, failures: 30, errors: 30, failurePath: 180, errorPath: 90, total: 180 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 180s = 30s initialDelay + 120s window + 30s (failureLimit + 1) x interval');
  });

  test('a single measurement judges once, at its initial delay: its window does not add up (e.g. a 30-day budget policy)', () => {
    // GIVEN one measurement over 30 days, 90s after the analysis starts, with a consecutiveErrorLimit of 0
    const t = timeToAbort(metric({ interval: undefined, count: undefined, initialDelay: Duration.seconds(90), window: Duration.days(30), consecutiveErrorLimit: 0 }));
    // THEN the failure path is the delay alone, above the error path 90 + 0 + 10
    expect(t).toMatchObject({ single: true, failurePath: 90, errorPath: 100, total: 100 });
    expect(timeToAbort(metric({ count: 1, initialDelay: Duration.seconds(200), window: Duration.days(30) }))).toMatchObject({ failurePath: 200, total: 260 });
    expect(describeTimeToAbort(timeToAbort(metric({ interval: undefined, initialDelay: Duration.seconds(90), consecutiveErrorLimit: 0 }))))
      .toBe('success-rate: 100s = 90s initialDelay + 0s interval + 10s (consecutiveErrorLimit + 1) x 10s');
    expect(describeTimeToAbort(timeToAbort(metric({ interval: undefined, initialDelay: Duration.seconds(90), consecutiveErrorLimit: -1 }))))
      .toBe('success-rate: 90s = 90s initialDelay (a single measurement)');
  });

  test('failureLimit adds intervals', () => {
    expect(timeToAbort(metric({ failureLimit: 2, initialDelay: undefined, window: Duration.minutes(1) })).total).toBe(60 + 3 * 30);
  });

  test('error path wins with many tolerated errors', () => {
    const t = timeToAbort(metric({ consecutiveErrorLimit: 20, window: undefined }));
    expect(t.total).toBe(30 + 30 + 21 * 10);
    expect(describeTimeToAbort(t)).toBe('success-rate: 270s = 30s initialDelay + 30s interval + 210s (consecutiveErrorLimit + 1) x 10s');
  });

  test('a dry run or a disabled failureLimit never aborts', () => {
    expect(timeToAbort(metric({ dryRun: true }))).toMatchObject({ never: 'dry run' });
    expect(timeToAbort(metric({ dryRun: true })).total).toBeUndefined();
    expect(describeTimeToAbort(timeToAbort(metric({ failureLimit: -1 })))).toBe('success-rate: never aborts (failureLimit -1)');
    expect(timeToAbort(metric({ count: 2, failureLimit: 2 })).never).toBe('failureLimit 2 is not below count 2');
    expect(timeToAbort(metric({ interval: undefined, count: undefined, failureLimit: 1 })).never)
      .toBe('a single measurement cannot exceed failureLimit 1');
  });

  test('when both paths take as long, the failure path is the one described', () => {
    // GIVEN no delay, a 10s window and interval 30s: failures 0 + 10 + 30 = 40s, errors 0 + 30 + (0 + 1) x 10 = 40s
    const t = timeToAbort(metric({ initialDelay: undefined, window: Duration.seconds(10), consecutiveErrorLimit: 0 }));
    expect([t.failurePath, t.errorPath, t.total]).toEqual([40, 40, 40]);
    expect(describeTimeToAbort(t)).toBe('success-rate: 40s = 0s initialDelay + 10s window + 30s (failureLimit + 1) x interval');
  });

  test('a failureLimit below count can abort; one at count cannot; a single measurement with failureLimit 0 can', () => {
    expect(timeToAbort(metric({ count: 3, failureLimit: 2 }))).toMatchObject({ total: 30 + 120 + 90, failures: 90 });
    expect(timeToAbort(metric({ count: 1, failureLimit: 1 })).never).toBe('failureLimit 1 is not below count 1');
    expect(timeToAbort(metric({ count: 1, failureLimit: 0 }))).toMatchObject({ single: true, failurePath: 30, errorPath: 30 + 30 + 30, total: 90 });
    expect(timeToAbort(metric({ count: undefined, failureLimit: 3 }))).toMatchObject({ single: false, total: 30 + 120 + 4 * 30 });
    expect(timeToAbort(metric({ interval: undefined, count: undefined, failureLimit: 0 }))).toMatchObject({ single: true, total: 30 + 0 + 30 });
  });

  test('a dry run is reported as such even with failureLimit -1', () => {
    expect(timeToAbort(metric({ dryRun: true, failureLimit: -1 })).never).toBe('dry run');
  });

  test('the worst metric is the slowest that can abort', () => {
    const worst = worstTimeToAbort([
      metric(),
      metric({ name: 'burn-rate-1h-5m', window: Duration.hours(1) }),
      metric({ name: 'dry', dryRun: true, window: Duration.hours(6) }),
    ]);
    expect(worst?.metric).toBe('burn-rate-1h-5m');
    expect(worst?.total).toBe(30 + 3600 + 30);
    expect(worstTimeToAbort([metric({ dryRun: true })])).toBeUndefined();
  });
});

describe('analysisRunDuration', () => {
  test('initialDelay + (count - 1) x interval of the slowest metric', () => {
    expect(analysisRunDuration([metric(), metric({ count: 6 })])).toBe(30 + 5 * 30);
  });

  test('a single measurement takes its initial delay', () => {
    expect(analysisRunDuration([metric({ interval: undefined, count: undefined })])).toBe(30);
    expect(analysisRunDuration([metric({ count: 1, initialDelay: Duration.seconds(45) })])).toBe(45);
  });

  test('the slowest metric decides, wherever it is listed; no metric takes no time', () => {
    expect(analysisRunDuration([metric({ count: 6 }), metric(), metric({ count: 1, initialDelay: Duration.seconds(40) })])).toBe(30 + 5 * 30);
    expect(analysisRunDuration([])).toBe(0);
  });

  test('is undefined for a metric that runs until the rollout ends', () => {
    expect(analysisRunDuration([metric({ count: undefined })])).toBeUndefined();
  });
});
