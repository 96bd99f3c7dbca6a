/**
 * A rehearsal: runs a synthesized canary Rollout end to end on one machine. The stable and canary
 * versions are demo-service processes, NGINX splits real traffic between them, Prometheus scrapes
 * them with the pod-template-hash label each would carry in a cluster, the real slo-gate answers
 * web metrics, and the controller emulation walks the Rollout's steps with every duration scaled.
 *
 * User traffic keeps its plan-time density: `rate` requests per second of plan time are sent as
 * `rate x timeScale` per second of real time, so a 1m window scaled to 6s still holds 60 x rate
 * requests. The demo processes fail at random (seeded: stable and canary get seeds derived from
 * the rehearsal's) and answer with log-normal latencies.
 *
 * Args are resolved as the controller resolves them: `podTemplateHashValue: Latest | Stable` become
 * the hashes given to the canary and stable processes, `fieldRef` reads the Rollout
 * (`metadata.namespace` is the Rollout's namespace), template args fall back to their `value`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { VERDICT_PATH } from '@cdk8s-progressive/gate-contract';
import { DEFAULT_ERROR_RATE, DemoMode } from '../demo/demo-service';
import { SeededRandom } from '../demo/traffic-model';
import { metricLimits, RolloutEmulation, RunMetric, ERROR_RETRY_SECONDS } from './controller';
import { cleanUp, compiledModule, freePort, LocalProcess, spawnLocal, waitUntil } from './internal-processes';
import { LoadResponse, startLoad } from './load';
import { LocalGate } from './gate';
import { LocalNginx } from './nginx';
import { PrometheusServer } from './prometheus';
import { localizeProvider, measure } from './providers';
import { RolloutOutcome } from './rollout-outcome';
import { metricTimings, worstTimeToAbort } from 'cdk8s-progressive/build/lib/analysis/timing';
import { canaryPlan, recordedBudgets } from 'cdk8s-progressive/build/lib/rollout/plan';
import { TimeScale } from './time-scale';
import { durationOf, formatSummary, RehearsalSummary, Timeline, TimelineEvent, trafficByPhase, writeReports } from './timeline';

type Json = { [key: string]: any };

export interface RehearsalOptions {
  /** Path of a synthesized chart (multi-document YAML). */
  readonly chart: string;
  /** The version rolled out as the canary. @default good */
  readonly canary?: DemoMode;
  /** Every duration is divided by this. @default 10 */
  readonly timeScale?: number;
  /**
   * User requests per second of plan time; NGINX receives `rate x timeScale` per second of real
   * time, at most MAX_REAL_RATE. @default 20
   */
  readonly rate?: number;
  /** Share of requests stable and canary fail at random, on top of a failing canary's extra 20%. @default 0 */
  readonly baselineErrorRate?: number;
  /** Seed of the demo processes' errors and latencies. @default 1 */
  readonly seed?: number;
  /** Name of the Rollout when the chart has several. @default - the only one */
  readonly rollout?: string;
  /** Directory for the summary files (rehearsal.json and rehearsal.svg; rehearsal-argo.json on a cluster). @default - no files */
  readonly outDir?: string;
  /** Receives the output lines. @default - silent */
  readonly print?: (line: string) => void;
}

export interface RehearsalResult {
  readonly summary: RehearsalSummary;
  readonly events: TimelineEvent[];
  readonly responses: LoadResponse[];
  /** Files written, when `outDir` was given. */
  readonly files?: { json: string; svg: string };
}

/**
 * The most requests per second of real time a rehearsal sends. On 2 cores, a good-canary rehearsal
 * of the example plan at time-scale 10 held 1500/s with no request skipped and its usual time to
 * promote; at 2000/s requests were skipped (too many in flight) and steps came late. 1200 keeps a
 * fifth in reserve, e.g. for a slow canary's requests in flight.
 */
export const MAX_REAL_RATE = 1200;

