import { Duration } from 'cdk8s';
import { formatSeconds, ownRule, validateInteger } from './internal-validation';
import { RolloutAnalysis, renderAnalysis } from './rollout-analysis';
import { RolloutSpecStrategyCanarySteps, RolloutSpecStrategyCanaryStepsPauseDuration } from '../../imports/argoproj.io';

/** How many canary pods a setCanaryScale step runs, independently of the traffic weight. */
export class CanaryScale {
  /** A fixed number of canary pods. */
  public static replicas(count: number): CanaryScale {
    validateInteger('setCanaryScale replicas', count, 0);
    return new CanaryScale({ replicas: count }, `${count} replicas`);
  }

  /** A share of the rollout's replicas, in percent. */
  public static weight(percent: number): CanaryScale {
    validateInteger('setCanaryScale weight', percent, 0, 100, 'the controller takes any number, but outside 0-100 it is no share of the replicas');
    return new CanaryScale({ weight: percent }, `${percent}% of replicas`);
  }

  /** Back to scaling the canary with the traffic weight. */
  public static matchTrafficWeight(): CanaryScale {
    return new CanaryScale({ matchTrafficWeight: true }, 'match traffic weight');
  }

  private constructor(
    /** @internal */ public readonly _spec: { replicas?: number; weight?: number; matchTrafficWeight?: boolean },
    public readonly description: string,
  ) {}
}

/** One step of a canary rollout. Each step does exactly one thing, as the controller requires. */
export class CanaryStep {
  /** Sends `weight` percent of the traffic to the canary (0-100). */
  public static setWeight(weight: number): CanaryStep {
    validateInteger('setWeight', weight, 0, 100);
    return new CanaryStep({ kind: 'setWeight', weight }, { setWeight: weight });
  }

  /**
   * Waits for `duration`, or until a human promotes the rollout when no duration is given.
   * A pause of 0s marks the rollout paused and lets it go on at the controller's next reconcile.
   */
  public static pause(duration?: Duration): CanaryStep {
    if (duration === undefined) return new CanaryStep({ kind: 'pause' }, { pause: {} });
    const seconds = duration.toSeconds({ integral: false });
    if (!Number.isInteger(seconds)) {
      throw new Error(`pause duration must be a whole number of seconds, got ${seconds}s: round it `
        + ownRule('the controller counts a pause in whole seconds and drops the fraction'));
    }
    return new CanaryStep({ kind: 'pause', pauseSeconds: seconds },
      { pause: { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(formatSeconds(seconds)) } });
  }

  /** Scales the canary independently of the traffic weight (needs traffic routing). */
  public static setCanaryScale(scale: CanaryScale): CanaryStep {
    return new CanaryStep({ kind: 'setCanaryScale', scale }, { setCanaryScale: scale._spec });
  }

  /** Runs an analysis and waits for its result: Failed or Error aborts the rollout. */
  public static analysis(analysis: RolloutAnalysis): CanaryStep {
    return new CanaryStep({ kind: 'analysis', analysis }, { analysis: renderAnalysis(analysis) });
  }

  /**
   * The common plan: for each weight, set it then pause. `weightsWithPauses([10, 25, 50, 75], Duration.minutes(1))`
   * gives 10% -> 1m -> 25% -> 1m -> 50% -> 1m -> 75% -> 1m, then the rollout promotes to 100%.
   */
  public static weightsWithPauses(weights: number[], pause: Duration): CanaryStep[] {
    if (weights.length === 0) throw new Error('weightsWithPauses needs at least one weight, got []');
    return weights.flatMap((w) => [CanaryStep.setWeight(w), CanaryStep.pause(pause)]);
  }

  private constructor(
    /** What the step does, for plan arithmetic and validation. */
    public readonly action: CanaryStepAction,
    /** @internal */ public readonly _spec: RolloutSpecStrategyCanarySteps,
  ) {}

  /** A one-line description, e.g. `setWeight 25`, `pause 1m`. */
  public get description(): string {
    const a = this.action;
    switch (a.kind) {
      case 'setWeight': return `setWeight ${a.weight}`;
      case 'pause': return `pause ${a.pauseSeconds === undefined ? '(until promoted)' : formatSeconds(a.pauseSeconds)}`;
      case 'setCanaryScale': return `setCanaryScale ${a.scale!.description}`;
      case 'analysis': return `analysis ${a.analysis!.templates.map((t) => t.templateName).join('+')}`;
    }
  }
}

/** What a step does. */
export interface CanaryStepAction {
  readonly kind: 'setWeight' | 'pause' | 'setCanaryScale' | 'analysis';
  readonly weight?: number;
  /** Undefined for an indefinite pause. */
  readonly pauseSeconds?: number;
  readonly scale?: CanaryScale;
  readonly analysis?: RolloutAnalysis;
}
