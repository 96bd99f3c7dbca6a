import { Duration } from 'cdk8s';
import { AnalysisMetricTiming, IAnalysisTemplate } from '../analysis/template-ref';
import { analysisRunDuration, describeTimeToAbort, TimeToAbortTerms, worstTimeToAbort } from '../analysis/timing';
import { formatSeconds, parseDurationSeconds } from '../util/internal-duration';

/**
 * Plan arithmetic, pure: from a Rollout's spec (as synthesized JSON) and the timing of the analysis
 * templates it references, the nominal time to full promotion and the worst-case time from a bad
 * canary to abort. The constructs, the plan command and the rehearsal all read plans through here.
 * Reading manifests and resolving the templates a Rollout references is tools/cli/src/plan/manifests.ts's; the
 * timing of one analysis (time to abort, run length) is lib/analysis/timing.ts's.
 */

/** One step of a rollout plan with its timing. */
export interface PlanStep {
  /** Index of the step in the Rollout's steps. */
  readonly index: number;
  /** What the step does, e.g. `setWeight 25`. */
  readonly description: string;
  /** Canary traffic weight once the step has run, in percent. */
  readonly weight: number;
  /**
   * Seconds from the start of the rollout to the start of this step.
   * @default - undefined after an indefinite step: the step starts when a human promotes
   */
  readonly startSeconds?: number;
  /**
   * Nominal seconds the step takes.
   * @default - undefined when the step is indefinite
   */
  readonly seconds?: number;
  /** True for a pause without duration or an analysis that never ends: the rollout waits here until a human promotes it. */
  readonly indefinite: boolean;
  /** What the seconds are made of, e.g. `pod readiness 10s`. */
  readonly terms: string[];
  /**
   * Seconds from the start of the rollout to the end of this step.
   * @default - undefined from an indefinite step on
   */
  readonly cumulativeSeconds?: number;
}

/** How fast an analysis can abort a bad canary. */
export interface AbortEstimate {
  /** Worst-case seconds from the canary taking traffic to the abort. */
  readonly seconds: number;
  /** The analysis that aborts first, e.g. `background analysis from step 1`. */
  readonly analysis: string;
  /** Seconds from the canary taking traffic until that analysis starts. */
  readonly startsAfter: number;
  /** The terms of its slowest metric's time to abort. */
  readonly terms: TimeToAbortTerms;
  /**
   * Seconds after the abort until traffic is back on stable: with dynamicStableScale, the readiness
   * of the stable pods the controller scaled down; 0 otherwise (the weight returns to 0 at once).
   */
  readonly stableRestoreSeconds: number;
}

/** The timing of a rollout plan. */
export interface RolloutPlan {
  readonly steps: PlanStep[];
  /**
   * Nominal seconds from the start of the rollout to full promotion.
   * @default - undefined when a step is indefinite (see `indefinite`)
   */
  readonly promotionSeconds?: number;
  /** True when some step waits until a human promotes the rollout: it reaches 100% only then. */
  readonly indefinite: boolean;
  /**
   * Seconds from the start of the rollout until canary pods take traffic.
   * @default - undefined when they take it only after an indefinite step
   */
  readonly canaryStartSeconds?: number;
  /** Analyses of the plan: where each starts and how long it runs. */
  readonly analyses: PlanAnalysis[];
  /** The fastest way a bad canary is aborted; undefined when no analysis can abort. */
  readonly abort?: AbortEstimate;
}

/** An analysis of the plan, inline or in the background. */
export interface PlanAnalysis {
  readonly description: string;
  readonly background: boolean;
  /**
   * Seconds from the start of the rollout.
   * @default - undefined when it starts after an indefinite step
   */
  readonly startSeconds?: number;
  /**
   * Seconds it runs when every measurement passes.
   * @default - undefined when it runs until the rollout ends (a metric without count)
   */
  readonly seconds?: number;
  /** True when it runs until the rollout ends: a metric without count, as background analysis often has. */
  readonly indefinite: boolean;
  readonly metrics: AnalysisMetricTiming[];
  /**
   * Why the timing of some of its templates is unknown, e.g. `AnalysisTemplate 'smoke' not in the manifests`;
   * then `seconds` and `metrics` cover only the templates whose timing is known.
   * @default - the timing of every template is known
   */
  readonly timingUnknown?: string[];
}

