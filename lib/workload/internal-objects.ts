/**
 * The objects around the pods of a workload (internal): the labels every emitted object carries, the Services
 * selecting the pods and the PodDisruptionBudget. Shared by the rollouts and the slo-gate.
 */
import { k8s, ServicePort } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { pdbMaxUnavailable, ResolvedWorkload } from './resolved-workload';
import { AppWorkloadProps } from './workload';

/** Labels of every object a rollout construct or the slo-gate emits. */
export function objectLabels(w: ResolvedWorkload): { [key: string]: string } {
  return { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/managed-by': 'cdk8s-progressive' };
}

/** What a Service for every pod of a workload needs. */
export interface ServiceOptions {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: { [key: string]: string };
  readonly selectorLabels: { [key: string]: string };
  readonly servicePort: number;
  /** @default ClusterIP */
  readonly type?: string;
  /** `clusterIP: None`. @default false */
  readonly headless?: boolean;
  readonly annotations?: { [key: string]: string };
  readonly nodePort?: number;
  readonly extraPorts?: ServicePort[];
  /** Container port the http port targets. @default - the pods' port named `http` */
  readonly targetPort?: number;
}

/** A Service selecting every pod of a workload, its http port to the pods' traffic port. */
export function addService(scope: Construct, id: string, o: ServiceOptions): void {
  new k8s.KubeService(scope, id, {
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels, annotations: o.annotations },
    spec: {
      type: o.type ?? 'ClusterIP',
      clusterIp: o.headless ? 'None' : undefined,
      selector: o.selectorLabels,
      ports: [
        {
          name: 'http', port: o.servicePort, nodePort: o.nodePort, protocol: 'TCP',
          targetPort: o.targetPort === undefined ? k8s.IntOrString.fromString('http') : k8s.IntOrString.fromNumber(o.targetPort),
        },
        ...(o.extraPorts ?? []).map((p) => ({
          name: p.name, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: k8s.IntOrString.fromNumber(p.targetPort ?? p.port),
        })),
      ],
    },
  });
}

/** The PodDisruptionBudget: node drains take down at most maxUnavailable pods at once. */
export function addPdb(scope: Construct, w: ResolvedWorkload, props: AppWorkloadProps): void {
  new k8s.KubePodDisruptionBudget(scope, 'Pdb', {
    metadata: { name: w.name, namespace: w.namespace, labels: objectLabels(w) },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(pdbMaxUnavailable(props)),
      selector: { matchLabels: w.selectorLabels },
    },
  });
}
