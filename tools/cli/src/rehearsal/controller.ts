/**
 * A small emulation of the Argo Rollouts v1.9.1 controller for one canary rollout, enough to
 * rehearse a synthesized plan. Each behaviour names the Argo behaviour it follows; what it leaves
 * out is listed in the README. Durations arrive already scaled (see time-scale.ts).
 *
 * Run-ending rules (analysis controller, assessMetricStatus / assessRunStatus) are pure functions
 * below, tested on scripted measurement sequences.
 */
import { MeasurementPhase } from 'cdk8s-progressive/build/lib/analysis/expr-eval';
import { ARGO_METRIC_DEFAULTS, ERROR_RETRY_INTERVAL } from 'cdk8s-progressive/build/lib/analysis/timing';
import { formatSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import { Clock, REAL_CLOCK } from './internal-clock';
import { RolloutOutcome } from './rollout-outcome';
import { Timeline } from './timeline';
import { TimeScale } from './time-scale';

type Json = { [key: string]: any };

/** Phases of a metric or a run (Argo's AnalysisPhase). */
export type AnalysisPhase = 'Pending' | 'Running' | MeasurementPhase;

/** Argo: after a measurement Error the next one comes after 10 s, not after `interval`. */
export const ERROR_RETRY_SECONDS = ERROR_RETRY_INTERVAL.toSeconds();
/** Argo: abortScaleDownDelaySeconds and scaleDownDelaySeconds default to 30. */
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;

/** What the controller does with the canary ReplicaSet after an abort (traffic is already back on stable). */
export interface AbortScaleDown {
  /** Seconds until the canary is scaled to zero; undefined when the controller leaves it running. */
  readonly seconds?: number;
  /** Why, in the controller's terms, for the timeline. */
  readonly reason: string;
}

/**
 * After an abort of a traffic-routed canary (Argo v1.9.1): abortScaleDownDelaySeconds unset is 30s
 * and N > 0 is N s before the canary is scaled to zero (GetAbortScaleDownDelaySecondsOrDefault,
 * shouldDelayScaleDownOnAbort). 0 removes the delay rather than the scale-down: the abort sends the
 * rollout back to step 0 and weight 0, and the canary is sized as usual (CalculateReplicaCountsForTrafficRoutedCanary),
 * which is zero pods at once; only a setCanaryScale with replicas or weight at step 0 keeps sizing it
 * (UseSetCanaryScale), and then it is left running until the next update.
 */
export function abortScaleDown(canary: Json): AbortScaleDown {
  const delay: number | undefined = canary.abortScaleDownDelaySeconds;
  if (delay === undefined || delay > 0) {
    const seconds = delay ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS;
    return { seconds, reason: `abortScaleDownDelaySeconds ${delay === undefined ? 'unset (30s)' : formatSeconds(delay)}` };
  }
  const scale: Json | undefined = canary.steps?.[0]?.setCanaryScale;
  if (scale && !scale.matchTrafficWeight && ((scale.replicas ?? 0) > 0 || (scale.weight ?? 0) > 0)) {
    return { reason: 'abortScaleDownDelaySeconds 0 with setCanaryScale at step 0: the controller leaves the canary running' };
  }
  return { seconds: 0, reason: 'abortScaleDownDelaySeconds 0: no delay, the canary is sized by weight 0' };
}

/** The limits of a metric that decide when it ends (Argo's Metric fields). */
export interface MetricLimits {
  /** Argo EffectiveCount: count, or 1 without count and interval; undefined runs until terminated. */
  readonly count?: number;
  /** Default 0; negative disables it. */
  readonly failureLimit: number;
  /** Default 0. */
  readonly inconclusiveLimit: number;
  /** Default 4. */
  readonly consecutiveErrorLimit: number;
  /** Default 0 (off). */
  readonly consecutiveSuccessLimit: number;
}

/** Counters of a metric's measurements (Argo's MetricResult). */
export interface MetricResult {
  /** Measurements that were not errors. */
  readonly count: number;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  readonly consecutiveError: number;
  readonly consecutiveSuccess: number;
  readonly measurements: number;
  readonly lastPhase?: MeasurementPhase;
}

export const EMPTY_RESULT: MetricResult = {
  count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 0, measurements: 0,
};

/** Argo EffectiveCount: count when > 0; else 1 without interval; else none (runs until the rollout ends). */
export function effectiveCount(count: number | undefined, interval: string | number | undefined): number | undefined {
  if (count === undefined || count === 0) return interval === undefined || interval === '' ? 1 : undefined;
  return count;
}

/** Limits of a template metric with Argo's defaults. */
export function metricLimits(metric: Json): MetricLimits {
  const int = (v: unknown, fallback: number) => (v === undefined || v === null ? fallback : Number(v));
  return {
    count: effectiveCount(metric.count === undefined ? undefined : Number(metric.count), metric.interval),
    failureLimit: int(metric.failureLimit, ARGO_METRIC_DEFAULTS.failureLimit),
    inconclusiveLimit: int(metric.inconclusiveLimit, ARGO_METRIC_DEFAULTS.inconclusiveLimit),
    consecutiveErrorLimit: int(metric.consecutiveErrorLimit, ARGO_METRIC_DEFAULTS.consecutiveErrorLimit),
    consecutiveSuccessLimit: int(metric.consecutiveSuccessLimit, 0),
  };
}

/** Argo runMeasurements: counters after one measurement; an Error does not count towards `count`. */
export function recordMeasurement(r: MetricResult, phase: MeasurementPhase): MetricResult {
  const base = { ...r, measurements: r.measurements + 1, lastPhase: phase };
  switch (phase) {
    case 'Successful': return { ...base, successful: r.successful + 1, count: r.count + 1, consecutiveError: 0, consecutiveSuccess: r.consecutiveSuccess + 1 };
    case 'Failed': return { ...base, failed: r.failed + 1, count: r.count + 1, consecutiveError: 0, consecutiveSuccess: 0 };
    case 'Inconclusive': return { ...base, inconclusive: r.inconclusive + 1, count: r.count + 1, consecutiveError: 0, consecutiveSuccess: 0 };
    case 'Error': return { ...base, error: r.error + 1, consecutiveError: r.consecutiveError + 1, consecutiveSuccess: 0 };
  }
}

/**
 * Argo assessMetricFailureInconclusiveOrError: failed > failureLimit (unless negative) is Failed,
 * inconclusive > inconclusiveLimit is Inconclusive, consecutive errors > consecutiveErrorLimit is
 * Error; checked in that order, a later one wins.
 */
export function limitBreach(m: MetricLimits, r: MetricResult): { phase: MeasurementPhase; message: string } | undefined {
  let out: { phase: MeasurementPhase; message: string } | undefined;
  if (m.failureLimit >= 0 && r.failed > m.failureLimit) out = { phase: 'Failed', message: `failed (${r.failed}) > failureLimit (${m.failureLimit})` };
  if (r.inconclusive > m.inconclusiveLimit) out = { phase: 'Inconclusive', message: `inconclusive (${r.inconclusive}) > inconclusiveLimit (${m.inconclusiveLimit})` };
  if (r.consecutiveError > m.consecutiveErrorLimit) {
    out = { phase: 'Error', message: `consecutiveErrors (${r.consecutiveError}) > consecutiveErrorLimit (${m.consecutiveErrorLimit})` };
  }
  return out;
}

/** Argo assessMetricStatus: the phase of a metric from its counters. */
export function assessMetric(m: MetricLimits, r: MetricResult, terminating: boolean): AnalysisPhase {
  if (r.measurements === 0) return terminating ? 'Successful' : 'Pending';
  const breach = limitBreach(m, r);
  if (breach) return breach.phase;
  if (m.consecutiveSuccessLimit > 0 && r.consecutiveSuccess >= m.consecutiveSuccessLimit) return 'Successful';
  if (m.count !== undefined && r.count >= m.count) {
    const failureApplicable = m.failureLimit >= 0;
    const successApplicable = m.consecutiveSuccessLimit > 0;
    if (failureApplicable && successApplicable) return 'Inconclusive';
    if (successApplicable) return 'Failed';
    return 'Successful';
  }
  return terminating ? 'Successful' : 'Running';
}

const COMPLETED: AnalysisPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];
/** Argo analysisStatusOrder, best to worst. */
const ORDER: AnalysisPhase[] = ['Successful', 'Running', 'Pending', 'Inconclusive', 'Error', 'Failed'];

