import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryRollout, CanaryStep, TrafficRouting } from '../lib';

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
  }
}
