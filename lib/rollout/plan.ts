import { AnalysisMetricTiming } from '../analysis/template-ref';
import { CanaryStep } from './canary-step';
import { formatSeconds } from './internal-validation';

/** One step of a rollout plan with its timing. */
export interface PlanStep {
  /** Index of the step in the Rollout's steps. */
  readonly index: number;
  /** What the step does, e.g. `setWeight 25`. */
  readonly description: string;
  /** Canary traffic weight once the step has run, in percent. */
  readonly weight: number;
  /** Nominal seconds the step takes (Infinity for an indefinite pause). */
  readonly seconds: number;
  /** What the seconds are made of, e.g. `pod readiness 10s`. */
  readonly terms: string[];
  /** Seconds from the start of the rollout to the end of this step. */
  readonly cumulativeSeconds: number;
}

/** The timing of a rollout plan, computed from its steps. */
export interface RolloutPlan {
  readonly steps: PlanStep[];
  /** Nominal seconds from the start of the rollout to full promotion (Infinity with an indefinite pause). */
  readonly promotionSeconds: number;
}

/**
 * Seconds a finite analysis run takes when every measurement succeeds: its slowest metric's
 * initialDelay plus (count - 1) intervals (the run ends with its last measurement).
 */
export function analysisRunSeconds(metrics: AnalysisMetricTiming[]): number {
  return Math.max(0, ...metrics.map((m) => (m.initialDelay?.toSeconds() ?? 0)
    + (m.interval ? Math.max((m.count ?? 1) - 1, 0) * m.interval.toSeconds() : 0)));
}

/**
 * Nominal time to full promotion of a canary plan: pauses, inline analyses, and for each step
 * that adds canary pods (setWeight up, setCanaryScale) the time for a new pod to become available.
 */
export function canaryPlan(steps: readonly CanaryStep[], readySeconds: number): RolloutPlan {
  let weight = 0;
  let cumulative = 0;
  const out: PlanStep[] = steps.map((step, index) => {
    const a = step.action;
    let seconds = 0;
    const terms: string[] = [];
    switch (a.kind) {
      case 'setWeight':
        if (a.weight! > weight) { seconds = readySeconds; terms.push(`pod readiness ${formatSeconds(readySeconds)}`); }
        weight = a.weight!;
        break;
      case 'setCanaryScale':
        seconds = readySeconds;
        terms.push(`pod readiness ${formatSeconds(readySeconds)}`);
        break;
      case 'pause':
        seconds = a.pauseSeconds ?? Infinity;
        terms.push(a.pauseSeconds === undefined ? 'waits for a human to promote' : `pause ${formatSeconds(seconds)}`);
        break;
      case 'analysis':
        seconds = analysisRunSeconds(a.analysis!.templates.flatMap((t) => t.metrics));
        terms.push(`analysis ${formatSeconds(seconds)}`);
        break;
    }
    cumulative += seconds;
    return { index, description: step.description, weight, seconds, terms, cumulativeSeconds: cumulative };
  });
  return { steps: out, promotionSeconds: cumulative };
}

/** The plan as a table, for messages and the plan command. */
export function formatPlan(plan: RolloutPlan): string {
  const rows = plan.steps.map((s) => `  ${String(s.index).padStart(2)}  ${s.description.padEnd(34)} weight ${String(s.weight).padStart(3)}%  `
    + `+${formatSeconds(s.seconds).padEnd(9)} = ${formatSeconds(s.cumulativeSeconds).padEnd(9)} ${s.terms.join(', ')}`);
  return [...rows, `  total to 100%: ${formatSeconds(plan.promotionSeconds)}`].join('\n');
}
