import { Duration } from 'cdk8s';
import { IAnalysisTemplate } from '../analysis/template-ref';
import { formatSeconds } from '../util/internal-duration';
import { ownRule, validateDnsLabel, validateInteger } from '../util/internal-validation';
import { AnalysisArg, analysisErrors, RolloutAnalysis, renderAnalysis } from './rollout-analysis';
import { RolloutSpecStrategyCanaryStepsExperiment } from '../../imports/argoproj.io';

/** Which pod template an experiment template runs: the stable version's or the canary's (Argo's `specRef`). */
export enum ExperimentSpecRef {
  /** The pods of the stable (currently promoted) version: a baseline. */
  STABLE = 'stable',
  /** The pods of the version being rolled out. */
  CANARY = 'canary',
}

/** One ReplicaSet an experiment step runs beside the rollout's own pods (Argo's experiment `templates[]`). */
export interface ExperimentTemplate {
  /** The template's name, unique within the step; the controller names the ReplicaSet (and its Service) after it. */
  readonly name: string;
  /** Whose pod template it runs. */
  readonly specRef: ExperimentSpecRef;
  /**
   * Pods of the template.
   * @default 1 (the controller's default)
   */
  readonly replicas?: number;
  /**
   * Share of the traffic the template's pods receive, in percent, on top of the canary's current setWeight (the
   * stable Service keeps the rest). Needs TrafficRouting.istio, TrafficRouting.gatewayApi, or TrafficRouting.custom with alb, smi, istio or plugins; implies a Service.
   * @default - no traffic: only what reaches the template's Service directly
   */
  readonly weight?: number;
  /**
   * Labels added to the template's pods and to its selector, e.g. `{ role: 'baseline' }`, so that a query or a
   * Service can tell its pods from the rollout's own (which they otherwise resemble: the same labels).
   * @default - none: the pods carry the labels of the pods they copy
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations added to the template's pods.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * The template's selector (matchLabels), replacing the one copied from the rollout; each label must be one the
   * pods carry (their own or `labels`).
   * @default - the selector of the ReplicaSet it copies, plus `labels`
   */
  readonly selector?: { [key: string]: string };
  /**
   * Have the controller create a Service for the template's pods (one port per container port), e.g. to send
   * test traffic to a canary preview. Turned on by `weight` and by `serviceName`.
   * @default false
   */
  readonly createService?: boolean;
  /**
   * Name of the template's Service; implies createService.
   * @default - the name of the template's ReplicaSet: `<rollout>-<pod-template-hash>-<revision>-<step>-<template>`
   */
  readonly serviceName?: string;
}

/** An analysis an experiment step runs once its templates' pods are available (Argo's experiment `analyses[]`). */
export interface ExperimentAnalysis {
  /** The analysis' name, unique within the step; the AnalysisRun is named `<experiment>-<name>`. */
  readonly name: string;
  /** The template it runs (its scope says whether it is a ClusterAnalysisTemplate). */
  readonly template: IAnalysisTemplate;
  /**
   * Values for the template's args. Besides the rollout's own args (`AnalysisArg.value`, `podTemplateHash`,
   * `fieldRef`), `AnalysisArg.experimentPodTemplateHash` passes the pod-template hash of one of the step's templates.
   * @default - only the args the template fills itself
   */
  readonly args?: AnalysisArg[];
  /**
   * The step ends when the analyses complete (all of them, since the experiment then waits for every run) rather
   * than when the duration has passed. In a step with a required analysis, every SloAnalysis judges as a step
   * does (positive evidence, 4 measurements unless given a count); otherwise as a background guard, for the
   * duration.
   * @default false
   */
  readonly requiredForCompletion?: boolean;
}

