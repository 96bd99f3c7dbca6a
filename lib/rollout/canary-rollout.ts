import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { INetworkWorkload, RouterPods } from '../network/selectable';
import { CanaryStep } from './canary-step';
import { experimentAnalysisErrors, experimentArgErrors, ExperimentSpecRef } from './experiment-step';
import { addRollout, addServices, planSpec, resolveRolloutWorkload, validateRolloutCommon, validateServicePair } from './internal-rollout';
import { RolloutCommonProps } from './rollout-props';
import { addPdb, objectLabels } from '../workload/internal-objects';
import { formatSeconds } from '../util/internal-duration';
import { ownRule } from '../util/internal-validation';
import { canaryPlan, finitePlan, planBudgetErrors, PlanTiming, RolloutPlan, templatesLookup } from './plan';
import { analysisErrors, BackgroundAnalysis, noteUse, renderAnalysis, RolloutAnalysis, validateStartingStep } from './rollout-analysis';
import { TrafficRouting } from './traffic-routing';

/** Labels the controller puts on canary and stable pods while a rollout runs (canaryMetadata / stableMetadata). */
const CANARY_LABELS: { readonly [key: string]: string } = { track: 'canary' };
const STABLE_LABELS: { readonly [key: string]: string } = { track: 'stable' };

/** Props of a canary rollout. */
export interface CanaryRolloutProps extends RolloutCommonProps {
  /** The steps from 0% to 100%, e.g. `CanaryStep.weightsWithPauses([10, 25, 50, 75], Duration.minutes(1))`. */
  readonly steps: CanaryStep[];
  /**
   * How traffic is split. Without it, the weight is approximated by the ratio of canary to stable pods.
   * @default - no traffic router
   */
  readonly trafficRouting?: TrafficRouting;
  /** @default - `<name>-stable` */
  readonly stableServiceName?: string;
  /** @default - `<name>-canary` */
  readonly canaryServiceName?: string;
  /**
   * Analysis that runs in the background from `startingStep` until the rollout ends. Its default start differs from
   * Argo Rollouts': the step after the first setWeight, not step 0 (see `BackgroundAnalysis.startingStep`).
   * @default - none
   */
  readonly backgroundAnalysis?: BackgroundAnalysis;
  /**
   * Allow a setWeight lower than the one before it (e.g. to fall back after a load test step).
   * @default false
   */
  readonly allowWeightDecrease?: boolean;
  /**
   * How long the old stable pods keep running after promotion, so that routing has switched before they go.
   * Needs traffic routing; excludes dynamicStableScale.
   * @default 30s (the controller's default)
   */
  readonly scaleDownDelay?: Duration;
  /**
   * Scale the stable pods down as the canary takes traffic (saves capacity, slows an abort).
   * Needs traffic routing other than NGINX; excludes scaleDownDelay.
   * @default false
   */
  readonly dynamicStableScale?: boolean;
}

/** Where a rollout runs an analysis added with `addAnalysis`. */
export interface AddAnalysisOptions {
  /**
   * Run the analysis as an inline step right after each of these setWeight steps.
   * @default - none
   */
  readonly atWeights?: number[];
  /**
   * Also run it in the background, from the step after the first setWeight (Argo Rollouts' own default is step 0:
   * give `backgroundStartingStep: 0` for that).
   * @default - not in the background, unless backgroundStartingStep is given
   */
  readonly background?: boolean;
  /**
   * Run it in the background from this step index (implies `background`).
   * @default - the step after the first setWeight
   */
  readonly backgroundStartingStep?: number;
}

/**
 * An Argo Rollout with the canary strategy, its stable and canary Services, traffic routing, a
 * PodDisruptionBudget and hardened pods.
 */
