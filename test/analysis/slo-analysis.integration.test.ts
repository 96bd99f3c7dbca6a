/**
 * SloAnalysis against a real Prometheus scraping real instrumented processes on 127.0.0.1.
 *
 * Every scenario has its own namespace label with a stable and a canary process carrying distinct
 * rollouts_pod_template_hash labels, driven by a bounded request loop with ~10% to the canary.
 * The queries of the synthesized template (args substituted, windows scaled from 2m to 20s) run
 * through Prometheus' HTTP API and the template's own conditions judge the answers, as Argo would.
 */
import { Chart, Duration, Testing } from 'cdk8s';
import { evaluateMeasurement, MeasurementPhase, prometheusResult } from '../../lib/analysis/expr-eval';
import { substituteArgs } from '../../lib/analysis/promql';
import { SliSource } from '../../lib/analysis/sli-source';
import { SloAnalysis } from '../../lib/analysis/slo-analysis';
import { SloObjective } from '../../lib/analysis/slo-objective';
import { timeToAbort } from '../../lib/analysis/timing';
import { wilsonBounds } from '../../lib/gate/statistics';
import { RunningLoad, startLoad } from '../support/load';
import { cleanUp, startAll, startDemo, StartedProcess, stopAll } from '../support/processes';
import { PrometheusServer } from '../support/prometheus';
import { synthValid } from '../support/schema';

/** The defaults scaled down by 6: window 2m -> 20s, interval 30s -> 5s, initialDelay 30s -> 5s. */
const WINDOW = Duration.seconds(20);
const INTERVAL_MS = 5000;
const RATE = 100;
const SHARE = 0.1;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

// GIVEN the template the construct synthesizes, with windows and interval scaled down
const chart = new Chart(Testing.app(), 'shop');
const analysis = new SloAnalysis(chart, 'slo', {
  sli: SliSource.app({ podMonitor: false }),
  measurement: { interval: Duration.seconds(5), initialDelay: Duration.seconds(5), count: 0 },
  objectives: [
    SloObjective.successRate({ window: WINDOW }),
    SloObjective.latency({ window: WINDOW }),
    SloObjective.errorBudget({ window: WINDOW }),
    SloObjective.stableComparison({ window: WINDOW }),
  ],
});
const metrics: Array<{ name: string; successCondition: string; failureCondition: string; provider: { prometheus: { query: string } } }> =
  synthValid(chart)[0].spec.metrics;

interface Scenario {
  readonly namespace: string;
  readonly stable: StartedProcess;
  readonly canaries: Record<string, StartedProcess>;
}

