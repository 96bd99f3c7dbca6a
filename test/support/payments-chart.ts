import * as fs from 'fs';
import * as path from 'path';
import { cdk8sSynth, ROOT } from './synth';

/**
 * A chart for another service, written against the public API as a user would: a payments API rolled
 * out 5% -> 20% -> 50% with the gate at 20 and 50 and an ingress-nginx SLO in the background, budgets of
 * 12m and 3m, and a blue-green ledger service. Synthesized, then planned by the command, as a user would.
 */
export const PAYMENTS_CHART = `
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

/**
 * Writes the payments chart into `dir` (a scratch folder inside the checkout) with its imports pointed at
 * lib/, and synthesizes it into `dir`/dist; returns the output folder with cdk8s' exit status and output.
 */
export async function synthPayments(dir: string): Promise<{ out: string; status: number | null; output: string }> {
  const lib = path.relative(dir, path.join(ROOT, 'lib')).split(path.sep).join('/');
  fs.writeFileSync(path.join(dir, 'payments.ts'), PAYMENTS_CHART.replace(/from 'cdk8s-progressive'/g, `from '${lib}'`));
  const out = path.join(dir, 'dist');
  return { out, ...await cdk8sSynth(path.relative(ROOT, path.join(dir, 'payments.ts')), out) };
}
