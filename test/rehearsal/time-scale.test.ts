import { TimeScale } from '../../tools/cli/src/rehearsal/time-scale';

describe('TimeScale', () => {
  test('divides durations by the factor', () => {
    // GIVEN factor 10 WHEN durations are scaled THEN they shrink tenfold
    const s = new TimeScale(10);
    expect(s.ms('1m', 'pause')).toBe(6000);
    expect(s.ms(30, 'scaleDownDelay')).toBe(3000);
    expect(s.ms('20s', 'initialDelay')).toBe(2000);
    expect(s.floored).toEqual([]);
  });

  test('floors windows at 5s, initialDelay at 2s, intervals and the error retry at 1s, and reports them', () => {
    // GIVEN factor 60 WHEN short durations are scaled THEN the floors apply and are listed
    const s = new TimeScale(60);
    expect(s.ms('20s', 'initialDelay')).toBe(2000);
    expect(s.ms('20s', 'interval')).toBe(1000);
    expect(s.ms(10, 'errorRetry')).toBe(1000);
    expect(s.ms('1m', 'pause')).toBe(1000);
    expect(s.window('1m')).toBe('5s');
    expect(s.floored).toEqual([
      'initialDelay 20s -> 2s (floor; 0.33s scaled)', 'interval 20s -> 1s (floor; 0.33s scaled)',
      'errorRetry 10s -> 1s (floor; 0.17s scaled)', 'window 1m -> 5s (floor)',
    ]);
  });

  test('rewrites range selectors, subqueries and offsets, not label values', () => {
    // GIVEN a query with a range, a subquery, an offset and a label value that looks like a range
    const s = new TimeScale(10);
    // WHEN it is scaled THEN every duration is divided by 10, the label value is untouched
    expect(s.promql('sum(rate(x{a="[1m]"}[1m])) / max_over_time(y[10m:1m]) offset 5m'))
      .toBe('sum(rate(x{a="[1m]"}[6s])) / max_over_time(y[60s:6s]) offset 30s');
  });

  test('fails on a factor out of range', () => {
    // GIVEN factor 0 WHEN a scale is made THEN it fails with the allowed range
    expect(() => new TimeScale(0)).toThrow('time-scale must be a number between 1 and 1000, got 0');
  });
});