/** Argo IsTerminating: a metric that ended Failed, Error or Inconclusive ends the whole run. */
export function isTerminating(phases: AnalysisPhase[], terminateRequested: boolean): boolean {
  return terminateRequested || phases.some((p) => p === 'Failed' || p === 'Error' || p === 'Inconclusive');
}

/**
 * Argo assessRunStatus: Running until every metric has completed, unless terminating; then the
 * worst phase of the completed metrics (Successful when terminated before any measurement).
 */
export function assessRun(phases: AnalysisPhase[], terminating: boolean): AnalysisPhase {
  let worst: AnalysisPhase | undefined;
  let everythingCompleted = true;
  for (const p of phases) {
    if (!COMPLETED.includes(p)) { everythingCompleted = false; continue; }
    if (worst === undefined || ORDER.indexOf(p) > ORDER.indexOf(worst)) worst = p;
  }
  if (terminating) return worst ?? 'Successful';
  if (!everythingCompleted || worst === undefined) return 'Running';
  return worst;
}

/** A metric of a run, with args substituted and durations scaled. */
export interface RunMetric {
  readonly name: string;
  /** The metric as the template defines it, args substituted. */
  readonly spec: Json;
  readonly limits: MetricLimits;
  /** Undefined: no interval (a single measurement, or retries after errors). */
  readonly intervalMs?: number;
  readonly initialDelayMs: number;
  readonly errorRetryMs: number;
  /** Argo dryRun: measured and assessed, but its phase never decides the run. */
  readonly dryRun?: boolean;
}

