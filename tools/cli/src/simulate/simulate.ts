/**
 * A simulation: a chart's own analysis played many times against generated traffic, to measure how
 * often it promotes a good canary and aborts a bad one.
 *
 * For each scenario (traffic level, baseline error rate, canary behaviour) the trials are laid out
 * one after another in time, in a namespace of the scenario's own (so the Rollout's
 * `metadata.namespace` arg selects it), with a gap between two trials of twice the longest query
 * window. Their series are written as OpenMetrics text, one file per 2-hour block, turned into TSDB
 * blocks by `promtool tsdb create-blocks-from openmetrics`, and served by a real Prometheus. Each
 * measurement the walk asks for is a range query whose step is the trial period, so that one query
 * answers the same measurement of every trial of the scenario; the gate's web metrics are answered
 * by the gate's own query builder and judging core on the same Prometheus.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { judge, parseSampleValue, planQueries, readMeasurements, resolveObjectives, Sample } from '@cdk8s-progressive/slo-gate';
import { MeasurementPhase } from 'cdk8s-progressive/build/lib/analysis/expr-eval';
import { LatencyModel, SeededRandom } from '../demo/traffic-model';
import { VerdictRequest, windowError } from '@cdk8s-progressive/gate-contract';
import { loadManifests, ManifestObject, ManifestRolloutPlan, planRollouts, qualified } from '../plan/manifests';
import { RunMetric } from '../rehearsal/controller';
import { cleanUp, runToEnd } from '../rehearsal/internal-processes';
import { PrometheusServer, QueryResult } from '../rehearsal/prometheus';
import { prometheusOutcome, webOutcome } from '../rehearsal/providers';
import { ChartObjects, podTemplateHash, runMetricsOf } from '../rehearsal/rehearse';
import { parseDurationSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import { PlanTiming, recordedBudgets } from 'cdk8s-progressive/build/lib/rollout/plan';
import {
  gateRequest, hasInstantSelector, latencyObjectiveSeconds, longestWindowSeconds, simulatedSource, SimulatedSource,
} from './sources';
import { layoutEndMs, ScenarioLabels, ScenarioSeries, SideBehaviour, TrialLayout } from './traffic';
import { TrialResult, walkTrials, WalkPlan, WalkStep } from './walk';

type Json = { [key: string]: any };

/** A canary's behaviour in a scenario. */
export interface CanaryKind {
  /** `good`, `+10% errors`, `p95 2x objective`. */
  readonly label: string;
  /** Errors on top of the baseline (0.1 = 10 points). */
  readonly extraErrorRate: number;
  /** Multiple of the latency objective the canary's p95 is set to; undefined: stable's latency. */
  readonly p95Objectives?: number;
}

/** The canaries every scenario plays: good, four error faults, and two latency faults when the chart has a latency objective. */
export function canaryKinds(latencyObjective: number | undefined): CanaryKind[] {
  return [
    { label: 'good', extraErrorRate: 0 },
    ...[0.02, 0.05, 0.1, 0.2].map((e) => ({ label: `+${Math.round(e * 100)}% errors`, extraErrorRate: e })),
    ...(latencyObjective === undefined ? [] : [1.5, 2].map((k) => ({ label: `p95 ${k}x objective`, extraErrorRate: 0, p95Objectives: k }))),
  ];
}

export interface SimulationOptions {
  /** Chart files or directories (dist/). */
  readonly paths: readonly string[];
  /** Only this Rollout (name or namespace/name). @default - every canary Rollout */
  readonly rollout?: string;
  /** Total user requests per second of each traffic level. */
  readonly rps: readonly number[];
  /** Error rates of stable (and of a good canary). */
  readonly baselineErrorRates: readonly number[];
  readonly trials: number;
  readonly seed: number;
  /** Progress lines. @default - silent */
  readonly print?: (line: string) => void;
}

/** What one scenario measured. */
export interface ScenarioResult {
  readonly rollout: string;
  readonly rps: number;
  readonly baselineErrorRate: number;
  readonly canary: string;
  readonly extraErrorRate: number;
  /** The canary's p95 latency in seconds when it is a latency fault, else null (stable's latency). */
  readonly canaryP95Seconds: number | null;
  readonly trials: number;
  readonly promoted: number;
  readonly aborted: number;
  readonly paused: number;
  /** Seconds from the canary's first traffic to the abort, over the aborted trials; null without aborts. */
  readonly abortP50Seconds: number | null;
  readonly abortP95Seconds: number | null;
  readonly abortsWithinBudget: number;
  readonly abortBudgetSeconds: number;
}

