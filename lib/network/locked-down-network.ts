import { NetworkPolicy, NetworkPolicyTrafficDefault, Pods } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { formatLabels, NetworkPeer, NetworkPort, notCanary } from './network-peer';
import { INetworkWorkload } from './selectable';

/** Where a rule lets traffic go. */
export enum NetworkDirection {
  /** Connections into the workload's pods. */
  INGRESS = 'ingress',
  /** Connections out of the workload's pods. */
  EGRESS = 'egress',
}

/** An allow rule a LockedDownNetwork holds: what an `allowXxx()` call added. */
export interface NetworkRule {
  readonly direction: NetworkDirection;
  readonly peer: NetworkPeer;
  readonly ports: NetworkPort[];
  /** True when canary pods get the rule as well as stable pods. */
  readonly canary: boolean;
  /** e.g. `egress to pods app=db in namespace data on TCP 5432`. */
  readonly description: string;
}

/** Options of `allowTo` and `allowFrom`. */
export interface AllowOptions {
  /**
   * Whether canary pods get this rule too. `false` gives it to stable pods only, so that a canary
   * cannot reach (or be reached by) this peer. Needs a workload with `canaryLabels`.
   * @default true
   */
  readonly canary?: boolean;
}

/** Options of `allowFromIngressController`. */
export interface IngressControllerOptions {
  /** Namespace of the ingress controller. @default 'ingress-nginx' */
  readonly namespace?: string;
  /** Labels of the controller pods. @default { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } */
  readonly podLabels?: Record<string, string>;
  /** Port of the workload the controller may call. @default - the workload's trafficPort */
  readonly port?: number;
}

/** Options of `allowPrometheusScrape`. */
export interface PrometheusScrapeOptions {
  /** Namespace of Prometheus. @default 'monitoring' */
  readonly namespace?: string;
  /** Labels of the Prometheus server pods. @default { 'app.kubernetes.io/name': 'prometheus' } */
  readonly podLabels?: Record<string, string>;
  /** Port of the workload Prometheus may scrape. @default - the workload's metricsPort */
  readonly port?: number;
}

/** Options of `allowToPrometheus`. */
export interface PrometheusServerOptions {
  /** Namespace of Prometheus. @default 'monitoring' */
  readonly namespace?: string;
  /** Labels of the Prometheus server pods. @default { 'app.kubernetes.io/name': 'prometheus' } */
  readonly podLabels?: Record<string, string>;
  /** Port of Prometheus' HTTP API. @default 9090 */
  readonly port?: number;
}

/** Options of `allowDns`. */
export interface DnsOptions {
  /** @default 'kube-system' */
  readonly namespace?: string;
  /** Labels of the cluster DNS pods (kube-dns and CoreDNS both carry `k8s-app: kube-dns`). @default { 'k8s-app': 'kube-dns' } */
  readonly podLabels?: Record<string, string>;
}

/** Options of `allowFromArgoRolloutsController`. */
export interface ArgoRolloutsControllerOptions {
  /** Namespace of the Argo Rollouts controller. @default 'argo-rollouts' */
  readonly namespace?: string;
  /**
   * Labels of the controller pods: Argo's install manifests give the controller pods this label alone,
   * the Helm chart adds `app.kubernetes.io/component: rollouts-controller`.
   * @default { 'app.kubernetes.io/name': 'argo-rollouts' }
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Pods matching podLabels that are nevertheless not admitted: the Helm chart gives its dashboard the
   * controller's name label, with `app.kubernetes.io/component: rollouts-dashboard` (the install
   * manifests name the dashboard `argo-rollouts-dashboard` instead). `{}` excludes nothing.
   * @default { 'app.kubernetes.io/component': ['rollouts-dashboard'] }
   */
  readonly excludedPodLabels?: Record<string, string[]>;
  /** Port of the workload the controller may call. @default - the workload's trafficPort */
  readonly port?: number;
}

