import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AnalysisMetricTiming, AnalysisTemplateArg, IAnalysisTemplate } from '../../lib';

/**
 * A minimal IAnalysisTemplate for rollout tests that do not need a real SloAnalysis: it emits
 * nothing and only describes its args and metric timing.
 */
export class TemplateRef extends Construct implements IAnalysisTemplate {
  public readonly clusterScope = false;
  constructor(scope: Construct, public readonly templateName: string,
    public readonly args: AnalysisTemplateArg[] = [],
    public readonly metrics: AnalysisMetricTiming[] = [metric('success-rate')]) {
    super(scope, templateName);
  }
}

export function metric(name: string, overrides: Partial<AnalysisMetricTiming> = {}): AnalysisMetricTiming {
  return {
    name, interval: Duration.seconds(30), count: 4, failureLimit: 0, inconclusiveLimit: 1,
    consecutiveErrorLimit: 2, window: Duration.minutes(1), dryRun: false, ...overrides,
  };
}
