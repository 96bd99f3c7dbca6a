import { readChart, resolveRolloutArgs, rolloutField, substituteArgs } from '../../tools/cli/src/rehearsal/rehearse';
import { parseRehearseFlags } from '../../tools/cli/src/cli/rehearse-command';
import { EXAMPLE_CHART } from './example-chart';

const hashes = { stable: 'stablehash', canary: 'canaryhash' };

describe('args as the controller resolves them', () => {
  test('the example rollout: namespace from fieldRef, canary-hash from podTemplateHashValue Latest', () => {
    // GIVEN the example chart WHEN the step analysis args are resolved THEN they carry the namespace and the canary hash
    const { rollout } = readChart(EXAMPLE_CHART);
    const step = rollout.spec.strategy.canary.steps.find((s: any) => s.analysis);
    expect([...resolveRolloutArgs(step.analysis.args, rollout, hashes)]).toEqual([['namespace', 'amas-prod'], ['canary-hash', 'canaryhash'], ['stable-hash', 'stablehash'], ['rollout', 'amas-orchestrator']]);
  });

  test('Stable, value and other fieldRefs', () => {
    // GIVEN args of every kind WHEN resolved THEN each gets its value
    const rollout = { metadata: { name: 'web', labels: { team: 'a' } }, spec: { replicas: 3 } };
    const args = [
      { name: 's', valueFrom: { podTemplateHashValue: 'Stable' } }, { name: 'v', value: 'x' },
      { name: 'n', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'l', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: 'r', valueFrom: { fieldRef: { fieldPath: 'spec.replicas' } } },
    ];
    expect(Object.fromEntries(resolveRolloutArgs(args, rollout, hashes))).toEqual({ s: 'stablehash', v: 'x', n: 'default', l: 'a', r: '3' });
  });

  test('substitutes {{args.x}} in every string', () => {
    // GIVEN a metric with placeholders in a query and a body WHEN substituted THEN all are replaced
    const out = substituteArgs({ q: 'x{h="{{args.h}}"}', body: { a: ['{{ args.h }}'] }, n: 1 }, new Map([['h', 'abc']]), 'metric m');
    expect(out).toEqual({ q: 'x{h="abc"}', body: { a: ['abc'] }, n: 1 });
  });

  test('fails on a placeholder without a value', () => {
    // GIVEN a placeholder no arg fills WHEN substituted THEN it fails naming the arg and the fix
    expect(() => substituteArgs('{{args.missing}}', new Map(), 'metric m'))
      .toThrow('metric m uses {{args.missing}}, which has no value: declare it in the template and pass it from the rollout');
  });

  test('fails on a fieldRef the rollout does not have', () => {
    // GIVEN a path that is not set WHEN read THEN it fails naming the path
    expect(() => rolloutField({ metadata: { name: 'web' } }, 'spec.nothing')).toThrow('fieldRef spec.nothing is not set on rollout web');
  });

  test('fails on a chart that does not exist', () => {
    // GIVEN a missing file WHEN read THEN the message says how to get one
    expect(() => readChart('dist/none.k8s.yaml')).toThrow('chart dist/none.k8s.yaml does not exist, run cdk8s synth or pass --chart dist/<file>');
  });
});

describe('rehearse flags', () => {
  test('defaults: good canary, time-scale 10, 20 requests/s of plan time, no baseline errors, seed 1, the only chart in dist/', () => {
    // GIVEN no flags WHEN parsed THEN the defaults apply
    expect(parseRehearseFlags([])).toMatchObject({ canary: 'good', timeScale: 10, rate: 20, baselineErrorRate: 0, seed: 1, chart: 'dist/amas-prod.k8s.yaml' });
    expect(parseRehearseFlags(['--baseline-error-rate', '0.003', '--seed=7'])).toMatchObject({ baselineErrorRate: 0.003, seed: 7 });
    expect(parseRehearseFlags(['--canary', 'slow', '--time-scale=30'])).toMatchObject({ canary: 'slow', timeScale: 30 });
  });

  test('fails on an unknown canary', () => {
    // GIVEN --canary broken WHEN parsed THEN the allowed values are named
    expect(() => parseRehearseFlags(['--canary', 'broken'])).toThrow('--canary must be one of good, failing, slow, got "broken"');
  });

  test('fails on an unknown flag', () => {
    // GIVEN --speed WHEN parsed THEN the allowed flags are named
    expect(() => parseRehearseFlags(['--speed', '2']))
      .toThrow('unknown argument "--speed", allowed flags are --canary --time-scale --chart --rate --baseline-error-rate --seed --rollout --out --expect');
  });

  test('fails when rate x time-scale is more real traffic than one machine sustains, naming both flags and the fix', () => {
    // GIVEN 20 requests/s of plan time at time-scale 100 WHEN parsed THEN 2000/s real is refused
    expect(() => parseRehearseFlags(['--rate', '20', '--time-scale', '100']))
      .toThrow('--rate 20 at --time-scale 100 sends 2000 requests per second of real time, at most 1200 are allowed (what one machine sustains): lower --rate to 12 or --time-scale to 60');
    // AND at the limit it is accepted
    expect(parseRehearseFlags(['--rate', '20', '--time-scale', '60'])).toMatchObject({ rate: 20, timeScale: 60 });
  });

  test.each([
    [['--baseline-error-rate', '1.5'], '--baseline-error-rate must be a number between 0 and 1, got "1.5"'],
    [['--seed', '-1'], '--seed must be an integer between 0 and 4294967295, got "-1"'],
    [['--rate', '0.5'], '--rate must be an integer of at least 1 request per second, got "0.5"'],
  ])('fails on %j', (args, message) => {
    // GIVEN / WHEN / THEN
    expect(() => parseRehearseFlags(args)).toThrow(message);
  });
});