/** Options of `LockedDownNetwork.forAnalysisGate`. */
export interface AnalysisGateNetworkOptions {
  /** Where the Argo Rollouts controller runs. @default - see ArgoRolloutsControllerOptions */
  readonly argoRollouts?: ArgoRolloutsControllerOptions;
  /** The Prometheus server the gate queries. @default - see PrometheusServerOptions */
  readonly prometheus?: PrometheusServerOptions;
  /**
   * Let the same Prometheus scrape the gate's metricsPort. When metricsPort equals trafficPort
   * this also lets Prometheus call the gate's verdict endpoint.
   * @default true
   */
  readonly allowPrometheusScrape?: boolean;
}

/** Options of `LockedDownNetwork.forRollout`. */
export interface RolloutNetworkOptions {
  /** Let the traffic router's pods call the traffic port. @default true */
  readonly allowIngressController?: boolean;
  /**
   * Where the traffic router's pods run, when they are not where the rollout's routing says
   * (`routerPods`: the ingress-nginx controller for NGINX routing, the Gateway's pods for Gateway API routing, the
   * ingress gateway's pods and the mesh callers for Istio routing, whose sidecar rules stay).
   * @default - the rollout's routerPods; without them, see IngressControllerOptions
   */
  readonly ingressController?: IngressControllerOptions;
  /**
   * Let Prometheus scrape the metrics port, and the metrics port of the router's sidecar in the rollout's pods when it
   * has one (Istio's 15090, which `SliSource.istio` reads).
   * @default true
   */
  readonly allowPrometheusScrape?: boolean;
  /** Where Prometheus runs. @default - see PrometheusScrapeOptions */
  readonly prometheus?: PrometheusScrapeOptions;
  /**
   * Let the router's sidecar in the rollout's pods reach its control plane (Istio: istiod on 15012), without which
   * the sidecar never becomes ready. Only applies when the rollout's routing has a sidecar.
   * @default true
   */
  readonly allowSidecarControlPlane?: boolean;
  /** Let the pods resolve names with the cluster DNS. @default true */
  readonly allowDns?: boolean;
  /** Where the cluster DNS runs. @default - see DnsOptions */
  readonly dns?: DnsOptions;
}

export interface LockedDownNetworkProps {
  /** The workload whose pods are locked down. */
  readonly workload: INetworkWorkload;
}

/**
 * Default-deny NetworkPolicies for a workload, opened by intent: each `allowXxx()` adds one rule.
 *
 * Emits `Resource`, a NetworkPolicy that denies all ingress and egress of the workload's stable pods
 * and holds their allow rules. For a workload with `canaryLabels` it also emits `Canary`, a
 * NetworkPolicy for the canary pods alone: it gets every rule unless the rule was added with
 * `canary: false`, so the canary's reach is a subset of the stable pods'. Because NetworkPolicies
 * add up, the main policy must not select canary pods: its selector excludes them with a
 * `NotIn` expression on the canary label.
 */
export class LockedDownNetwork extends Construct {
  /**
   * Locks down a web workload such as a CanaryRollout in one call: default deny, then its traffic router's
   * pods (the rollout's `routerPods`: the ingress-nginx controller, the Gateway's pods, Istio's ingress gateway and
   * mesh callers) may call its traffic port, Prometheus may scrape its metrics port, and it may use the cluster DNS.
   * With a router whose sidecar runs in the rollout's pods (Istio), that sidecar may reach its control plane and
   * Prometheus may scrape its metrics port. Add its own destinations with `allowTo` on the returned network.
   */
  public static forRollout(scope: Construct, id: string, rollout: INetworkWorkload, options: RolloutNetworkOptions = {}): LockedDownNetwork {
    const network = new LockedDownNetwork(scope, id, { workload: rollout });
    if (options.allowIngressController ?? true) {
      const routerPods = options.ingressController === undefined ? rollout.routerPods : undefined;
      if (routerPods === undefined) {
        network.allowFromIngressController(options.ingressController);
      } else if (routerPods.length === 0) {
        throw new Error(`LockedDownNetwork.forRollout cannot tell which pods route traffic to '${rollout.node.id}' from its traffic routing `
          + '(an existing HTTPRoute, or Istio with meshCallers [] and no ingress gateway): pass ingressController with the router\'s pods, '
          + 'or set allowIngressController to false and allowFrom the callers');
      } else {
        for (const pods of routerPods) {
          network.allowFrom(NetworkPeer.pods({ namespace: pods.namespace, labels: pods.podLabels }), [NetworkPort.tcp(rollout.trafficPort)]);
        }
      }
    }
    if (options.allowPrometheusScrape ?? true) network.allowPrometheusScrape(options.prometheus);
    const sidecar = (rollout.routerPods ?? []).find((pods) => pods.sidecar !== undefined)?.sidecar;
    if (sidecar !== undefined) {
      if ((options.allowPrometheusScrape ?? true) && sidecar.metricsPort !== (options.prometheus?.port ?? rollout.metricsPort)) {
        network.allowPrometheusScrape({ ...options.prometheus, port: sidecar.metricsPort });
      }
      if (options.allowSidecarControlPlane ?? true) {
        const { namespace, podLabels } = sidecar.controlPlane;
        network.allowTo(NetworkPeer.pods({ namespace, labels: podLabels }), [NetworkPort.tcp(sidecar.controlPlanePort)]);
      }
    }
    if (options.allowDns ?? true) network.allowDns(options.dns);
    return network;
  }

