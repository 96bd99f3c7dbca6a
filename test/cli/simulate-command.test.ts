import { parseSimulateArgs } from '../../tools/cli/src/cli/simulate-command';

describe('simulate arguments', () => {
  test('defaults: 4 traffic levels, 4 baselines, 100 trials, seed 1', () => {
    expect(parseSimulateArgs(['dist'])).toEqual({
      paths: ['dist'], rps: [5, 20, 100, 500], baselineErrorRates: [0, 0.001, 0.003, 0.005], trials: 100, seed: 1,
    });
  });

  test('every flag', () => {
    expect(parseSimulateArgs(['dist/app.k8s.yaml', '--rollout', 'shop/web', '--rps', '10, 50', '--baseline-error-rate', '0.002', '--trials', '40',
      '--seed', '7', '--json', 'out.json', '--svg', 'oc.svg'])).toEqual({
      paths: ['dist/app.k8s.yaml'], rollout: 'shop/web', rps: [10, 50], baselineErrorRates: [0.002], trials: 40, seed: 7, json: 'out.json', svg: 'oc.svg',
    });
    expect(parseSimulateArgs(['--help'])).toBe('help');
  });

  test('fails on a traffic level that is not a number, naming the flag, the value and the fix', () => {
    expect(() => parseSimulateArgs(['dist', '--rps', '5,fast'])).toThrow(
      "--rps must be a comma-separated list of numbers between 0.1 and 100000, got '5,fast' ('fast'): write it like --rps 5,20,100,500");
  });

  test('fails on a baseline error rate above 0.5', () => {
    expect(() => parseSimulateArgs(['dist', '--baseline-error-rate', '0,0.7'])).toThrow(
      "--baseline-error-rate must be a comma-separated list of numbers between 0 and 0.5, got '0,0.7' ('0.7'): write it like --baseline-error-rate 0,0.001,0.005");
  });

  test('fails on an empty entry in a list', () => {
    expect(() => parseSimulateArgs(['dist', '--rps', '5,,20'])).toThrow(
      "--rps must be a comma-separated list of numbers between 0.1 and 100000, got '5,,20' (an empty entry): write it like --rps 5,20,100,500");
  });

  test('fails on trials out of range and a seed that is not a whole number', () => {
    expect(() => parseSimulateArgs(['dist', '--trials', '0'])).toThrow("--trials must be a whole number between 1 and 10000, got '0'");
    expect(() => parseSimulateArgs(['dist', '--seed', '1.5'])).toThrow("--seed must be a whole number between 0 and 4294967295, got '1.5'");
  });

  test('fails without a chart, on a missing value and on an unknown option', () => {
    expect(() => parseSimulateArgs([])).toThrow('simulate needs a chart: pass dist/ or a synthesized chart file such as dist/app.k8s.yaml');
    expect(() => parseSimulateArgs(['dist', '--json'])).toThrow('--json needs a value');
    expect(() => parseSimulateArgs(['dist', '--fast'])).toThrow("unknown option '--fast', see --help");
  });
});