/** One measurement as a provider returns it. */
export interface MeasurementOutcome {
  readonly phase: MeasurementPhase;
  /** The value as Argo stores it in the AnalysisRun status. */
  readonly value: string;
  /** Why an Error happened, or the gate's reasons. */
  readonly message?: string;
}

export type Measure = (metric: RunMetric) => Promise<MeasurementOutcome>;

/** A measurement taken in one reconcile, with the metric's counters and phase after it. */
export interface MeasuredMetric {
  readonly metric: RunMetric;
  readonly outcome: MeasurementOutcome;
  readonly result: MetricResult;
  readonly phase: AnalysisPhase;
}

/** How a run ended. */
export interface RunOutcome {
  readonly phase: AnalysisPhase;
  readonly message: string;
}

/** Where a metric of a run stands. */
export interface MetricState {
  result: MetricResult;
  phase: AnalysisPhase;
  lastFinishedAt?: number;
}

/** A metric before its first measurement. */
export function newMetricState(): MetricState {
  return { result: EMPTY_RESULT, phase: 'Pending' };
}

/**
 * When a metric's next measurement is due (Argo generateMetricTasks): `initialDelay` after the run
 * started, then `interval` after the previous one finished, or the 10 s error retry after an Error;
 * undefined once the metric is done.
 */
export function metricDueAt(m: RunMetric, state: MetricState, startedAt: number): number | undefined {
  if (COMPLETED.includes(state.phase)) return undefined;
  if (state.lastFinishedAt === undefined) return startedAt + m.initialDelayMs;
  if (m.limits.count !== undefined && state.result.count >= m.limits.count) return undefined;
  const wait = state.result.lastPhase === 'Error' ? m.errorRetryMs : m.intervalMs ?? m.errorRetryMs;
  return state.lastFinishedAt + wait;
}

/** Records one measurement of a metric at `at` (Argo runMeasurements then assessMetricStatus). */
export function recordAt(m: RunMetric, state: MetricState, phase: MeasurementPhase, at: number): void {
  state.result = recordMeasurement(state.result, phase);
  state.lastFinishedAt = at;
  state.phase = assessMetric(m.limits, state.result, false);
}

