import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CanaryRollout, CanaryStep, GateAuth, LockedDownNetwork, MeasurementOptions, NetworkPeer, NetworkPort, SliSource, SloAnalysis, SloGate,
  SloObjective, TrafficRouting,
} from '../lib';

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
  /** @default 2m */
  readonly maxTimeToAbort?: Duration;
  /** How canary traffic is split. @default - ingress-nginx, see AmasProdChart */
  readonly trafficRouting?: TrafficRouting;
}

/**
 * The objectives, each judged over the canary's own traffic of the last minute and failing only on
 * confident evidence (99.9% bounds, at least 50 requests): success rate >= 95%, p95 latency <= 3s, and
 * the error budget of a 99% objective: the release needs 5% of the service's 30-day budget left, and
 * the canary may not burn it faster than 2x.
 */
function objectives(): SloObjective[] {
  const window = Duration.minutes(1);
  return [
    SloObjective.successRate({ objective: 0.95, window }),
    SloObjective.latency({ quantile: 0.95, threshold: Duration.seconds(3), window }),
    SloObjective.errorBudget({ objective: 0.99, minBudgetRemaining: 0.05, window }),
  ];
}

/** Measure every 20s after a 20s delay; the first confidently failed measurement aborts. */
const MEASUREMENT: MeasurementOptions = { interval: Duration.seconds(20), initialDelay: Duration.seconds(20), failureLimit: 0 };

/**
 * The example: the amas-orchestrator service in namespace amas-prod, rolled out as a canary
 * 10% -> 25% -> 50% -> 75% -> 100% through ingress-nginx, judged by its own SLOs at 25/50/75 and in the
 * background, promoted in under 10 minutes and aborted in under 2.
 */
export class AmasProdChart extends Chart {
  public readonly rollout: CanaryRollout;
  /** The verdict service the step analysis calls. */
  public readonly gate: SloGate;
  /** The analysis run at 25%, 50% and 75% through the gate: three verdicts each. */
  public readonly stepAnalysis: SloAnalysis;
  /** The analysis that runs in the background from the first canary traffic until promotion. */
  public readonly backgroundAnalysis: SloAnalysis;
  public readonly network: LockedDownNetwork;

  constructor(scope: Construct, id: string, props: AmasProdProps = {}) {
    super(scope, id, { namespace: 'amas-prod', ...props });
    const namespace = this.namespace!;
    this.rollout = new CanaryRollout(this, 'amas-orchestrator', {
      namespace,
      image: 'ghcr.io/over7-maker/amas-orchestrator:1.4.2',
      port: 8080,
      replicas: 4,
      steps: CanaryStep.weightsWithPauses(props.weights ?? [10, 25, 50, 75], Duration.minutes(1)),
      trafficRouting: props.trafficRouting ?? TrafficRouting.nginx({
        host: 'orchestrator.amas.example.com',
        tlsSecretName: 'amas-orchestrator-tls',
        additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
      }),
      maxPromotionTime: props.maxPromotionTime ?? Duration.minutes(10),
      maxTimeToAbort: props.maxTimeToAbort,
    });

    // The gate judges the canary against the SLOs and against stable, and refuses to judge fewer than 50
    // requests: a step needs positive evidence. Its image is built from this repository's Dockerfile.
    // It answers only for the namespace whose token a call carries: the platform team keeps every tenant's
    // token in Secret slo-gate-tenant-tokens (key = namespace) next to the gate, and each tenant's own in
    // Secret slo-gate-token (key token) in its namespace, which the AnalysisRun reads (docs/gate-security.md).
    // The chart names the Secrets; it never holds a token.
    this.gate = new SloGate(this, 'slo-gate', {
      namespace,
      image: 'ghcr.io/over7-maker/slo-gate:0.1.0',
      auth: GateAuth.tenantTokens({ tenantTokensSecret: 'slo-gate-tenant-tokens', tokenSecret: { name: 'slo-gate-token', key: 'token' } }),
    });

    // Application metrics of the canary's own pods; the background template also emits the PodMonitor. Run
    // only in the background, its metrics are guards: they fail on confident harm and never pause for lack of data.
    const sli = (podMonitor: boolean) => SliSource.app({ matchLabels: this.rollout.podSelectorLabels, podMonitor });
    this.stepAnalysis = new SloAnalysis(this, 'amas-orchestrator-slo', {
      templateName: 'amas-orchestrator-slo', sli: sli(false), objectives: objectives(),
      // At low traffic the first verdict of a step comes before 50 requests: tolerate two inconclusive of three,
      // so one judged pass lets the step go on.
      measurement: { ...MEASUREMENT, count: 3, inconclusiveLimit: 2 },
      gate: this.gate, minRequests: 50,
    });
    this.backgroundAnalysis = new SloAnalysis(this, 'amas-orchestrator-slo-background', {
      templateName: 'amas-orchestrator-slo-background', sli: sli(true), objectives: objectives(), measurement: { ...MEASUREMENT, count: 0 },
    });
    this.rollout.addAnalysis({ templates: [this.stepAnalysis] }, { atWeights: [25, 50, 75] });
    this.rollout.addAnalysis({ templates: [this.backgroundAnalysis] }, { background: true });

    // Default deny; then the traffic router's pods, Prometheus scrapes and DNS; the database for every pod;
    // the external model API for stable pods only, so that a bad canary cannot run up costs there.
    // The router's pods (here the ingress-nginx controller) come from the rollout's traffic routing.
    this.network = LockedDownNetwork.forRollout(this, 'amas-orchestrator-network', this.rollout);
    this.network.allowTo(NetworkPeer.pods({ namespace: 'amas-data', labels: DATABASE_LABELS }), [NetworkPort.tcp(5432)]);
    this.network.allowTo(NetworkPeer.cidr(EXTERNAL_API_CIDR), [NetworkPort.tcp(443)], { canary: false });
  }
}
