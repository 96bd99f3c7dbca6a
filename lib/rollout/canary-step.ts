import { Duration } from 'cdk8s';
import { formatSeconds } from '../util/internal-duration';
import { ownRule, validateDnsLabel, validateInteger } from '../util/internal-validation';
import { describeExperiment, ExperimentStepProps, renderExperiment, validateExperiment } from './experiment-step';
import { parseArgoStep } from './internal-argo-step';
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

/** How a header, path or method value matches (Argo's StringMatch): exactly, by prefix, or by regular expression. */
export class StringMatch {
  public static exact(value: string): StringMatch { return StringMatch.of('exact', value); }
  public static prefix(value: string): StringMatch { return StringMatch.of('prefix', value); }
  /** A regular expression (Istio: RE2; Gateway API: the implementation's flavour). */
  public static regex(value: string): StringMatch { return StringMatch.of('regex', value); }

  private static of(kind: 'exact' | 'prefix' | 'regex', value: string): StringMatch {
    // The controller reads an empty value as no value, and then refuses the match as having none.
    if (value === '') throw new Error(`StringMatch.${kind} needs a value, got ''`);
    return new StringMatch({ [kind]: value }, `${kind} '${value}'`);
  }

  private constructor(/** @internal */ public readonly _spec: { exact?: string; prefix?: string; regex?: string }, public readonly description: string) {}
}

/** What a mirror route matches: every given part must match (Argo's RouteMatch). */
export interface MirrorRouteMatch {
  /** @default - any method */
  readonly method?: StringMatch;
  /** @default - any path */
  readonly path?: StringMatch;
  /** @default - any headers */
  readonly headers?: { [name: string]: StringMatch };
}

/** Props of `CanaryStep.mirrorRoute`. */
export interface SetMirrorRouteProps {
  /** The managed route's name, e.g. `mirror-checkout`; the rollout lists it in `trafficRouting.managedRoutes`. */
  readonly name: string;
  /** Requests matching any of these are mirrored; at least one (match path prefix `/` to mirror every request). */
  readonly matches: MirrorRouteMatch[];
  /**
   * Share of the matching requests that are mirrored, in percent.
   * @default 100
   */
  readonly percentage?: number;
}

/** A managed route's name: a DNS label, which both Istio's route names and Gateway API rule names take. */
function validateRouteName(prop: string, name: string): void {
  validateDnsLabel(prop, name);
}

/**
 * One step of a canary rollout. Each factory makes a step that does one thing. The controller itself refuses a
 * step that sets more than one of setWeight, pause, experiment and analysis, but accepts setCanaryScale,
 * setHeaderRoute, setMirrorRoute or plugin beside one of them (Argo v1.9.1 validation.go, hasMultipleStepsType);
 * this library does not build such combined steps.
 */