export interface RolloutSimulation {
  readonly rollout: string;
  readonly source: SimulatedSource['kind'];
  readonly latencyObjectiveSeconds: number | null;
  readonly scrapeIntervalSeconds: number;
  readonly trialPeriodSeconds: number;
  readonly scenarios: ScenarioResult[];
}

export interface SimulationStats {
  readonly scenarios: number;
  readonly trials: number;
  readonly samples: number;
  readonly rangeQueries: number;
  readonly generateSeconds: number;
  readonly measureSeconds: number;
}

export interface Simulation {
  readonly rollouts: RolloutSimulation[];
  readonly stats: SimulationStats;
}

/** The TSDB epoch of every simulation (2024-01-01T00:00:00Z, on a 2-hour block boundary): results never depend on the clock. */
export const EPOCH_MS = Date.UTC(2024, 0, 1);
const BLOCK_MS = 2 * 3600_000;
/** promtool turns a block of two hours of series into TSDB blocks in seconds; it is stopped after this long. */
const PROMTOOL_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_SCRAPE_INTERVAL_SECONDS = 15;
/** Windows longer than this do not widen the gap between trials: they see earlier trials' traffic. */
const GAP_WINDOW_CAP_SECONDS = 3600;
/** History written before the first trial, at most. */
const HISTORY_CAP_SECONDS = 24 * 3600;

/** Linear-interpolated percentile (q in 0..1) of values; null for none. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Counts of trial results as a scenario's figures. */
export function summarize(results: readonly TrialResult[], budgetSeconds: number): Pick<ScenarioResult,
  'trials' | 'promoted' | 'aborted' | 'paused' | 'abortP50Seconds' | 'abortP95Seconds' | 'abortsWithinBudget' | 'abortBudgetSeconds'> {
  const aborts = results.filter((r) => r.result === 'aborted').map((r) => (r.abortAfterMs ?? 0) / 1000);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    trials: results.length,
    promoted: results.filter((r) => r.result === 'promoted').length,
    aborted: aborts.length,
    paused: results.filter((r) => r.result === 'paused').length,
    abortP50Seconds: round(percentile(aborts, 0.5)),
    abortP95Seconds: round(percentile(aborts, 0.95)),
    abortsWithinBudget: aborts.filter((s) => s <= budgetSeconds).length,
    abortBudgetSeconds: budgetSeconds,
  };
}

/**
 * Where the trials of a rollout sit in time. Each trial lasts the plan's promotion (up to its first pause
 * without duration); a gap of twice the longest query window follows (at least 60s, the window capped at
 * 1 hour), plus the 5-minute lookback when a query reads an instant selector; history of the longest
 * window (capped at 24 hours, at least the gap) comes before the first trial. Windows of single
 * measurements (the error-budget policy over the SLO period) neither widen the gap nor the history: they
 * are meant to see the service's earlier traffic, here the stable traffic of the trials before (the policy
 * leaves the canary out). The canary's weights are the plan's setWeight steps, from the end of each.
 */
export function trialLayout(plan: PlanTiming, rawSteps: readonly Json[], metrics: readonly RunMetric[], trials: number, scrapeSeconds: number):
{ layout: TrialLayout; gapSeconds: number } {
  const window = longestWindowSeconds(metrics.filter((m) => m.limits.count !== 1));
  const firstInfinite = plan.steps.find((s) => !Number.isFinite(s.seconds));
  const durationSeconds = firstInfinite ? firstInfinite.startSeconds : plan.promotionSeconds;
  const gapSeconds = Math.max(60, 2 * Math.min(window, GAP_WINDOW_CAP_SECONDS)) + (hasInstantSelector(metrics) ? 300 : 0);
  const periodSeconds = Math.ceil(durationSeconds + gapSeconds);
  const weights = plan.steps.filter((s) => rawSteps[s.index]?.setWeight !== undefined).map((s) => ({ atMs: s.cumulativeSeconds * 1000, weight: s.weight }));
  return {
    layout: {
      trials,
      firstTrialMs: Math.ceil(Math.max(gapSeconds, Math.min(window, HISTORY_CAP_SECONDS)) + periodSeconds / 2) * 1000,
      periodMs: periodSeconds * 1000,
      durationMs: durationSeconds * 1000,
      weights,
      scrapeIntervalMs: scrapeSeconds * 1000,
    },
    gapSeconds,
  };
}

