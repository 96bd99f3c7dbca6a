import { evalCondition, evaluateMeasurement, ExprError, parseExpr, prometheusResult } from '../../lib/analysis/expr-eval';

describe('evaluateMeasurement follows Argo (utils/evaluate)', () => {
  test('no conditions: Successful', () => {
    expect(evaluateMeasurement([1], {})).toBe('Successful');
  });

  test('only successCondition: false is Failed', () => {
    expect(evaluateMeasurement([1], { successCondition: 'result[0] > 2' })).toBe('Failed');
    expect(evaluateMeasurement([3], { successCondition: 'result[0] > 2' })).toBe('Successful');
  });

  test('only failureCondition: false is Successful', () => {
    expect(evaluateMeasurement([1], { failureCondition: 'result[0] > 2' })).toBe('Successful');
    expect(evaluateMeasurement([3], { failureCondition: 'result[0] > 2' })).toBe('Failed');
  });

  test('both: both false is Inconclusive, failure wins', () => {
    const c = { successCondition: 'result[0] > 2', failureCondition: 'result[0] < 1' };
    expect(evaluateMeasurement([1.5], c)).toBe('Inconclusive');
    expect(evaluateMeasurement([0], c)).toBe('Failed');
    expect(evaluateMeasurement([3], c)).toBe('Successful');
    expect(evaluateMeasurement([0], { successCondition: 'true', failureCondition: 'true' })).toBe('Failed');
  });

  test('an unguarded index on an empty result is an Error', () => {
    expect(evaluateMeasurement([], { successCondition: 'result[0] >= 0.95' })).toBe('Error');
  });

  test('an unguarded NaN with only a success condition is Failed', () => {
    expect(evaluateMeasurement([NaN], { successCondition: 'result[0] >= 0.95' })).toBe('Failed');
  });

  test('len of a scalar result is an Error', () => {
    expect(evaluateMeasurement(0.5, { successCondition: 'len(result) > 0' })).toBe('Error');
  });
});

describe('evalCondition', () => {
  test('short-circuits && and ||', () => {
    expect(evalCondition('len(result) > 0 && result[0] > 1', [])).toBe(false);
    expect(evalCondition('len(result) == 0 || result[0] > 1', [])).toBe(true);
  });

  test('supports the functions and operators generated', () => {
    expect(evalCondition('isNaN(result[0]) && !isInf(result[1]) && result[1] != 2 && -result[1] <= -1', [NaN, 1])).toBe(true);
    expect(evalCondition('asFloat(result) >= 0.5', '0.75')).toBe(true);
    expect(evalCondition('result == "pass"', 'pass')).toBe(true);
    expect(evalCondition('(result[0] < 1 || result[0] > 2) && result[-1] == 3', [3])).toBe(true);
  });

  test('fails on an index out of range', () => {
    expect(() => evalCondition('result[1] > 0', [1])).toThrow(new ExprError('index out of range: 1 (array length is 1)'));
  });

  test('fails on a non-boolean operand of &&', () => {
    expect(() => evalCondition('result && true', [1])).toThrow(new ExprError('invalid operation: array &&'));
  });

  test('fails on a non-boolean expression', () => {
    expect(() => evalCondition('result[0]', [1])).toThrow(new ExprError('expected bool, but got number'));
  });

  test('fails on syntax outside the subset', () => {
    expect(() => parseExpr('all(result, {# > 1})')).toThrow(new ExprError('unsupported syntax at offset 12 in "all(result, {# > 1})"'));
    expect(() => parseExpr('result[0] >')).toThrow(new ExprError('expected a token at token 6 in "result[0] >", got end'));
    expect(() => evalCondition('foo(result)', [1])).toThrow(new ExprError('unknown function foo'));
  });

  test('fails on asFloat of a non-number string', () => {
    expect(() => evalCondition('asFloat(result) > 0', 'abc')).toThrow(new ExprError('asFloat() not supported on "abc"'));
  });
});

describe('prometheusResult', () => {
  test('a vector becomes a list of floats, NaN and Inf included', () => {
    expect(prometheusResult({ resultType: 'vector', result: [
      { metric: {}, value: [1, '0.5'] }, { metric: {}, value: [1, 'NaN'] }, { metric: {}, value: [1, '+Inf'] },
    ] })).toEqual([0.5, NaN, Infinity]);
    expect(prometheusResult({ resultType: 'vector', result: [] })).toEqual([]);
  });

  test('a scalar becomes a float, a matrix a flat list', () => {
    expect(prometheusResult({ resultType: 'scalar', result: [1, '-Inf'] })).toBe(-Infinity);
    expect(prometheusResult({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2, '2']] }] })).toEqual([1, 2]);
  });

  test('fails on a string result', () => {
    expect(() => prometheusResult({ resultType: 'string', result: [1, 'x'] }))
      .toThrow('prometheus result type string is not supported by the prometheus provider');
  });
});