/** Requests per second of real time for `rate` per second of plan time; throws above MAX_REAL_RATE. */
export function realRate(rate: number, timeScale: number): number {
  if (!(Number.isInteger(rate) && rate >= 1)) throw new Error(`--rate must be an integer of at least 1 request per second, got ${rate}`);
  const real = rate * timeScale;
  if (real > MAX_REAL_RATE) {
    const scaleFit = Math.floor(MAX_REAL_RATE / rate);
    throw new Error(`--rate ${rate} at --time-scale ${timeScale} sends ${real} requests per second of real time, `
      + `at most ${MAX_REAL_RATE} are allowed (what one machine sustains): lower --rate to ${Math.floor(MAX_REAL_RATE / timeScale)}`
      + `${scaleFit >= 1 ? ` or --time-scale to ${scaleFit}` : ''}`);
  }
  return real;
}

/** A chart's Rollout and analysis templates. */
export interface ChartObjects {
  readonly rollout: Json;
  readonly templates: Map<string, Json>;
  readonly clusterTemplates: Map<string, Json>;
}

/** Reads the Rollout and (Cluster)AnalysisTemplates of a synthesized chart. */
export function readChart(file: string, rolloutName?: string): ChartObjects {
  return chartObjects(chartDocuments(file), file, rolloutName);
}

/** The objects of a synthesized chart file. */
export function chartDocuments(file: string): Json[] {
  if (!fs.existsSync(file)) throw new Error(`chart ${file} does not exist, run cdk8s synth or pass --chart dist/<file>`);
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON()).filter((d) => d && typeof d === 'object');
}

/** The Rollout (the only one, or the one named) and the (Cluster)AnalysisTemplates among a chart's objects. */
export function chartObjects(docs: readonly Json[], file: string, rolloutName?: string): ChartObjects {
  const rollouts = docs.filter((d) => d.kind === 'Rollout' && (!rolloutName || d.metadata?.name === rolloutName));
  if (rollouts.length !== 1) {
    const names = docs.filter((d) => d.kind === 'Rollout').map((d) => d.metadata?.name);
    throw new Error(rolloutName
      ? `rollout ${rolloutName} not found in ${file}, it has ${names.join(', ') || 'no Rollout'}`
      : `${file} must hold exactly one Rollout or name one with --rollout, got ${names.length}${names.length ? ` (${names.join(', ')})` : ''}`);
  }
  const byName = (kind: string) => new Map(docs.filter((d) => d.kind === kind).map((d) => [d.metadata.name as string, d]));
  return { rollout: rollouts[0], templates: byName('AnalysisTemplate'), clusterTemplates: byName('ClusterAnalysisTemplate') };
}

/**
 * How long a rehearsal keeps watching a rollout that waits at a pause without duration, in real ms. Argo
 * keeps the background analysis running through such a pause, and a failing one still aborts the rollout;
 * the rehearsal watches for the background analysis' worst-case time to abort (the plan arithmetic,
 * divided by the time-scale) and 5s more for the scaled floors and the controller's reconciles, then
 * calls the rollout paused. 0 when no background analysis can abort.
 */
export function indefinitePauseWatchMs(chart: ChartObjects, timeScale: number): number {
  const lookup = (name: string, clusterScope: boolean) => {
    const template = (clusterScope ? chart.clusterTemplates : chart.templates).get(name);
    return template ? metricTimings(template) : undefined;
  };
  const background = canaryPlan(chart.rollout.spec, lookup).analyses.find((a) => a.background);
  const seconds = background ? worstTimeToAbort(background.metrics)?.total : undefined;
  return seconds === undefined ? 0 : Math.ceil((seconds / timeScale) * 1000) + 5000;
}

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod-template hash in the alphabet Kubernetes uses, derived from the pod template and a version name. */
export function podTemplateHash(template: Json, version: string): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).update(version).digest();
  return [...digest.subarray(0, 10)].map((b) => HASH_ALPHABET[b % HASH_ALPHABET.length]).join('');
}

