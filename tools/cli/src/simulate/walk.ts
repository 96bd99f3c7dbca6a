/**
 * The controller's walk through one canary rollout in simulated time, pure: steps on the plan's
 * timeline, the background analysis from `startingStep` (terminated at promotion), inline analysis
 * steps blocking their step, a Failed or Error run aborting the rollout and an Inconclusive one
 * pausing it. The run rules are the controller emulation's (rehearsal/controller.ts): when a
 * metric is due, how a measurement is counted, when a metric and a run end.
 *
 * A walk is a generator: it yields the measurements due at one instant and is resumed with their
 * phases, so that many trials can be walked side by side and each instant measured for all of
 * them at once (`walkTrials`). A measurement takes no time.
 */
import { MeasurementPhase } from 'cdk8s-progressive/build/lib/analysis/expr-eval';
import {
  AnalysisPhase, assessRunAfterReconcile, metricDueAt, MetricState, newMetricState, recordAt, RunMetric,
} from '../rehearsal/controller';

/** A step of the walk: a duration, an analysis that blocks it, or a pause that waits for a human. */
export type WalkStep =
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'analysis'; readonly metrics: readonly RunMetric[] }
  | { readonly kind: 'indefinite' };

export interface WalkPlan {
  readonly steps: readonly WalkStep[];
  /** The background analysis and the step it starts at. */
  readonly background?: { readonly metrics: readonly RunMetric[]; readonly startingStep: number };
  /** Milliseconds from the rollout's start until the canary takes traffic. */
  readonly canaryStartMs: number;
}

/** A measurement due: which metric, of which run, at what time (ms since the rollout started). */
export interface DueMeasurement {
  readonly metric: RunMetric;
  readonly atMs: number;
}

export interface TrialResult {
  readonly result: 'promoted' | 'aborted' | 'paused';
  /** Ms since the rollout started at which the rollout was promoted, aborted or paused. */
  readonly atMs: number;
  /** For aborts: ms from the canary's first traffic to the abort. */
  readonly abortAfterMs?: number;
  /** Which run decided, e.g. `background analysis Failed`. */
  readonly reason: string;
}

export type Walk = Generator<DueMeasurement[], TrialResult, MeasurementPhase[]>;

class Run {
  public readonly states = new Map<string, MetricState>();
  public phase: AnalysisPhase = 'Pending';
  constructor(public readonly name: string, public readonly metrics: readonly RunMetric[], public readonly startedAt: number) {
    for (const m of metrics) this.states.set(m.name, newMetricState());
  }

  public get done(): boolean {
    return this.phase !== 'Pending' && this.phase !== 'Running';
  }

  public nextDue(): number {
    if (this.done) return Infinity;
    return Math.min(...this.metrics.map((m) => metricDueAt(m, this.states.get(m.name)!, this.startedAt) ?? Infinity));
  }

  public due(at: number): RunMetric[] {
    if (this.done) return [];
    return this.metrics.filter((m) => metricDueAt(m, this.states.get(m.name)!, this.startedAt) === at);
  }

  /** Records what the reconcile at `at` measured, then assesses the run as the controller does. */
  public reconcile(measured: Array<{ metric: RunMetric; phase: MeasurementPhase }>, at: number): void {
    for (const { metric, phase } of measured) recordAt(metric, this.states.get(metric.name)!, phase, at);
    this.phase = assessRunAfterReconcile(this.metrics, this.states, false);
    if (!this.done && this.nextDue() === Infinity) this.phase = 'Successful';
  }
}

/** Walks one rollout; yields the measurements due at each instant, resumed with their phases. */
export function* walkRollout(plan: WalkPlan): Walk {
  let t = 0;
  let background: Run | undefined;
  const end = (result: TrialResult['result'], reason: string): TrialResult => ({
    result, atMs: t, reason, ...(result === 'aborted' ? { abortAfterMs: t - plan.canaryStartMs } : {}),
  });
  const react = (run: Run): TrialResult => end(run.phase === 'Inconclusive' ? 'paused' : 'aborted', `${run.name} ${run.phase}`);

  for (let index = 0; index < plan.steps.length; index++) {
    const step = plan.steps[index];
    if (plan.background && !background && index >= plan.background.startingStep) {
      background = new Run('background analysis', plan.background.metrics, t);
    }
    if (step.kind === 'indefinite') return end('paused', `pause without duration at step ${index} waits for a human`);
    const inline = step.kind === 'analysis' ? new Run(`analysis at step ${index}`, step.metrics, t) : undefined;
    if (inline) inline.reconcile([], t);
    const until = step.kind === 'wait' ? t + step.ms : Infinity;
    for (;;) {
      if (inline?.done) {
        if (inline.phase !== 'Successful') return react(inline);
        break;
      }
      const runs = [background, inline].filter((r): r is Run => r !== undefined && !r.done);
      const next = Math.min(...runs.map((r) => r.nextDue()));
      if (next > until || next === Infinity) {
        t = Math.max(t, until === Infinity ? t : until);
        break;
      }
      t = next;
      const due = runs.map((run) => ({ run, metrics: run.due(t) }));
      const phases = yield due.flatMap((d) => d.metrics.map((metric) => ({ metric, atMs: t })));
      let i = 0;
      for (const d of due) d.run.reconcile(d.metrics.map((metric) => ({ metric, phase: phases[i++] })), t);
      if (background?.done && background.phase !== 'Successful') return react(background);
    }
  }
  return end('promoted', 'every step completed');
}

/** One instant's measurement of one metric for several trials. */
export interface MeasurementBatch {
  readonly metric: RunMetric;
  readonly atMs: number;
  /** Indices of the trials that take this measurement. */
  readonly trials: number[];
}

/** Measures a batch; answers one phase per trial of the batch, in the batch's order. */
export type BatchMeasure = (batch: MeasurementBatch) => Promise<MeasurementPhase[]>;

/**
 * Walks `trials` rollouts side by side: at each round every unfinished trial names the
 * measurements it waits for, identical (metric, instant) pairs are measured once for all the
 * trials that wait for them, and every trial is resumed with its answers.
 */
export async function walkTrials(plan: WalkPlan, trials: number, measure: BatchMeasure, concurrency = 4): Promise<TrialResult[]> {
  const walks = Array.from({ length: trials }, () => walkRollout(plan));
  const state = walks.map((w) => w.next([]));
  for (;;) {
    const waiting = state.map((s, i) => (s.done ? undefined : { i, due: s.value })).filter((x) => x !== undefined);
    if (waiting.length === 0) break;
    const batches = new Map<string, MeasurementBatch>();
    const ids = new Map<RunMetric, number>();
    const key = (d: DueMeasurement) => {
      if (!ids.has(d.metric)) ids.set(d.metric, ids.size);
      return `${ids.get(d.metric)}@${d.atMs}`;
    };
    for (const { i, due } of waiting) {
      for (const d of due) {
        const k = key(d);
        const batch = batches.get(k) ?? { metric: d.metric, atMs: d.atMs, trials: [] };
        batch.trials.push(i);
        batches.set(k, batch);
      }
    }
    const answers = new Map<string, Map<number, MeasurementPhase>>();
    const list = [...batches];
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, async () => {
      for (let next = list.shift(); next; next = list.shift()) {
        const [k, batch] = next;
        const phases = await measure(batch);
        answers.set(k, new Map(batch.trials.map((trial, j) => [trial, phases[j]])));
      }
    }));
    for (const { i, due } of waiting) state[i] = walks[i].next(due.map((d) => answers.get(key(d))!.get(i)!));
  }
  return state.map((s) => s.value as TrialResult);
}