/**
 * Argo assessRunStatus after a reconcile: every metric re-assessed (as terminating when one ended
 * Failed, Error or Inconclusive, or termination was requested), then the run's phase. A dry-run
 * metric is measured until it completes but neither terminates the run nor decides its phase.
 */
export function assessRunAfterReconcile(metrics: readonly RunMetric[], states: Map<string, MetricState>, terminateRequested: boolean): AnalysisPhase {
  const deciding = () => metrics.map((m) => {
    const phase = states.get(m.name)!.phase;
    return m.dryRun && COMPLETED.includes(phase) ? 'Successful' : phase;
  });
  const terminating = isTerminating(deciding(), terminateRequested);
  for (const m of metrics) {
    const state = states.get(m.name)!;
    state.phase = assessMetric(m.limits, state.result, terminating);
  }
  return assessRun(deciding(), terminating);
}

/**
 * One AnalysisRun, reconciled like Argo's analysis controller: at each reconcile the metrics that
 * are due are measured together (the first after initialDelay from the run's start, the next one
 * `interval` after the previous finished, or the 10 s error retry after an Error); then every
 * metric is assessed and the run phase derived; the next reconcile is the earliest due time, on `clock`.
 */
export class AnalysisRunEmulation {
  public readonly done: Promise<RunOutcome>;
  private terminateRequested = false;
  private wake: () => void = () => undefined;
  private readonly states: Map<string, MetricState>;

  constructor(
    public readonly name: string,
    public readonly metrics: readonly RunMetric[],
    private readonly measure: Measure,
    private readonly onReconcile: (measured: MeasuredMetric[]) => void = () => undefined,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.states = new Map(metrics.map((m) => [m.name, newMetricState()]));
    this.done = this.loop();
  }

  /** Argo spec.terminate: no new measurements; the run ends with the worst phase so far, or Successful. */
  public terminate(): void {
    this.terminateRequested = true;
    this.wake();
  }

  private async loop(): Promise<RunOutcome> {
    const clock = this.clock;
    const startedAt = clock.now();
    for (;;) {
      const phases = () => this.metrics.map((m) => {
        const phase = this.states.get(m.name)!.phase;
        return m.dryRun && COMPLETED.includes(phase) ? 'Successful' : phase;
      });
      const terminating = isTerminating(phases(), this.terminateRequested);
      const now = clock.now();
      const due = terminating ? [] : this.metrics.filter((m) => {
        const at = metricDueAt(m, this.states.get(m.name)!, startedAt);
        return at !== undefined && at <= now;
      });
      const measured = await Promise.all(due.map(async (m): Promise<MeasuredMetric> => {
        let outcome: MeasurementOutcome;
        try {
          outcome = await this.measure(m);
        } catch (err) {
          outcome = { phase: 'Error', value: '', message: (err as Error).message };
        }
        const state = this.states.get(m.name)!;
        recordAt(m, state, outcome.phase, clock.now());
        return { metric: m, outcome, result: state.result, phase: state.phase };
      }));
      if (measured.length > 0) this.onReconcile(measured);
      const phase = assessRunAfterReconcile(this.metrics, this.states, this.terminateRequested);
      if (phase !== 'Running' && phase !== 'Pending') return { phase, message: this.message(phase) };
      const next = Math.min(...this.metrics.map((m) => metricDueAt(m, this.states.get(m.name)!, startedAt) ?? Infinity));
      if (next === Infinity) return { phase: 'Successful', message: '' };
      const wait = new AbortController();
      this.wake = () => wait.abort();
      await clock.sleep(next - clock.now(), wait.signal);
    }
  }

  /** Argo's run message: the worst metric and the limit it broke. */
  private message(phase: AnalysisPhase): string {
    for (const m of this.metrics) {
      const state = this.states.get(m.name)!;
      const breach = limitBreach(m.limits, state.result);
      if (state.phase === phase && breach) return `metric "${m.name}" assessed ${phase} due to ${breach.message}`;
    }
    return '';
  }
}

