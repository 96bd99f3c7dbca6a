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

describe('the expression subset, exactly', () => {
  test.each([
    ['1 < 2', true], ['2 < 2', false], ['2 <= 2', true], ['3 <= 2', false], ['2 > 2', false], ['3 > 2', true], ['2 >= 2', true], ['1 >= 2', false],
    ['1 == 1', true], ['1 != 1', false], ['1 != 2', true], ['"a" == "a"', true], ['"a" == 1', false], ['"1" != 1', true],
    ['true && false', false], ['false || true', true], ['!false', true], ['!!true', true], ['-1 < 0', true], ['--1 == 1', true],
    ['1e3 == 1000', true], ['1e10 == 10000000000', true], ['1.5E-2 == 0.015', true], ['2.5 > 2', true], ['"a\\"b" == "a\\"b"', true], ['  1 < 2  ', true],
    ['1 < 2 == true', true], ['true || false && false', true], ['(true || false) && false', false],
  ])('%s is %s', (expression, expected) => {
    expect(evalCondition(expression, [])).toBe(expected);
  });

  test('result is the vector as a list, its last element at -1, its length with len', () => {
    expect(evalCondition('result[0] == 1 && result[1] == 2 && result[-1] == 2 && result[-2] == 1 && len(result) == 2', [1, 2])).toBe(true);
    expect(evalCondition('result[-1] == 2', [1, 2])).toBe(true);
    expect(evalCondition('len(result) == 4', 'pass')).toBe(true);
    expect(evalCondition('isInf(result[0]) && isInf(result[1]) && !isInf(result[2])', [Infinity, -Infinity, 1])).toBe(true);
    expect(evalCondition('asFloat(result) == 1000', '1e3')).toBe(true);
    expect(evalCondition('asFloat(result) == 0.5', 0.5)).toBe(true);
  });

  test('an array is never equal to anything, itself included', () => {
    expect(evalCondition('result == result', [1])).toBe(false);
    expect(evalCondition('result != result', [1])).toBe(true);
  });

  test.each([
    ['result[0] > 0', 0.5, 'cannot index number'],
    ['result[0.5] > 0', [1], 'invalid index 0.5'],
    ['result["a"] > 0', [1], 'invalid index a'],
    ['result[-2] > 0', [1], 'index out of range: -2 (array length is 1)'],
    ['result[1] > 0', [1], 'index out of range: 1 (array length is 1)'],
    ['!result[0]', [1], 'invalid operation: !number'],
    ['-result > 0', 'a', '-: expected a number, got string'],
    ['true && result', [1], 'invalid operation: && array'],
    ['false || result', [1], 'invalid operation: || array'],
    ['result || true', [1], 'invalid operation: array ||'],
    ['result < 1', 'a', '<: expected a number, got string'],
    ['1 >= result', [1], '>=: expected a number, got array'],
    ['len(result) > 0', 0.5, 'invalid argument for len (type number)'],
    ['isNaN(result)', 'a', 'isNaN: expected a number, got string'],
    ['isInf(result)', [1], 'isInf: expected a number, got array'],
    ['asFloat(result) > 0', ' ', 'asFloat() not supported on " "'],
    ['asFloat(result) > 0', [1], 'asFloat() not supported on [1]'],
    ['len(result, 1) > 0', [1], 'len takes one argument, got 2'],
    ['len() > 0', [1], 'len takes one argument, got 0'],
    ['other > 0', [1], 'unknown name other'],
    ['len', [1], 'expected bool, but got function'],
    ['"pass"', [1], 'expected bool, but got string'],
  ])('%s on %j is an error: %s', (expression, result, message) => {
    expect(() => evalCondition(expression, result as never)).toThrow(new ExprError(message));
  });

  test.each([
    ['result[0] > 1 )', 'unexpected ) in "result[0] > 1 )"'],
    ['(result[0] > 1', 'expected ) at token 8 in "(result[0] > 1", got end'],
    ['result[0 > 1', 'expected ] at token 6 in "result[0 > 1", got end'],
    [', 1', 'unexpected , in ", 1"'],
    ['  1 < 2 $', 'unsupported syntax at offset 8 in "  1 < 2 $"'],
    ['1 <', 'expected a token at token 3 in "1 <", got end'],
  ])('%s does not parse: %s', (expression, message) => {
    expect(() => parseExpr(expression)).toThrow(new ExprError(message));
  });

  test('Argo\'s reading of a pair of conditions: an error in either is an Error, whatever the other says', () => {
    expect(evaluateMeasurement([1], { successCondition: 'result[0] > 0', failureCondition: 'result[1] > 0' })).toBe('Error');
    expect(evaluateMeasurement([1], { successCondition: 'result[1] > 0', failureCondition: 'result[0] > 0' })).toBe('Error');
    expect(evaluateMeasurement([1], { successCondition: '', failureCondition: '' })).toBe('Successful');
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
    expect(prometheusResult({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']] }, { metric: {}, values: [[1, '+Inf'], [2, '0.25']] }] }))
      .toEqual([1, Infinity, 0.25]);
    expect(prometheusResult({ resultType: 'scalar', result: [1, '+Inf'] })).toBe(Infinity);
    expect(prometheusResult({ resultType: 'scalar', result: [1, '0.5'] })).toBe(0.5);
  });

  test('fails on a string result', () => {
    expect(() => prometheusResult({ resultType: 'string', result: [1, 'x'] }))
      .toThrow('prometheus result type string is not supported by the prometheus provider');
  });
});