/** Props of `CanaryStep.experiment`. */
export interface ExperimentStepProps {
  /** The ReplicaSets the experiment runs; at least one. */
  readonly templates: ExperimentTemplate[];
  /**
   * How long the templates run once their pods are available. Without it (and without a requiredForCompletion
   * analysis) the step runs until a human promotes the rollout.
   * @default - until the requiredForCompletion analyses complete, or until promoted
   */
  readonly duration?: Duration;
  /**
   * Analyses run during the experiment: any that fails or errors aborts the rollout, an inconclusive one pauses it.
   * @default - none
   */
  readonly analyses?: ExperimentAnalysis[];
  /**
   * Metric names (Argo matches them as regular expressions) measured without deciding the analyses' outcome.
   * @default - none
   */
  readonly dryRunMetrics?: string[];
}

const TEMPLATE_REF = /\{\{\s*templates\.([^.}\s]+)\.(podTemplateHash|replicaset\.name)\s*\}\}/g;

/** Throws when the props alone are wrong: names, weights, services, selectors, analyses, dry run. */
export function validateExperiment(props: ExperimentStepProps): void {
  if (props.templates.length === 0) {
    throw new Error('experiment needs at least one template, got none: add ExperimentSpecRef.CANARY (and STABLE for a baseline) templates');
  }
  const names = new Set<string>();
  for (const t of props.templates) {
    validateDnsLabel('experiment template name', t.name);
    if (names.has(t.name)) throw new Error(`experiment template name '${t.name}' is used twice: the controller refuses repeated template names, rename one`);
    names.add(t.name);
    const where = `experiment template '${t.name}'`;
    if (t.replicas !== undefined) validateInteger(`${where} replicas`, t.replicas, 0);
    if (t.weight !== undefined) validateInteger(`${where} weight`, t.weight, 0, 100);
    if (t.serviceName !== undefined) validateDnsLabel(`${where} serviceName`, t.serviceName);
    if (t.createService === false && (t.weight !== undefined || t.serviceName !== undefined)) {
      throw new Error(`${where} sets createService false with ${t.weight !== undefined ? 'weight' : 'serviceName'}: the controller creates a Service for `
        + 'a weighted or named template; remove createService');
    }
    const podLabels = { ...t.labels };
    for (const [key, value] of Object.entries(t.selector ?? {})) {
      if (podLabels[key] !== undefined && podLabels[key] !== value) {
        throw new Error(`${where} selector ${key}=${value} does not match its label ${key}=${podLabels[key]}: the ReplicaSet's selector must match its pods, `
          + 'use the same value');
      }
    }
    if (t.selector !== undefined && Object.keys(t.selector).length === 0) {
      throw new Error(`${where} selector is empty: the controller refuses a selector that selects every pod; give labels or leave selector out`);
    }
  }
  if (props.duration !== undefined) {
    const seconds = props.duration.toSeconds({ integral: false });
    if (!Number.isInteger(seconds)) {
      throw new Error(`experiment duration must be a whole number of seconds, got ${seconds}s: round it `
        + ownRule('this library writes durations and plans in whole seconds'));
    }
    if (seconds <= 0) {
      throw new Error(`experiment duration must be above 0, got ${seconds}s: set a duration, or leave it out to wait for promotion `
        + ownRule('a duration of 0 ends the experiment as soon as its pods are available, before any analysis has measured'));
    }
  }
  const analysisNames = new Set<string>();
  for (const a of props.analyses ?? []) {
    validateDnsLabel('experiment analysis name', a.name);
    if (analysisNames.has(a.name)) throw new Error(`experiment analysis name '${a.name}' is used twice: each analysis needs its own name, rename one`);
    analysisNames.add(a.name);
    for (const arg of a.args ?? []) {
      for (const m of (arg._render().value ?? '').matchAll(TEMPLATE_REF)) {
        if (!names.has(m[1])) {
          throw new Error(`experiment analysis '${a.name}' arg '${arg.name}' refers to template '${m[1]}', which the step does not have: `
            + `use one of ${[...names].map((n) => `'${n}'`).join(', ')}`);
        }
      }
    }
  }
  const metrics = (props.analyses ?? []).flatMap((a) => a.template.metrics.map((m) => m.name));
  for (const pattern of props.dryRunMetrics ?? []) {
    let re: RegExp;
    try { re = new RegExp(pattern); } catch {
      throw new Error(`experiment dryRunMetrics '${pattern}' is not a regular expression: use a metric name or a pattern such as '.*'`);
    }
    if (!metrics.some((m) => re.test(m))) {
      throw new Error(`experiment dryRunMetrics '${pattern}' matches no metric of the analyses (${metrics.join(', ') || 'none'}): `
        + 'the controller fails such an analysis, fix the name or remove it');
    }
  }
}

