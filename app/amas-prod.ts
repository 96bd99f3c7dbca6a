import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryRollout, CanaryStep, LockedDownNetwork, NetworkPeer, NetworkPort, TrafficRouting } from '../lib';

/** The PostgreSQL pods the orchestrator uses. */
export const DATABASE_LABELS = { 'app.kubernetes.io/name': 'amas-postgres' };
/** The external model API the orchestrator calls (a documentation range standing in for the provider's). */
export const EXTERNAL_API_CIDR = '203.0.113.0/24';

/** Settings of the example that a test (or a fork) may change. */
export interface AmasProdProps extends ChartProps {
  /** @default [10, 25, 50, 75] */
  readonly weights?: number[];
  /** @default 10m */
  readonly maxPromotionTime?: Duration;
}

/**
 * The example: the amas-orchestrator service in namespace amas-prod, rolled out as a canary
 * 10% -> 25% -> 50% -> 75% -> 100% through ingress-nginx.
 */
export class AmasProdChart extends Chart {
  public readonly rollout: CanaryRollout;
  public readonly network: LockedDownNetwork;

  constructor(scope: Construct, id: string, props: AmasProdProps = {}) {
    super(scope, id, { namespace: 'amas-prod', ...props });
    this.rollout = new CanaryRollout(this, 'amas-orchestrator', {
      namespace: 'amas-prod',
      image: 'ghcr.io/over7-maker/amas-orchestrator:1.4.2',
      port: 8080,
      replicas: 4,
      steps: CanaryStep.weightsWithPauses(props.weights ?? [10, 25, 50, 75], Duration.minutes(1)),
      trafficRouting: TrafficRouting.nginx({
        host: 'orchestrator.amas.example.com',
        tlsSecretName: 'amas-orchestrator-tls',
        additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
      }),
      maxPromotionTime: props.maxPromotionTime ?? Duration.minutes(10),
    });

    // Default deny; then the ingress controller, Prometheus scrapes and DNS; the database for every pod;
    // the external model API for stable pods only, so that a bad canary cannot run up costs there.
    this.network = LockedDownNetwork.forRollout(this, 'amas-orchestrator-network', this.rollout);
    this.network.allowTo(NetworkPeer.pods({ namespace: 'amas-data', labels: DATABASE_LABELS }), [NetworkPort.tcp(5432)]);
    this.network.allowTo(NetworkPeer.cidr(EXTERNAL_API_CIDR), [NetworkPort.tcp(443)], { canary: false });
  }
}