/** The scrape interval of the first PodMonitor endpoint in the rollout's namespace, else 15s. */
export function scrapeIntervalSeconds(objects: ManifestObject[], namespace: string | undefined): number {
  const monitor = objects.find((o) => o.object.kind === 'PodMonitor' && o.object.metadata?.namespace === namespace)?.object;
  const interval = monitor?.spec?.podMetricsEndpoints?.[0]?.interval;
  return interval ? parseDurationSeconds(interval) : DEFAULT_SCRAPE_INTERVAL_SECONDS;
}

// Stryker disable all: the simulation's orchestration (OpenMetrics files, promtool, a real Prometheus) is tested by test/simulate/simulate.test.ts, too slow to run for every mutant
/** Runs promtool to turn one OpenMetrics file into blocks of `dataDir`; rejects with its output. */
async function createBlocks(file: string, dataDir: string): Promise<void> {
  const run = await runToEnd({
    name: 'promtool', command: process.env.PROMTOOL_BIN ?? 'promtool', args: ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, dataDir],
    timeoutMs: PROMTOOL_TIMEOUT_MS,
  }).catch((e: Error) => {
    throw /could not start/.test(e.message) ? new Error(`${e.message.split('\n')[0]}: install the Debian package prometheus, which ships it`) : e;
  });
  if (run.code !== 0) throw new Error(`promtool create-blocks-from openmetrics failed with ${run.code}: ${`${run.stdout}${run.stderr}`.slice(-4000)}`);
}

/** One scenario of a rollout, ready to generate and to walk. */
interface Scenario {
  readonly index: number;
  readonly rps: number;
  readonly baselineErrorRate: number;
  readonly canary: CanaryKind;
  readonly canaryP95?: number;
  readonly plan: WalkPlan;
  readonly series: ScenarioSeries;
}

/** Runs a simulation; every process it starts is stopped and its files removed before it returns or throws. */
export async function simulate(options: SimulationOptions): Promise<Simulation> {
  const print = options.print ?? (() => undefined);
  const objects = loadManifests([...options.paths]);
  const plans = planRollouts(objects).filter((r) => r.strategy === 'canary'
    && (!options.rollout || r.name === options.rollout || qualified(r.namespace, r.name) === options.rollout));
  if (plans.length === 0) {
    const names = planRollouts(objects).filter((r) => r.strategy === 'canary').map((r) => qualified(r.namespace, r.name));
    throw new Error(options.rollout
      ? `--rollout ${options.rollout} names no canary Rollout in ${options.paths.join(', ')}, it has ${names.join(', ') || 'none'}: pass one of those`
      : `no canary Rollout in ${options.paths.join(', ')}: the simulation plays canary analyses`);
  }
  const rollouts: RolloutSimulation[] = [];
  const totals = { scenarios: 0, trials: 0, samples: 0, rangeQueries: 0, generateSeconds: 0, measureSeconds: 0 };
  for (const planned of plans) {
    const { result, stats } = await simulateRollout(planned, objects, options, print);
    rollouts.push(result);
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += stats[k];
  }
  return { rollouts, stats: totals };
}

