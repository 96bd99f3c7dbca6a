import { Duration } from 'cdk8s';
import {
  argRef, checkPromql, findSyntaxError, injectMatchers, labelName, labelValue, metricName, promDuration, substituteArgs,
} from '../../lib/analysis/promql';

describe('label values', () => {
  test.each([
    ['"} or vector(1) #'],
    ['a" or vector(1) or x{b="'],
    ['a\\"'],
    ['line\nbreak'],
    ['x # comment'],
    ['{{args.namespace}}'],
  ])('fails on %j: it could leave its string literal', (value) => {
    // GIVEN a label value carrying PromQL
    // WHEN it is validated
    // THEN it is refused with the prop, the value and what is allowed
    expect(() => labelValue('sliSource.app matchers value of route', value)).toThrow(
      `sliSource.app matchers value of route must be a non-empty label value without quotes, backslashes, line breaks, '#', '{{' or '}}', got ${JSON.stringify(value)}`);
  });

  test('fails on an empty label value', () => {
    expect(() => labelValue('p', '')).toThrow('p must be a non-empty label value without quotes, backslashes, line breaks, \'#\', \'{{\' or \'}}\', got ""');
  });

  test('accepts plain values and regexes', () => {
    expect(labelValue('p', '/api/v1')).toBe('/api/v1');
    expect(labelValue('p', '5..|429')).toBe('5..|429');
  });

  test('fails on a label name that is not one', () => {
    expect(() => labelName('sliSource.app statusLabel', 'code"}')).toThrow(
      'sliSource.app statusLabel must be a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*, got "code\\"}"');
  });

  test('fails on a metric name that is not one', () => {
    expect(() => metricName('sliSource.app requestsMetric', 'x) or vector(1')).toThrow(
      'sliSource.app requestsMetric must be a Prometheus metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*, got "x) or vector(1"');
    expect(metricName('m', 'job:http_requests:rate5m')).toBe('job:http_requests:rate5m');
  });
});

describe('durations', () => {
  test('renders the largest whole unit', () => {
    expect(promDuration('w', Duration.minutes(2))).toBe('2m');
    expect(promDuration('w', Duration.seconds(90))).toBe('90s');
    expect(promDuration('w', Duration.hours(6))).toBe('6h');
    expect(promDuration('w', Duration.seconds(20))).toBe('20s');
  });

  test('fails on a fraction of a second', () => {
    expect(() => promDuration('window', Duration.millis(1500))).toThrow('window must be a positive whole number of seconds, got 1500ms');
  });
});

describe('syntax check', () => {
  test('substitutes args with sample values', () => {
    expect(substituteArgs(`x{h="${argRef('canary-hash')}", n="${argRef('namespace')}", o="{{args.other}}"}`))
      .toBe('x{h="6d4f8b7c9", n="default", o="sample"}');
  });

  test('finds the position of a syntax error', () => {
    expect(findSyntaxError('sum(rate(x[2m])) / ')).toEqual({ offset: 19, line: 1, column: 20 });
    expect(findSyntaxError('sum(rate(x[2m]))')).toBeUndefined();
    expect(findSyntaxError('  ')).toEqual({ offset: 0, line: 1, column: 1 });
  });

  test('fails with where, the position and the query', () => {
    // GIVEN a query with an extra parenthesis, and an arg placeholder
    const query = `sum(rate(x{h="${argRef('canary-hash')}"}[2m])))`;
    // WHEN checked
    // THEN the message names where it comes from, line and column, and shows the query with a caret
    expect(() => checkPromql('metric success-rate of c/slo', query)).toThrow(
      'metric success-rate of c/slo: invalid PromQL at line 1, column 32 (args replaced by sample values), fix the query:\n'
      + 'sum(rate(x{h="6d4f8b7c9"}[2m])))\n'
      + '                               ^');
  });

  test('accepts a valid query with placeholders', () => {
    expect(() => checkPromql('m', `sum(rate(x{h="${argRef('canary-hash')}"}[2m]))`)).not.toThrow();
  });
});

describe('matcher injection', () => {
  const m = [{ name: 'h', op: '=' as const, value: argRef('canary-hash') }];

  test('adds the matchers to every selector form', () => {
    expect(injectMatchers('rate(a[2m]) / rate(b{c="d"}[2m]) + c{} + d{e="f",}', m)).toBe(
      'rate(a{h="{{args.canary-hash}}"}[2m]) / rate(b{c="d", h="{{args.canary-hash}}"}[2m]) + c{h="{{args.canary-hash}}"} + d{e="f",h="{{args.canary-hash}}"}');
    expect(injectMatchers('{__name__="x"}', m)).toBe('{__name__="x", h="{{args.canary-hash}}"}');
  });

  test('leaves a broken query for the syntax check to report', () => {
    expect(injectMatchers('rate(a[2m]', m)).toBe('rate(a[2m]');
  });
});