/** Reads a fieldRef path of the Rollout: `metadata.namespace`, `metadata.labels['app']`, `spec.replicas`. */
export function rolloutField(rollout: Json, fieldPath: string): string {
  let value: any = rollout;
  const parts = [...fieldPath.matchAll(/([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\]/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  for (const p of parts) value = value === undefined || value === null ? undefined : value[p];
  if (fieldPath === 'metadata.namespace' && value === undefined) value = 'default';
  if (value === undefined || value === null) throw new Error(`fieldRef ${fieldPath} is not set on rollout ${rollout.metadata?.name}`);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Values of a Rollout's analysis args, resolved as the controller resolves them. */
export function resolveRolloutArgs(args: Json[] | undefined, rollout: Json, hashes: { stable: string; canary: string }): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of args ?? []) {
    if (arg.value !== undefined) out.set(arg.name, String(arg.value));
    else if (arg.valueFrom?.podTemplateHashValue === 'Latest') out.set(arg.name, hashes.canary);
    else if (arg.valueFrom?.podTemplateHashValue === 'Stable') out.set(arg.name, hashes.stable);
    else if (arg.valueFrom?.fieldRef?.fieldPath) out.set(arg.name, rolloutField(rollout, arg.valueFrom.fieldRef.fieldPath));
    else throw new Error(`rollout arg ${arg.name} has no value, podTemplateHashValue or fieldRef`);
  }
  return out;
}

/** Replaces `{{args.name}}` in every string of a value; throws on an arg without a value. */
export function substituteArgs<T>(value: T, args: Map<string, string>, where: string): T {
  const walk = (v: any): any => {
    if (typeof v === 'string') {
      return v.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, name: string) => {
        const found = args.get(name);
        if (found === undefined) throw new Error(`${where} uses {{args.${name}}}, which has no value: declare it in the template and pass it from the rollout`);
        return found;
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

/** How the metrics of a run are prepared: the provider rewritten, durations turned into milliseconds. */
export interface RunMetricOptions {
  /** Rewrites a metric (args already substituted), e.g. to point its provider elsewhere. */
  readonly prepare: (metric: Json) => Json;
  /** Milliseconds of a duration field (`20s`), `kind` and `what` naming it for messages. */
  readonly ms: (value: string | number, kind: 'interval' | 'initialDelay' | 'errorRetry', what: string) => number;
  /** The value of a template arg's `valueFrom.secretKeyRef` (a Secret the controller reads in the rollout's namespace). @default - such args fail */
  readonly secret?: (ref: { name: string; key: string }) => string;
}

/**
 * The metrics of an analysis (a step's or the background one) as the controller runs them: the
 * templates it references, their args resolved from the Rollout (then from the template's own
 * values), `{{args.*}}` substituted, Argo's limits with their defaults, and dryRun from the
 * template's and the analysis' `dryRun` entries (each `metricName` an unanchored regular expression).
 */
export function runMetricsOf(analysis: Json, chart: ChartObjects, hashes: { stable: string; canary: string }, where: string, options: RunMetricOptions): RunMetric[] {
  const rolloutArgs = resolveRolloutArgs(analysis.args, chart.rollout, hashes);
  const dryRunOf = (entries: Json[] | undefined) => (entries ?? []).map((d) => new RegExp(d.metricName));
  const analysisDryRun = dryRunOf(analysis.dryRun);
  return (analysis.templates ?? []).flatMap((ref: Json) => {
    const template = (ref.clusterScope ? chart.clusterTemplates : chart.templates).get(ref.templateName);
    if (!template) throw new Error(`${where} references ${ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} ${ref.templateName}, which is not in the chart`);
    const args = new Map<string, string>();
    for (const a of template.spec.args ?? []) {
      const secretRef = a.valueFrom?.secretKeyRef;
      const value = rolloutArgs.get(a.name) ?? (a.value !== undefined ? String(a.value) : undefined) ?? (secretRef && options.secret?.(secretRef));
      if (value === undefined) throw new Error(`template ${ref.templateName} arg ${a.name} has no value and ${where} does not pass it`);
      args.set(a.name, value);
    }
    const dryRun = [...analysisDryRun, ...dryRunOf(template.spec.dryRun)];
    return (template.spec.metrics ?? []).map((raw: Json): RunMetric => {
      const metric = options.prepare(substituteArgs(raw, args, `metric ${raw.name} of ${ref.templateName}`));
      return {
        name: metric.name,
        spec: metric,
        limits: metricLimits(metric),
        intervalMs: metric.interval ? options.ms(metric.interval, 'interval', `${metric.name} interval`) : undefined,
        initialDelayMs: metric.initialDelay ? options.ms(metric.initialDelay, 'initialDelay', `${metric.name} initialDelay`) : 0,
        errorRetryMs: options.ms(ERROR_RETRY_SECONDS, 'errorRetry', 'error retry'),
        ...(dryRun.some((r) => r.test(metric.name)) ? { dryRun: true } : {}),
      };
    });
  });
}

/** Runs one rehearsal; every process it starts is stopped before it returns or throws. */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalResult> {
  const print = options.print ?? (() => undefined);
  const mode: DemoMode = options.canary ?? 'good';
  const scale = new TimeScale(options.timeScale ?? 10);
  const rate = options.rate ?? 20;
  const loadRate = realRate(rate, scale.factor);
  const baselineErrorRate = options.baselineErrorRate ?? 0;
  if (!(baselineErrorRate >= 0 && baselineErrorRate <= 1)) throw new Error(`--baseline-error-rate must be a number between 0 and 1, got ${baselineErrorRate}`);
  const seed = options.seed ?? 1;
  const seeds = new SeededRandom(seed);
  const demoSeeds = { stable: Math.floor(seeds.next() * 2 ** 32), canary: Math.floor(seeds.next() * 2 ** 32) };
  const { rollout, templates, clusterTemplates } = readChart(options.chart, options.rollout);
  const name: string = rollout.metadata.name;
  const namespace: string = rollout.metadata.namespace ?? 'default';
  const experiment = (rollout.spec?.strategy?.canary?.steps ?? []).findIndex((s: Json) => s.experiment !== undefined);
  if (experiment >= 0) {
    throw new Error(`rollout ${name} step ${experiment} is an experiment, which the emulated controller does not run (it would skip the step and `
      + 'its analyses, and misjudge the rollout): rehearse a chart without the experiment step; the plan command times it');
  }
  const hashes = { stable: podTemplateHash(rollout.spec.template, 'stable'), canary: podTemplateHash(rollout.spec.template, `canary-${mode}`) };
  print(`rehearsal of rollout ${namespace}/${name} from ${options.chart}: ${mode} canary, time-scale ${scale.factor} `
    + `(every duration divided by ${scale.factor}: pauses, intervals, initialDelay, the ${ERROR_RETRY_SECONDS}s error retry, scale-down delays, query windows)`);
  print(`  stable pods: rollouts-pod-template-hash ${hashes.stable}; canary pods: ${hashes.canary}`);
  print(`  demo errors at random, baseline ${baselineErrorRate}${mode === 'failing' ? ` (canary: +${DEFAULT_ERROR_RATE})` : ''}; seed ${seed} `
    + `(stable ${demoSeeds.stable}, canary ${demoSeeds.canary}); load ${rate} requests/s of plan time = ${loadRate}/s real`);

  const started: Array<{ dispose(): Promise<void> }> = [];
  const processes: LocalProcess[] = [];
  let load: ReturnType<typeof startLoad> | undefined;
  try {
    const demo = compiledModule('demo/demo-service');
    const startDemo = async (demoMode: DemoMode, port: number, demoSeed: number) => {
      const p = await spawnLocal({
        name: `demo-${demoMode}`, command: process.execPath, announcesPort: true,
        args: [demo, '--mode', demoMode, '--port', String(port), '--host', '127.0.0.1', '--seed', String(demoSeed), '--baseline-error-rate', String(baselineErrorRate)],
      });
      processes.push(p);
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${p.port}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok, 10_000, `${demoMode} demo ready`);
      return p;
    };
    const stable = await startDemo('good', 0, demoSeeds.stable);
    const canaryPort = await freePort();
    const labels = (hash: string) => ({ namespace, pod: `${name}-${hash}-rehearsal`, rollouts_pod_template_hash: hash });
    const prometheus = await PrometheusServer.start({ targets: [{ port: stable.port, labels: labels(hashes.stable) }, { port: canaryPort, labels: labels(hashes.canary) }], waitForUp: 1 });
    started.push(prometheus);
    // The gate with a tenant token for the rollout's namespace: the template's secretKeyRef args resolve to it.
    const gate = await LocalGate.start(prometheus.url, namespace);
    started.push(gate);
    const gateUrl = gate.url;
    const nginx = await LocalNginx.start(stable.port);
    started.push(nginx);
    print(`  nginx ${nginx.url}, prometheus ${prometheus.url} (scrapes every 1s), slo-gate ${gateUrl}${VERDICT_PATH}`);

    const notes = new Set<string>();
    const note = (text: string) => {
      if (!notes.has(text)) { notes.add(text); print(`  ${text}`); }
    };
    const analyses = (analysis: Json, where: string): RunMetric[] => runMetricsOf(analysis, { rollout, templates, clusterTemplates }, hashes, where, {
      prepare: (metric) => localizeProvider(metric, { prometheusUrl: prometheus.url, gateUrl, scale, note }),
      ms: (value, kind, what) => scale.ms(value, kind, what),
      secret: (ref) => {
        note(`secret ${ref.name} key ${ref.key} -> the slo-gate token made for namespace ${namespace} in this rehearsal`);
        return gate.token;
      },
    });

    let canary: LocalProcess | undefined;
    const timeline = new Timeline(scale.factor, print);
    const controller = new RolloutEmulation({
      spec: rollout.spec,
      timeline,
      scale,
      indefinitePauseWatchMs: indefinitePauseWatchMs({ rollout, templates, clusterTemplates }, scale.factor),
      analyses,
      measure,
      driver: {
        startCanary: async () => { canary = await startDemo(mode, canaryPort, demoSeeds.canary); },
        setWeight: (weight) => nginx.route({ stablePort: nginx.current.stablePort, canaryPort, canaryWeight: weight }),
        promote: () => nginx.route({ stablePort: canaryPort, canaryPort, canaryWeight: 0 }),
        stopCanary: async () => { await canary?.stop(); },
        stopOldStable: async () => { await stable.stop(); },
      },
    });

    // User traffic from before the rollout starts until after it ends.
    const loadStartedAt = Date.now();
    load = startLoad({ url: `${nginx.url}/`, rate: loadRate, phase: () => controller.phase(), maxDurationMs: 60 * 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    print('timeline (real time since the rollout started; plan time = real x time-scale):');
    const outcome: RolloutOutcome = await controller.run();
    const responses = await load.stop();
    const loadSeconds = (Date.now() - loadStartedAt) / 1000;
    const skipped = load.skipped();
    load = undefined;
    if (scale.floored.length > 0) print(`  floors applied so scaled durations still hold enough 1s scrapes: ${scale.floored.join('; ')}`);

    const summary: RehearsalSummary = {
      chart: options.chart,
      rollout: `${namespace}/${name}`,
      canary: mode,
      baselineErrorRate,
      seed,
      timeScale: scale.factor,
      floors: [...scale.floored],
      hashes,
      result: outcome.result,
      message: outcome.message,
      ...(outcome.step !== undefined ? { step: outcome.step } : {}),
      budgets: recordedBudgets(rollout.metadata, `rollout ${namespace}/${name}`),
      ...(outcome.promotedMs !== undefined ? { timeToPromote: durationOf(outcome.promotedMs, scale.factor) } : {}),
      ...(outcome.abortMs !== undefined && outcome.canaryStartMs !== undefined
        ? { canaryStartToAbort: durationOf(outcome.abortMs - outcome.canaryStartMs, scale.factor) } : {}),
      load: {
        rate,
        realRate: loadRate,
        achievedRealRate: Math.round((responses.length / loadSeconds) * 10) / 10,
        requests: responses.length,
        non2xx: responses.filter((r) => r.status < 200 || r.status > 299).length,
        skipped,
        byPhase: trafficByPhase(responses),
      },
    };
    print(formatSummary(summary));
    const loadOffsetMs = loadStartedAt - (Date.now() - timeline.elapsedMs());
    const files = options.outDir ? writeReports(options.outDir, summary, timeline.events, responses, loadOffsetMs) : undefined;
    if (files) print(`  wrote ${files.json} and ${files.svg}`);
    return { summary, events: timeline.events, responses, ...(files ? { files } : {}) };
  } finally {
    await cleanUp(() => load?.stop(), () => Promise.all(processes.map((p) => p.stop(3000))), ...started.reverse().map((s) => () => s.dispose()));
  }
}
