import { Chart, Duration, Testing } from 'cdk8s';
import { AnalysisArg, BlueGreenRollout, BlueGreenRolloutProps, PodTemplateHash } from '../../lib';
import { metric, TemplateRef } from '../support/fake-template';
import { synthValid } from '../support/schema';

function make(props: Partial<BlueGreenRolloutProps> = {}, chart: Chart = Testing.chart()) {
  const rollout = new BlueGreenRollout(chart, 'web', { image: 'registry.example.com/web:1.2.3', ...props });
  return { chart, rollout };
}
const rolloutOf = (objs: any[]) => objs.find((o) => o.kind === 'Rollout');

describe('BlueGreenRollout', () => {
  test('defaults: active and preview Services, PDB, hardened pods, controller defaults for promotion', () => {
    // GIVEN only an image / WHEN synthesized and validated against the CRD
    const objs = synthValid(make().chart);
    // THEN
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'PodDisruptionBudget/web', 'Rollout/web', 'Service/web-active', 'Service/web-preview',
    ]);
    const r = rolloutOf(objs);
    expect(r.spec.strategy).toEqual({ blueGreen: { activeService: 'web-active', previewService: 'web-preview' } });
    expect(r.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(r.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(objs).toMatchSnapshot();
  });

  test('every prop reaches the strategy, analyses with their args', () => {
    // GIVEN pre- and post-promotion analyses and every strategy prop
    const chart = Testing.chart();
    const smoke = new TemplateRef(chart, 'smoke', [{ name: 'preview-hash', hasDefault: false }]);
    const slo = new TemplateRef(chart, 'slo');
    const { rollout } = make({
      replicas: 4, previewReplicaCount: 1, autoPromotionEnabled: true, autoPromotionDelay: Duration.seconds(60),
      scaleDownDelay: Duration.minutes(10), abortScaleDownDelay: Duration.seconds(5), scaleDownDelayRevisionLimit: 1,
      activeServiceName: 'web', previewServiceName: 'web-next',
      prePromotionAnalysis: { templates: [smoke], args: [AnalysisArg.podTemplateHash('preview-hash', PodTemplateHash.LATEST)] },
      postPromotionAnalysis: { templates: [slo] },
    }, chart);
    // WHEN
    const r = rolloutOf(synthValid(chart));
    // THEN
    expect(r.spec.strategy.blueGreen).toEqual({
      activeService: 'web', previewService: 'web-next', previewReplicaCount: 1,
      autoPromotionEnabled: true, autoPromotionSeconds: 60, scaleDownDelaySeconds: 600, scaleDownDelayRevisionLimit: 1,
      abortScaleDownDelaySeconds: 5,
      prePromotionAnalysis: { templates: [{ templateName: 'smoke' }], args: [{ name: 'preview-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] },
      postPromotionAnalysis: { templates: [{ templateName: 'slo' }] },
    });
    expect(rollout.activeServiceName).toBe('web');
  });

  test('plan: preview readiness, pre-promotion analysis and the auto-promotion delay add up', () => {
    const chart = Testing.chart();
    const { rollout } = make({ autoPromotionDelay: Duration.seconds(60), prePromotionAnalysis: { templates: [new TemplateRef(chart, 'smoke')] } }, chart);
    // readiness 10s + analysis 3 x 30s + 60s delay
    expect(rollout.plan.promotionSeconds).toBe(10 + 90 + 60);
    expect(rollout.plan.abort?.seconds).toBe(90);
  });

  test('fails when the plan exceeds maxPromotionTime', () => {
    const chart = Testing.chart();
    make({ maxPromotionTime: Duration.minutes(1), autoPromotionDelay: Duration.minutes(2) }, chart);
    expect(() => Testing.synth(chart)).toThrow('maxPromotionTime is 1m but the plan takes 2m10s to reach 100%');
  });

  test('fails on identical active and preview services', () => {
    expect(() => make({ activeServiceName: 'web', previewServiceName: 'web' })).toThrow(
      "previewServiceName and activeServiceName must differ, both are 'web': users reach the active version through one and the new version through the other");
  });
  test('fails on a pre-promotion analysis that never ends', () => {
    const chart = Testing.chart();
    make({ prePromotionAnalysis: { templates: [new TemplateRef(chart, 'bg', [], [metric('errors', { count: undefined })])] } }, chart);
    expect(() => Testing.synth(chart)).toThrow("prePromotionAnalysis uses metric 'errors' of template 'bg' which runs until stopped (interval without count): "
      + 'inline analysis steps need a finite count; set count, or run it as background analysis');
  });
  test('fails on a post-promotion analysis that never ends', () => {
    const chart = Testing.chart();
    make({ postPromotionAnalysis: { templates: [new TemplateRef(chart, 'bg', [], [metric('errors', { count: undefined })])] } }, chart);
    expect(() => Testing.synth(chart)).toThrow("postPromotionAnalysis uses metric 'errors' of template 'bg' which runs until stopped");
  });
  test('fails on a missing template arg', () => {
    const chart = Testing.chart();
    make({ prePromotionAnalysis: { templates: [new TemplateRef(chart, 'smoke', [{ name: 'preview-hash', hasDefault: false }])] } }, chart);
    expect(() => Testing.synth(chart)).toThrow("prePromotionAnalysis references template 'smoke' whose arg 'preview-hash' has no value");
  });
  test('fails on a preview larger than the rollout', () => {
    // GIVEN a preview of 3 pods for 2 replicas WHEN made THEN it fails, as this library's rule
    expect(() => make({ replicas: 2, previewReplicaCount: 3 })).toThrow(new Error('previewReplicaCount must be an integer between 1 and 2, got 3 '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: a preview of 0 pods gives the pre-promotion analysis nothing to judge, and one above replicas outgrows the rollout)'));
  });
  test('fails on an auto-promotion delay without auto-promotion', () => {
    // GIVEN a delay that a manual promotion ignores WHEN made THEN it fails, as this library's rule
    expect(() => make({ autoPromotionEnabled: false, autoPromotionDelay: Duration.seconds(30) }))
      .toThrow(new Error('autoPromotionDelay (30s) has no effect with autoPromotionEnabled false: remove one of them '
        + '(a rule of cdk8s-progressive, not of Argo Rollouts: the controller ignores the delay when a human promotes)'));
  });
  test('fails when scaleDownDelayRevisionLimit exceeds revisionHistoryLimit (the controller checks it for blue-green)', () => {
    // GIVEN 2 revisions in scale-down delay but only 1 kept WHEN made THEN it fails, as the controller would
    expect(() => make({ revisionHistoryLimit: 1, scaleDownDelayRevisionLimit: 2 }))
      .toThrow(new Error('scaleDownDelayRevisionLimit must be at most revisionHistoryLimit (1), got 2: lower it or raise revisionHistoryLimit'));
  });
  test('fails on a metadata fieldRef arg the controller cannot read', () => {
    expect(() => AnalysisArg.fieldRef('x', 'metadata.generation')).toThrow(
      "analysis arg 'x' fieldRef 'metadata.generation' is not a metadata field the controller can read: use metadata.name, metadata.namespace, metadata.uid, metadata.labels['key'] or metadata.annotations['key']");
  });
});
