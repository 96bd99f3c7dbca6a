import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { INetworkWorkload } from '../network/selectable';
import { addRollout, addServices, planSpec, resolveRolloutWorkload, validateRolloutCommon, validateServicePair } from './internal-rollout';
import { RolloutCommonProps } from './rollout-props';
import { addPdb } from '../workload/internal-objects';
import { formatSeconds } from '../util/internal-duration';
import { ownRule, validateInteger } from '../util/internal-validation';
import { analysisErrors, noteUse, renderAnalysis, RolloutAnalysis } from './rollout-analysis';
import { blueGreenPlan, finitePlan, planBudgetErrors, PlanTiming, RolloutPlan, templatesLookup } from './plan';

/** Props of a blue-green rollout. */
export interface BlueGreenRolloutProps extends RolloutCommonProps {
  /** @default - `<name>-active` */
  readonly activeServiceName?: string;
  /** @default - `<name>-preview` */
  readonly previewServiceName?: string;
  /**
   * Pods the new version runs while it is in preview, before promotion scales it to `replicas`.
   * @default - `replicas` (a full-size preview)
   */
  readonly previewReplicaCount?: number;
  /**
   * Promote the new version to active on its own once it is ready (and prePromotionAnalysis passed).
   * Off: a human promotes with `kubectl argo rollouts promote`.
   * @default true (the controller's default)
   */
  readonly autoPromotionEnabled?: boolean;
  /**
   * With auto-promotion, wait this long in preview before promoting.
   * @default - promote as soon as the preview is ready
   */
  readonly autoPromotionDelay?: Duration;
  /**
   * Analysis of the preview before it becomes active; Failed or Error aborts. Needs finite metrics.
   * @default - none
   */
  readonly prePromotionAnalysis?: RolloutAnalysis;
  /**
   * Analysis after promotion, while the old version is still scaled up; Failed or Error rolls back. Needs finite metrics.
   * @default - none
   */
  readonly postPromotionAnalysis?: RolloutAnalysis;
  /**
   * How long the old version keeps running after promotion: the window for a fast switch back.
   * @default 30s (the controller's default)
   */
  readonly scaleDownDelay?: Duration;
}

/**
 * An Argo Rollout with the blue-green strategy: the new version runs beside the active one behind a
 * preview Service, is analysed, then takes over the active Service at once.
 */
export class BlueGreenRollout extends Construct implements INetworkWorkload {
  public readonly rolloutName: string;
  public readonly namespace?: string;
  public readonly activeServiceName: string;
  public readonly previewServiceName: string;
  /** Labels every pod of the rollout carries. */
  public readonly podSelectorLabels: { [key: string]: string };
  public readonly trafficPort: number;
  public readonly metricsPort: number;
  public readonly servicePort: number;
  /** The Rollout object. */
  public readonly resource: ApiObject;
  private readonly renderSpec: () => { [key: string]: any };
  private readonly props: BlueGreenRolloutProps;
  private readonly analyses: RolloutAnalysis[];

  constructor(scope: Construct, id: string, props: BlueGreenRolloutProps) {
    super(scope, id);
    this.props = props;
    const w = resolveRolloutWorkload(id, props);
    this.rolloutName = w.name;
    this.namespace = w.namespace;
    this.podSelectorLabels = w.selectorLabels;
    this.trafficPort = w.port;
    this.metricsPort = w.metricsPort;
    this.servicePort = w.servicePort;
    this.activeServiceName = props.activeServiceName ?? `${w.name}-active`;
    this.previewServiceName = props.previewServiceName ?? `${w.name}-preview`;
    validateServicePair(['activeServiceName', this.activeServiceName], ['previewServiceName', this.previewServiceName],
      'users reach the active version through one and the new version through the other');
    validateRolloutCommon(props, true);
    if (props.previewReplicaCount !== undefined) {
      validateInteger('previewReplicaCount', props.previewReplicaCount, 1, w.replicas,
        'a preview of 0 pods gives the pre-promotion analysis nothing to judge, and one above replicas outgrows the rollout');
    }
    if (props.autoPromotionDelay !== undefined && props.autoPromotionEnabled === false) {
      throw new Error(`autoPromotionDelay (${formatSeconds(props.autoPromotionDelay.toSeconds())}) has no effect with autoPromotionEnabled false: `
        + `remove one of them ${ownRule('the controller ignores the delay when a human promotes')}`);
    }
    this.analyses = [props.prePromotionAnalysis, props.postPromotionAnalysis].filter((a): a is RolloutAnalysis => a !== undefined);
    for (const a of this.analyses) noteUse(a, 'inline');
    this.node.addValidation({
      validate: () => {
        const errors: string[] = props.workload?._errors(this.resource.metadata.namespace, props.podSecurityStandard ?? 'restricted') ?? [];
        for (const [where, analysis] of [['prePromotionAnalysis', props.prePromotionAnalysis], ['postPromotionAnalysis', props.postPromotionAnalysis]] as const) {
          if (analysis) errors.push(...analysisErrors(where, analysis, true));
        }
        return errors.length > 0 ? errors : planBudgetErrors(this.planTiming(), props.maxPromotionTime, props.maxTimeToAbort, props.disableMaxTimeToAbort);
      },
    });

    addServices(this, w, [['ActiveService', this.activeServiceName], ['PreviewService', this.previewServiceName]], props.service,
      props.workload && w.port);
    addPdb(this, w, props);
    const rollout = addRollout(this, w, props, () => ({
      blueGreen: {
        activeService: this.activeServiceName,
        previewService: this.previewServiceName,
        previewReplicaCount: props.previewReplicaCount,
        autoPromotionEnabled: props.autoPromotionEnabled,
        autoPromotionSeconds: props.autoPromotionDelay?.toSeconds(),
        prePromotionAnalysis: props.prePromotionAnalysis && renderAnalysis(props.prePromotionAnalysis),
        postPromotionAnalysis: props.postPromotionAnalysis && renderAnalysis(props.postPromotionAnalysis),
        scaleDownDelaySeconds: props.scaleDownDelay?.toSeconds(),
        scaleDownDelayRevisionLimit: props.scaleDownDelayRevisionLimit,
        abortScaleDownDelaySeconds: props.abortScaleDownDelay?.toSeconds(),
      },
    }));
    this.resource = rollout.resource;
    this.renderSpec = rollout.renderSpec;
  }

  /** The nominal timing: preview ready, pre-promotion analysis, auto-promotion delay, switch, post-promotion analysis. */
  private planTiming(): PlanTiming {
    const templates = this.analyses.flatMap((a) => a.templates);
    return blueGreenPlan(planSpec(this.renderSpec(), this.props), templatesLookup(templates));
  }

  /** The nominal timing of the plan; `indefinite` where a step waits for a human. */
  public get plan(): RolloutPlan {
    return finitePlan(this.planTiming());
  }
}