  /** Default-deny policy for a gate called by Argo Rollouts: only the controller may call it; it may reach only Prometheus and DNS. */
  public static forAnalysisGate(scope: Construct, id: string, gate: INetworkWorkload, options: AnalysisGateNetworkOptions = {}): LockedDownNetwork {
    const network = new LockedDownNetwork(scope, id, { workload: gate });
    network.allowFromArgoRolloutsController(options.argoRollouts);
    network.allowToPrometheus(options.prometheus);
    network.allowDns();
    if (options.allowPrometheusScrape ?? true) {
      network.allowPrometheusScrape({ namespace: options.prometheus?.namespace, podLabels: options.prometheus?.podLabels });
    }
    return network;
  }

  public readonly workload: INetworkWorkload;
  /** The policy of the stable (non-canary) pods. */
  public readonly policy: NetworkPolicy;
  /** The stricter policy of the canary pods; undefined when the workload has no canaryLabels. */
  public readonly canaryPolicy?: NetworkPolicy;
  private readonly _rules: NetworkRule[] = [];

  constructor(scope: Construct, id: string, props: LockedDownNetworkProps) {
    super(scope, id);
    const workload = props.workload;
    if (Object.keys(workload.podSelectorLabels).length === 0) {
      throw new Error('workload podSelectorLabels must not be empty, got {}; an empty selector would lock down every pod of the namespace');
    }
    const canaryLabels = workload.canaryLabels;
    if (canaryLabels !== undefined) {
      const keys = Object.keys(canaryLabels);
      if (keys.length !== 1) {
        throw new Error(`workload canaryLabels must hold exactly one label, got ${JSON.stringify(canaryLabels)}; use the rollout's canaryMetadata label such as track: canary`);
      }
      if (keys[0] in workload.podSelectorLabels) {
        throw new Error(`workload canaryLabels key ${keys[0]} must not be one of podSelectorLabels, got ${formatLabels(workload.podSelectorLabels)}`);
      }
    }
    this.workload = workload;
    const metadata = workload.namespace === undefined ? undefined : { namespace: workload.namespace };
    const deny = { default: NetworkPolicyTrafficDefault.DENY };

    this.policy = new NetworkPolicy(this, 'Resource', {
      metadata,
      selector: Pods.select(this, 'StableSelector', {
        labels: { ...workload.podSelectorLabels },
        expressions: canaryLabels ? notCanary(canaryLabels) : undefined,
      }),
      ingress: deny,
      egress: deny,
    });
    if (canaryLabels) {
      this.canaryPolicy = new NetworkPolicy(this, 'Canary', {
        metadata,
        selector: Pods.select(this, 'CanarySelector', { labels: { ...workload.podSelectorLabels, ...canaryLabels } }),
        ingress: deny,
        egress: deny,
      });
    }
  }

  /** The rules added so far, in order. */
  public get rules(): NetworkRule[] {
    return [...this._rules];
  }

