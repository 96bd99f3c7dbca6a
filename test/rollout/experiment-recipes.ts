import { Chart, Duration } from 'cdk8s';
import {
  AnalysisArg, CanaryRollout, CanaryScale, CanaryStep, ExperimentSpecRef, SliSource, SloAnalysis, SloObjective, TrafficRouting,
} from '../../lib';

/**
 * The experiment recipes of docs/experiments.md: the page shows the code between the `recipe:` markers word for
 * word (test/rollout/experiment.test.ts checks it), and the tests synthesize each recipe.
 */

export function baselineVsCanary(chart: Chart): CanaryRollout {
  // recipe: baseline-vs-canary
  // Compare the new version with the old one on equal terms: two fresh ReplicaSets of 2 pods each, one of the
  // stable pod template (the baseline) and one of the canary's, each given 5% of the traffic through Istio. The
  // analysis compares their error ratios; it passes the two templates' pod-template hashes in place of the
  // rollout's stable and canary hashes, so it judges the experiment's pods, not the rollout's.
  const comparison = new SloAnalysis(chart, 'checkout-vs-baseline', {
    sli: SliSource.app({ matchLabels: { 'app.kubernetes.io/name': 'checkout' } }),
    objectives: [SloObjective.stableComparison({ tolerance: 0.01, window: Duration.minutes(1) })],
    measurement: { interval: Duration.seconds(30), count: 6, initialDelay: Duration.seconds(30) },
  });
  const rollout = new CanaryRollout(chart, 'checkout', {
    image: 'registry.example.com/checkout:2.3.1',
    trafficRouting: TrafficRouting.istio(),
    steps: [
      CanaryStep.experiment({
        templates: [
          { name: 'baseline', specRef: ExperimentSpecRef.STABLE, replicas: 2, weight: 5, labels: { experiment: 'baseline' } },
          { name: 'canary', specRef: ExperimentSpecRef.CANARY, replicas: 2, weight: 5, labels: { experiment: 'canary' } },
        ],
        analyses: [{
          name: 'compare', template: comparison, requiredForCompletion: true, // the step ends when the comparison has passed
          args: [
            AnalysisArg.experimentPodTemplateHash('canary-hash', 'canary'),
            AnalysisArg.experimentPodTemplateHash('stable-hash', 'baseline'),
          ],
        }],
      }),
      ...CanaryStep.weightsWithPauses([25, 50, 75], Duration.minutes(1)),
    ],
  });
  // recipe: end
  return rollout;
}

export function canaryPreview(chart: Chart): CanaryRollout {
  // recipe: canary-preview
  // Run the new version with no user traffic first: a preview ReplicaSet of the canary's pod template behind its
  // own Service, checkout-preview, for testers and smoke tests. The step has no duration, so the rollout waits
  // there until someone runs `kubectl argo rollouts promote checkout`; then the preview is removed and the
  // weighted steps begin. Any router works: the preview takes no weight.
  const rollout = new CanaryRollout(chart, 'checkout', {
    image: 'registry.example.com/checkout:2.3.1',
    trafficRouting: TrafficRouting.nginx({ host: 'checkout.example.com' }),
    steps: [
      CanaryStep.experiment({
        templates: [{ name: 'preview', specRef: ExperimentSpecRef.CANARY, serviceName: 'checkout-preview', labels: { experiment: 'preview' } }],
      }),
      ...CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
    ],
  });
  // recipe: end
  return rollout;
}

export function canaryPreviewWithoutExperiment(chart: Chart): CanaryRollout {
  // recipe: canary-preview-scale
  // The same without an Experiment: one canary pod at weight 0, reachable through the canary Service
  // (checkout-canary) only, until promoted. Needs traffic routing, which keeps the weight apart from the scale.
  const rollout = new CanaryRollout(chart, 'checkout', {
    image: 'registry.example.com/checkout:2.3.1',
    trafficRouting: TrafficRouting.nginx({ host: 'checkout.example.com' }),
    steps: [
      CanaryStep.canaryScale(CanaryScale.replicas(1)),
      CanaryStep.weight(0),
      CanaryStep.pause(),
      CanaryStep.canaryScale(CanaryScale.matchTrafficWeight()),
      ...CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
    ],
  });
  // recipe: end
  return rollout;
}