async function simulateRollout(planned: ManifestRolloutPlan, objects: ManifestObject[], options: SimulationOptions, print: (line: string) => void) {
  const rolloutObject = objects.find((o) => o.object.kind === 'Rollout' && o.object.metadata?.name === planned.name
    && o.object.metadata?.namespace === planned.namespace)!.object;
  const name = qualified(planned.namespace, planned.name);
  const namespace = planned.namespace ?? 'default';
  const byKind = (kind: string) => new Map(objects.filter((o) => o.object.kind === kind).map((o) => [o.object.metadata.name as string, o.object]));
  const templates = byKind('AnalysisTemplate');
  const clusterTemplates = byKind('ClusterAnalysisTemplate');
  const budget = recordedBudgets(rolloutObject.metadata, `Rollout ${name}`).abortSeconds;
  const scrapeSeconds = scrapeIntervalSeconds(objects, planned.namespace);
  const canarySpec: Json = rolloutObject.spec.strategy.canary;
  const rawSteps: Json[] = canarySpec.steps ?? [];

  // The walk's plan for one scenario: the Rollout with the scenario's namespace and hashes.
  const walkPlanFor = (scenarioNamespace: string, hashes: { stable: string; canary: string }): { plan: WalkPlan; metrics: RunMetric[] } => {
    const rollout = { ...rolloutObject, metadata: { ...rolloutObject.metadata, namespace: scenarioNamespace } };
    const chart: ChartObjects = { rollout, templates, clusterTemplates };
    // Gate metrics are judged in-process: a token arg (secretKeyRef) only needs a value.
    const runOptions = { prepare: (m: Json) => m, ms: (v: string | number) => parseDurationSeconds(v) * 1000, secret: () => 'simulated-token' };
    const all: RunMetric[] = [];
    const metricsOf = (analysis: Json, where: string) => {
      const metrics = runMetricsOf(analysis, chart, hashes, where, runOptions);
      all.push(...metrics);
      return metrics;
    };
    const steps: WalkStep[] = planned.plan.steps.map((s, i): WalkStep => {
      const raw: Json | undefined = rawSteps[i];
      // The plan's last row may be the promotion (the canary scaled to every replica): a wait like a pause.
      if (raw?.analysis !== undefined) return { kind: 'analysis', metrics: metricsOf(raw.analysis, `step ${i} analysis`) };
      if (!Number.isFinite(s.seconds)) return { kind: 'indefinite' };
      return { kind: 'wait', ms: s.seconds * 1000 };
    });
    const background = canarySpec.analysis
      ? { metrics: metricsOf(canarySpec.analysis, 'background analysis'), startingStep: canarySpec.analysis.startingStep ?? 0 } : undefined;
    return { plan: { steps, ...(background ? { background } : {}), canaryStartMs: planned.plan.canaryStartSeconds * 1000 }, metrics: all };
  };

  const hashesOf = (k: number) => ({
    stable: podTemplateHash(rolloutObject.spec.template, `stable-${k}`), canary: podTemplateHash(rolloutObject.spec.template, `canary-${k}`),
  });
  const namespaceOf = (k: number) => `${namespace.slice(0, 50).replace(/-+$/, '')}-s${k}`;
  const probe = walkPlanFor(namespaceOf(0), hashesOf(0));
  const source = simulatedSource(probe.metrics, namespaceOf(0));
  const latencyObjective = latencyObjectiveSeconds(probe.metrics);
  const { layout, gapSeconds } = trialLayout(planned.plan, rawSteps, probe.metrics, options.trials, scrapeSeconds);
  const durationSeconds = layout.durationMs / 1000;
  const periodSeconds = layout.periodMs / 1000;

  const kinds = canaryKinds(latencyObjective);
  const root = new SeededRandom(options.seed);
  const scenarios: Scenario[] = [];
  for (const rps of options.rps) {
    for (const baseline of options.baselineErrorRates) {
      for (const canary of kinds) {
        const k = scenarios.length;
        const ns = namespaceOf(k);
        const hashes = hashesOf(k);
        const { plan } = walkPlanFor(ns, hashes);
        const canaryP95 = canary.p95Objectives !== undefined ? canary.p95Objectives * latencyObjective! : undefined;
        const stable: SideBehaviour = { errorRate: baseline, latency: LatencyModel.DEFAULT };
        const canarySide: SideBehaviour = {
          errorRate: Math.min(1, baseline + canary.extraErrorRate),
          latency: canaryP95 !== undefined ? LatencyModel.DEFAULT.withP95(canaryP95) : LatencyModel.DEFAULT,
        };
        const series = new ScenarioSeries(layout, rps, stable, canarySide, labelsOf(source, rolloutObject, ns, hashes, objects), source.names, root.fork(k));
        scenarios.push({ index: k, rps, baselineErrorRate: baseline, canary, ...(canaryP95 !== undefined ? { canaryP95 } : {}), plan, series });
      }
    }
  }
  print(`simulating ${name}: ${scenarios.length} scenarios x ${options.trials} trials, ${source.kind} series scraped every ${scrapeSeconds}s, `
    + `a trial every ${periodSeconds}s (rollout ${durationSeconds}s + gap ${gapSeconds}s)`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simulate-'));
  const dataDir = path.join(tmp, 'data');
  let prometheus: PrometheusServer | undefined;
  let ingesting: Promise<void> = Promise.resolve();
  const stats = { scenarios: scenarios.length, trials: scenarios.length * options.trials, samples: 0, rangeQueries: 0, generateSeconds: 0, measureSeconds: 0 };
  try {
    // Generate block by block; promtool ingests one block while the next one is generated.
    const started = Date.now();
    const end = layoutEndMs(layout);
    for (let from = 0, block = 0; from < end; from += BLOCK_MS, block++) {
      const lines: string[] = [];
      for (const s of scenarios) stats.samples += s.series.write(from, Math.min(end, from + BLOCK_MS), EPOCH_MS, lines);
      lines.push('# EOF', '');
      const file = path.join(tmp, `block-${block}.txt`);
      fs.writeFileSync(file, lines.join('\n'));
      await ingesting;
      ingesting = createBlocks(file, dataDir).then(() => fs.rmSync(file));
    }
    await ingesting;
    stats.generateSeconds = (Date.now() - started) / 1000;
    print(`  wrote ${stats.samples} samples in ${stats.generateSeconds.toFixed(1)}s`);

    prometheus = await PrometheusServer.start({
      targets: [], waitForUp: 0, storagePath: dataDir,
      flags: ['--storage.tsdb.retention.time=100y', '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--query.max-concurrency=8'],
    });
    const measuring = Date.now();
    const server = prometheus;
    const results: ScenarioResult[] = [];
    const queue = [...scenarios];
    await Promise.all([0, 1].map(async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const scenario = s;
        const trialsOf = await walkTrials(scenario.plan, options.trials, async (batch) => {
          const times = batch.trials.map((i) => (EPOCH_MS + layout.firstTrialMs + i * layout.periodMs + batch.atMs) / 1000);
          const range = { start: Math.min(...times), end: Math.max(...times), step: layout.periodMs / 1000 };
          const count = () => { stats.rangeQueries++; };
          return measureBatch(server, batch.metric, times, range, count);
        });
        results.push({
          rollout: name, rps: scenario.rps, baselineErrorRate: scenario.baselineErrorRate, canary: scenario.canary.label,
          extraErrorRate: scenario.canary.extraErrorRate, canaryP95Seconds: scenario.canaryP95 ?? null, ...summarize(trialsOf, budget),
        });
        print(`  ${results.length}/${scenarios.length} ${scenario.rps} req/s, baseline ${scenario.baselineErrorRate}, ${scenario.canary.label}`);
      }
    }));
    stats.measureSeconds = (Date.now() - measuring) / 1000;
    const order = (r: ScenarioResult) => scenarios.find((s) => s.rps === r.rps && s.baselineErrorRate === r.baselineErrorRate && s.canary.label === r.canary)!.index;
    results.sort((a, b) => order(a) - order(b));
    return {
      result: {
        rollout: name, source: source.kind, latencyObjectiveSeconds: latencyObjective ?? null, scrapeIntervalSeconds: scrapeSeconds,
        trialPeriodSeconds: periodSeconds, scenarios: results,
      },
      stats,
    };
  } finally {
    // A promtool still ingesting (generation failed meanwhile) ends before its files go.
    await cleanUp(() => ingesting.catch(() => undefined), () => prometheus?.dispose(), () => fs.rmSync(tmp, { recursive: true, force: true }));
  }
}

