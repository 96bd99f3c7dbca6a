import { atLeast, atMost, bothAbove, literal } from '../../lib/analysis/conditions';
import { evaluateMeasurement } from '../../lib/analysis/expr-eval';

describe('atLeast (success rate, budget left, ready pods)', () => {
  const c = atLeast(0.95);

  test('sets both conditions, guarded', () => {
    expect(c).toEqual({
      successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.95',
      failureCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] < 0.95',
    });
  });

  test.each([
    [[0.99], 'Successful'],
    [[0.95], 'Successful'],
    [[0.94], 'Failed'],
    [[0], 'Failed'],
    [[], 'Inconclusive'],
    [[NaN], 'Inconclusive'],
  ] as Array<[number[], string]>)('judges %j as %s', (result, phase) => {
    expect(evaluateMeasurement(result, c)).toBe(phase);
  });
});

describe('atMost (latency, restarts, error ratio vs stable)', () => {
  const c = atMost(3);

  test.each([
    [[0.2], 'Successful'],
    [[3], 'Successful'],
    [[4.5], 'Failed'],
    [[Infinity], 'Failed'],
    [[], 'Inconclusive'],
    [[NaN], 'Inconclusive'],
  ] as Array<[number[], string]>)('judges %j as %s', (result, phase) => {
    expect(evaluateMeasurement(result, c)).toBe(phase);
  });
});

describe('bothAbove (burn-rate pair)', () => {
  const c = bothAbove(14.4);

  test.each([
    [[20, 30], 'Failed'],
    [[20, 3], 'Successful'],
    [[1, 30], 'Successful'],
    [[1, 1], 'Successful'],
    [[20], 'Inconclusive'],
    [[], 'Inconclusive'],
    [[NaN, 1], 'Inconclusive'],
    [[NaN, 30], 'Inconclusive'],
  ] as Array<[number[], string]>)('judges %j as %s', (result, phase) => {
    expect(evaluateMeasurement(result, c)).toBe(phase);
  });
});

describe('literal', () => {
  test('writes numbers without exponents', () => {
    expect(literal(0.0000001)).toBe('0.0000001');
    expect(literal(14.4)).toBe('14.4');
  });

  test('fails on a number that is not finite', () => {
    expect(() => literal(NaN)).toThrow('a condition threshold must be a finite number, got NaN');
  });
});