/**
 * What the controller would reject about the analyses' args (the same rules as analysis steps), and analyses that
 * would keep the step from ending; checked at synth, once the rollout has told the templates how it runs them.
 */
export function experimentAnalysisErrors(where: string, props: ExperimentStepProps): string[] {
  const errors = (props.analyses ?? []).flatMap((a) => analysisErrors(`${where} analysis '${a.name}'`, asRolloutAnalysis(a), false));
  const required = (props.analyses ?? []).find((a) => a.requiredForCompletion);
  if (!required) return errors;
  for (const a of props.analyses ?? []) {
    const endless = a.template.metrics.find((m) => m.interval !== undefined && m.count === undefined);
    if (endless) {
      errors.push(`${where} analysis '${a.name}' metric '${endless.name}' of template '${a.template.templateName}' runs until stopped (interval without count), `
        + `but analysis '${required.name}' is requiredForCompletion: set a count, or drop requiredForCompletion and set a duration `
        + ownRule('with a requiredForCompletion analysis the experiment waits for every analysis to complete, so it would never end'));
    }
  }
  return errors;
}

/** An analysis outside an experiment that passes an experiment template's hash, which nothing resolves there. */
export function experimentArgErrors(where: string, analysis: RolloutAnalysis): string[] {
  return (analysis.args ?? []).filter((arg) => /\{\{\s*templates\./.test(arg._render().value ?? '')).map((arg) =>
    `${where} passes arg '${arg.name}' = '${arg._render().value}', which only an experiment step's analysis resolves: pass it in CanaryStep.experiment's `
    + `analyses, or use AnalysisArg.podTemplateHash ${ownRule('elsewhere the analysis receives the placeholder as it is, and its queries select nothing')}`);
}

function asRolloutAnalysis(a: ExperimentAnalysis): RolloutAnalysis {
  return { templates: [a.template], args: a.args };
}

/** A one-line description: `experiment baseline+canary 10m, 1 analysis`. */
export function describeExperiment(props: ExperimentStepProps): string {
  const count = props.analyses?.length ?? 0;
  const how = props.duration !== undefined ? ` ${formatSeconds(props.duration.toSeconds())}` : '';
  return `experiment ${props.templates.map((t) => t.name).join('+')}${how}${count > 0 ? `, ${count} analys${count === 1 ? 'is' : 'es'}` : ''}`;
}

/** The step's spec as the Rollout takes it. */
export function renderExperiment(props: ExperimentStepProps): RolloutSpecStrategyCanaryStepsExperiment {
  return {
    templates: props.templates.map((t) => {
      const service = t.createService || t.weight !== undefined || t.serviceName !== undefined;
      const metadata = t.labels || t.annotations ? { labels: t.labels, annotations: t.annotations } : undefined;
      return {
        name: t.name,
        specRef: t.specRef,
        replicas: t.replicas,
        weight: t.weight,
        metadata,
        selector: t.selector && { matchLabels: t.selector },
        service: service ? { name: t.serviceName } : undefined,
      };
    }),
    duration: props.duration && formatSeconds(props.duration.toSeconds()),
    analyses: props.analyses?.map((a) => {
      const rendered = renderAnalysis(asRolloutAnalysis(a));
      return {
        name: a.name,
        templateName: a.template.templateName,
        clusterScope: a.template.clusterScope || undefined,
        args: rendered.args,
        requiredForCompletion: a.requiredForCompletion || undefined,
      };
    }),
    dryRun: props.dryRunMetrics?.map((metricName) => ({ metricName })),
  };
}
