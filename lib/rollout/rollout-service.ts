import { ServicePort, ServiceType } from 'cdk8s-plus-27';

/**
 * How the Services of a rollout's strategy are exposed (stable and canary, or active and preview): each
 * selects every pod of the rollout (the controller adds the pod-template hash), its `http` port to the pods'.
 */
export interface RolloutServiceProps {
  /**
   * `ServiceType.NODE_PORT` or `ServiceType.LOAD_BALANCER` to reach the rollout from outside the cluster without
   * an Ingress or a Gateway.
   * @default ServiceType.CLUSTER_IP
   */
  readonly type?: ServiceType;
  /**
   * Node port of the `http` port of the stable (canary) or active (blue-green) Service, with NodePort or
   * LoadBalancer. The canary or preview Service gets one the cluster picks: a node port belongs to one Service.
   * @default - picked by the cluster
   */
  readonly nodePort?: number;
  /**
   * Headless Services (`clusterIP: None`): DNS gives the pods' addresses, no virtual IP balances them (e.g. App Mesh,
   * or clients that balance themselves). Only with `ServiceType.CLUSTER_IP`.
   * @default false
   */
  readonly headless?: boolean;
  /** Annotations of the Services, e.g. a cloud load balancer's settings. @default - none */
  readonly annotations?: { [key: string]: string };
  /** Extra labels of the Services (`app.kubernetes.io/name` and `app.kubernetes.io/managed-by` are always set). @default - none */
  readonly labels?: { [key: string]: string };
  /**
   * More ports besides `http`, each named, e.g. `{ name: 'grpc', port: 9090, targetPort: 9090 }`. No nodePort:
   * both Services of the strategy carry these ports, and a node port belongs to one Service.
   * @default - `http` only
   */
  readonly extraPorts?: ServicePort[];
}