export class CanaryRollout extends Construct implements INetworkWorkload {
  /** metadata.name of the Rollout. */
  public readonly rolloutName: string;
  public readonly namespace?: string;
  public readonly stableServiceName: string;
  public readonly canaryServiceName: string;
  /** Labels every pod of the rollout carries; the selector of Services, PDB and network policies. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** Labels the canary pods carry while a rollout runs (always set; optional only as INetworkWorkload declares it). */
  public readonly canaryLabels?: { [key: string]: string };
  /** Labels the stable pods carry while a rollout runs. */
  public readonly stableLabels: { [key: string]: string };
  /** Container port that serves traffic. */
  public readonly trafficPort: number;
  /** Container port that serves metrics. */
  public readonly metricsPort: number;
  public readonly servicePort: number;
  /** Name of the (first) stable Ingress when routing through NGINX. */
  public readonly stableIngressName?: string;
  /** Names of all stable Ingresses when routing through NGINX; empty otherwise. */
  public readonly stableIngressNames: string[];
  /** The pods that route traffic to the rollout (its router's data plane); empty when the router does not tell. */
  public readonly routerPods?: RouterPods[];
  /** Name of the HTTPRoute whose weights the controller sets when routing through the Gateway API. */
  public readonly httpRouteName?: string;
  /** The Rollout object. */
  public readonly resource: ApiObject;
  private readonly renderSpec: () => { [key: string]: any };
  private readonly props: CanaryRolloutProps;

  private readonly _steps: CanaryStep[];
  private background?: BackgroundAnalysis;

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    this.props = props;
    const w = resolveRolloutWorkload(id, props);
    this.rolloutName = w.name;
    this.namespace = w.namespace;
    this.trafficPort = w.port;
    this.metricsPort = w.metricsPort;
    this.servicePort = w.servicePort;
    this.podSelectorLabels = w.selectorLabels;
    this.canaryLabels = { ...CANARY_LABELS };
    this.stableLabels = { ...STABLE_LABELS };
    this.stableServiceName = props.stableServiceName ?? `${w.name}-stable`;
    this.canaryServiceName = props.canaryServiceName ?? `${w.name}-canary`;
    validateServicePair(['stableServiceName', this.stableServiceName], ['canaryServiceName', this.canaryServiceName],
      'the controller points each Service at a different ReplicaSet');
    validateRolloutCommon(props, false);
    const routed = props.trafficRouting !== undefined;
    validateStrategy(props, routed);
    this._steps = [...props.steps];
    validateSteps(this._steps, props.allowWeightDecrease ?? false, routed);
    validateRouteSteps(this._steps, props.trafficRouting);
    validateExperimentSteps(this._steps, props.trafficRouting, { ...props.podLabels, ...w.selectorLabels }, w.name);
    for (const step of this._steps) noteStepUse(step);

    addServices(this, w, [['StableService', this.stableServiceName], ['CanaryService', this.canaryServiceName]], props.service,
      props.workload && w.port);
    const routing = props.trafficRouting?._bind(this, {
      rolloutName: w.name, namespace: w.namespace, stableServiceName: this.stableServiceName, canaryServiceName: this.canaryServiceName,
      servicePort: w.servicePort,
      labels: objectLabels(w), selectorLabels: w.selectorLabels,
    });
    const nginx = routing?.spec.nginx;
    this.stableIngressNames = nginx ? nginx.stableIngresses ?? [nginx.stableIngress!] : [];
    this.stableIngressName = this.stableIngressNames[0];
    this.httpRouteName = routing?.httpRouteName;
    this.routerPods = props.trafficRouting?._routerPods(w.namespace);

    addPdb(this, w, props);
    if (props.backgroundAnalysis) this.setBackground(props.backgroundAnalysis);
    const rollout = addRollout(this, w, props, () => ({
      canary: {
        stableService: this.stableServiceName,
        canaryService: this.canaryServiceName,
        canaryMetadata: { labels: this.canaryLabels },
        stableMetadata: { labels: this.stableLabels },
        trafficRouting: routing && { ...routing.spec, managedRoutes: managedRoutes(this._steps) },
        scaleDownDelaySeconds: props.scaleDownDelay?.toSeconds(),
        scaleDownDelayRevisionLimit: props.scaleDownDelayRevisionLimit,
        abortScaleDownDelaySeconds: props.abortScaleDownDelay?.toSeconds(),
        dynamicStableScale: props.dynamicStableScale,
        analysis: this.background && { ...renderAnalysis(this.background), startingStep: this.backgroundStartingStep() },
        steps: this._steps.map((s) => s._spec),
      },
    }));
    this.resource = rollout.resource;
    this.renderSpec = rollout.renderSpec;