// Stryker restore all

/** The label sets of a scenario's series, as the source's queries select them. */
export function labelsOf(source: SimulatedSource, rollout: Json, namespace: string, hashes: { stable: string; canary: string }, objects: ManifestObject[]): ScenarioLabels {
  const name: string = rollout.metadata.name;
  if (source.kind === 'app') {
    const side = (hash: string, pod: string) => `namespace="${namespace}",pod="${name}-${hash}-${pod}",rollouts_pod_template_hash="${hash}"`;
    return { stable: side(hashes.stable, 'stable'), canary: (trial) => side(hashes.canary, `t${trial}`), canaryPerTrial: true };
  }
  const canary: Json = rollout.spec.strategy.canary;
  const ingress: string | undefined = canary.trafficRouting?.nginx?.stableIngress;
  if (!ingress) throw new Error(`Rollout ${name} reads ingress-nginx series but has no trafficRouting.nginx.stableIngress: route it through ingress-nginx or read application series`);
  const service = objects.find((o) => o.object.kind === 'Service' && o.object.metadata?.name === canary.canaryService
    && (o.object.metadata?.namespace ?? 'default') === (rollout.metadata.namespace ?? 'default'))?.object;
  const port = service?.spec?.ports?.[0]?.port ?? 80;
  const side = (upstream: string) => `namespace="${namespace}",exported_namespace="${namespace}",ingress="${ingress}",canary="${upstream}"`;
  return { stable: side(''), canary: () => side(`${namespace}-${canary.canaryService}-${port}`), canaryPerTrial: false };
}

