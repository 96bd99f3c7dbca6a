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
  test('failure path: the first measurement after window + one cycle sees the fault, then failureLimit more cycles', () => {
    // GIVEN the defaults: 30s delay, 2m window, interval 30s, failureLimit 0, measurements taken as instant
    const t = timeToAbort(metric());
    // THEN a fault starting just after a measurement shows in full in the first one at or after 120 + 30s;
    // the error path is 30s delay (as long as one cycle) + 2 retries 10s apart
    expect(t).toMatchObject({ initialDelay: 30, window: 120, interval: 30, timeout: 0, failures: 0, errors: 20, failurePath: 150, errorPath: 50, total: 150 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 150s = 120s window + 30s interval');
  });

  test('a canary bad from the start fails at initialDelay when that comes later than window + one cycle', () => {
    // GIVEN a 5m delay, a 1m window, interval 30s, failureLimit 1
    const t = timeToAbort(metric({ initialDelay: Duration.minutes(5), window: Duration.minutes(1), failureLimit: 1, count: 10 }));
    // THEN 300 + 1 x 30s, not 300 + 60 + 2 x 30 as a sum of every term would say
    expect(t).toMatchObject({ failures: 30, failurePath: 330, total: 330 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 330s = 300s initialDelay + 30s failureLimit x 30s interval');
  });

  test('a measurement lasts up to the provider timeout: every cycle is interval + timeout (Argo schedules from the end of the last one)', () => {
    // GIVEN Prometheus' 30s default timeout, interval 30s, failureLimit 1, a 1m window, 30s delay
    const t = timeToAbort(metric({ timeout: Duration.seconds(30), failureLimit: 1, window: Duration.minutes(1) }));
    // THEN failures: 60 window + 60 cycle + 1 x 60 + 30 for the last measurement = 210s;
    // errors (a Prometheus that hangs): max(30 delay, 60 cycle) + 3 x 30s timeouts + 2 x 10s retries = 170s
    expect(t).toMatchObject({ timeout: 30, failures: 60, failurePath: 210, errors: 110, errorPath: 170, total: 210 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 210s = 60s window + (30s interval + 30s timeout) + 60s failureLimit x (30s interval + 30s timeout) + 30s timeout');
  });

  test('a hanging provider with many tolerated errors: the error path wins, each error taking the whole timeout', () => {
    // GIVEN a 2m delay, timeout 10s, consecutiveErrorLimit 4 (Argo's default), no window
    const t = timeToAbort(metric({ initialDelay: Duration.minutes(2), timeout: Duration.seconds(10), consecutiveErrorLimit: 4, window: undefined }));
    // THEN from the start: 120 + 5 x 10s timeouts + 4 x 10s retries = 210s
    expect(t).toMatchObject({ errors: 90, errorPath: 210, failurePath: 130, total: 210 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 210s = 120s initialDelay + 90s (consecutiveErrorLimit + 1) errors of up to 10s, 10s apart');
    // AND with a short delay the errors start one cycle after the last good measurement
    const mid = timeToAbort(metric({ initialDelay: undefined, timeout: Duration.seconds(10), consecutiveErrorLimit: 20, window: undefined }));
    expect(mid).toMatchObject({ errors: 21 * 10 + 20 * 10, errorPath: 40 + 410, total: 450 });
    expect(describeTimeToAbort(mid)).toBe('success-rate: 450s = (30s interval + 10s timeout) + 410s (consecutiveErrorLimit + 1) errors of up to 10s, 10s apart');
  });

  test('the description names the term that decides: initialDelay only when it comes after window + one cycle (timeout included)', () => {
    // GIVEN a 90s delay against a 60s window + 30s interval + 10s timeout = 100s: the window decides
    const t = timeToAbort(metric({ initialDelay: Duration.seconds(90), window: Duration.minutes(1), timeout: Duration.seconds(10), consecutiveErrorLimit: 0 }));
    expect(t.total).toBe(110);
    expect(describeTimeToAbort(t)).toBe('success-rate: 110s = 60s window + (30s interval + 10s timeout) + 10s timeout');
    // AND on the error path a 35s delay against a 30s interval + 10s timeout: the cycle decides
    const e = timeToAbort(metric({ initialDelay: Duration.seconds(35), window: undefined, timeout: Duration.seconds(10), consecutiveErrorLimit: 10 }));
    expect(e.total).toBe(40 + 11 * 10 + 10 * 10);
    expect(describeTimeToAbort(e)).toBe('success-rate: 250s = (30s interval + 10s timeout) + 210s (consecutiveErrorLimit + 1) errors of up to 10s, 10s apart');
  });

  test('instant errors retried every 10s', () => {
    const t = timeToAbort(metric({ consecutiveErrorLimit: 20, window: undefined }));
    expect(t).toMatchObject({ errors: 200, errorPath: 230, total: 230 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 230s = 30s interval + 200s (consecutiveErrorLimit + 1) errors, 10s apart');
  });

  test('a single measurement judges once, at its initial delay: its window does not add up (e.g. a 30-day budget policy)', () => {
    // GIVEN one measurement over 30 days, 90s after the analysis starts, with a consecutiveErrorLimit of 0
    const t = timeToAbort(metric({ interval: undefined, count: undefined, initialDelay: Duration.seconds(90), window: Duration.days(30), consecutiveErrorLimit: 0 }));
    // THEN both paths are the delay: the failure judged at once, the error not retried
    expect(t).toMatchObject({ single: true, interval: 0, failurePath: 90, errorPath: 90, total: 90 });
    expect(describeTimeToAbort(t)).toBe('success-rate: 90s = 90s initialDelay (a single measurement)');
    // AND count 1 with an interval is a single measurement too; its errors are retried 10s apart
    expect(timeToAbort(metric({ count: 1, initialDelay: Duration.seconds(200), window: Duration.days(30) }))).toMatchObject({ failurePath: 200, errorPath: 220, total: 220 });
    // AND a timeout adds to the single measurement and to each error
    const slow = timeToAbort(metric({ interval: undefined, initialDelay: Duration.seconds(90), timeout: Duration.seconds(13), consecutiveErrorLimit: 1 }));
    expect(slow).toMatchObject({ failurePath: 103, errorPath: 90 + 26 + 10, total: 126 });
    expect(describeTimeToAbort(slow)).toBe('success-rate: 126s = 90s initialDelay + 36s (consecutiveErrorLimit + 1) errors of up to 13s, 10s apart');
    expect(describeTimeToAbort(timeToAbort(metric({ interval: undefined, initialDelay: Duration.seconds(90), timeout: Duration.seconds(13), consecutiveErrorLimit: 0 }))))
      .toBe('success-rate: 103s = 90s initialDelay + 13s timeout (a single measurement)');
  });

  test('failureLimit adds cycles', () => {
    expect(timeToAbort(metric({ failureLimit: 2, initialDelay: undefined, window: Duration.minutes(1) })).total).toBe(60 + 30 + 2 * 30);
    expect(timeToAbort(metric({ failureLimit: 2, initialDelay: undefined, window: Duration.minutes(1), timeout: Duration.seconds(5) })).total)
      .toBe(60 + 35 + 2 * 35 + 5);
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
    // GIVEN no delay, no window, interval 30s, consecutiveErrorLimit 0: failures 0 + 30 = 30s, errors 30 + 0 = 30s
    const t = timeToAbort(metric({ initialDelay: undefined, window: undefined, consecutiveErrorLimit: 0 }));
    expect([t.failurePath, t.errorPath, t.total]).toEqual([30, 30, 30]);
    expect(describeTimeToAbort(t)).toBe('success-rate: 30s = 0s window + 30s interval');
  });

  test('a failureLimit below count can abort; one at count cannot; a single measurement with failureLimit 0 can', () => {
    expect(timeToAbort(metric({ count: 3, failureLimit: 2 }))).toMatchObject({ total: 120 + 30 + 60, failures: 60 });
    expect(timeToAbort(metric({ count: 1, failureLimit: 1 })).never).toBe('failureLimit 1 is not below count 1');
    expect(timeToAbort(metric({ count: 1, failureLimit: 0 }))).toMatchObject({ single: true, failurePath: 30, errorPath: 30 + 20, total: 50 });
    expect(timeToAbort(metric({ count: undefined, failureLimit: 3 }))).toMatchObject({ single: false, total: 120 + 30 + 3 * 30 });
    expect(timeToAbort(metric({ interval: undefined, count: undefined, failureLimit: 0 }))).toMatchObject({ single: true, total: 30 + 20 });
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
    expect(worst?.total).toBe(3600 + 30);
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