    this.node.addValidation({
      validate: () => {
        const errors = props.workload?._errors(this.resource.metadata.namespace, props.podSecurityStandard ?? 'restricted') ?? [];
        errors.push(...this._steps.flatMap((s, i) => (s.action.analysis
          ? [...analysisErrors(`step ${i} (analysis)`, s.action.analysis, true), ...experimentArgErrors(`step ${i} (analysis)`, s.action.analysis)]
          : s.action.experiment ? experimentAnalysisErrors(`step ${i} (experiment)`, s.action.experiment) : [])));
        if (this.background) errors.push(...analysisErrors('backgroundAnalysis', this.background, false), ...experimentArgErrors('backgroundAnalysis', this.background));
        return errors.length > 0 ? errors : planBudgetErrors(this.planTiming(), props.maxPromotionTime, props.maxTimeToAbort, props.disableMaxTimeToAbort);
      },
    });
  }

  /** The steps, including analysis steps added with addAnalysis. */
  public get steps(): CanaryStep[] { return [...this._steps]; }

  private planTiming(): PlanTiming {
    const templates = [...this._steps.flatMap((s) => [...s.action.analysis?.templates ?? [], ...(s.action.experiment?.analyses ?? []).map((a) => a.template)]),
      ...(this.background?.templates ?? [])];
    return canaryPlan(planSpec(this.renderSpec(), this.props), templatesLookup(templates));
  }

  /** The nominal timing of the plan; `indefinite` where a step waits for a human. */
  public get plan(): RolloutPlan {
    return finitePlan(this.planTiming());
  }

  /**
   * Runs an analysis inline after chosen setWeight steps and/or in the background.
   * Returns the inserted analysis steps.
   */
  public addAnalysis(analysis: RolloutAnalysis, options: AddAnalysisOptions): CanaryStep[] {
    const atWeights = options.atWeights ?? [];
    const background = options.backgroundStartingStep !== undefined || options.background === true;
    if (options.background === false && options.backgroundStartingStep !== undefined) {
      throw new Error(`addAnalysis: background is false but backgroundStartingStep is ${options.backgroundStartingStep}: drop one of them`);
    }
    if (atWeights.length === 0 && !background && options.background === undefined) {
      throw new Error('addAnalysis needs atWeights or background: say where the analysis runs');
    }
    const added: CanaryStep[] = [];
    for (const weight of atWeights) {
      const at = this._steps.findIndex((s) => s.action.kind === 'setWeight' && s.action.weight === weight);
      if (at < 0) {
        const weights = this._steps.filter((s) => s.action.kind === 'setWeight').map((s) => s.action.weight);
        throw new Error(`addAnalysis atWeights has ${weight} but no setWeight step sets it; the plan's weights are [${weights.join(', ')}]`);
      }
      if (this._steps[at + 1]?.action.kind === 'analysis') {
        throw new Error(`addAnalysis atWeights has ${weight} but the step after setWeight ${weight} is already an analysis: `
          + 'pass all templates of that step in one addAnalysis call');
      }
      const step = CanaryStep.analysis(analysis);
      noteUse(analysis, 'inline');
      this._steps.splice(at + 1, 0, step);
      added.push(step);
    }
    if (background) {
      this.setBackground({ ...analysis, startingStep: options.backgroundStartingStep });
    }
    return added;
  }

  private setBackground(analysis: BackgroundAnalysis): void {
    if (this.background) throw new Error('backgroundAnalysis is already set: a rollout has one background analysis; merge the templates into it');
    if (analysis.startingStep !== undefined) validateStartingStep(analysis.startingStep, this._steps.length);
    noteUse(analysis, 'background');
    this.background = analysis;
  }

  private backgroundStartingStep(): number | undefined {
    if (this.background?.startingStep !== undefined) return this.background.startingStep;
    const first = this._steps.findIndex((s) => s.action.kind === 'setWeight' && (s.action.weight ?? 0) > 0);
    return first >= 0 ? first + 1 : undefined;
  }
}

const NGINX_DYNAMIC_STABLE_SCALE_WHY = 'it scales the stable pods to 0 at weight 100, and ingress-nginx then answers 503 although the canary has endpoints (argo-rollouts issue #1820)';