/** Values of a range query's answer at each of `times` (seconds), as the instant query at that time would answer. */
export function pointsAt(data: QueryResult, times: number[], instantType: string): Array<{ resultType: string; result: unknown }> {
  const series = data.resultType === 'matrix' ? data.result : [];
  const index = new Map(times.map((t, i) => [Math.round(t * 1000), i]));
  const perTime: Array<Array<{ metric: Record<string, string>; value: [number, string] }>> = times.map(() => []);
  for (const s of series) {
    for (const [t, v] of s.values) {
      const i = index.get(Math.round(t * 1000));
      if (i !== undefined) perTime[i].push({ metric: s.metric, value: [t, v] });
    }
  }
  return perTime.map((samples, i) => (instantType === 'scalar'
    ? { resultType: 'scalar', result: samples[0]?.value ?? [times[i], 'NaN'] }
    : { resultType: 'vector', result: samples }));
}

// Stryker disable all: the simulation's orchestration (OpenMetrics files, promtool, a real Prometheus) is tested by test/simulate/simulate.test.ts, too slow to run for every mutant
const resultTypes = new Map<string, Promise<string>>();

/** Measures one metric at `times` (one per trial) with range queries over `range`. */
async function measureBatch(
  prometheus: PrometheusServer, metric: RunMetric, times: number[], range: { start: number; end: number; step: number }, counted: () => void,
): Promise<MeasurementPhase[]> {
  const spec = metric.spec;
  const query = async (promql: string) => {
    counted();
    return prometheus.queryRange(promql, range.start, range.end, range.step, 60_000);
  };
  try {
    if (spec.provider.prometheus) {
      const promql: string = spec.provider.prometheus.query;
      const key = `${prometheus.url} ${promql}`;
      if (!resultTypes.has(key)) resultTypes.set(key, prometheus.query(promql, range.start).then((d) => d.resultType));
      const [type, data] = await Promise.all([resultTypes.get(key)!, query(promql)]);
      return pointsAt(data, times, type).map((d) => prometheusOutcome(spec, d).phase);
    }
    const request = gateRequest(spec)!;
    const refused = gateRefusal(request);
    if (refused) return times.map(() => webOutcome(spec, 400, refused).phase);
    const plan = planQueries(request);
    const [requests, errors, latency] = await Promise.all([query(plan.requests), query(plan.errors), plan.latency ? query(plan.latency) : undefined]);
    const samples = (data: QueryResult | undefined) => (data ? pointsAt(data, times, 'vector').map((d) => (d.result as Array<{ metric: Record<string, string>; value: [number, string] }>)
      .map((s): Sample => ({ labels: s.metric, value: parseSampleValue(s.value[1]) }))) : undefined);
    const [r, e, l] = [samples(requests)!, samples(errors)!, samples(latency)];
    return times.map((_, i) => {
      const judgement = judge(readMeasurements(plan, r[i], e[i], l?.[i]), resolveObjectives(request));
      return webOutcome(spec, 200, JSON.stringify({ ...judgement, window: request.window })).phase;
    });
  } catch {
    return times.map(() => 'Error' as MeasurementPhase);
  }
}

// Stryker restore all

/** The gate's 400 answer to a request it refuses beyond its schema (the window's bounds, the query builder's checks), or undefined. */
export function gateRefusal(request: VerdictRequest): string | undefined {
  const badWindow = windowError(request.window ?? '');
  if (badWindow) return JSON.stringify({ error: 'bad_request', field: 'window', message: badWindow });
  try {
    planQueries(request);
    return undefined;
  } catch (e) {
    return JSON.stringify({ error: 'bad_request', message: (e as Error).message });
  }
}