/** What the controller moves in the world: the canary's processes and the traffic router. */
export interface RolloutDriver {
  /** Argo scales up the canary ReplicaSet when the rollout starts; resolves once ready. */
  startCanary(): Promise<void>;
  /** Argo trafficRouting: the canary's share of traffic, whole percent. */
  setWeight(weight: number): Promise<void>;
  /** Argo promotion with traffic routing: the stable Service selects the new pods, canary weight 0. */
  promote(): Promise<void>;
  /** Scales the canary ReplicaSet to zero (after an abort, when and if abortScaleDown says so). */
  stopCanary(): Promise<void>;
  /** Scales the old stable ReplicaSet to zero (after scaleDownDelaySeconds). */
  stopOldStable(): Promise<void>;
}

/** Builds the metrics of an analysis (inline or background) with args resolved and durations scaled. */
export type AnalysisFactory = (analysis: Json, where: string) => RunMetric[];

export interface RolloutEmulationProps {
  /** The Rollout's spec (as synthesized). */
  readonly spec: Json;
  readonly driver: RolloutDriver;
  readonly analyses: AnalysisFactory;
  readonly measure: Measure;
  /** Records the events; the emulation waits and measures on its clock. */
  readonly timeline: Timeline;
  readonly scale: TimeScale;
  /**
   * Real ms a pause without duration is watched before the rollout is called paused: Argo's background
   * analysis keeps running through the pause and can still abort. 0 ends the rehearsal at the pause.
   * @default 0
   */
  readonly indefinitePauseWatchMs?: number;
}

/** Walks the canary steps of a Rollout the way Argo's rollout controller does. */
export class RolloutEmulation {
  private weight = 0;
  private step = -1;
  private background?: AnalysisRunEmulation;
  private backgroundOutcome?: RunOutcome;
  private backgroundEnded: Promise<RunOutcome> = new Promise(() => undefined);
  private canaryStartMs?: number;

  constructor(private readonly props: RolloutEmulationProps) {}

  /** The phase a user request is sent in, for the load's records. */
  public phase(): string {
    return this.currentPhase;
  }

  private currentPhase = 'before rollout';

