import { ApiObject } from 'cdk8s';
import { Deployment } from 'cdk8s-plus-27';
import { ownRule, validateDnsSubdomain } from '../util/internal-validation';
import { checkPodSecurity, PodSecurityLevel } from '../network/pod-security';

/** What the controller does with the referenced Deployment's own pods (Argo's `workloadRef.scaleDown`). */
export enum WorkloadScaleDown {
  /** Leave the Deployment as it is: its pods keep running beside the rollout's until you scale it to 0. */
  NEVER = 'never',
  /** Scale the Deployment to 0 once the rollout's first revision is healthy. */
  ON_SUCCESS = 'onsuccess',
  /** Scale the Deployment down as the rollout's first revision becomes ready (and to 0 once it is healthy). */
  PROGRESSIVELY = 'progressively',
}

/** Options of a rollout that takes its pod from a Deployment. */
export interface RolloutWorkloadOptions {
  /**
   * What the controller does with the Deployment's own pods. It acts on the rollout's first revision only:
   * the migration from the Deployment. A Deployment kept in the chart with replicas above 0 is scaled up again by
   * the next apply (or GitOps sync): once migrated, set its replicas to 0, as Argo Rollouts' migration guide says.
   * @default WorkloadScaleDown.NEVER (the controller's default)
   */
  readonly scaleDown?: WorkloadScaleDown;
}

/** Options of a rollout that references a Deployment by name. */
export interface DeploymentReferenceOptions extends RolloutWorkloadOptions {
  /**
   * The labels the Deployment's selector matches (its pod template carries them): the Rollout's selector, and that of
   * its Services, PodDisruptionBudget and network policies.
   */
  readonly selectorLabels: { [key: string]: string };
}

/**
 * The pod of a rollout taken from a Deployment (Argo's `workloadRef`, its documented migration path): the Rollout
 * emits `spec.workloadRef` instead of a pod template, and the controller runs the Deployment's pod template; an
 * update is a change to the Deployment's template. The Deployment stays in the same namespace as the rollout.
 */
export class RolloutWorkload {
  /**
   * The pod of a cdk8s-plus Deployment of the chart. At synth its selector must still match what it was when the
   * rollout was built, and its pod must meet the rollout's `podSecurityStandard`.
   */
  public static fromDeployment(deployment: Deployment, options: RolloutWorkloadOptions = {}): RolloutWorkload {
    if (deployment.matchExpressions.length > 0) {
      throw new Error(`workload: Deployment '${deployment.node.path}' selects its pods with matchExpressions: select by labels only `
        + ownRule('the Services, PodDisruptionBudget and network policies of the rollout select the same pods by labels'));
    }
    const labels = deployment.matchLabels;
    const port = deployment.containers[0]?.portNumber;
    return new RolloutWorkload(deployment.name, labels, options.scaleDown, deployment, port);
  }

  /** The pod of an existing Deployment of the rollout's namespace, by name, with the labels its selector matches. */
  public static fromDeploymentName(name: string, options: DeploymentReferenceOptions): RolloutWorkload {
    validateDnsSubdomain('workload Deployment name', name);
    return new RolloutWorkload(name, options.selectorLabels, options.scaleDown);
  }

  /** metadata.name of the Deployment. */
  public readonly deploymentName: string;
  /** The labels the Deployment's selector matches: the Rollout's selector. */
  public readonly selectorLabels: { [key: string]: string };
  public readonly scaleDown: WorkloadScaleDown;

  private constructor(
    name: string,
    selectorLabels: { [key: string]: string },
    scaleDown: WorkloadScaleDown | undefined,
    /** @internal */
    public readonly _deployment?: Deployment,
    /** @internal The Deployment's first container port, the default traffic port. */
    public readonly _port?: number,
  ) {
    if (Object.keys(selectorLabels).length === 0) {
      throw new Error(`workload: Deployment '${name}' has no selector labels: the controller refuses an empty selector; give the labels its pods carry`);
    }
    this.deploymentName = name;
    this.selectorLabels = { ...selectorLabels };
    this.scaleDown = scaleDown ?? WorkloadScaleDown.NEVER;
  }

  /** @internal The Rollout's spec.workloadRef. */
  public _ref(): { apiVersion: string; kind: string; name: string; scaleDown: string } {
    return { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName, scaleDown: this.scaleDown };
  }

  /** @internal The Deployment as synthesized, when it is in the chart. */
  public _manifest(): { [key: string]: any } | undefined {
    return this._deployment ? ApiObject.of(this._deployment).toJson() : undefined;
  }

  /**
   * @internal What synth says about the Deployment of the chart against the Rollout: same namespace, the selector
   * the rollout was built with, template labels that match it, and a pod that meets `standard`.
   */
  public _errors(rolloutNamespace: string | undefined, standard: string): string[] {
    const d = this._manifest();
    if (!d) return [];
    const where = `workload: Deployment '${this.deploymentName}'`;
    const errors: string[] = [];
    if ((d.metadata?.namespace ?? undefined) !== rolloutNamespace) {
      errors.push(`${where} is in namespace '${d.metadata?.namespace ?? '(none)'}' but the rollout in '${rolloutNamespace ?? '(none)'}': `
        + 'the controller looks the Deployment up in the rollout\'s namespace; put both in the same one');
    }
    const selector = d.spec?.selector ?? {};
    if (JSON.stringify(sorted(selector.matchLabels ?? {})) !== JSON.stringify(sorted(this.selectorLabels)) || (selector.matchExpressions ?? []).length > 0) {
      errors.push(`${where} selects ${JSON.stringify(selector)} but the rollout was built with matchLabels ${JSON.stringify(this.selectorLabels)}: `
        + 'change the Deployment\'s selector before building the rollout from it');
    }
    const labels = d.spec?.template?.metadata?.labels ?? {};
    const missing = Object.entries(this.selectorLabels).filter(([k, v]) => labels[k] !== v).map(([k, v]) => `${k}=${v}`);
    if (missing.length > 0) {
      errors.push(`workload: the pod template of Deployment '${this.deploymentName}' lacks the selector labels ${missing.join(', ')}: the Rollout's selector must match the pods it creates; `
        + 'add them to the pod template');
    }
    if (standard !== 'privileged') {
      const breaking = checkPodSecurity([d], { beyondStandard: false })
        .filter((v) => standard === 'restricted' || v.level === PodSecurityLevel.BASELINE);
      if (breaking.length > 0) {
        errors.push(`workload: the pod of Deployment '${this.deploymentName}' breaks the Pod Security Standard '${standard}' at ${breaking.map((v) => `${v.path} (${v.rule})`).join(', ')}: `
          + `${breaking[0].message}; the rollout runs this pod: fix it on the Deployment (cdk8s-plus 27 models neither a seccomp profile nor `
          + 'dropping ALL capabilities: ApiObject.of(deployment).addJsonPatch(JsonPatch.add(\'/spec/template/spec/securityContext/seccompProfile\', '
          + '{ type: \'RuntimeDefault\' }), ...)), or, if the namespace enforces a laxer standard, say so with podSecurityStandard');
      }
    }
    return errors;
  }
}

function sorted(o: { [key: string]: string }): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}