/**
 * Finds the metric timing of a template a Rollout references: its metrics, or why their timing is
 * unknown (e.g. `not in the manifests`), or undefined when the template was not found at all. An
 * unknown timing does not fail the plan: the plan says so, and refuses the budgets that need it.
 */
export type TemplateTimingLookup = (templateName: string, clusterScope: boolean) => AnalysisMetricTiming[] | string | undefined;

/**
 * The lookup of a rollout construct: the templates it was given, each with its metrics, or why its
 * timing is unknown (a template referenced by name whose timing nobody stated).
 */
export function templatesLookup(templates: IAnalysisTemplate[]): TemplateTimingLookup {
  return (name, cluster) => {
    const t = templates.find((x) => x.templateName === name && x.clusterScope === cluster);
    return t && (t.timingUnknown ?? t.metrics);
  };
}

/** Why the timing of a template is unknown, for the plan: `AnalysisTemplate 'smoke' not in the manifests`. */
function unknownTemplate(templateName: string, clusterScope: boolean, why: string | undefined): string {
  return `${clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} '${templateName}' ${why ?? 'not found'}`;
}

type Json = { [key: string]: any };

/**
 * A step as the plan arithmetic and the tools read it: Infinity where it, or a step before it, is indefinite. The
 * constructs' `plan` turns it into a PlanStep (`finitePlan`), since other languages than TypeScript cannot receive Infinity.
 */
export type TimedStep = Omit<PlanStep, 'startSeconds' | 'seconds' | 'cumulativeSeconds' | 'indefinite'> & { startSeconds: number; seconds: number; cumulativeSeconds: number };
/** An analysis as the arithmetic builds it: Infinity where it starts after an indefinite step or never ends. */
export type TimedAnalysis = Omit<PlanAnalysis, 'startSeconds' | 'seconds' | 'indefinite'> & { startSeconds: number; seconds: number };
/** A plan as the arithmetic builds it, and the plan command, the timeline and the rehearsal read it. */
export interface PlanTiming {
  readonly steps: TimedStep[];
  /** Infinity when a step is indefinite. */
  readonly promotionSeconds: number;
  /** Infinity when the canary takes traffic only after an indefinite step. */
  readonly canaryStartSeconds: number;
  readonly analyses: TimedAnalysis[];
  readonly abort?: AbortEstimate;
}

/** A plan with Infinity where the constructs' plan says `indefinite`: the form the arithmetic and the tools read. */
export function timedPlan(plan: PlanTiming | RolloutPlan): PlanTiming {
  if (!('indefinite' in plan)) return plan;
  const or = (seconds: number | undefined) => seconds ?? Infinity;
  return {
    steps: plan.steps.map(({ indefinite: _, ...s }) => ({ ...s, startSeconds: or(s.startSeconds), seconds: or(s.seconds), cumulativeSeconds: or(s.cumulativeSeconds) })),
    promotionSeconds: or(plan.promotionSeconds),
    canaryStartSeconds: or(plan.canaryStartSeconds),
    analyses: plan.analyses.map(({ indefinite: _, ...a }) => ({ ...a, startSeconds: or(a.startSeconds), seconds: or(a.seconds) })),
    ...(plan.abort ? { abort: plan.abort } : {}),
  };
}

/** The plan as the constructs give it: each Infinity becomes an absent value with an `indefinite` flag. */
export function finitePlan(plan: PlanTiming): RolloutPlan {
  const at = (key: string, seconds: number) => (Number.isFinite(seconds) ? { [key]: seconds } : {});
  return {
    steps: plan.steps.map(({ startSeconds, seconds, cumulativeSeconds, ...rest }) => ({
      ...rest, ...at('startSeconds', startSeconds), ...at('seconds', seconds), indefinite: !Number.isFinite(seconds), ...at('cumulativeSeconds', cumulativeSeconds),
    })),
    ...at('promotionSeconds', plan.promotionSeconds),
    indefinite: !Number.isFinite(plan.promotionSeconds),
    ...at('canaryStartSeconds', plan.canaryStartSeconds),
    analyses: plan.analyses.map(({ startSeconds, seconds, ...rest }) => ({
      ...rest, ...at('startSeconds', startSeconds), ...at('seconds', seconds), indefinite: !Number.isFinite(seconds),
    })),
    ...(plan.abort ? { abort: plan.abort } : {}),
  };
}

