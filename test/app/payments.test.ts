import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { expectValidManifests } from '../support/schema';
import { cleanUp, stopAll } from '../support/processes';
import { cdk8sSynth, ROOT, scratchDir } from '../support/synth';

/**
 * A chart for another service, written against the public API as a user would: a payments API rolled
 * out 5% -> 20% -> 50% with the gate at 20 and 50 and an ingress-nginx SLO in the background, budgets of
 * 12m and 3m, and a blue-green ledger service. Synthesized, then planned by the command, as a user would.
 */
const CHART = `
import { App, Chart, Duration } from 'cdk8s';
import {
  BlueGreenRollout, CanaryRollout, CanaryStep, SliSource, SloAnalysis, SloGate, SloObjective, TrafficRouting,
} from 'cdk8s-progressive';

const app = new App();
const chart = new Chart(app, 'payments', { namespace: 'payments' });

const api = new CanaryRollout(chart, 'payments-api', {
  namespace: 'payments',
  image: 'registry.example.com/payments-api:3.1.0',
  steps: CanaryStep.weightsWithPauses([5, 20, 50], Duration.minutes(3)),
  trafficRouting: TrafficRouting.nginx({ host: 'payments.example.com' }),
  maxPromotionTime: Duration.minutes(12),
  maxTimeToAbort: Duration.minutes(3),
});

const gate = new SloGate(chart, 'slo-gate', { namespace: 'payments', image: 'registry.example.com/slo-gate:0.1.0' });
const window = Duration.minutes(2);
const steps = new SloAnalysis(chart, 'payments-api-slo', {
  gate,
  sli: SliSource.app({ matchLabels: api.podSelectorLabels }),
  objectives: [SloObjective.successRate({ objective: 0.99, window }), SloObjective.latency({ quantile: 0.99, threshold: Duration.millis(800), window })],
  measurement: { interval: Duration.seconds(30), count: 2, initialDelay: Duration.seconds(30) },
});
api.addAnalysis({ templates: [steps] }, { atWeights: [20, 50] });

// The ingress controller's view of the canary, in the background, with no count: it watches until the rollout ends.
const edge = new SloAnalysis(chart, 'payments-api-edge-slo', {
  sli: SliSource.ingressNginxForRollout(api),
  objectives: [SloObjective.successRate({ objective: 0.99, window })],
  measurement: { interval: Duration.seconds(30), initialDelay: Duration.seconds(30) },
});
api.addAnalysis({ templates: [edge] }, { background: true });

const ledgerSlo = new SloAnalysis(chart, 'payments-ledger-slo', {
  sli: SliSource.app({ matchLabels: { 'app.kubernetes.io/name': 'payments-ledger' } }),
  objectives: [SloObjective.successRate({ objective: 0.999, window: Duration.minutes(1) })],
  measurement: { interval: Duration.seconds(20), count: 3, initialDelay: Duration.seconds(20) },
});
new BlueGreenRollout(chart, 'payments-ledger', {
  namespace: 'payments',
  image: 'registry.example.com/payments-ledger:7.0.2',
  prePromotionAnalysis: { templates: [ledgerSlo] },
  autoPromotionDelay: Duration.minutes(1),
  maxPromotionTime: Duration.minutes(5),
});

app.synth();
`;

describe('a payments chart written against the public API', () => {
  let dir: string;
  let objects: any[];
  let out: string;
  beforeAll(async () => {
    // GIVEN the chart, importing the package as a user would, synthesized by cdk8s
    dir = scratchDir('payments');
    const lib = path.relative(dir, path.join(ROOT, 'lib')).split(path.sep).join('/');
    fs.writeFileSync(path.join(dir, 'payments.ts'), CHART.replace(/from 'cdk8s-progressive'/g, `from '${lib}'`));
    out = path.join(dir, 'dist');
    const synth = await cdk8sSynth(path.relative(ROOT, path.join(dir, 'payments.ts')), out);
    expect({ status: synth.status, output: synth.status === 0 ? '' : synth.output }).toEqual({ status: 0, output: '' });
    objects = fs.readdirSync(out).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJSON()));
  }, 120_000);
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('synthesizes valid objects', () => {
    expectValidManifests(objects);
  });

  test('the plan command judges each Rollout against the budgets its chart set', () => {
    // WHEN planned from the synthesized manifests (the plan command starts no processes: SIGKILL at the timeout ends all of it)
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-progressive'), 'plan', out, '--svg-dir', path.join(dir, 'plan')],
      { cwd: dir, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    // THEN the canary is judged against 12m and 3m, the blue-green against 5m and the 2m default
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('  budgets: promotion 11m30s within 12m, abort 3m within 3m\n');
    expect(r.stdout).toContain('  budgets: promotion 2m10s within 5m, abort 1m40s within 2m\n');
    expect(r.stdout).toMatch(/\n {2}background analysis from step 1 \(payments-payments-api-edge-slo-\w+\): starts at 10s, runs until the rollout ends\n/);
  });

  test('its background analysis watches until the rollout ends', () => {
    const edge = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name.includes('edge'));
    expect(edge.spec.metrics.map((m: any) => [m.name, m.interval, m.count])).toEqual([['success-rate', '30s', undefined]]);
    const rollout = objects.find((o) => o.kind === 'Rollout' && o.metadata.name === 'payments-api');
    expect(rollout.spec.strategy.canary.analysis.templates).toEqual([{ templateName: edge.metadata.name }]);
    expect(edge.spec.metrics[0].provider.prometheus.query).toContain('canary="{{args.namespace}}-payments-api-canary-80"');
  });
});
