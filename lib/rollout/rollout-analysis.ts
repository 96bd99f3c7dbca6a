import { IAnalysisTemplate, noteTemplateUse, RolloutArgValueFrom, TemplateUse } from '../analysis/template-ref';
import { ownRule, validateInteger } from '../util/internal-validation';
import {
  RolloutSpecStrategyCanaryStepsAnalysis,
  RolloutSpecStrategyCanaryStepsAnalysisArgs,
} from '../../imports/argoproj.io';

/** Which ReplicaSet's pod-template hash an analysis arg receives. */
export enum PodTemplateHash {
  /** The hash of the stable (currently promoted) pods. */
  STABLE = 'Stable',
  /** The hash of the pods being rolled out: the canary. */
  LATEST = 'Latest',
}

/** The metadata paths the controller resolves for fieldRef args (the downward API's). */
const DOWNWARD_API_METADATA = /^metadata\.(name|namespace|uid|labels|annotations|(labels|annotations)\['[^']+'\])$/;

/** A value the rollout passes to an analysis template arg. */
export class AnalysisArg {
  /** A literal value. */
  public static value(name: string, value: string): AnalysisArg {
    return new AnalysisArg(name, { name, value });
  }

  /** The pod-template hash of the stable or the canary pods, filled in by the controller. */
  public static podTemplateHash(name: string, which: PodTemplateHash): AnalysisArg {
    return new AnalysisArg(name, { name, valueFrom: { podTemplateHashValue: which } });
  }

  /** A field of the Rollout object, e.g. `metadata.namespace` or `metadata.labels['app']`. */
  public static fieldRef(name: string, fieldPath: string): AnalysisArg {
    if (!fieldPath) throw new Error(`analysis arg '${name}' fieldRef must not be empty: give a path such as metadata.namespace`);
    if (fieldPath.startsWith('metadata') && !DOWNWARD_API_METADATA.test(fieldPath)) {
      throw new Error(`analysis arg '${name}' fieldRef '${fieldPath}' is not a metadata field the controller can read: use metadata.name, `
        + "metadata.namespace, metadata.uid, metadata.labels['key'] or metadata.annotations['key']");
    }
    return new AnalysisArg(name, { name, valueFrom: { fieldRef: { fieldPath } } });
  }

  /**
   * In an experiment step's analysis: the pod-template hash of one of the step's templates (Argo's
   * `{{templates.<template>.podTemplateHash}}`), e.g. to select the baseline's pods and the canary's apart.
   */
  public static experimentPodTemplateHash(name: string, template: string): AnalysisArg {
    return new AnalysisArg(name, { name, value: `{{templates.${template}.podTemplateHash}}` });
  }

  /** @internal The value a template suggests for one of its args. */
  public static _fromValueFrom(name: string, valueFrom: RolloutArgValueFrom): AnalysisArg {
    return new AnalysisArg(name, { name, valueFrom });
  }

  private constructor(public readonly name: string, private readonly spec: RolloutSpecStrategyCanaryStepsAnalysisArgs) {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name)) {
      throw new Error(`analysis arg name must be letters, digits, '-', '_' or '.', got '${name}'`);
    }
  }

  /** @internal */
  public _render(): RolloutSpecStrategyCanaryStepsAnalysisArgs { return this.spec; }
}

/** An analysis the rollout runs: one or more templates merged into one AnalysisRun, with args. */
export interface RolloutAnalysis {
  /** Templates merged into the run; their metric names must be unique. */
  readonly templates: IAnalysisTemplate[];
  /**
   * Values for the templates' args. Args a template knows how to fill (e.g. SloAnalysis' canary hash and
   * namespace) are passed automatically unless given here.
   * @default - only the args the templates fill themselves
   */
  readonly args?: AnalysisArg[];
}

/** The args a rollout passes: the explicit ones, then those the templates fill themselves. */
function effectiveArgs(analysis: RolloutAnalysis): AnalysisArg[] {
  const args = [...(analysis.args ?? [])];
  for (const t of analysis.templates) {
    for (const a of t.args) {
      if (a.rolloutValueFrom && !args.some((x) => x.name === a.name)) args.push(AnalysisArg._fromValueFrom(a.name, a.rolloutValueFrom));
    }
  }
  return args;
}

/** An analysis that runs in the background for the rest of the rollout. */
export interface BackgroundAnalysis extends RolloutAnalysis {
  /**
   * Index of the step from which the background analysis runs; 0 for Argo Rollouts' own default (from the start,
   * before any canary pod is ready).
   *
   * Unlike Argo Rollouts, which starts it at step 0 when `startingStep` is unset, this library starts it once the
   * canary takes traffic, and always writes the step it chose into the Rollout: an analysis of the canary's traffic
   * that starts before there is any measures nothing (Inconclusive, a pause) or judges the stable version.
   * @default - the step after the first setWeight above 0 (as soon as the canary receives traffic); step 0 when no step sets a weight
   */
  readonly startingStep?: number;
}

/** Checks an analysis against the controller's rules; returns the messages of what it would reject. */
export function analysisErrors(where: string, analysis: RolloutAnalysis, inline: boolean): string[] {
  const errors: string[] = [];
  if (analysis.templates.length === 0) {
    errors.push(`${where} must reference at least one analysis template: add one or remove the analysis `
      + ownRule('an analysis without templates judges nothing'));
  }
  const supplied = new Set(effectiveArgs(analysis).map((a) => a.name));
  const seenArgs = new Set<string>();
  for (const arg of analysis.args ?? []) {
    if (seenArgs.has(arg.name)) {
      errors.push(`${where} passes arg '${arg.name}' twice: pass each arg once ${ownRule('the controller silently keeps the last value')}`);
    }
    seenArgs.add(arg.name);
  }
  const metricNames = new Map<string, string>();
  for (const t of analysis.templates) {
    for (const arg of t.args) {
      if (!arg.hasDefault && !supplied.has(arg.name)) {
        errors.push(`${where} references template '${t.templateName}' whose arg '${arg.name}' has no value: `
          + `pass it with AnalysisArg.value('${arg.name}', ...), AnalysisArg.podTemplateHash(...) or AnalysisArg.fieldRef(...)`);
      }
    }
    for (const m of t.metrics) {
      const other = metricNames.get(m.name);
      if (other) errors.push(`${where} merges templates '${other}' and '${t.templateName}' that both define metric '${m.name}': metric names must be unique within a run`);
      metricNames.set(m.name, t.templateName);
      if (inline && m.interval && m.count === undefined) {
        errors.push(`${where} uses metric '${m.name}' of template '${t.templateName}' which runs until stopped (interval without count): `
          + 'inline analysis steps need a finite count; set count, or run it as background analysis');
      }
    }
  }
  return errors;
}

/** @internal Tells each template of an analysis how the rollout runs it. */
export function noteUse(analysis: RolloutAnalysis | undefined, use: TemplateUse): void {
  for (const t of analysis?.templates ?? []) noteTemplateUse(t, use);
}

/** @internal */
export function renderAnalysis(analysis: RolloutAnalysis): RolloutSpecStrategyCanaryStepsAnalysis {
  const args = effectiveArgs(analysis).map((a) => a._render());
  return {
    templates: analysis.templates.map((t) => ({
      templateName: t.templateName,
      clusterScope: t.clusterScope || undefined,
    })),
    args: args.length > 0 ? args : undefined,
  };
}

/** @internal */
export function validateStartingStep(value: number, stepCount: number): void {
  validateInteger('backgroundAnalysis startingStep', value, 0, Math.max(stepCount - 1, 0),
    'the controller accepts any step, but from a step past the last one the background analysis never runs');
}