  public async run(): Promise<RolloutOutcome> {
    const { spec, driver, timeline, scale } = this.props;
    const canary: Json = spec.strategy?.canary;
    if (!canary) throw new Error('the rehearsal emulates canary rollouts only, the Rollout has no strategy.canary');
    const steps: Json[] = canary.steps ?? [];
    timeline.start();
    timeline.record({ kind: 'rollout', step: undefined, weight: 0, message: `rollout started: ${steps.length} steps, canary scaled up` });
    this.currentPhase = 'canary starting';
    await driver.startCanary();
    timeline.record({ kind: 'canary', weight: 0, message: 'canary ready' });

    for (let index = 0; index < steps.length; index++) {
      this.step = index;
      const step = steps[index];
      // Argo: the background analysis starts once currentStepIndex reaches startingStep.
      if (canary.analysis && !this.background && index >= (canary.analysis.startingStep ?? 0)) this.startBackground(canary.analysis);
      const description = describeStep(step);
      this.currentPhase = `step ${index} ${description}`;
      timeline.record({ kind: 'step', step: index, weight: this.weight, message: description });
      let outcome: RunOutcome | undefined;
      if (step.setWeight !== undefined) {
        // Argo trafficRouting: the router's weight is set, then the step completes.
        await driver.setWeight(step.setWeight);
        this.weight = step.setWeight;
        if (this.weight > 0 && this.canaryStartMs === undefined) this.canaryStartMs = timeline.elapsedMs();
        timeline.record({ kind: 'weight', step: index, weight: this.weight, message: `canary weight ${this.weight}%` });
      } else if (step.pause !== undefined) {
        if (step.pause.duration === undefined) {
          // Argo: a pause without duration waits for `kubectl argo rollouts promote`; the background analysis
          // keeps measuring meanwhile, and its failure aborts the paused rollout.
          const watchMs = this.background && !this.backgroundOutcome ? this.props.indefinitePauseWatchMs ?? 0 : 0;
          if (watchMs > 0) {
            timeline.record({ kind: 'note', step: index, weight: this.weight, message: `paused until a human promotes; the background analysis keeps running, watched for ${formatSeconds(watchMs / 1000)} real` });
            const watch = new AbortController();
            outcome = await Promise.race([timeline.clock.sleep(watchMs, watch.signal).then(() => undefined), this.backgroundEnded]);
            watch.abort();
            if (outcome && outcome.phase !== 'Successful') return this.react(outcome, index);
          }
          // The rehearsal ends here: its background run stops measuring.
          this.background?.terminate();
          return this.end({ result: 'paused', message: `paused at step ${index} until a human promotes (pause without duration)`, step: index });
        }
        const ms = scale.ms(step.pause.duration, 'pause', `pause at step ${index}`);
        const pause = new AbortController();
        outcome = await this.raceBackground(timeline.clock.sleep(ms, pause.signal).then(() => undefined));
        pause.abort();
      } else if (step.analysis !== undefined) {
        // Argo: an inline analysis step blocks the step until its AnalysisRun completes.
        const run = this.newRun(`step ${index} analysis`, step.analysis);
        timeline.record({ kind: 'analysis', step: index, weight: this.weight, message: `${run.name} started (${describeMetrics(run)})` });
        outcome = await this.raceBackground(run.done);
        if (outcome === this.backgroundOutcome) run.terminate();
        else timeline.record({ kind: 'analysis', step: index, weight: this.weight, phase: outcome!.phase, message: `${run.name} ${outcome!.phase}${outcome!.message ? `: ${outcome!.message}` : ''}` });
      } else {
        timeline.record({ kind: 'note', step: index, weight: this.weight, message: `${Object.keys(step)[0]} is not emulated, step skipped` });
      }
      if (outcome && outcome.phase !== 'Successful') return this.react(outcome, index);
    }

    // Argo: after the last step the rollout is fully promoted; the background run is terminated.
    this.step = steps.length;
    this.background?.terminate();
    this.currentPhase = 'promoting';
    await driver.promote();
    this.currentPhase = 'promoted';
    this.weight = 100;
    const promotedMs = timeline.elapsedMs();
    timeline.record({ kind: 'promote', weight: 100, message: 'fully promoted: stable Service now selects the new version, canary weight 0' });
    const delay = scale.ms(spec.strategy.canary.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS, 'scaleDownDelay', 'scaleDownDelaySeconds');
    await timeline.clock.sleep(delay);
    await driver.stopOldStable();
    timeline.record({ kind: 'canary', weight: 100, message: `old stable scaled down after scaleDownDelaySeconds (${formatSeconds(delay / 1000)} real)` });
    return this.end({ result: 'promoted', message: 'promoted to 100%', canaryStartMs: this.canaryStartMs, promotedMs });
  }

  private startBackground(analysis: Json): void {
    const run = this.newRun(`background analysis (from step ${analysis.startingStep ?? 0})`, analysis);
    this.background = run;
    this.props.timeline.record({ kind: 'analysis', step: this.step, weight: this.weight, message: `${run.name} started (${describeMetrics(run)})` });
    this.backgroundEnded = run.done.then((outcome) => {
      this.backgroundOutcome = outcome;
      if (this.currentPhase !== 'promoted' && this.currentPhase !== 'promoting') {
        this.props.timeline.record({ kind: 'analysis', step: this.step, weight: this.weight, phase: outcome.phase, message: `${run.name} ${outcome.phase}${outcome.message ? `: ${outcome.message}` : ''}` });
      }
      return outcome;
    });
  }

  /** Waits for `p`, unless the background run ends first with anything but Successful. */
  private raceBackground(p: Promise<RunOutcome | undefined>): Promise<RunOutcome | undefined> {
    const failed = this.backgroundEnded.then((o) => (o.phase === 'Successful' ? new Promise<never>(() => undefined) : o));
    return Promise.race([p, failed]);
  }

