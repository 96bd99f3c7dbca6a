import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { validateDnsLabel } from '../util/internal-validation';

/** Props of an Argo CD Application that syncs a folder of synthesized manifests. */
export interface ArgoCdApplicationProps {
  /** @default - the construct id */
  readonly name?: string;
  /**
   * Namespace Argo CD runs in (where Application objects live).
   * @default 'argocd'
   */
  readonly namespace?: string;
  /** @default 'default' */
  readonly project?: string;
  /** The Git repository holding the synthesized manifests, e.g. `https://github.com/acme/gitops.git`. */
  readonly repoURL: string;
  /** Folder of the manifests in that repository, e.g. `dist` or `clusters/prod/amas`. */
  readonly path: string;
  /** @default 'HEAD' */
  readonly targetRevision?: string;
  /** Namespace the manifests are applied to (objects that set their own namespace keep it). */
  readonly destinationNamespace: string;
  /** @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in) */
  readonly destinationServer?: string;
  /**
   * Sync automatically on every commit, prune objects removed from Git and undo manual changes (selfHeal).
   * Off: a human presses Sync.
   * @default true
   */
  readonly automated?: boolean;
}

/** An entry of an Argo CD Application's `spec.ignoreDifferences`. */
export interface IgnoreDifference {
  /** API group of the objects ('' for the core group). */
  readonly group: string;
  /** Kind of the objects. */
  readonly kind: string;
  /** JSON pointers of the fields to ignore. @default - none */
  readonly jsonPointers?: string[];
  /** jq path expressions of the fields to ignore. @default - none */
  readonly jqPathExpressions?: string[];
}

/**
 * An Argo CD Application (argoproj.io/v1alpha1) for a GitOps folder holding rollouts of this library,
 * with the sync options and ignoreDifferences that Argo Rollouts needs.
 */
export class ArgoCdApplication extends Construct {
  /**
   * Fields the Argo Rollouts controller writes and Argo CD must neither report as drift nor undo:
   * - Service `spec.selector.rollouts-pod-template-hash`: the controller points the stable/canary
   *   (active/preview) Service at a ReplicaSet by adding this selector; undoing it would send traffic
   *   to every version at once.
   * - Service annotation `argo-rollouts.argoproj.io/managed-by-rollouts`: the controller marks the
   *   Services it manages with it.
   * - HTTPRoute `spec.rules` while the Gateway API plugin marks the route in progress (label
   *   `rollouts.argoproj.io/gatewayapi-canary: in-progress`, from the first weight above 0 until the weight is
   *   back at 0): the plugin sets the backendRef weights there, which Git holds at 100/0; undoing them would send
   *   the canary's traffic back to stable mid-rollout. This is the expression the plugin's documentation gives.
   * The canary Ingress whose weight annotation changes at every step is created by the controller and
   * owned by the Rollout, not synced from Git, so it needs no entry.
   */
  public static readonly ROLLOUTS_IGNORE_DIFFERENCES: IgnoreDifference[] = [
    {
      group: '',
      kind: 'Service',
      jsonPointers: ['/spec/selector/rollouts-pod-template-hash', '/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts'],
    },
    {
      group: 'gateway.networking.k8s.io',
      kind: 'HTTPRoute',
      jqPathExpressions: ['select(.metadata.labels["rollouts.argoproj.io/gatewayapi-canary"] == "in-progress") | .spec.rules'],
    },
  ];

  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    const name = props.name ?? id;
    validateDnsLabel('name', name);
    validateDnsLabel('destinationNamespace', props.destinationNamespace);
    if (!/^(https?:\/\/|ssh:\/\/|git@)\S+$/.test(props.repoURL)) {
      throw new Error(`repoURL must be a Git URL (https://, ssh:// or git@), got '${props.repoURL}'`);
    }
    if (props.path.startsWith('/') || props.path.split('/').includes('..')) {
      throw new Error(`path must be a folder relative to the repository root, got '${props.path}'`);
    }
    const automated = props.automated ?? true;
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name,
        namespace: props.namespace ?? 'argocd',
        // Deleting the Application deletes what it deployed, not only the Application object.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: props.project ?? 'default',
        source: { repoURL: props.repoURL, targetRevision: props.targetRevision ?? 'HEAD', path: props.path },
        destination: { server: props.destinationServer ?? 'https://kubernetes.default.svc', namespace: props.destinationNamespace },
        syncPolicy: {
          automated: automated ? { prune: true, selfHeal: true } : undefined,
          syncOptions: [
            // Sync keeps the fields listed in ignoreDifferences as the controller set them.
            'RespectIgnoreDifferences=true',
            'CreateNamespace=true',
          ],
          retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
        ignoreDifferences: ArgoCdApplication.ROLLOUTS_IGNORE_DIFFERENCES,
      },
    });
  }
}