/**
 * Annotations of this library on a synthesized Rollout that record the budgets its chart set
 * (maxPromotionTime, maxTimeToAbort), as Go durations: the plan command and the rehearsal judge
 * against what the chart chose, not against their defaults.
 */
export const BUDGET_ANNOTATIONS = {
  maxPromotionTime: 'cdk8s-progressive/max-promotion-time',
  maxTimeToAbort: 'cdk8s-progressive/max-time-to-abort',
} as const;

/** The budgets a plan is judged against, in seconds (Infinity: no budget). */
export interface PlanBudgets {
  readonly promotionSeconds: number;
  readonly abortSeconds: number;
}

/** What a Rollout that records no budget is judged against: 10 minutes to promote, 2 minutes to abort. */
export const DEFAULT_BUDGETS: PlanBudgets = { promotionSeconds: 600, abortSeconds: 120 };

/** The value of a budget annotation that turns the budget off (disableMaxPromotionTime, disableMaxTimeToAbort). */
export const NO_BUDGET = 'none';

/** The annotations that record the budgets a chart set or turned off; undefined when it did neither. */
export function budgetAnnotations(maxPromotion?: Duration, maxAbort?: Duration, noPromotionBudget?: boolean, noAbortBudget?: boolean):
{ [key: string]: string } | undefined {
  const out: { [key: string]: string } = {};
  if (maxPromotion) out[BUDGET_ANNOTATIONS.maxPromotionTime] = formatSeconds(maxPromotion.toSeconds());
  if (noPromotionBudget) out[BUDGET_ANNOTATIONS.maxPromotionTime] = NO_BUDGET;
  if (maxAbort) out[BUDGET_ANNOTATIONS.maxTimeToAbort] = formatSeconds(maxAbort.toSeconds());
  if (noAbortBudget) out[BUDGET_ANNOTATIONS.maxTimeToAbort] = NO_BUDGET;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The budgets recorded on a Rollout's metadata, each falling back to DEFAULT_BUDGETS; `none` is no budget
 * (Infinity); throws on a malformed value.
 */
export function recordedBudgets(metadata: Json | undefined, where: string): PlanBudgets {
  const read = (key: string, fallback: number): number => {
    const value = metadata?.annotations?.[key];
    if (value === undefined) return fallback;
    if (value === NO_BUDGET) return Infinity;
    let seconds: number | undefined;
    try { seconds = parseDurationSeconds(String(value)); } catch { seconds = undefined; }
    if (seconds === undefined || !(seconds > 0)) {
      throw new Error(`${where}: annotation ${key} must be a positive duration such as 12m or 1m30s, or '${NO_BUDGET}', got '${value}': fix or remove it`);
    }
    return seconds;
  };
  return {
    promotionSeconds: read(BUDGET_ANNOTATIONS.maxPromotionTime, DEFAULT_BUDGETS.promotionSeconds),
    abortSeconds: read(BUDGET_ANNOTATIONS.maxTimeToAbort, DEFAULT_BUDGETS.abortSeconds),
  };
}

/** Estimated seconds for a new pod to become available: readiness probe's delay and period, and minReadySeconds. */
export function readySeconds(spec: Json): number {
  const probe = spec.template?.spec?.containers?.[0]?.readinessProbe;
  const probeSeconds = probe ? (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) : 0;
  return probeSeconds + (spec.minReadySeconds ?? 0);
}

/**
 * Canary pods the controller runs at a weight, with traffic routing (Argo v1.9.1
 * CalculateReplicaCountsForTrafficRoutedCanary): ceil(weight x replicas / maxTrafficWeight), at least
 * minPodsPerReplicaSet once above zero, or what the last setCanaryScale says.
 */
function canaryPods(canary: Json, replicas: number, weight: number, scale: Json | undefined): number {
  const maxWeight: number = canary.trafficRouting?.maxTrafficWeight ?? 100;
  if (scale?.replicas !== undefined) return scale.replicas;
  const pods = Math.ceil(((scale?.weight ?? weight) * replicas) / maxWeight);
  return pods === 0 ? 0 : Math.max(pods, canary.minPodsPerReplicaSet ?? 0);
}

/**
 * The timing of a canary Rollout's plan, from its synthesized spec. With traffic routing a step waits
 * for pod readiness only when it needs more canary pods than run already, and the rollout needs all
 * `replicas` canary pods ready before it is promoted; without traffic routing every weight increase
 * waits for readiness.
 */
export function canaryPlan(spec: Json, lookup: TemplateTimingLookup): PlanTiming {
  const canary: Json = spec.strategy?.canary ?? {};
  const steps: Json[] = canary.steps ?? [];
  const ready = readySeconds(spec);
  const replicas: number = spec.replicas ?? 1;
  const routed = canary.trafficRouting !== undefined;
  const metricsOf = (analysis: Json) => analysisMetrics(analysis, lookup);
  let weight = 0;
  let pods = 0;
  let scale: Json | undefined;
  let cumulative = 0;
  let canaryStart: number | undefined;
  const analyses: TimedAnalysis[] = [];
  /** Readiness of the pods a step adds (Argo scales the canary down as readily): seconds, and the term that explains them. */
  const scaleTo = (wanted: number, terms: string[]): number => {
    const more = wanted > pods;
    pods = wanted;
    const count = `${pods} canary pod${pods === 1 ? '' : 's'}`;
    terms.push(more ? `pod readiness ${formatSeconds(ready)} (${count})` : `no new pod (${count})`);
    return more ? ready : 0;
  };
  const out: TimedStep[] = steps.map((step, index) => {
    const start = cumulative;
    let seconds = 0;
    let description: string;
    const terms: string[] = [];
    if (step.setWeight !== undefined) {
      description = `setWeight ${step.setWeight}`;
      if (!routed) {
        if (step.setWeight > weight) { seconds = ready; terms.push(`pod readiness ${formatSeconds(ready)}`); }
      } else seconds = scaleTo(canaryPods(canary, replicas, step.setWeight, scale), terms);
      weight = step.setWeight;
      if (weight > 0 && canaryStart === undefined) canaryStart = start + seconds;
    } else if (step.pause !== undefined) {
      const d = step.pause.duration;
      seconds = d === undefined ? Infinity : parseDurationSeconds(d);
      description = `pause ${formatSeconds(seconds)}`;
      terms.push(d === undefined ? 'waits for a human to promote' : `pause ${formatSeconds(seconds)}`);
    } else if (step.setCanaryScale !== undefined) {
      const s = step.setCanaryScale;
      description = `setCanaryScale ${s.replicas !== undefined ? `${s.replicas} replicas` : s.weight !== undefined ? `${s.weight}%` : 'match traffic weight'}`;
      if (!routed) { seconds = ready; terms.push(`pod readiness ${formatSeconds(ready)}`); } else {
        scale = s.matchTrafficWeight ? undefined : s;
        seconds = scaleTo(canaryPods(canary, replicas, weight, scale), terms);
      }
    } else if (step.analysis !== undefined) {
      const names = templateNames(step.analysis);
      description = `analysis ${names}`;
      const { metrics, timingUnknown } = metricsOf(step.analysis);
      seconds = analysisRunDuration(metrics) ?? Infinity;
      terms.push(analysisTerm(seconds, timingUnknown));
      analyses.push({ description: `analysis at step ${index} (${names})`, background: false, startSeconds: start, seconds, metrics, timingUnknown });
    } else if (step.experiment !== undefined) {
      const e = experimentTiming(step.experiment, index, start, ready, metricsOf);
      description = e.description;
      seconds = e.seconds;
      terms.push(...e.terms);
      analyses.push(...e.analyses);
      // A canary template with a weight takes users' traffic once its pods are available.
      if (e.canaryTraffic && canaryStart === undefined) canaryStart = start + ready;
    } else if (step.setHeaderRoute !== undefined || step.setMirrorRoute !== undefined) {
      const kind = step.setHeaderRoute !== undefined ? 'setHeaderRoute' : 'setMirrorRoute';
      const route = step[kind];
      description = `${kind} ${route.name}${route.match === undefined ? ' (remove)' : ''}`;
      terms.push('route change, no wait');
    } else {
      description = Object.keys(step)[0] ?? 'empty step';
      terms.push('not timed');
    }
    cumulative += seconds;
    return { index, description, weight, startSeconds: start, seconds, terms, cumulativeSeconds: cumulative };
  });
  if (routed && pods < replicas) {
    // Argo: after the last step the canary is scaled to every replica, and promoted once they are available.
    const terms: string[] = [];
    const seconds = scaleTo(replicas, terms);
    out.push({ index: steps.length, description: `promote: canary scaled to ${replicas} pods`, weight: 100, startSeconds: cumulative, seconds, terms, cumulativeSeconds: cumulative + seconds });
    cumulative += seconds;
  }
  if (canary.analysis) {
    const startingStep = canary.analysis.startingStep ?? 0;
    const { metrics, timingUnknown } = metricsOf(canary.analysis);
    const names = templateNames(canary.analysis);
    analyses.push({
      description: `background analysis from step ${startingStep} (${names})`, background: true,
      startSeconds: out[startingStep]?.startSeconds ?? cumulative, seconds: analysisRunDuration(metrics) ?? Infinity, metrics, timingUnknown,
    });
  }
  const canaryStartSeconds = canaryStart ?? 0;
  // Argo with dynamicStableScale: on abort the weight steps back as the stable pods it scaled down become available again.
  const restore = canary.dynamicStableScale ? ready : 0;
  return { steps: out, promotionSeconds: cumulative, canaryStartSeconds, analyses, abort: fastestAbort(analyses, canaryStartSeconds, restore) };
}

/**
 * The timing of an experiment step (Argo v1.9.1 experiments/experiment.go): its templates' pods become available,
 * then the duration runs and every analysis starts. With a requiredForCompletion analysis the experiment ends when
 * every analysis has completed, before the duration has passed as after it; else when the duration has passed; with
 * neither it runs until a human promotes the rollout.
 */
function experimentTiming(experiment: Json, index: number, start: number, ready: number, metricsOf: (analysis: Json) => ReturnType<typeof analysisMetrics>) {
  const names = (experiment.templates ?? []).map((t: Json) => t.name).join('+');
  const refs: Json[] = experiment.analyses ?? [];
  const runs = refs.map((a) => {
    const { metrics, timingUnknown } = metricsOf({ templates: [{ templateName: a.templateName, clusterScope: a.clusterScope }], dryRun: experiment.dryRun });
    return { ref: a, metrics, timingUnknown, seconds: analysisRunDuration(metrics) ?? Infinity };
  });
  const weighted = (experiment.templates ?? []).filter((t: Json) => (t.weight ?? 0) > 0);
  const terms = [`experiment pods readiness ${formatSeconds(ready)}`,
    ...(weighted.length > 0 ? [`traffic ${weighted.map((t: Json) => `${t.name} ${t.weight}%`).join(', ')}`] : [])];
  let run: number;
  if (refs.some((a) => a.requiredForCompletion)) {
    run = Math.max(0, ...runs.map((r) => r.seconds));
    const unknown = runs.flatMap((r) => r.timingUnknown ?? []);
    terms.push(unknown.length > 0 ? `analyses ${analysisTerm(run, unknown)} (requiredForCompletion: until every analysis completes)`
      : `analyses ${formatSeconds(run)} (requiredForCompletion: until every analysis completes)`);
  } else if (experiment.duration !== undefined) {
    run = parseDurationSeconds(experiment.duration);
    terms.push(`duration ${formatSeconds(run)}`);
  } else {
    run = Infinity;
    terms.push('no duration and no requiredForCompletion analysis: waits for a human to promote');
  }
  const available = start + ready;
  const required = refs.some((a) => a.requiredForCompletion);
  const analyses: TimedAnalysis[] = [];
  for (const r of runs) {
    const description = `experiment analysis ${r.ref.name} at step ${index} (${r.ref.templateName})`;
    // Without a required analysis the experiment ends, and stops its runs, when the duration has passed.
    const worst = worstTimeToAbort(r.metrics)?.total;
    if (!required && worst !== undefined && worst > run) {
      terms.push(`${description} cannot abort within the ${formatSeconds(run)} duration (worst case ${formatSeconds(worst)})`);
      continue;
    }
    analyses.push({ description, background: false, startSeconds: available, seconds: required ? r.seconds : Math.min(r.seconds, run), metrics: r.metrics, timingUnknown: r.timingUnknown });
  }
  return { description: `experiment ${names}`, seconds: ready + run, terms, analyses, canaryTraffic: weighted.some((t: Json) => t.specRef === 'canary') };
}

/**
 * The timing of a blue-green Rollout's plan, from its synthesized spec: the preview becomes ready,
 * prePromotionAnalysis runs on it, the rollout waits autoPromotionSeconds (or for a human when
 * autoPromotionEnabled is false), the active Service switches to the new version (after scaling it
 * up to `replicas` when previewReplicaCount is smaller), then postPromotionAnalysis runs. Users
 * reach the new version only from the switch on (weight 100); the time to abort counts from the
 * preview being ready, when the new version first runs.
 */
export function blueGreenPlan(spec: Json, lookup: TemplateTimingLookup): PlanTiming {
  const bg: Json = spec.strategy?.blueGreen ?? {};
  const ready = readySeconds(spec);
  const replicas: number = spec.replicas ?? 1;
  const preview: number = bg.previewReplicaCount ?? replicas;
  const steps: TimedStep[] = [];
  const analyses: TimedAnalysis[] = [];
  let cumulative = 0;
  const add = (description: string, weight: number, seconds: number, terms: string[]) => {
    steps.push({ index: steps.length, description, weight, startSeconds: cumulative, seconds, terms, cumulativeSeconds: cumulative + seconds });
    cumulative += seconds;
  };
  const analysis = (prop: 'prePromotionAnalysis' | 'postPromotionAnalysis', weight: number) => {
    const a: Json | undefined = bg[prop];
    if (!a || (a.templates ?? []).length === 0) return;
    const { metrics, timingUnknown } = analysisMetrics(a, lookup);
    const names = templateNames(a);
    const seconds = analysisRunDuration(metrics) ?? Infinity;
    analyses.push({ description: `${prop} (${names})`, background: false, startSeconds: cumulative, seconds, metrics, timingUnknown });
    add(`${prop} ${names}`, weight, seconds, [analysisTerm(seconds, timingUnknown)]);
  };

  add(`preview ready (${preview} of ${replicas} replicas)`, 0, ready, [`pod readiness ${formatSeconds(ready)}`]);
  const canaryStartSeconds = cumulative;
  analysis('prePromotionAnalysis', 0);
  if (bg.autoPromotionEnabled === false) {
    add('pause until promoted', 0, Infinity, ['autoPromotionEnabled false: waits for a human to promote']);
  } else if ((bg.autoPromotionSeconds ?? 0) > 0) {
    add(`autoPromotionSeconds ${formatSeconds(bg.autoPromotionSeconds)}`, 0, bg.autoPromotionSeconds, [`pause ${formatSeconds(bg.autoPromotionSeconds)}`]);
  }
  if (preview < replicas) {
    add(`promote: scale to ${replicas} replicas, switch active`, 100, ready, [`pod readiness ${formatSeconds(ready)}`]);
  } else {
    add('promote: switch active Service', 100, 0, ['the active Service selects the new version']);
  }
  analysis('postPromotionAnalysis', 100);
  return { steps, promotionSeconds: cumulative, canaryStartSeconds, analyses, abort: fastestAbort(analyses, canaryStartSeconds) };
}

/**
 * The metric timing of every template an analysis references, with the analysis' own dryRun
 * rules applied (Argo matches each `metricName` as an unanchored regular expression).
 */
function analysisMetrics(analysis: Json, lookup: TemplateTimingLookup): { metrics: AnalysisMetricTiming[]; timingUnknown?: string[] } {
  const dryRun: RegExp[] = (analysis.dryRun ?? []).map((d: Json) => new RegExp(d.metricName));
  const unknown: string[] = [];
  const metrics = (analysis.templates ?? []).flatMap((t: Json) => {
    const found = lookup(t.templateName, t.clusterScope ?? false);
    if (!Array.isArray(found)) {
      unknown.push(unknownTemplate(t.templateName, t.clusterScope ?? false, found));
      return [];
    }
    return found.map((m) => (!m.dryRun && dryRun.some((r) => r.test(m.name)) ? { ...m, dryRun: true } : m));
  });
  return unknown.length > 0 ? { metrics, timingUnknown: unknown } : { metrics };
}

/** The term of an analysis step: its duration, or that its timing is unknown. */
function analysisTerm(seconds: number, timingUnknown: string[] | undefined): string {
  if (!timingUnknown) return `analysis ${formatSeconds(seconds)}`;
  return `timing unknown (${timingUnknown.join(', ')})${seconds > 0 ? `, at least ${formatSeconds(seconds)}` : ''}`;
}

/** Why the plan's timing is partly unknown: one entry per template, without repeats. */
export function unknownTimings(plan: PlanTiming, inlineOnly = false): string[] {
  const all = plan.analyses.filter((a) => !inlineOnly || !a.background).flatMap((a) => a.timingUnknown ?? []);
  return all.filter((u, i) => all.indexOf(u) === i);
}

/**
 * What the budgets of a plan whose timing is partly unknown say: a promotion budget needs the timing of
 * every inline analysis, an abort budget the timing of every analysis. Empty when the timing they need
 * is known or no budget is set.
 */
export function unknownTimingErrors(plan: PlanTiming, maxPromotion?: Duration, maxAbortTime?: Duration): string[] {
  const fix = 'define the template in the same chart or manifests, or state the timing of its metrics (the `metrics` option of AnalysisTemplate.fromName)';
  const errors: string[] = [];
  const inline = unknownTimings(plan, true);
  if (maxPromotion && inline.length > 0) {
    errors.push(`maxPromotionTime is ${formatSeconds(maxPromotion.toSeconds())} but the time to reach 100% is unknown: timing unknown `
      + `(${inline.join(', ')}): ${fix}, or drop maxPromotionTime`);
  }
  const all = unknownTimings(plan);
  if (maxAbortTime && all.length > 0) {
    errors.push(`maxTimeToAbort is ${formatSeconds(maxAbortTime.toSeconds())} but the worst-case time to abort is unknown: timing unknown `
      + `(${all.join(', ')}): ${fix}, or drop maxTimeToAbort`);
  }
  return errors;
}

function templateNames(analysis: Json): string {
  return (analysis.templates ?? []).map((t: Json) => t.templateName).join('+');
}

function fastestAbort(analyses: TimedAnalysis[], canaryStart: number, stableRestoreSeconds = 0): AbortEstimate | undefined {
  // A template of unknown timing may abort sooner, and its run may delay the analyses after it: no estimate.
  if (analyses.some((a) => a.timingUnknown)) return undefined;
  let best: AbortEstimate | undefined;
  for (const a of analyses) {
    const terms = worstTimeToAbort(a.metrics);
    if (!terms) continue;
    const startsAfter = Math.max(0, a.startSeconds - canaryStart);
    const seconds = startsAfter + terms.total! + stableRestoreSeconds;
    if (!Number.isFinite(seconds)) continue; // it starts only after a human promotes
    if (!best || seconds < best.seconds) best = { seconds, analysis: a.description, startsAfter, terms, stableRestoreSeconds };
  }
  return best;
}

/** The plan as a table, for messages and the plan command. */
export function formatPlan(given: PlanTiming | RolloutPlan): string {
  const plan = timedPlan(given);
  const rows = plan.steps.map((s) => `  ${String(s.index).padStart(2)}  ${s.description.padEnd(34)} weight ${String(s.weight).padStart(3)}%  `
    + `+${formatSeconds(s.seconds).padEnd(9)} = ${formatSeconds(s.cumulativeSeconds).padEnd(9)} ${s.terms.join(', ')}`);
  const background = plan.analyses.filter((a) => a.background).map((a) => `  ${a.description}: starts at ${formatSeconds(a.startSeconds)}, `
    + (a.timingUnknown ? `timing unknown (${a.timingUnknown.join(', ')})`
      : Number.isFinite(a.seconds) ? `runs ${formatSeconds(a.seconds)}` : 'runs until the rollout ends'));
  const inline = unknownTimings(plan, true);
  const all = unknownTimings(plan);
  const total = inline.length > 0 ? `at least ${formatSeconds(plan.promotionSeconds)}, timing unknown (${inline.join(', ')})` : formatSeconds(plan.promotionSeconds);
  const abort = all.length > 0 ? `unknown, timing unknown (${all.join(', ')})`
    : plan.analyses.length === 0 ? 'never (the rollout has no analysis)' : describeAbort(plan.abort);
  return [...rows, ...background, `  total to 100%: ${total}`, `  worst-case time to abort: ${abort}`].join('\n');
}

/**
 * What synth says when a plan misses a budget: the promotion budget when set, the abort budget when
 * set or (2 minutes) as soon as the plan has an analysis, unless turned off (`noAbortBudget`).
 */
export function planBudgetErrors(plan: PlanTiming, maxPromotion?: Duration, maxAbortTime?: Duration, noAbortBudget?: boolean): string[] {
  // Timing unknown: the budgets set need an assumption (the default abort budget does not apply).
  const unknown = unknownTimings(plan).length > 0;
  const errors = unknownTimingErrors(plan, maxPromotion, noAbortBudget ? undefined : maxAbortTime);
  if (maxPromotion && unknownTimings(plan, true).length === 0 && plan.promotionSeconds > maxPromotion.toSeconds()) {
    errors.push(`maxPromotionTime is ${formatSeconds(maxPromotion.toSeconds())} but the plan takes `
      + `${formatSeconds(plan.promotionSeconds)} to reach 100%: shorten pauses or analyses, use fewer steps, `
      + `or raise maxPromotionTime${Number.isFinite(plan.promotionSeconds) ? '' : ' (or turn the budget off with disableMaxPromotionTime: true)'}. `
      + `The plan:\n${formatPlan(plan)}`);
  }
  const maxAbort = noAbortBudget ? undefined : maxAbortTime ?? (plan.analyses.length > 0 ? Duration.minutes(2) : undefined);
  if (!unknown && maxAbort && (plan.abort?.seconds ?? Infinity) > maxAbort.toSeconds()) {
    const budget = `maxTimeToAbort is ${formatSeconds(maxAbort.toSeconds())}${maxAbortTime ? '' : ' (the default once a rollout has an analysis)'}`;
    errors.push(plan.abort
      ? `${budget} but the worst-case time from a bad canary to abort is ${describeAbort(plan.abort)}: shorten the window, interval or `
        + 'initialDelay, lower failureLimit, start the analysis earlier, or raise maxTimeToAbort'
      : `${budget} but no analysis can abort the rollout, so the time to abort is never: give it an analysis that can fail (not dry-run), `
        + 'or, if it is meant to run without one, turn the budget off with disableMaxTimeToAbort: true (no maxTimeToAbort)');
  }
  return errors;
}

/** One line: how a bad canary is aborted and how long it takes at worst. */
export function describeAbort(abort: AbortEstimate | undefined): string {
  if (!abort) return 'never (no analysis can fail the rollout)';
  const restore = abort.stableRestoreSeconds > 0 ? ` + ${formatSeconds(abort.stableRestoreSeconds)} stable pod readiness (dynamicStableScale)` : '';
  return `${formatSeconds(abort.seconds)} by the ${abort.analysis}: ${formatSeconds(abort.startsAfter)} until it starts + ${describeTimeToAbort(abort.terms)}${restore}`;
}
