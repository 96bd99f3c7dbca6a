import { IConstruct } from 'constructs';

/**
 * A workload whose pods a NetworkPolicy can select and that other policies can name as a peer.
 * CanaryRollout and SloGate implement it; a plain construct can too.
 */
export interface INetworkWorkload extends IConstruct {
  /**
   * Namespace of the workload's pods. Undefined means: the namespace the manifests are applied to,
   * which is then taken to be the same for every workload that leaves it undefined.
   */
  readonly namespace?: string;
  /** Labels every pod of the workload carries (stable and canary), e.g. `app.kubernetes.io/name: shop`. */
  readonly podSelectorLabels: Record<string, string>;
  /**
   * Labels only the canary pods carry (the rollout's canaryMetadata), e.g. `track: canary`.
   * Exactly one label, whose key is not among `podSelectorLabels`.
   * Undefined for workloads without canary pods.
   */
  readonly canaryLabels?: Record<string, string>;
  /** Container port that serves traffic. */
  readonly trafficPort: number;
  /** Container port that serves `/metrics` (may equal `trafficPort`). */
  readonly metricsPort: number;
  /**
   * The pods that route traffic to the workload (its traffic router's data plane), which
   * `LockedDownNetwork.forRollout` lets in. An empty list: the workload's router does not tell where they run.
   * @default - not routed: the ingress-nginx controller is assumed
   */
  readonly routerPods?: RouterPods[];
}

/** Pods of a traffic router's data plane, e.g. the ingress-nginx controller or a Gateway's proxies. */
export interface RouterPods {
  /** @default - the workload's namespace */
  readonly namespace?: string;
  /** Labels the pods carry. */
  readonly podLabels: Record<string, string>;
  /**
   * The router's sidecar in each of the workload's own pods, through which these pods reach the workload (Istio):
   * what that sidecar must reach, and where its metrics are scraped.
   * @default - no sidecar in the workload's pods
   */
  readonly sidecar?: MeshSidecar;
}

/** A service mesh's sidecar proxy in each pod of a workload (Istio's istio-proxy). */
export interface MeshSidecar {
  /** The control plane's pods the sidecar takes its configuration and certificates from (Istio: istiod). */
  readonly controlPlane: RouterPods;
  /** The control plane's port (Istio: 15012, xDS and the CA over TLS). */
  readonly controlPlanePort: number;
  /** The sidecar's own metrics port, outside its traffic capture (Istio: 15090, Envoy's `/stats/prometheus`). */
  readonly metricsPort: number;
}
