import { Duration } from 'cdk8s';
import { RolloutServiceProps } from './rollout-service';
import { RolloutWorkload } from './rollout-workload';
import { AppWorkloadProps } from '../workload/workload';

/** Props every Rollout has, whatever its strategy. */
export interface RolloutCommonProps extends AppWorkloadProps {
  /**
   * Take the pod from a Deployment instead of describing it here: the Rollout emits `spec.workloadRef`, e.g.
   * `RolloutWorkload.fromDeployment(deployment, { scaleDown: WorkloadScaleDown.ON_SUCCESS })`. Excludes the pod props
   * (image, env, probes, ...), which then belong to the Deployment; `port` defaults to its first container's port.
   * @default - the pod described by these props
   */
  readonly workload?: RolloutWorkload;
  /**
   * Type, node port, annotations, labels and extra ports of the strategy's Services.
   * @default - ClusterIP Services with the `http` port only
   */
  readonly service?: RolloutServiceProps;
  /**
   * Annotations of the Rollout object itself (not its pods: see podAnnotations), e.g. Argo Rollouts notifications'
   * `notifications.argoproj.io/subscribe.on-rollout-aborted.slack: my-channel`.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /** Extra labels of the Rollout object itself (not its pods: see podLabels). @default - none */
  readonly labels?: { [key: string]: string };
  /**
   * Synth fails when the plan's nominal time to full promotion exceeds this. Recorded on the Rollout
   * (annotation `cdk8s-progressive/max-promotion-time`), where `plan` and `rehearse` read it.
   * @default - no limit at synth; `plan` and `rehearse` judge against 10m
   */
  readonly maxPromotionTime?: Duration;
  /**
   * No promotion budget at all, e.g. for a rollout a human promotes: recorded on the Rollout
   * (`cdk8s-progressive/max-promotion-time: none`) so that `plan` and `rehearse` do not judge it against 10m either.
   * Excludes maxPromotionTime.
   * @default false
   */
  readonly disableMaxPromotionTime?: boolean;
  /**
   * No budget for the time to abort, for a rollout whose analyses are not meant to abort it (none, or dry-run
   * only): synth does not apply the 2m default, and the Rollout records `cdk8s-progressive/max-time-to-abort: none`
   * so that `plan` and `rehearse` do not judge it either. Excludes maxTimeToAbort.
   * @default false
   */
  readonly disableMaxTimeToAbort?: boolean;
  /**
   * Synth fails when the analyses cannot abort a bad new version within this time of it taking traffic (a canary) or becoming ready (a preview)
   * (worst case: the analysis' start, then its initialDelay or its query window and one cycle, failureLimit
   * more cycles of interval + provider timeout; or its errors, each up to the timeout, retried 10s apart).
   * Applies once the rollout has an analysis. Recorded on the Rollout
   * (annotation `cdk8s-progressive/max-time-to-abort`), where `plan` and `rehearse` read it.
   * @default 2m
   */
  readonly maxTimeToAbort?: Duration;
  /** @default 3 */
  readonly revisionHistoryLimit?: number;
  /**
   * Old ReplicaSets kept running during their scale-down delay; for a blue-green rollout at most revisionHistoryLimit.
   * @default - the controller's default
   */
  readonly scaleDownDelayRevisionLimit?: number;
  /**
   * A rollout that makes no progress for this long is marked degraded; must exceed minReady.
   * @default 10m
   */
  readonly progressDeadline?: Duration;
  /**
   * Abort the rollout when the progress deadline passes, instead of only reporting it.
   * @default true
   */
  readonly progressDeadlineAbort?: boolean;
  /**
   * A rollback to one of the last N revisions skips the steps and analysis and goes to 100% at once:
   * a known-good version returns without a second canary. Only a revision whose ReplicaSet is still kept
   * (see revisionHistoryLimit) can come back this way; an older one runs the steps.
   * @default - none: a rollback runs the steps like any other change
   */
  readonly rollbackWindow?: number;
  /**
   * How long the new pods keep running after an abort, once traffic is back on the stable version; then
   * they are scaled to zero. A canary needs trafficRouting for it. 0 does not stop them at once, nor always
   * keep them (Argo Rollouts v1.9.1):
   * - blue-green: the preview is left running until the next update;
   * - canary: no delay at all. The abort sends the rollout back to step 0 at weight 0, which sizes the canary
   *   to zero pods at once, unless step 0 is a setCanaryScale with replicas or weight: then the canary is
   *   left running at that size until the next update.
   * @default 30s (the controller's default)
   */
  readonly abortScaleDownDelay?: Duration;
}
