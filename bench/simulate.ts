/**
 * Benchmark of `simulate` on the example chart (not a test: prints figures, asserts nothing):
 * 4 traffic levels x 4 baselines x 7 canaries, `--trials` each (default 150), against a real
 * Prometheus; prints the wall time of generation (OpenMetrics + promtool) and of the measurements,
 * the samples written, the range queries run, then the table.
 *
 * Run: npm run bench:simulate [-- --trials 150 --seed 1]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { formatSimulation } from '../tools/cli/src/simulate/report';
import { simulate } from '../tools/cli/src/simulate/simulate';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const trials = flag('trials', 150);
  const started = Date.now();
  const sim = await simulate({
    paths: [path.join(__dirname, '..', 'dist', 'amas-prod.k8s.yaml')], rps: [5, 20, 100, 500], baselineErrorRates: [0, 0.001, 0.003, 0.005],
    trials, seed: flag('seed', 1),
  });
  const wall = (Date.now() - started) / 1000;
  const s = sim.stats;
  console.log(`simulate bench on ${os.cpus().length} cores: ${s.scenarios} scenarios x ${trials} trials = ${s.trials} trials in ${wall.toFixed(1)}s wall`);
  console.log(`  generate: ${s.samples} samples (OpenMetrics + promtool blocks) in ${s.generateSeconds.toFixed(1)}s (${Math.round(s.samples / s.generateSeconds)} samples/s)`);
  console.log(`  measure:  ${s.rangeQueries} range queries in ${s.measureSeconds.toFixed(1)}s (${(s.trials / s.measureSeconds).toFixed(0)} trials/s)`);
  console.log(formatSimulation(sim));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