export class CanaryStep {
  /** Sends `weight` percent of the traffic to the canary (0-100). */
  public static weight(weight: number): CanaryStep {
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
  public static canaryScale(scale: CanaryScale): CanaryStep {
    return new CanaryStep({ kind: 'setCanaryScale', scale }, { setCanaryScale: scale._spec });
  }

  /**
   * Sends every request whose headers match `headers` (all of them) to the canary, whatever the weight, until the
   * route is removed or the rollout ends (the controller then removes its managed routes). Needs Istio or Gateway API
   * routing; the rollout lists `name` in `trafficRouting.managedRoutes`.
   */
  public static setHeaderRoute(name: string, headers: { [name: string]: StringMatch }): CanaryStep {
    validateRouteName('setHeaderRoute name', name);
    const entries = Object.entries(headers);
    if (entries.length === 0) {
      throw new Error(`setHeaderRoute '${name}' needs at least one header to match, got none: to remove the route use CanaryStep.removeHeaderRoute('${name}')`);
    }
    return new CanaryStep({ kind: 'setHeaderRoute', route: name, detail: entries.map(([h, m]) => `${h} ${m.description}`).join(', ') },
      { setHeaderRoute: { name, match: entries.map(([headerName, m]) => ({ headerName, headerValue: m._spec })) } });
  }

  /** Removes a header route set by an earlier setHeaderRoute step (a setHeaderRoute without match). */
  public static removeHeaderRoute(name: string): CanaryStep {
    validateRouteName('removeHeaderRoute name', name);
    return new CanaryStep({ kind: 'setHeaderRoute', route: name, detail: 'removed' }, { setHeaderRoute: { name } });
  }

  /**
   * Mirrors (copies) the matching requests to the canary; the answers the clients get still come from the weighted
   * route. Needs Istio routing (the controller supports mirror routes with Istio only); the rollout lists the name
   * in `trafficRouting.managedRoutes`.
   */
  public static mirrorRoute(props: SetMirrorRouteProps): CanaryStep {
    validateRouteName('setMirrorRoute name', props.name);
    if (props.matches.length === 0) {
      throw new Error(`setMirrorRoute '${props.name}' needs at least one match, got none: to mirror every request match path StringMatch.prefix('/'), `
        + `to remove the route use CanaryStep.removeMirrorRoute('${props.name}') `
        + ownRule('with an empty match list the controller mirrors every request, with no match at all it removes the route'));
    }
    if (props.percentage !== undefined) validateInteger('setMirrorRoute percentage', props.percentage, 0, 100);
    const match = props.matches.map((m) => ({
      method: m.method?._spec,
      path: m.path?._spec,
      headers: m.headers && Object.fromEntries(Object.entries(m.headers).map(([h, v]) => [h, v._spec])),
    }));
    return new CanaryStep({ kind: 'setMirrorRoute', route: props.name, detail: `${props.percentage ?? 100}% of ${props.matches.length} match(es)` },
      { setMirrorRoute: { name: props.name, match, percentage: props.percentage } });
  }

  /** Removes a mirror route set by an earlier setMirrorRoute step (a setMirrorRoute without match). */
  public static removeMirrorRoute(name: string): CanaryStep {
    validateRouteName('removeMirrorRoute name', name);
    return new CanaryStep({ kind: 'setMirrorRoute', route: name, detail: 'removed' }, { setMirrorRoute: { name } });
  }

  /** Runs an analysis and waits for its result: Failed or Error aborts the rollout. */
  public static analysis(analysis: RolloutAnalysis): CanaryStep {
    return new CanaryStep({ kind: 'analysis', analysis }, { analysis: renderAnalysis(analysis) });
  }

  /**
   * Runs an Argo Experiment: ReplicaSets of the stable and/or canary pod template beside the rollout's own pods,
   * optionally with traffic (`weight`, Istio or Gateway API routing) and analyses. The step ends when the duration
   * has passed, or, with a requiredForCompletion analysis, when the analyses have completed; with neither it waits
   * until a human promotes the rollout. An analysis that fails or errors aborts the rollout.
   */
  public static experiment(props: ExperimentStepProps): CanaryStep {
    validateExperiment(props);
    return new CanaryStep({ kind: 'experiment', experiment: props }, { experiment: renderExperiment(props) });
  }

  /**
   * A step written as Argo's own JSON, e.g. `{ setWeight: 20 }` or `{ plugin: { name: 'acme/step', config: {...} } }`:
   * one of the step kinds of Argo Rollouts v1.9.1, with the fields its CRD lists. A kind this library builds is
   * checked and planned as its factory's step would be; a plugin step is passed as given and the plan lists it
   * as not timed. analysis and experiment steps reference templates by name only, so they are refused here: use
   * CanaryStep.analysis or CanaryStep.experiment, which check the templates' args and time their metrics.
   */
  public static fromArgoJson(step: { [key: string]: any }): CanaryStep {
    const parsed = parseArgoStep(step);
    switch (parsed.kind) {
      case 'setWeight': return CanaryStep.weight(parsed.value);
      case 'pause': return parsed.value === undefined ? CanaryStep.pause() : CanaryStep.pause(Duration.seconds(parsed.value));
      case 'setCanaryScale': {
        const v = parsed.value;
        return CanaryStep.canaryScale(v.replicas !== undefined ? CanaryScale.replicas(v.replicas)
          : v.weight !== undefined ? CanaryScale.weight(v.weight) : CanaryScale.matchTrafficWeight());
      }
      case 'setHeaderRoute': {
        const v = parsed.value;
        if (v.match === undefined) return CanaryStep.removeHeaderRoute(v.name);
        return CanaryStep.setHeaderRoute(v.name, Object.fromEntries(v.match.map((m: any) => [m.headerName, stringMatch(m.headerValue)])));
      }
      case 'setMirrorRoute': {
        const v = parsed.value;
        if (v.match === undefined) return CanaryStep.removeMirrorRoute(v.name);
        return CanaryStep.mirrorRoute({
          name: v.name,
          percentage: v.percentage,
          matches: v.match.map((m: any) => ({
            method: m.method && stringMatch(m.method),
            path: m.path && stringMatch(m.path),
            headers: m.headers && Object.fromEntries(Object.entries(m.headers).map(([h, x]: [string, any]) => [h, stringMatch(x)])),
          })),
        });
      }
      case 'plugin':
        return new CanaryStep({ kind: 'plugin', detail: parsed.value.name }, { plugin: { name: parsed.value.name, config: parsed.value.config } });
    }
  }

  /**
   * The common plan: for each weight, set it then pause. `weightsWithPauses([10, 25, 50, 75], Duration.minutes(1))`
   * gives 10% -> 1m -> 25% -> 1m -> 50% -> 1m -> 75% -> 1m, then the rollout promotes to 100%.
   */
  public static weightsWithPauses(weights: number[], pause: Duration): CanaryStep[] {
    if (weights.length === 0) throw new Error('weightsWithPauses needs at least one weight, got []');
    return weights.flatMap((w) => [CanaryStep.weight(w), CanaryStep.pause(pause)]);
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
      case 'setHeaderRoute': return `setHeaderRoute ${a.route} (${a.detail})`;
      case 'setMirrorRoute': return `setMirrorRoute ${a.route} (${a.detail})`;
      case 'experiment': return describeExperiment(a.experiment!);
      case 'plugin': return `plugin ${a.detail}`;
    }
  }
}

/** What a step does. */
export interface CanaryStepAction {
  readonly kind: 'setWeight' | 'pause' | 'setCanaryScale' | 'analysis' | 'setHeaderRoute' | 'setMirrorRoute' | 'experiment' | 'plugin';
  readonly weight?: number;
  /** Undefined for an indefinite pause. */
  readonly pauseSeconds?: number;
  readonly scale?: CanaryScale;
  readonly analysis?: RolloutAnalysis;
  readonly experiment?: ExperimentStepProps;
  /** The managed route a setHeaderRoute or setMirrorRoute step sets or removes. */
  readonly route?: string;
  /** What a setHeaderRoute or setMirrorRoute step does, or a plugin step's plugin, for descriptions. */
  readonly detail?: string;
}

/** A StringMatch from Argo's JSON (exactly one of exact, prefix, regex; checked by the parser). */
function stringMatch(json: { exact?: string; prefix?: string; regex?: string }): StringMatch {
  if (json.exact !== undefined) return StringMatch.exact(json.exact);
  if (json.prefix !== undefined) return StringMatch.prefix(json.prefix);
  return StringMatch.regex(json.regex!);
}