  private newRun(name: string, analysis: Json): AnalysisRunEmulation {
    const metrics = this.props.analyses(analysis, name);
    const { timeline } = this.props;
    return new AnalysisRunEmulation(name, metrics, this.props.measure, (measured) => {
      const worst = measured.map((x) => x.outcome.phase).sort((a, b) => ORDER.indexOf(b) - ORDER.indexOf(a))[0];
      timeline.record({
        kind: 'measurement', step: this.step, weight: this.weight, phase: worst,
        message: `${name}: ${measured.map(({ metric, outcome, result }) => `${metric.name} ${outcome.phase} ${shortValue(outcome.value)}`
          + `${result.failed || result.inconclusive || result.consecutiveError ? ` (failed ${result.failed}, inconclusive ${result.inconclusive}, errors in a row ${result.consecutiveError})` : ''}`
          + `${outcome.message ? ` - ${outcome.message}` : ''}`).join('; ')}`,
      });
    }, timeline.clock);
  }

  /** Argo: Failed or Error aborts the rollout; Inconclusive pauses it for a human. */
  private async react(outcome: RunOutcome, index: number): Promise<RolloutOutcome> {
    const { driver, timeline, scale, spec } = this.props;
    if (outcome.phase === 'Inconclusive') {
      this.background?.terminate();
      return this.end({ result: 'paused', message: `paused at step ${index}: inconclusive analysis waits for a human (${outcome.message})`, canaryStartMs: this.canaryStartMs, step: index });
    }
    // Argo abort: traffic back to stable at once; then the canary ReplicaSet as abortScaleDown says.
    this.background?.terminate();
    this.currentPhase = 'aborting (weight to 0)';
    await driver.setWeight(0);
    this.currentPhase = 'aborted';
    this.weight = 0;
    const abortMs = timeline.elapsedMs();
    timeline.record({ kind: 'abort', step: index, weight: 0, phase: outcome.phase, message: `aborted (${outcome.phase}): canary weight 0, traffic back to stable` });
    const after = abortScaleDown(spec.strategy.canary);
    if (after.seconds === undefined) {
      timeline.record({ kind: 'canary', weight: 0, message: `canary left running, without traffic (${after.reason})` });
    } else {
      const delay = scale.ms(after.seconds, 'scaleDownDelay', 'abortScaleDownDelaySeconds');
      await timeline.clock.sleep(delay);
      await driver.stopCanary();
      timeline.record({ kind: 'canary', weight: 0, message: `canary scaled down after ${(delay / 1000).toFixed(1)}s real (${after.reason})` });
    }
    return this.end({ result: 'aborted', message: outcome.message, canaryStartMs: this.canaryStartMs, abortMs, step: index });
  }

  private end(outcome: RolloutOutcome): RolloutOutcome {
    this.props.timeline.record({ kind: 'rollout', weight: this.weight, message: `${outcome.result}: ${outcome.message}` });
    return { canaryStartMs: this.canaryStartMs, ...outcome };
  }
}

/** `setWeight 25`, `pause 1m`, `analysis amas-orchestrator-slo`. */
export function describeStep(step: Json): string {
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause !== undefined) return step.pause.duration === undefined ? 'pause (indefinite)' : `pause ${step.pause.duration}`;
  if (step.analysis !== undefined) return `analysis ${(step.analysis.templates ?? []).map((t: Json) => t.templateName).join('+')}`;
  return Object.keys(step)[0] ?? 'empty step';
}

/** A measured value with long decimals cut to 4 significant digits: `[0.8470259612]` -> `[0.847]`. */
export function shortValue(value: string): string {
  if (!value) return '-';
  return value.replace(/-?\d+\.\d{5,}(e[-+]?\d+)?/g, (n) => String(Number(Number(n).toPrecision(4))));
}

function describeMetrics(run: AnalysisRunEmulation): string {
  return run.metrics.map((m) => m.name).join(', ');
}
