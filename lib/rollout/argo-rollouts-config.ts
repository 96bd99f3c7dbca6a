import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { GATEWAY_API_PLUGIN_NAME } from './internal-plugins';
import { ownRule, validateDnsLabel } from '../util/internal-validation';

/** Where the controller gets a plugin's binary, and how it starts it. */
export interface TrafficRouterPluginProps {
  /**
   * An `https://` (or `http://`) URL the controller downloads the binary from at start, e.g. the plugin's release
   * asset for the controller's OS and architecture, or a `file://` path inside the controller's container
   * (e.g. copied there by an init container).
   */
  readonly location: string;
  /**
   * SHA-256 of the binary, as 64 lowercase hexadecimal digits (the output of `sha256sum`). The controller checks
   * it after a download and refuses to start on a mismatch; it does not check a `file://` location.
   * @default - not checked
   */
  readonly sha256?: string;
  /**
   * Command-line arguments of the plugin process, e.g. `['-logformat=json']`.
   * @default - none
   */
  readonly args?: string[];
}

/** A policy rule of the ClusterRole the controller's ServiceAccount needs for a plugin. */
interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/** A traffic router plugin the Argo Rollouts controller loads (an entry of its `trafficRouterPlugins`). */
export class TrafficRouterPlugin {
  /**
   * The Argo Rollouts Gateway API plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi), which
   * `TrafficRouting.gatewayApi` routes through; this library is built and tested against its v0.15.0, e.g.
   * `location: 'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.15.0/gatewayapi-plugin-linux-amd64'`.
   * The plugin runs as a child process of the controller with the controller's credentials; it gets and updates the
   * HTTPRoutes it routes, and gets Services for experiments, so its ClusterRole grants exactly that.
   */
  public static gatewayApi(props: TrafficRouterPluginProps): TrafficRouterPlugin {
    return new TrafficRouterPlugin(GATEWAY_API_PLUGIN_NAME, props, [
      { apiGroups: [''], resources: ['services'], verbs: ['get'] },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'update'] },
    ]);
  }

  /** The plugin's name, as Rollouts name it in `trafficRouting.plugins`. */
  public readonly name: string;
  public readonly location: string;
  public readonly sha256?: string;
  public readonly args?: string[];

  private constructor(name: string, props: TrafficRouterPluginProps, /** @internal */ public readonly _rules: PolicyRule[]) {
    validateLocation(name, props.location);
    if (props.sha256 !== undefined) {
      if (!/^[a-f0-9]{64}$/.test(props.sha256)) {
        throw new Error(`trafficRouterPlugin ${name} sha256 must be 64 lowercase hexadecimal digits (the output of sha256sum), got '${props.sha256}': `
          + 'the controller compares it with the lowercase hexadecimal digest of the download');
      }
      if (props.location.startsWith('file:')) {
        throw new Error(`trafficRouterPlugin ${name} sha256 is set but location '${props.location}' is a file: remove sha256, or download the plugin `
          + `from an https:// location ${ownRule('the controller checks sha256 only after an http(s) download and ignores it for a file:// location')}`);
      }
    }
    this.name = name;
    this.location = props.location;
    this.sha256 = props.sha256;
    this.args = props.args ? [...props.args] : undefined;
  }
}

/** Throws unless `location` is what the controller takes: an absolute http(s):// URL or a file:// path. */
function validateLocation(name: string, location: string): void {
  let url: URL | undefined;
  try {
    url = new URL(location);
  } catch {
    url = undefined;
  }
  const ok = url !== undefined && (/^https?:\/\/[^/]/.test(location) || /^file:\/\/\/./.test(location));
  if (!ok) {
    throw new Error(`trafficRouterPlugin ${name} location must be an https:// (or http://) URL or a file:///absolute/path, got '${location}'`);
  }
}

/** Props of the Argo Rollouts controller's configuration. */
export interface ArgoRolloutsConfigProps {
  /**
   * The namespace the Argo Rollouts controller runs in: it reads `argo-rollouts-config` from there.
   * @default 'argo-rollouts'
   */
  readonly namespace?: string;
  /**
   * The controller's ServiceAccount, which the plugins' ClusterRole is bound to (the plugins run as its child processes).
   * @default 'argo-rollouts'
   */
  readonly serviceAccountName?: string;
  /**
   * The traffic router plugins the controller loads.
   * @default - none; add them with addTrafficRouterPlugin
   */
  readonly trafficRouterPlugins?: TrafficRouterPlugin[];
}

/**
 * The Argo Rollouts controller's ConfigMap `argo-rollouts-config`, with the traffic router plugins it loads,
 * and the ClusterRole (and its binding to the controller's ServiceAccount) the plugins need. It is cluster-wide:
 * emit it once, in the chart that manages the controller, not in each service's chart. It replaces the
 * ConfigMap of that name the controller's install manifests ship (empty in v1.9.1). The controller reads it at
 * start: restart the controller after a change.
 */
export class ArgoRolloutsConfig extends Construct {
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  /** The ConfigMap. */
  public readonly resource: ApiObject;
  private readonly plugins: TrafficRouterPlugin[] = [];
  private clusterRole?: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoRolloutsConfigProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? 'argo-rollouts';
    validateDnsLabel('ArgoRolloutsConfig namespace', this.namespace);
    this.serviceAccountName = props.serviceAccountName ?? 'argo-rollouts';
    validateDnsLabel('ArgoRolloutsConfig serviceAccountName', this.serviceAccountName);
    this.resource = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: 'argo-rollouts-config', namespace: this.namespace, labels: LABELS },
      data: Lazy.any({
        produce: () => (this.plugins.length === 0 ? undefined : {
          trafficRouterPlugins: stringify(this.plugins.map((p) => ({ name: p.name, location: p.location, sha256: p.sha256, args: p.args }))),
        }),
      }),
    });
    for (const plugin of props.trafficRouterPlugins ?? []) this.addTrafficRouterPlugin(plugin);
  }

  /** The traffic router plugins the controller loads. */
  public get trafficRouterPlugins(): TrafficRouterPlugin[] { return [...this.plugins]; }

  /** Adds a traffic router plugin, and its permissions to the ClusterRole; returns it. */
  public addTrafficRouterPlugin(plugin: TrafficRouterPlugin): TrafficRouterPlugin {
    if (this.plugins.some((p) => p.name === plugin.name)) {
      throw new Error(`trafficRouterPlugins already has ${plugin.name}: the controller loads one plugin per name; add it once`);
    }
    this.plugins.push(plugin);
    if (plugin._rules.length > 0 && !this.clusterRole) this.addClusterRole();
    return plugin;
  }

  private addClusterRole(): void {
    const name = 'argo-rollouts-traffic-router-plugins';
    this.clusterRole = new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name, labels: LABELS },
      rules: Lazy.any({ produce: () => this.plugins.flatMap((p) => p._rules) }),
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace }],
    });
  }
}

const LABELS = { 'app.kubernetes.io/part-of': 'argo-rollouts', 'app.kubernetes.io/managed-by': 'cdk8s-progressive' };