function validateStrategy(props: CanaryRolloutProps, routed: boolean): void {
  if (props.scaleDownDelay !== undefined && !routed) {
    throw new Error('scaleDownDelay needs trafficRouting: without a traffic router the controller scales pods by weight; '
      + 'remove scaleDownDelay or set trafficRouting');
  }
  if (props.dynamicStableScale && !routed) {
    throw new Error('dynamicStableScale needs trafficRouting: set trafficRouting or remove dynamicStableScale');
  }
  if (props.dynamicStableScale && props.scaleDownDelay !== undefined) {
    throw new Error(`scaleDownDelay (${formatSeconds(props.scaleDownDelay.toSeconds())}) cannot be used with dynamicStableScale: `
      + 'the stable pods are already scaled down as the canary grows; remove one of them');
  }
  if (props.dynamicStableScale && props.trafficRouting?._router === 'nginx') {
    throw new Error('dynamicStableScale cannot be used with TrafficRouting.nginx, got dynamicStableScale: true: remove dynamicStableScale '
      + `(or route with TrafficRouting.gatewayApi) ${ownRule(NGINX_DYNAMIC_STABLE_SCALE_WHY)}`);
  }
  if (props.abortScaleDownDelay !== undefined && !routed) {
    throw new Error(`abortScaleDownDelay (${formatSeconds(props.abortScaleDownDelay.toSeconds())}) needs trafficRouting: remove it or set trafficRouting `
      + ownRule('the controller ignores it without a traffic router and scales an aborted canary back like a rolling update'));
  }
}

function validateSteps(steps: CanaryStep[], allowDecrease: boolean, routed: boolean): void {
  if (steps.length === 0) {
    throw new Error('steps must not be empty: use CanaryStep.weightsWithPauses(...) '
      + ownRule('a canary with no steps promotes at once, with no canary phase'));
  }
  let previous: number | undefined;
  steps.forEach((step, i) => {
    const a = step.action;
    if (a.kind === 'setCanaryScale' && !routed) {
      throw new Error(`step ${i} (setCanaryScale) needs trafficRouting: without a traffic router the canary's scale is its weight`);
    }
    if (a.kind === 'setWeight') {
      if (previous !== undefined && a.weight! < previous && !allowDecrease) {
        throw new Error(`step ${i} lowers setWeight from ${previous} to ${a.weight}: weights must rise step by step; `
          + `set allowWeightDecrease to lower them on purpose ${ownRule('a lower weight is most often steps in the wrong order')}`);
      }
      previous = a.weight;
    }
  });
}

/**
 * The managed routes the steps name, in order of first use (the controller inserts them ahead of the weighted
 * route, and needs each step's route in trafficRouting.managedRoutes).
 */
function managedRoutes(steps: CanaryStep[]): { name: string }[] | undefined {
  const names = [...new Set(steps.flatMap((s) => (s.action.route === undefined ? [] : [s.action.route])))];
  return names.length > 0 ? names.map((name) => ({ name })) : undefined;
}

/** Header and mirror routes need a router that supports them (validation.go, ValidateRolloutStrategyCanary). */
function validateRouteSteps(steps: CanaryStep[], routing: TrafficRouting | undefined): void {
  const kinds = new Map<string, string>();
  steps.forEach((step, i) => {
    const a = step.action;
    if (a.route === undefined) return;
    const router = routing?._router;
    if (a.kind === 'setHeaderRoute' && !routing?._headerRoutes) {
      throw new Error(`step ${i} (setHeaderRoute ${a.route}) needs TrafficRouting.istio, TrafficRouting.gatewayApi or a custom router with istio, alb, `
        + `apisix or plugins, got ${router === 'custom' ? 'a custom router with none of them' : router ?? 'no traffic routing'}: `
        + (router === 'nginx' ? "with ingress-nginx reach the canary by header with additionalIngressAnnotations { 'canary-by-header': '<header>' }, or change router"
          : 'set trafficRouting'));
    }
    if (a.kind === 'setMirrorRoute' && !routing?._mirrorRoutes) {
      throw new Error(`step ${i} (setMirrorRoute ${a.route}) needs TrafficRouting.istio, got ${router ?? 'no traffic routing'}: the controller mirrors `
        + 'traffic with Istio only; remove the step or route with Istio');
    }
    if (routing!._weightedRouteNames.includes(a.route)) {
      throw new Error(`step ${i} (${a.kind} ${a.route}) uses the name of the route whose weights the controller sets: rename the managed route `
        + ownRule('the controller removes routes by name, so it would remove the weighted route with the managed one'));
    }
    const other = kinds.get(a.route);
    if (other !== undefined && other !== a.kind) {
      throw new Error(`step ${i} (${a.kind} ${a.route}) uses the name of a ${other} route: each managed route is either a header or a mirror route, rename one`);
    }
    kinds.set(a.route, a.kind);
  });
}