  /** Lets the ingress controller's pods call the workload's traffic port. */
  public allowFromIngressController(options: IngressControllerOptions = {}): NetworkRule {
    return this.allowFrom(NetworkPeer.pods({
      namespace: options.namespace ?? 'ingress-nginx',
      labels: options.podLabels ?? { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    }), [NetworkPort.tcp(options.port ?? this.workload.trafficPort)]);
  }

  /** Lets Prometheus scrape the workload's metrics port, and only that port. Canary pods are scraped too. */
  public allowPrometheusScrape(options: PrometheusScrapeOptions = {}): NetworkRule {
    return this.allowFrom(prometheusPeer(options), [NetworkPort.tcp(options.port ?? this.workload.metricsPort)]);
  }

  /** Lets the workload resolve names with the cluster DNS, on 53 UDP and TCP. */
  public allowDns(options: DnsOptions = {}): NetworkRule {
    return this.allowTo(NetworkPeer.pods({
      namespace: options.namespace ?? 'kube-system',
      labels: options.podLabels ?? { 'k8s-app': 'kube-dns' },
    }), [NetworkPort.udp(53), NetworkPort.tcp(53)]);
  }

  /** Lets the Argo Rollouts controller (which runs the web metric provider) call the workload's traffic port. */
  public allowFromArgoRolloutsController(options: ArgoRolloutsControllerOptions = {}): NetworkRule {
    return this.allowFrom(NetworkPeer.pods({
      namespace: options.namespace ?? 'argo-rollouts',
      labels: options.podLabels ?? { 'app.kubernetes.io/name': 'argo-rollouts' },
      excludedLabels: options.excludedPodLabels ?? { 'app.kubernetes.io/component': ['rollouts-dashboard'] },
    }), [NetworkPort.tcp(options.port ?? this.workload.trafficPort)]);
  }

  /** Lets the workload query Prometheus' HTTP API. */
  public allowToPrometheus(options: PrometheusServerOptions = {}): NetworkRule {
    return this.allowTo(prometheusPeer(options), [NetworkPort.tcp(options.port ?? 9090)]);
  }

  /** Lets the workload open connections to `peer` on `ports`. */
  public allowTo(peer: NetworkPeer, ports: NetworkPort[], options: AllowOptions = {}): NetworkRule {
    return this.add(NetworkDirection.EGRESS, peer, ports, options, 'allowTo');
  }

  /** Lets `peer` open connections to the workload on `ports`. */
  public allowFrom(peer: NetworkPeer, ports: NetworkPort[], options: AllowOptions = {}): NetworkRule {
    return this.add(NetworkDirection.INGRESS, peer, ports, options, 'allowFrom');
  }

  private add(direction: NetworkDirection, peer: NetworkPeer, ports: NetworkPort[], options: AllowOptions, method: string): NetworkRule {
    if (ports.length === 0) {
      throw new Error(`${method} ports must list at least one port, got []; a rule without ports would open every port`);
    }
    const canary = options.canary ?? true;
    if (!canary && !this.canaryPolicy) {
      throw new Error(`${method} canary is false but workload ${this.workload.node.path} has no canaryLabels; drop the option or give the workload canaryLabels`);
    }
    const portText = ports.map(p => p.description).join(', ');
    const description = `${direction} ${direction === NetworkDirection.EGRESS ? 'to' : 'from'} ${peer.description} on ${portText}`;
    const duplicate = this._rules.find(r => r.description === description);
    if (duplicate) {
      throw new Error(`${method} duplicates the rule ${description} already added; remove the second call`);
    }
    const index = this._rules.length;
    const plusPeer = peer._toPlus(this, `Rule${index}Peer`);
    const plusPorts = ports.map(p => p._toPlus());
    const targets = canary && this.canaryPolicy ? [this.policy, this.canaryPolicy] : [this.policy];
    for (const target of targets) {
      if (direction === NetworkDirection.EGRESS) target.addEgressRule(plusPeer, plusPorts);
      else target.addIngressRule(plusPeer, plusPorts);
    }
    const rule: NetworkRule = { direction, peer, ports: [...ports], canary, description };
    this._rules.push(rule);
    return rule;
  }
}

function prometheusPeer(options: { readonly namespace?: string; readonly podLabels?: Record<string, string> }): NetworkPeer {
  return NetworkPeer.pods({
    namespace: options.namespace ?? 'monitoring',
    labels: options.podLabels ?? { 'app.kubernetes.io/name': 'prometheus' },
  });
}
