import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RolloutSimulation, ScenarioResult, simulate } from '../../tools/cli/src/simulate/simulate';
import { formatMarkdownSummary } from '../../tools/cli/src/simulate/report';
import { renderOperatingCharacteristic } from '../../tools/cli/src/simulate/svg';
import { cleanUp, REPO_ROOT, runToEnd, stopAll } from '../support/processes';
import { EXAMPLE_CHART } from '../rehearsal/example-chart';

/** A small chart: 20% then 50% for 60s each, a background success-rate metric every 10s over 30s from 30s on, scraped every 10s. */
const SMALL_CHART = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: web:2 }] }
  strategy:
    canary:
      analysis:
        startingStep: 1
        templates: [{ templateName: web-rate }]
        args:
          - { name: namespace, valueFrom: { fieldRef: { fieldPath: metadata.namespace } } }
          - { name: canary-hash, valueFrom: { podTemplateHashValue: Latest } }
      steps:
        - setWeight: 20
        - pause: { duration: 60s }
        - setWeight: 50
        - pause: { duration: 60s }
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: web-rate
  namespace: shop
spec:
  args: [{ name: namespace }, { name: canary-hash }]
  metrics:
    - name: success-rate
      interval: 10s
      initialDelay: 30s
      failureLimit: 0
      successCondition: len(result) > 0 && result[0] >= 0.9
      failureCondition: len(result) > 0 && result[0] < 0.9
      provider:
        prometheus:
          address: http://prometheus:9090
          query: sum(rate(http_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}", status!~"5.."}[30s])) / sum(rate(http_requests_total{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"}[30s]))
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: web
  namespace: shop
spec:
  selector: { matchLabels: { app: web } }
  podMetricsEndpoints: [{ port: http, interval: 10s }]
`;

describe('simulate on a real Prometheus', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simulate-test-'));
  const chart = path.join(dir, 'small.k8s.yaml');
  fs.writeFileSync(chart, SMALL_CHART);
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('a small chart through the built command: table, JSON and SVG; a good canary promoted, +20% errors aborted', async () => {
    // GIVEN the small chart WHEN the built bin simulates it at 50 req/s
    const json = path.join(dir, 'out.json');
    const svg = path.join(dir, 'oc.svg');
    // (the command runs promtool and Prometheus: its whole process group is stopped if it overruns)
    const run = await runToEnd({ name: 'cdk8s-progressive simulate', command: process.execPath, args: [path.join(REPO_ROOT, 'bin', 'cdk8s-progressive'), 'simulate', chart,
      '--rps', '50', '--baseline-error-rate', '0', '--trials', '30', '--json', json, '--svg', svg], timeoutMs: 120_000 });
    // THEN
    expect(run.stderr).toContain('simulating shop/web: 5 scenarios x 30 trials, app series scraped every 10s');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Rollout shop/web: app series scraped every 10s, latency objective none (no latency faults), abort budget 2m');
    const results: ScenarioResult[] = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(results.map((r) => r.canary)).toEqual(['good', '+2% errors', '+5% errors', '+10% errors', '+20% errors']);
    expect(results[0]).toMatchObject({ rps: 50, baselineErrorRate: 0, trials: 30, promoted: 30, aborted: 0, paused: 0 });
    // the first measurement is 30s after the background run starts with the canary's first traffic
    expect(results[4]).toMatchObject({ aborted: 30, abortP50Seconds: 30, abortsWithinBudget: 30 });
    expect(fs.readFileSync(svg, 'utf8')).toContain('Rollout shop/web: share of canaries aborted');
  }, 150_000);

  test('the same seed gives the same results; another seed other results', async () => {
    const options = { paths: [chart], rps: [10], baselineErrorRates: [0.02], trials: 40 };
    const a = await simulate({ ...options, seed: 11 });
    const b = await simulate({ ...options, seed: 11 });
    const c = await simulate({ ...options, seed: 12 });
    expect(b.rollouts).toEqual(a.rollouts);
    expect(c.rollouts).not.toEqual(a.rollouts);
  }, 150_000);

  test('fails on a rollout the chart does not hold, naming the ones it has', async () => {
    await expect(simulate({ paths: [chart], rollout: 'api', rps: [10], baselineErrorRates: [0], trials: 1, seed: 1 }))
      .rejects.toThrow(`--rollout api names no canary Rollout in ${chart}, it has shop/web: pass one of those`);
  });
});

// The example's bounds (dist/amas-prod.k8s.yaml at 5, 20, 100, 500 req/s and baselines 0-0.5%), as the
// decision rules must meet them: good canaries promoted, bad ones aborted within the abort budget.
describe('the example chart\'s analysis meets its bounds', () => {
  const TRIALS = 100;
  let results: ScenarioResult[] = [];
  let sim: RolloutSimulation;
  beforeAll(async () => {
    const simulation = await simulate({ paths: [EXAMPLE_CHART], rps: [5, 20, 100, 500], baselineErrorRates: [0, 0.001, 0.003, 0.005], trials: TRIALS, seed: 1 });
    sim = simulation.rollouts[0];
    results = sim.scenarios;
  }, 1_800_000); // a bound that ends a hung run on a loaded machine, not a speed check (bench/ times it)

  test('good canaries promoted, bad ones aborted within the budget', () => {
    const violations: string[] = [];
    const at = (r: ScenarioResult) => `${r.rps} req/s, baseline ${r.baselineErrorRate}, ${r.canary}`;
    const share = (n: number, r: ScenarioResult) => n / r.trials;
    for (const r of results) {
      if (r.canary === 'good') {
        if (share(r.aborted, r) > 0.01) violations.push(`${at(r)}: aborted ${r.aborted}/${r.trials} (at most 1%)`);
        if (share(r.promoted, r) < 0.98) violations.push(`${at(r)}: promoted ${r.promoted}/${r.trials} (at least 98%)`);
      }
      if (r.rps < 20) continue;
      if (r.canary === '+10% errors') {
        if (share(r.aborted, r) < 0.99) violations.push(`${at(r)}: aborted ${r.aborted}/${r.trials} (at least 99%)`);
        if (r.abortsWithinBudget < 0.95 * r.aborted) violations.push(`${at(r)}: ${r.abortsWithinBudget}/${r.aborted} aborts within the budget (at least 95%)`);
      }
      if (r.canary === '+5% errors' && share(r.promoted, r) > 0.05) violations.push(`${at(r)}: promoted ${r.promoted}/${r.trials} (at most 5%)`);
      if (r.canary === 'p95 2x objective' && share(r.aborted, r) < 0.99) violations.push(`${at(r)}: aborted ${r.aborted}/${r.trials} (at least 99%)`);
    }
    expect(results).toHaveLength(4 * 4 * 7);
    expect(violations).toEqual([]);
  });

  test('the README shows these very figures and their chart', () => {
    const rollout = { rollout: 'amas-prod/amas-orchestrator', scenarios: results } as RolloutSimulation;
    expect(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain(`${formatMarkdownSummary(rollout)}\n`);
    expect(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'simulate-amas-prod.svg'), 'utf8')).toBe(renderOperatingCharacteristic(sim));
  });
});