/**
 * The analyses of an experiment with a required analysis decide when the step ends (the experiment waits for every
 * run), so they run as inline analyses do; without one they run as long as the experiment, as background analyses.
 */
function noteStepUse(step: CanaryStep): void {
  noteUse(step.action.analysis, 'inline');
  const analyses = step.action.experiment?.analyses ?? [];
  const use = analyses.some((a) => a.requiredForCompletion) ? 'inline' : 'background';
  for (const a of analyses) noteUse({ templates: [a.template] }, use);
}

/**
 * Experiment template weights need a router that takes extra destinations (validation.go: ALB, SMI, Istio and
 * plugins; of this library's routers Istio, and the Gateway API plugin, which adds the experiment's Services to
 * its HTTPRoute rule); a selector must select the template's pods.
 */
function validateExperimentSteps(steps: CanaryStep[], routing: TrafficRouting | undefined, podLabels: { [key: string]: string }, rolloutName: string): void {
  let weight = 0;
  steps.forEach((step, i) => {
    if (step.action.kind === 'setWeight') weight = step.action.weight!;
    const experiment = step.action.experiment;
    if (!experiment) return;
    const router = routing?._router;
    const weighted = experiment.templates.filter((t) => t.weight !== undefined);
    if (weighted.length > 0 && !routing?._experimentWeights) {
      throw new Error(`step ${i} (experiment) template '${weighted[0].name}' sets weight ${weighted[0].weight}, which needs TrafficRouting.istio, `
        + `TrafficRouting.gatewayApi or TrafficRouting.custom with alb, smi, istio or plugins, got ${router ?? 'no traffic routing'}: ${router === 'nginx' || router === 'custom'
          ? `the controller gives experiment weights through ALB, SMI, Istio and plugin routers only, not ${router === 'nginx' ? 'NGINX' : 'this one'}; remove weight (reach the template through its Service with createService) or change router`
          : 'the controller refuses experiment weights without traffic routing; set trafficRouting or remove weight'}`);
    }
    const total = weight + weighted.reduce((sum, t) => sum + t.weight!, 0);
    if (total > 100) {
      throw new Error(`step ${i} (experiment) sends ${total}% of the traffic: setWeight ${weight} before it plus template weights `
        + `${weighted.map((t) => `${t.name} ${t.weight}`).join(', ')}; lower them to 100 together `
        + ownRule('the stable Service gets 100 minus all of them, and the routers clamp a negative share to 0'));
    }
    for (const t of experiment.templates) {
      // The controller names an unnamed Service after the ReplicaSet: <rollout>-<hash of up to 10>-<revision>-<step>-<template>.
      const serviceNameLength = rolloutName.length + 10 + 4 + String(i).length + t.name.length + 4;
      if ((t.createService || t.weight !== undefined) && t.serviceName === undefined && serviceNameLength > 63) {
        throw new Error(`step ${i} (experiment) template '${t.name}' gets a Service named <rollout>-<pod-template-hash>-<revision>-${i}-${t.name}, `
          + `up to ${serviceNameLength} characters by revision 9999, above the 63 a Service name may have: set serviceName or shorten the template name `
          + ownRule('the Service fails to be created, which errors the experiment and aborts the rollout, once the name outgrows 63 characters'));
      }
      for (const [key, value] of Object.entries(t.selector ?? {})) {
        // The template copies the ReplicaSet's pod template, which carries the canary or stable metadata labels.
        const label = t.labels?.[key] ?? { ...podLabels, ...(t.specRef === ExperimentSpecRef.CANARY ? CANARY_LABELS : STABLE_LABELS) }[key];
        if (label !== value) {
          throw new Error(`step ${i} (experiment) template '${t.name}' selector ${key}=${value} does not select its pods, which carry `
            + `${label === undefined ? `no label ${key}` : `${key}=${label}`}: add ${key}: '${value}' to the template's labels, or fix the selector`);
        }
      }
    }
  });
}
