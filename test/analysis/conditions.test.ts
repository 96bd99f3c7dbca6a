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

  test('sets both conditions, guarded', () => {
    expect(c).toEqual({
      successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] <= 3',
      failureCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] > 3',
    });
  });

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

  test('fails only when both windows exceed the factor', () => {
    expect(c).toEqual({
      successCondition: 'len(result) == 2 && !isNaN(result[0]) && !isNaN(result[1]) && (result[0] <= 14.4 || result[1] <= 14.4)',
      failureCondition: 'len(result) == 2 && result[0] > 14.4 && result[1] > 14.4',
    });
  });

  test.each([
    [[20, 30], 'Failed'],
    [[20, 3], 'Successful'],
    [[1, 30], 'Successful'],
    [[1, 1], 'Successful'],
    [[20], 'Inconclusive'],
    [[], 'Inconclusive'],
    [[NaN, 1], 'Inconclusive'],
    [[NaN, 30], 'Inconclusive'],
    [[14.4, 30], 'Successful'],
    [[30, 14.4], 'Successful'],
    [[20, 30, 40], 'Inconclusive'],
  ] as Array<[number[], string]>)('judges %j as %s', (result, phase) => {
    expect(evaluateMeasurement(result, c)).toBe(phase);
  });
});

describe('literal', () => {
  test('writes numbers without exponents', () => {
    expect(literal(0.0000001)).toBe('0.0000001');
    expect(literal(-0.00000025)).toBe('-0.00000025');
    expect(literal(14.4)).toBe('14.4');
    expect(literal(100)).toBe('100');
    // below 20 decimals nothing is left but 0
    expect(literal(1e-21)).toBe('0');
  });

  test('fails on a number that is not finite', () => {
    expect(() => literal(NaN)).toThrow('a condition threshold must be a finite number, got NaN');
    expect(() => atMost(Infinity)).toThrow('a condition threshold must be a finite number, got Infinity');
  });
});
