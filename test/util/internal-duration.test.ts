import { formatSeconds, parseDurationSeconds } from '../../lib/util/internal-duration';

describe('formatSeconds', () => {
  test.each([
    [0, '0s'], [0.4, '0s'], [45, '45s'], [59.6, '1m'], [60, '1m'], [90, '1m30s'], [3600, '1h'], [3601, '1h1s'], [3660, '1h1m'], [3723, '1h2m3s'],
    [Infinity, 'indefinite'], [NaN, 'indefinite'],
  ])('%d seconds read %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});

describe('parseDurationSeconds', () => {
  test.each([
    ['30s', 30], ['1m30s', 90], ['1h', 3600], ['1h30m', 5400], ['1.5m', 90], ['1.25s', 1.25], ['500ms', 0.5], ['250us', 0.00025], ['250µs', 0.00025], ['5ns', 5e-9],
    [45, 45], ['45', 45],
  ])('reads %s as %d seconds', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBeCloseTo(seconds, 12);
  });

  test.each(['', '1 minute', '1m foo', 'x1m', '-1s', '1d', 'm', 'x30', '1h30'])('refuses %j', (value) => {
    expect(() => parseDurationSeconds(value)).toThrow(new Error(`'${value}' is not a duration: use a number of seconds or a Go duration such as 30s, 1m or 1h30m`));
  });
});
