/**
 * Benchmark of synthesis (not a test: prints figures, asserts nothing).
 *
 * For N = 10, 100, 1000 canary services, each a CanaryRollout with an SloAnalysis (app source, PodMonitor)
 * and a LockedDownNetwork, measures in one run:
 *   - constructs: building the constructs and synthesizing them to YAML (validation included);
 *   - plain:      synthesizing the very same objects as plain cdk8s ApiObjects from precomputed JSON.
 * Each case runs in a fresh process (so peak memory is its own), several times; the table gives the
 * median time, the peak resident memory, the ratio constructs / plain and the growth from 100 to 1000.
 *
 * Run: npm run bench:synth [-- --repeat 3]
 */
import { execFileSync } from 'node:child_process';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import { CanaryRollout, CanaryStep, LockedDownNetwork, SliSource, SloAnalysis, SloObjective, TrafficRouting } from '../lib';

const SIZES = [10, 100, 1000];

/** N services in one chart, as a platform team's app would hold them. */
function buildServices(app: App, n: number): Chart {
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  for (let i = 0; i < n; i++) {
    const rollout = new CanaryRollout(chart, `svc-${i}`, {
      namespace: 'bench',
      image: `registry.example.com/svc-${i}:1.0.${i}`,
      steps: CanaryStep.weightsWithPauses([10, 25, 50, 75], Duration.seconds(30)),
      trafficRouting: TrafficRouting.nginx({ host: `svc-${i}.example.com` }),
    });
    const window = Duration.minutes(1);
    const slo = new SloAnalysis(chart, `svc-${i}-slo`, {
      sli: SliSource.app({ matchLabels: rollout.podSelectorLabels }),
      objectives: [SloObjective.successRate({ window }), SloObjective.latency({ window })],
      measurement: { interval: Duration.seconds(20), count: 3, initialDelay: Duration.seconds(0) },
    });
    rollout.addAnalysis({ templates: [slo] }, { atWeights: [25, 50, 75] });
    LockedDownNetwork.forRollout(chart, `svc-${i}-network`, rollout);
  }
  return chart;
}

/** One measurement, in this process: returns milliseconds and the object count. */
function measure(mode: 'constructs' | 'plain', n: number): { ms: number; objects: number } {
  if (mode === 'constructs') {
    const start = process.hrtime.bigint();
    const app = new App();
    buildServices(app, n);
    const yaml = app.synthYaml();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, objects: yaml.split('\n---\n').length };
  }
  // Precompute the JSON outside the timed part, then time the plain ApiObjects.
  const source = new App();
  const json = buildServices(source, n).toJson();
  const start = process.hrtime.bigint();
  const app = new App();
  const chart = new Chart(app, 'bench');
  json.forEach((obj: any, i: number) => new ApiObject(chart, `o${i}`, obj));
  const yaml = app.synthYaml();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, objects: yaml.split('\n---\n').length };
}

function child(mode: 'constructs' | 'plain', n: number): { ms: number; objects: number; maxRssMb: number } {
  // The child measures in its own process and starts none: SIGKILL at the timeout ends all of it.
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', mode, String(n)],
    { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 10 * 60_000, killSignal: 'SIGKILL' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const r = measure(args[1] as 'constructs' | 'plain', Number(args[2]));
    process.stdout.write(`${JSON.stringify({ ...r, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
    return;
  }
  const repeat = Number(args[args.indexOf('--repeat') + 1] || 3);
  const rows: { n: number; objects: number; c: number; p: number; cMem: number; pMem: number }[] = [];
  for (const n of SIZES) {
    const c = Array.from({ length: repeat }, () => child('constructs', n));
    const p = Array.from({ length: repeat }, () => child('plain', n));
    if (c[0].objects !== p[0].objects) throw new Error(`object counts differ: ${c[0].objects} vs ${p[0].objects}`);
    rows.push({ n, objects: c[0].objects, c: median(c.map((x) => x.ms)), p: median(p.map((x) => x.ms)),
      cMem: Math.max(...c.map((x) => x.maxRssMb)), pMem: Math.max(...p.map((x) => x.maxRssMb)) });
  }
  const fmt = (x: number) => x.toFixed(0).padStart(8);
  console.log(`synthesis benchmark, median of ${repeat} fresh processes each (node ${process.version})`);
  console.log('services  objects  constructs ms  plain ms   ratio  constructs MB  plain MB');
  for (const r of rows) {
    console.log(`${String(r.n).padStart(8)} ${String(r.objects).padStart(8)} ${fmt(r.c)}      ${fmt(r.p)}  ${(r.c / r.p).toFixed(2).padStart(6)}  ${fmt(r.cMem)}       ${fmt(r.pMem)}`);
  }
  const at = (n: number) => rows.find((r) => r.n === n)!;
  console.log(`growth 100 -> 1000 services (10x): constructs ${(at(1000).c / at(100).c).toFixed(1)}x, plain ${(at(1000).p / at(100).p).toFixed(1)}x`);
}

main();