describe('SloAnalysis against a real Prometheus', () => {
  let prometheus: PrometheusServer | undefined;
  const loads: RunningLoad[] = [];
  const scenarios: Record<string, Scenario> = {};
  let loadStart = 0;
  let detectPhase1: RunningLoad | undefined;

  /** Runs one generated metric for a scenario and judges it with the generated conditions. */
  async function measure(metric: string, namespace: string, canaryHash: string): Promise<{ phase: MeasurementPhase; result: unknown }> {
    const m = metrics.find(x => x.name === metric)!;
    const query = substituteArgs(m.provider.prometheus.query, { 'namespace': namespace, 'canary-hash': canaryHash, 'stable-hash': `${namespace}-stable` });
    const result = prometheusResult(await prometheus!.query(query));
    return { phase: evaluateMeasurement(result, m), result };
  }

  beforeAll(async () => {
    // GIVEN stable and canary processes per scenario
    const demo = (args: string[] = []) => startDemo(args);
    const [s1, s2, s3, s4, s5, bad, good, slow, never, idle, detGood, detBad] = await startAll([
      demo(), demo(), demo(), demo(), demo(),
      demo(['--mode', 'failing', '--error-rate', '0.3']),
      demo(),
      demo(['--mode', 'slow', '--latency', '4s']),
      demo(),
      demo(),
      demo(),
      demo(['--mode', 'failing', '--error-rate', '0.3']),
    ]);
    scenarios.failing = { namespace: 'failing', stable: s1, canaries: { bad } };
    scenarios.healthy = { namespace: 'healthy', stable: s2, canaries: { good } };
    scenarios.slow = { namespace: 'slow', stable: s3, canaries: { slow } };
    scenarios.quiet = { namespace: 'quiet', stable: s4, canaries: { never, idle } };
    scenarios.detect = { namespace: 'detect', stable: s5, canaries: { 'good': detGood, 'bad': detBad } };

    // AND a real Prometheus scraping each with the labels a PodMonitor would set
    const targets = Object.values(scenarios).flatMap(s => [
      { port: s.stable.port, labels: { namespace: s.namespace, pod: `${s.namespace}-stable-0`, rollouts_pod_template_hash: `${s.namespace}-stable` } },
      ...Object.entries(s.canaries).map(([name, p]) => ({
        port: p.port,
        labels: {
          namespace: s.namespace,
          pod: `${s.namespace}-${name}-0`,
          // both canary processes of the detect scenario are one canary ReplicaSet: same hash
          rollouts_pod_template_hash: s.namespace === 'detect' ? 'detect-canary' : `${s.namespace}-${name}`,
        },
      })),
    ]);
    prometheus = await PrometheusServer.start({ targets, timeoutMs: 30_000 });

    // AND bounded loads sending ~10% of the traffic to each canary
    const url = (p: StartedProcess) => `http://127.0.0.1:${p.port}/`;
    const load = (stable: StartedProcess, canary: StartedProcess | undefined, share: number, durationMs: number) => {
      const l = startLoad({ stableUrl: url(stable), canaryUrl: canary && url(canary), canaryShare: share, rate: RATE, durationMs });
      loads.push(l);
      return l;
    };
    loadStart = Date.now();
    load(s1, bad, SHARE, 60_000);
    load(s2, good, SHARE, 60_000);
    load(s3, slow, SHARE, 60_000);
    load(s4, undefined, 0, 60_000);
    load(s4, idle, 1, 2_000); // a short burst, then nothing: the window ends up empty
    detectPhase1 = load(s5, detGood, SHARE, 90_000);
  }, 90_000);

  afterAll(() => cleanUp(() => Promise.all(loads.map(l => l.stop())), () => prometheus?.dispose(), stopAll), 30_000);

  /** Waits until the scaled window is full of load (plus two scrapes). */
  async function windowFull(): Promise<void> {
    const wait = loadStart + WINDOW.toMilliseconds() + 3000 - Date.now();
    if (wait > 0) await sleep(wait);
  }

  test('a canary failing 30% at ~10% of traffic is Failed, while the seed\'s mixed query would pass 0.95', async () => {
    await windowFull();
    // WHEN the generated success-rate, error-budget and stable comparison run for the failing canary
    const sr = await measure('success-rate', 'failing', 'failing-bad');
    const budget = await measure('burn-rate', 'failing', 'failing-bad');
    const vsStable = await measure('error-ratio-vs-stable', 'failing', 'failing-bad');
    // AND the reference design's mixed query runs over the same traffic and window
    const mixed = prometheusResult(await prometheus!.query(
      'sum(rate(http_requests_total{namespace="failing", status!~"5.."}[20s])) / sum(rate(http_requests_total{namespace="failing"}[20s]))')) as number[];

    // THEN even the upper bound of the canary's own success rate (about 0.7) is below 0.95: Failed
    expect(sr.phase).toBe('Failed');
    expect((sr.result as number[])[0]).toBeGreaterThan(0.6);
    expect((sr.result as number[])[0]).toBeLessThan(0.85);
    expect(budget.phase).toBe('Failed');
    expect(vsStable.phase).toBe('Failed');
    // AND the mixed query shows about 0.97 and would have passed a 0.95 gate
    expect(mixed[0]).toBeGreaterThanOrEqual(0.95);
    expect(mixed[0]).toBeLessThan(1);
  }, 60_000);

  test('a healthy canary is Successful on every metric', async () => {
    await windowFull();
    for (const m of ['success-rate', 'latency-p95', 'burn-rate', 'error-ratio-vs-stable']) {
      const { phase, result } = await measure(m, 'healthy', 'healthy-good');
      // (the result, a one-number vector, is there to show in a failure)
      expect({ m, phase, result }).toEqual({ m, phase: 'Successful', result: [expect.any(Number)] });
    }
  }, 60_000);

  test('a canary with too little traffic gives no data: Inconclusive at a step, never a failure', async () => {
    await windowFull();
    for (const m of ['success-rate', 'latency-p95', 'burn-rate', 'error-ratio-vs-stable']) {
      // GIVEN a canary with no series at all (not scraped yet), one scraped that never got a request,
      // and one whose short burst of requests left the window
      for (const hash of ['not-scraped', 'quiet-never', 'quiet-idle']) {
        const { phase, result } = await measure(m, 'quiet', hash);
        // THEN the query has no data (fewer than minRequests), which the step's conditions call Inconclusive
        expect({ m, hash, phase, result }).toEqual({ m, hash, phase: 'Inconclusive', result: [] });
      }
    }
  }, 60_000);

  test('the bounds Prometheus computes are the gate\'s own Wilson bounds of the same counts', async () => {
    await windowFull();
    // GIVEN the canary's counts in the window, read at one evaluation time
    const at = Math.floor(Date.now() / 1000) - 1;
    const counts = SliSource.app({ podMonitor: false }).eventCounts('canary', WINDOW);
    const args = { 'namespace': 'failing', 'canary-hash': 'failing-bad', 'stable-hash': 'failing-stable' };
    const value = async (q: string) => (prometheusResult(await prometheus!.query(substituteArgs(q, args), at)) as number[])[0];
    const [good, total] = [await value(counts.good), await value(counts.total)];
    // WHEN the generated success-rate and burn-rate queries run at the same time
    const sr = metrics.find(x => x.name === 'success-rate')!.provider.prometheus.query;
    const burn = metrics.find(x => x.name === 'burn-rate')!.provider.prometheus.query;
    // THEN they equal the Wilson bounds of those counts at 99.9%
    const bounds = wilsonBounds(total - good, total, 0.999);
    expect(total).toBeGreaterThan(50);
    expect(await value(sr)).toBeCloseTo(1 - bounds.lower, 4);
    expect(await value(burn)).toBeCloseTo(bounds.lower / 0.01, 3);
  }, 60_000);

  test('a slow canary (p95 above 3s) is Failed on latency, though it serves no errors', async () => {
    await windowFull();
    const latency = await measure('latency-p95', 'slow', 'slow-slow');
    expect(latency.phase).toBe('Failed');
    expect((latency.result as number[])[0]).toBeGreaterThan(3);
    expect((await measure('success-rate', 'slow', 'slow-slow')).phase).toBe('Successful');
  }, 60_000);

  test('catches a canary that starts failing mid-analysis within the worst-case bound of its settings', async () => {
    // GIVEN a healthy canary under analysis since the loads started (phase 1 runs from beforeAll)
    const { stable, canaries } = scenarios.detect;
    const url = (p: StartedProcess) => `http://127.0.0.1:${p.port}/`;
    const analysisStart = loadStart;
    const phases: MeasurementPhase[] = [];
    // measurements on Argo's schedule: initialDelay, then every interval (the ones already past are skipped)
    let next = analysisStart + INTERVAL_MS * Math.max(1, Math.ceil((Date.now() - analysisStart) / INTERVAL_MS));
    let faultStarted = false;
    let afterFault = 0;
    let caught = false;
    // WHEN measurements run every (scaled) interval, and after the window is full the canary starts failing
    while (Date.now() - analysisStart < 90_000) {
      await sleep(Math.max(0, next - Date.now()));
      next += INTERVAL_MS;
      if (!faultStarted && Date.now() - analysisStart >= WINDOW.toMilliseconds() + 5000) {
        // the fault starts between two measurements, half an interval before the next one
        await sleep(INTERVAL_MS / 2);
        await detectPhase1!.stop();
        loads.push(startLoad({ stableUrl: url(stable), canaryUrl: url(canaries.bad), canaryShare: SHARE, rate: RATE, durationMs: 60_000 }));
        faultStarted = true;
        continue;
      }
      const { phase } = await measure('success-rate', 'detect', 'detect-canary');
      phases.push(phase);
      if (faultStarted) afterFault++;
      // THEN no measurement fails while the canary is healthy
      if (!faultStarted) expect(phase).not.toBe('Failed');
      if (faultStarted && phase === 'Failed') {
        caught = true;
        break;
      }
    }
    // THEN the failing canary is caught, and within the worst-case bound for these settings with queries that answer at once
    // (no timeout in the cycle): window + (failureLimit + 1) x interval. The detection time is read from the measurement schedule
    // (the k-th measurement after the fault is due (k - 1/2) intervals after it): a busy machine only makes measurements late,
    // with more of the fault in their window, never later in the schedule.
    expect({ caught, phases }).toMatchObject({ caught: true });
    const bound = timeToAbort({ ...analysis.metrics.find(m => m.name === 'success-rate')!, timeout: undefined });
    const detectionSeconds = ((afterFault - 0.5) * INTERVAL_MS) / 1000;
    expect(bound.failurePath).toBe(25);
    expect(detectionSeconds).toBeLessThanOrEqual(bound.failurePath);
  }, 120_000);
});
