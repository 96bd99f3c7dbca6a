import { ServicePort, ServiceType } from 'cdk8s-plus-27';
import { validateDnsLabel, validateInteger } from './internal-validation';

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

const RESERVED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/managed-by'];

/** @internal Throws unless the service settings are valid; `servicePort` is the http port's. */
export function validateServiceProps(s: RolloutServiceProps, servicePort: number): void {
  const type = s.type ?? ServiceType.CLUSTER_IP;
  if (type === ServiceType.EXTERNAL_NAME) {
    throw new Error('service type must be ClusterIP, NodePort or LoadBalancer, got ExternalName: an ExternalName Service selects no pod, '
      + 'so the controller could not switch it between versions');
  }
  if (s.nodePort !== undefined) {
    if (type === ServiceType.CLUSTER_IP) {
      throw new Error(`service nodePort (${s.nodePort}) needs type ServiceType.NODE_PORT or ServiceType.LOAD_BALANCER, got ClusterIP: set type or remove nodePort`);
    }
    validateInteger('service nodePort', s.nodePort, 1, 65535);
  }
  for (const key of Object.keys(s.labels ?? {})) {
    if (RESERVED_LABELS.includes(key)) {
      throw new Error(`service labels must not set '${key}': the rollout sets it on every object it emits; remove it`);
    }
  }
  const names = new Set(['http']);
  const ports = new Set([servicePort]);
  (s.extraPorts ?? []).forEach((p, i) => {
    const where = `service extraPorts[${i}]`;
    if (p.name === undefined) throw new Error(`${where}.name must be set: a Service with several ports names each, e.g. name: 'grpc'`);
    validateDnsLabel(`${where}.name`, p.name);
    if (names.has(p.name)) throw new Error(`${where}.name '${p.name}' is taken${p.name === 'http' ? ' by the traffic port' : ''}: give each port its own name`);
    names.add(p.name);
    validateInteger(`${where}.port`, p.port, 1, 65535);
    if (ports.has(p.port)) throw new Error(`${where}.port ${p.port} is taken by another port of the Service: give each port its own number`);
    ports.add(p.port);
    if (p.targetPort !== undefined) validateInteger(`${where}.targetPort`, p.targetPort, 1, 65535);
    if (p.nodePort !== undefined) {
      throw new Error(`${where}.nodePort must not be set, got ${p.nodePort}: both Services of the strategy carry the extra ports and a node port `
        + 'belongs to one Service; leave it to the cluster');
    }
  });
}
