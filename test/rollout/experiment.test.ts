import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { AnalysisArg, CanaryRollout, CanaryRolloutProps, CanaryScale, CanaryStep, ExperimentSpecRef, ExperimentStepProps, SliSource, SloAnalysis, StringMatch, TrafficRouting } from '../../lib';
import { canaryPlan, formatPlan } from '../../lib/rollout/plan';
import { parseManifest, planRollouts } from '../../tools/cli/src/plan/manifests';
import * as rehearsal from '../../tools/cli/src/rehearsal/rehearse';
import { metric, TemplateRef } from '../support/fake-template';
import { synthValid } from '../support/schema';
import { ROOT } from '../support/synth';
import { baselineVsCanary, canaryPreview, canaryPreviewWithoutExperiment } from './experiment-recipes';

const istio = () => TrafficRouting.istio();
const canaryTemplate = { name: 'canary', specRef: ExperimentSpecRef.CANARY };
const baselineTemplate = { name: 'baseline', specRef: ExperimentSpecRef.STABLE };

function make(steps: (chart: Chart) => CanaryStep[], props: Partial<CanaryRolloutProps> = {}): { chart: Chart; rollout: CanaryRollout } {
  const chart = Testing.chart();
  const rollout = new CanaryRollout(chart, 'web', {
    image: 'registry.example.com/web:1.2.3', trafficRouting: istio(), steps: steps(chart), ...props,
  });
  return { chart, rollout };
}
const stepsOf = (objs: any[]) => objs.find((o) => o.kind === 'Rollout').spec.strategy.canary.steps;
/** An analysis template of 3 measurements 20s apart after 10s (a 50s run), with a 1m window. */
const slo = (chart: Chart, name = 'slo', overrides = {}, metricName = 'success-rate') => new TemplateRef(chart, name, [],
  [metric(metricName, { initialDelay: Duration.seconds(10), interval: Duration.seconds(20), count: 3, ...overrides })]);

describe('CanaryStep.experiment', () => {
  test('renders Argo\'s experiment step, schema-valid: templates, weights with their Service, labels, selector, analyses, dry run', () => {
    // GIVEN an experiment with a baseline and a canary template and two analyses
    const { chart } = make((c) => [CanaryStep.experiment({
      templates: [
        { ...baselineTemplate, replicas: 2, weight: 10, labels: { experiment: 'baseline' }, annotations: { note: 'b' } },
        { ...canaryTemplate, replicas: 2, weight: 10, labels: { experiment: 'canary' }, selector: { experiment: 'canary' }, serviceName: 'web-exp-canary' },
        { name: 'preview', specRef: ExperimentSpecRef.CANARY, createService: true },
      ],
      duration: Duration.minutes(5),
      analyses: [
        { name: 'compare', template: slo(c), args: [AnalysisArg.experimentPodTemplateHash('canary-hash', 'canary'), AnalysisArg.value('x', '1')] },
        { name: 'health', template: slo(c, 'health', {}, 'latency'), requiredForCompletion: true },
      ],
      dryRunMetrics: ['success-rate'],
    }), CanaryStep.weight(50)], { maxTimeToAbort: Duration.minutes(10) });
    // WHEN synthesized and validated against the v1.9.1 CRD (unknown fields rejected)
    const objs = synthValid(chart);
    // THEN
    expect(stepsOf(objs)[0]).toEqual({
      experiment: {
        templates: [
          { name: 'baseline', specRef: 'stable', replicas: 2, weight: 10, service: {}, metadata: { labels: { experiment: 'baseline' }, annotations: { note: 'b' } } },
          { name: 'canary', specRef: 'canary', replicas: 2, weight: 10, service: { name: 'web-exp-canary' }, metadata: { labels: { experiment: 'canary' } },
            selector: { matchLabels: { experiment: 'canary' } } },
          { name: 'preview', specRef: 'canary', service: {} },
        ],
        duration: '5m',
        analyses: [
          { name: 'compare', templateName: 'slo', args: [{ name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' }, { name: 'x', value: '1' }] },
          { name: 'health', templateName: 'health', requiredForCompletion: true },
        ],
        dryRun: [{ metricName: 'success-rate' }],
      },
    });
  });

  test('a template without weight, Service or labels is just its name and specRef; the Gateway API takes weights', () => {
    const { chart, rollout } = make(() => [CanaryStep.experiment({ templates: [canaryTemplate], duration: Duration.seconds(90) })]);
    expect(stepsOf(synthValid(chart))[0]).toEqual({ experiment: { templates: [{ name: 'canary', specRef: 'canary' }], duration: '1m30s' } });
    expect(rollout.steps[0].description).toBe('experiment canary 1m30s');
    const gateway = TrafficRouting.gatewayApi({ gatewayName: 'gw', gatewayNamespace: 'infra', hostnames: ['web.example.com'] });
    const routed = make(() => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, weight: 20 }] })], { trafficRouting: gateway });
    expect(stepsOf(synthValid(routed.chart))[0].experiment.templates[0]).toEqual({ name: 'canary', specRef: 'canary', weight: 20, service: {} });
  });

  test('a ClusterAnalysisTemplate is referenced with clusterScope; the template args are filled in as for analysis steps', () => {
    const chart = Testing.chart();
    const cluster = Object.assign(new TemplateRef(chart, 'cluster-slo', [{ name: 'canary-hash', hasDefault: false, rolloutValueFrom: { podTemplateHashValue: 'Latest' } }]),
      { clusterScope: true });
    const step = CanaryStep.experiment({ templates: [canaryTemplate], analyses: [{ name: 'a', template: cluster, requiredForCompletion: true }] });
    expect(step._spec.experiment!.analyses).toEqual([{
      name: 'a', templateName: 'cluster-slo', clusterScope: true, requiredForCompletion: true,
      args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    }]);
  });
});

describe('CanaryStep.experiment refusals', () => {
  const fails = (props: ExperimentStepProps, message: string) => expect(() => CanaryStep.experiment(props)).toThrow(new Error(message));
  const chart = Testing.chart();

  test('fails without templates', () => {
    fails({ templates: [] }, 'experiment needs at least one template, got none: add ExperimentSpecRef.CANARY (and STABLE for a baseline) templates');
  });

  test('fails on a template name that is not a DNS label, or repeated', () => {
    fails({ templates: [{ ...canaryTemplate, name: 'Canary' }] }, "experiment template name must be a DNS-1123 label (lowercase letters, digits and '-', "
      + "starting and ending with a letter or digit, at most 63 characters), got 'Canary'");
    fails({ templates: [canaryTemplate, { ...baselineTemplate, name: 'canary' }] },
      "experiment template name 'canary' is used twice: the controller refuses repeated template names, rename one");
  });

  test('fails on replicas and weights out of range', () => {
    fails({ templates: [{ ...canaryTemplate, replicas: -1 }] }, "experiment template 'canary' replicas must be an integer >= 0, got -1");
    fails({ templates: [{ ...canaryTemplate, weight: 120 }] }, "experiment template 'canary' weight must be an integer between 0 and 100, got 120");
  });

  test('fails on createService false with a weight or a serviceName', () => {
    fails({ templates: [{ ...canaryTemplate, weight: 5, createService: false }] }, "experiment template 'canary' sets createService false with weight: "
      + 'the controller creates a Service for a weighted or named template; remove createService');
  });

  test('fails on a selector that does not match the template\'s labels, or is empty', () => {
    fails({ templates: [{ ...canaryTemplate, labels: { role: 'a' }, selector: { role: 'b' } }] },
      "experiment template 'canary' selector role=b does not match its label role=a: the ReplicaSet's selector must match its pods, use the same value");
    fails({ templates: [{ ...canaryTemplate, selector: {} }] },
      "experiment template 'canary' selector is empty: the controller refuses a selector that selects every pod; give labels or leave selector out");
  });

  test('fails on a duration of 0 or a fraction of a second', () => {
    fails({ templates: [canaryTemplate], duration: Duration.seconds(0) }, 'experiment duration must be above 0, got 0s: set a duration, or leave it out to '
      + 'wait for promotion (a rule of cdk8s-progressive, not of Argo Rollouts: a duration of 0 ends the experiment as soon as its pods are available, '
      + 'before any analysis has measured)');
    fails({ templates: [canaryTemplate], duration: Duration.millis(1500) }, 'experiment duration must be a whole number of seconds, got 1.5s: round it '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: this library writes durations and plans in whole seconds)');
  });

  test('fails on a repeated analysis name, and on an arg naming a template the step does not have', () => {
    fails({ templates: [canaryTemplate], analyses: [{ name: 'a', template: slo(chart, 'a1') }, { name: 'a', template: slo(chart, 'a2') }] },
      "experiment analysis name 'a' is used twice: each analysis needs its own name, rename one");
    fails({ templates: [canaryTemplate], analyses: [{ name: 'a', template: slo(chart, 'a3'), args: [AnalysisArg.experimentPodTemplateHash('h', 'baseline')] }] },
      "experiment analysis 'a' arg 'h' refers to template 'baseline', which the step does not have: use one of 'canary'");
  });

  test('fails on a dryRunMetrics entry that matches no metric, or is no regular expression', () => {
    fails({ templates: [canaryTemplate], analyses: [{ name: 'a', template: slo(chart, 'd1') }], dryRunMetrics: ['latency'] },
      "experiment dryRunMetrics 'latency' matches no metric of the analyses (success-rate): the controller fails such an analysis, fix the name or remove it");
    fails({ templates: [canaryTemplate], dryRunMetrics: ['('] },
      "experiment dryRunMetrics '(' is not a regular expression: use a metric name or a pattern such as '.*'");
  });
});

describe('experiment steps in a CanaryRollout', () => {
  const weighted = () => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, weight: 10 }] })];

  test('fails on a weight without traffic routing, or with NGINX, which the controller refuses', () => {
    expect(() => make(weighted, { trafficRouting: undefined })).toThrow(new Error("step 0 (experiment) template 'canary' sets weight 10, which needs "
      + 'TrafficRouting.istio, TrafficRouting.gatewayApi or TrafficRouting.custom with alb, smi, istio or plugins, got no traffic routing: the controller refuses experiment weights without traffic routing; '
      + 'set trafficRouting or remove weight'));
    expect(() => make(weighted, { trafficRouting: TrafficRouting.nginx({ host: 'web.example.com' }) })).toThrow(new Error("step 0 (experiment) template "
      + "'canary' sets weight 10, which needs TrafficRouting.istio, TrafficRouting.gatewayApi or TrafficRouting.custom with alb, smi, istio or plugins, "
      + 'got nginx: the controller gives experiment weights through ALB, SMI, Istio and plugin routers only, not NGINX; remove weight (reach the template '
      + 'through its Service with createService) or change router'));
  });

  test('takes a weight through a custom ALB, SMI or plugin router, as the controller does; refuses one through a custom Ambassador router', () => {
    for (const spec of [{ alb: { ingress: 'web', servicePort: 80 } }, { smi: { rootService: 'web' } }, { plugins: { 'acme/router': {} } }]) {
      expect(() => make(weighted, { trafficRouting: TrafficRouting.custom({ spec }) })).not.toThrow();
    }
    expect(() => make(weighted, { trafficRouting: TrafficRouting.custom({ spec: { ambassador: { mappings: ['web'] } } }) })).toThrow(new Error(
      "step 0 (experiment) template 'canary' sets weight 10, which needs TrafficRouting.istio, TrafficRouting.gatewayApi or TrafficRouting.custom with "
      + 'alb, smi, istio or plugins, got custom: the controller gives experiment weights through ALB, SMI, Istio and plugin routers only, not this one; '
      + 'remove weight (reach the template through its Service with createService) or change router'));
  });

  test('fails when the weights before the step and of its templates add up to more than 100', () => {
    expect(() => make(() => [CanaryStep.weight(80), CanaryStep.experiment({ templates: [{ ...canaryTemplate, weight: 15 }, { ...baselineTemplate, weight: 15 }] })]))
      .toThrow(new Error('step 1 (experiment) sends 110% of the traffic: setWeight 80 before it plus template weights canary 15, baseline 15; lower them to 100 '
        + 'together (a rule of cdk8s-progressive, not of Argo Rollouts: the stable Service gets 100 minus all of them, and the routers clamp a negative share to 0)'));
    expect(() => make(() => [CanaryStep.weight(80), CanaryStep.experiment({ templates: [{ ...canaryTemplate, weight: 20 }] })])).not.toThrow();
  });

  test('fails on a selector label the pods do not carry; accepts the rollout\'s own and the track labels', () => {
    expect(() => make(() => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, selector: { tier: 'web' } }] })]))
      .toThrow(new Error("step 0 (experiment) template 'canary' selector tier=web does not select its pods, which carry no label tier: "
        + "add tier: 'web' to the template's labels, or fix the selector"));
    expect(() => make(() => [CanaryStep.experiment({ templates: [{ ...baselineTemplate, selector: { track: 'canary' } }] })]))
      .toThrow("step 0 (experiment) template 'baseline' selector track=canary does not select its pods, which carry track=stable");
    const ok = make(() => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, selector: { 'app.kubernetes.io/name': 'web', 'track': 'canary' } }] })]);
    expect(() => synthValid(ok.chart)).not.toThrow();
  });

  test('fails on a template whose Service, named by the controller, would outgrow 63 characters; a serviceName avoids it', () => {
    const long = 'an-experiment-template-name-that-is-longer';
    expect(() => make(() => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, name: long, weight: 10 }] })]))
      .toThrow(new Error(`step 0 (experiment) template '${long}' gets a Service named <rollout>-<pod-template-hash>-<revision>-0-${long}, up to 64 characters `
        + 'by revision 9999, above the 63 a Service name may have: set serviceName or shorten the template name (a rule of cdk8s-progressive, not of '
        + 'Argo Rollouts: the Service fails to be created, which errors the experiment and aborts the rollout, once the name outgrows 63 characters)'));
    expect(() => make(() => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, name: long, weight: 10, serviceName: 'web-exp' }] })])).not.toThrow();
    expect(() => make(() => [CanaryStep.experiment({ templates: [{ ...canaryTemplate, name: long }] })])).not.toThrow();
  });

  test('fails at synth on an analysis that runs until stopped when one is requiredForCompletion; a duration ends it otherwise', () => {
    const steps = (required: boolean) => (c: Chart) => [CanaryStep.experiment({
      templates: [canaryTemplate], duration: Duration.minutes(5),
      analyses: [{ name: 'req', template: slo(c, 'req'), requiredForCompletion: required }, { name: 'bg', template: slo(c, 'endless', { count: undefined }) }],
    })];
    expect(() => Testing.synth(make(steps(true), { maxTimeToAbort: Duration.minutes(10) }).chart)).toThrow("step 0 (experiment) analysis 'bg' metric "
      + "'success-rate' of template 'endless' runs until stopped (interval without count), but analysis 'req' is requiredForCompletion: set a count, or drop "
      + 'requiredForCompletion and set a duration (a rule of cdk8s-progressive, not of Argo Rollouts: with a requiredForCompletion analysis the experiment '
      + 'waits for every analysis to complete, so it would never end)');
    expect(() => synthValid(make(steps(false), { maxTimeToAbort: Duration.minutes(10) }).chart)).not.toThrow();
  });

  test('an SloAnalysis without count judges as a step with a required analysis (4 measurements), else as a background guard', () => {
    const sloOf = (c: Chart) => new SloAnalysis(c, 'slo', { sli: SliSource.app({ matchLabels: { 'app.kubernetes.io/name': 'web' } }) });
    const counts = (required: boolean) => {
      let analysis: SloAnalysis | undefined;
      make((c) => [CanaryStep.experiment({ templates: [canaryTemplate], duration: Duration.minutes(5),
        analyses: [{ name: 'a', template: analysis = sloOf(c), requiredForCompletion: required }] })]);
      return analysis!.metrics.map((m) => m.count);
    };
    expect(counts(true)).toEqual([4, 4]);
    expect(counts(false)).toEqual([undefined, undefined]);
  });

  test('fails at synth on an experiment template\'s hash passed to an analysis step or the background analysis', () => {
    const { chart, rollout } = make((c) => [CanaryStep.weight(10),
      CanaryStep.analysis({ templates: [slo(c)], args: [AnalysisArg.experimentPodTemplateHash('canary-hash', 'canary')] })]);
    rollout.addAnalysis({ templates: [slo(chart, 'bg')], args: [AnalysisArg.experimentPodTemplateHash('h', 'canary')] }, { background: true });
    expect(() => Testing.synth(chart)).toThrow("step 1 (analysis) passes arg 'canary-hash' = '{{templates.canary.podTemplateHash}}', which only an experiment "
      + "step's analysis resolves: pass it in CanaryStep.experiment's analyses, or use AnalysisArg.podTemplateHash (a rule of cdk8s-progressive, not of "
      + 'Argo Rollouts: elsewhere the analysis receives the placeholder as it is, and its queries select nothing)');
    expect(() => Testing.synth(chart)).toThrow("backgroundAnalysis passes arg 'h' = '{{templates.canary.podTemplateHash}}'");
  });

  test('fails at synth on an analysis arg the template needs and nobody passes, as for analysis steps', () => {
    const { chart } = make((c) => [CanaryStep.experiment({
      templates: [canaryTemplate], duration: Duration.minutes(1),
      analyses: [{ name: 'a', template: new TemplateRef(c, 'needs-arg', [{ name: 'service', hasDefault: false }]) }],
    })]);
    expect(() => Testing.synth(chart)).toThrow("step 0 (experiment) analysis 'a' references template 'needs-arg' whose arg 'service' has no value: "
      + "pass it with AnalysisArg.value('service', ...), AnalysisArg.podTemplateHash(...) or AnalysisArg.fieldRef(...)");
  });
});

describe('plan timing of experiment steps', () => {
  // The rollout's pods are ready 10s after they start (a 5s readiness period and 5s minReadySeconds).
  const template = { spec: { containers: [{ readinessProbe: { periodSeconds: 5 } }] } };
  const spec = (steps: object[]) => ({ minReadySeconds: 5, template, strategy: { canary: { steps, trafficRouting: { istio: {} } } } });
  const run50s = [metric('success-rate', { initialDelay: Duration.seconds(10), interval: Duration.seconds(20), count: 3 })];
  const run90s = [metric('latency', { interval: Duration.seconds(30), count: 4 })];
  const lookup = (name: string) => ({ fast: run50s, slow: run90s } as any)[name];
  const experiment = (extra: object) => ({ experiment: { templates: [{ name: 'canary', specRef: 'canary' }], ...extra } });
  const rows = (steps: object[]) => canaryPlan(spec(steps), lookup).steps.map((s) => [s.description, s.startSeconds, s.seconds, s.terms]);

  test('with a duration: the pods\' readiness, then the duration; analyses that are not required do not lengthen it', () => {
    expect(rows([experiment({ duration: '2m', analyses: [{ name: 'a', templateName: 'slow' }] }), { setWeight: 50 }])).toEqual([
      ['experiment canary', 0, 130, ['experiment pods readiness 10s', 'duration 2m']],
      ['setWeight 50', 130, 10, ['pod readiness 10s (1 canary pod)']],
    ]);
  });

  test('with a requiredForCompletion analysis: until every analysis has completed, whatever the duration', () => {
    const analyses = [{ name: 'a', templateName: 'fast', requiredForCompletion: true }, { name: 'b', templateName: 'slow' }];
    expect(rows([experiment({ duration: '10m', analyses })])[0]).toEqual(
      ['experiment canary', 0, 100, ['experiment pods readiness 10s', 'analyses 1m30s (requiredForCompletion: until every analysis completes)']]);
    expect(rows([experiment({ analyses: [analyses[0]] })])[0][2]).toBe(60);
  });

  test('with neither: indefinite, until a human promotes', () => {
    const plan = canaryPlan(spec([experiment({ analyses: [{ name: 'a', templateName: 'fast' }] }), { setWeight: 50 }]), lookup);
    expect([plan.steps[0].seconds, plan.steps[0].terms[1], plan.promotionSeconds])
      .toEqual([Infinity, 'no duration and no requiredForCompletion analysis: waits for a human to promote', Infinity]);
  });

  test('its analyses start when the pods are available and count in the time to abort, as analysis steps do', () => {
    // GIVEN a first weight of 10%, then an experiment whose canary takes 10% more
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '1m' } },
      { experiment: { templates: [{ name: 'canary', specRef: 'canary', weight: 10 }], duration: '5m', analyses: [{ name: 'a', templateName: 'fast' }] } }]), lookup);
    // THEN the analysis starts 10s into the step (70s after the canary's first traffic) and aborts within 80s of starting
    expect(plan.analyses).toEqual([expect.objectContaining({ description: 'experiment analysis a at step 2 (fast)', background: false, startSeconds: 80, seconds: 50 })]);
    expect(plan.steps[2].terms).toEqual(['experiment pods readiness 10s', 'traffic canary 10%', 'duration 5m']);
    expect(plan.abort).toMatchObject({ analysis: 'experiment analysis a at step 2 (fast)', startsAfter: 70, seconds: 70 + 80 });
  });

  test('without a required analysis, the duration stops the runs: one that cannot abort within it counts for nothing', () => {
    // GIVEN a 1m experiment whose analysis needs 80s at worst to abort (a 1m window and a 20s interval)
    const plan = canaryPlan(spec([{ setWeight: 10 }, experiment({ duration: '1m', analyses: [{ name: 'a', templateName: 'fast' }] })]), lookup);
    // THEN no analysis of the plan can abort, and the step says why
    expect([plan.analyses, plan.abort]).toEqual([[], undefined]);
    expect(plan.steps[1].terms[2]).toBe('experiment analysis a at step 1 (fast) cannot abort within the 1m duration (worst case 1m20s)');
    // AND with 2m it can; the run is cut at the duration
    const longer = canaryPlan(spec([{ setWeight: 10 }, experiment({ duration: '2m', analyses: [{ name: 'a', templateName: 'slow' }] })]), lookup);
    expect(longer.analyses.map((a) => a.seconds)).toEqual([90]);
    expect(longer.abort?.analysis).toBe('experiment analysis a at step 1 (slow)');
  });

  test('the step\'s dryRun keeps a metric from aborting; a weighted canary template is the canary\'s first traffic', () => {
    const plan = canaryPlan(spec([experiment({
      templates: [{ name: 'canary', specRef: 'canary', weight: 5 }], duration: '5m',
      analyses: [{ name: 'a', templateName: 'fast' }], dryRun: [{ metricName: 'success' }],
    })]), lookup);
    expect([plan.analyses[0].metrics[0].dryRun, plan.abort, plan.canaryStartSeconds]).toEqual([true, undefined, 10]);
  });

  test('the construct\'s plan and the plan read from its manifests agree', () => {
    // GIVEN the baseline-vs-canary recipe, synthesized and written as YAML
    const chart = Testing.chart();
    const rollout = baselineVsCanary(chart);
    const yaml = Testing.synth(chart).map((o) => stringify(o)).join('---\n');
    // WHEN planned from the manifests
    const [p] = planRollouts(parseManifest('checkout.yaml', yaml));
    // THEN the figures are the construct's
    expect(formatPlan(p.plan)).toEqual(formatPlan(rollout.plan));
    expect(p.plan.steps[0]).toMatchObject({ description: 'experiment baseline+canary', seconds: 10 + 30 + 5 * 30 });
  });
});

describe('CanaryStep.fromArgoJson', () => {
  test('a known kind becomes the typed factory\'s step: same spec, same checks, planned', () => {
    const cases: Array<[object, CanaryStep]> = [
      [{ setWeight: 20 }, CanaryStep.weight(20)],
      [{ pause: {} }, CanaryStep.pause()],
      [{ pause: { duration: '1m30s' } }, CanaryStep.pause(Duration.seconds(90))],
      [{ pause: { duration: 45 } }, CanaryStep.pause(Duration.seconds(45))],
      [{ setCanaryScale: { replicas: 2 } }, CanaryStep.canaryScale(CanaryScale.replicas(2))],
      [{ setHeaderRoute: { name: 'h', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] } },
        CanaryStep.setHeaderRoute('h', { 'x-canary': StringMatch.exact('yes') })],
      [{ setHeaderRoute: { name: 'h' } }, CanaryStep.removeHeaderRoute('h')],
      [{ setMirrorRoute: { name: 'm', percentage: 10, match: [{ path: { prefix: '/' } }] } },
        CanaryStep.mirrorRoute({ name: 'm', percentage: 10, matches: [{ path: StringMatch.prefix('/') }] })],
    ];
    for (const [json, typed] of cases) {
      const step = CanaryStep.fromArgoJson(json);
      expect([step.action, step._spec, step.description]).toEqual([typed.action, typed._spec, typed.description]);
    }
    expect(() => CanaryStep.fromArgoJson({ setWeight: 120 })).toThrow('setWeight must be an integer between 0 and 100, got 120');
  });

  test('raw steps synthesize schema-valid and the plan counts them; a plugin step is passed as given and listed as not timed', () => {
    const { chart, rollout } = make(() => [CanaryStep.fromArgoJson({ setWeight: 20 }), CanaryStep.fromArgoJson({ pause: { duration: '30s' } }),
      CanaryStep.fromArgoJson({ plugin: { name: 'acme/notify', config: { channel: 'releases' } } })]);
    expect(stepsOf(synthValid(chart))).toEqual([{ setWeight: 20 }, { pause: { duration: '30s' } }, { plugin: { name: 'acme/notify', config: { channel: 'releases' } } }]);
    expect(rollout.plan.steps.map((s) => [s.description, s.seconds, s.terms])).toEqual([
      ['setWeight 20', 10, ['pod readiness 10s (1 canary pod)']], ['pause 30s', 30, ['pause 30s']], ['plugin', 0, ['not timed']],
      ['promote: canary scaled to 3 pods', 10, ['pod readiness 10s (3 canary pods)']],
    ]);
    expect(rollout.steps[2].description).toBe('plugin acme/notify');
  });

  test.each([
    [{ setWeigth: 20 }, "CanaryStep.fromArgoJson: 'setWeigth' is not a canary step field of Argo Rollouts v1.9.1: use one of setWeight, pause, setCanaryScale, "
      + 'setHeaderRoute, setMirrorRoute, plugin, analysis, experiment'],
    [{}, 'CanaryStep.fromArgoJson needs one of setWeight, pause, setCanaryScale, setHeaderRoute, setMirrorRoute, plugin, analysis, experiment, got {}: '
      + 'the controller refuses an empty step'],
    [{ setWeight: 20, pause: {} }, 'CanaryStep.fromArgoJson takes one kind per step, got setWeight and pause: split it into one step per kind '
      + '(the controller refuses a step with more than one of setWeight, pause, experiment, analysis)'],
    [{ setWeight: 20, setCanaryScale: { replicas: 1 } }, 'CanaryStep.fromArgoJson takes one kind per step, got setWeight and setCanaryScale: split it into '
      + 'one step per kind (a rule of cdk8s-progressive, not of Argo Rollouts: the controller accepts this combination, but the plan and the checks read one kind per step)'],
    [{ setWeight: '20' }, 'CanaryStep.fromArgoJson setWeight must be an integer, got "20"'],
    [{ pause: { duraton: '1m' } }, "CanaryStep.fromArgoJson pause has unknown field 'duraton': the Rollout CRD allows duration (the API server would drop it)"],
    [{ pause: { duration: '1 minute' } }, "CanaryStep.fromArgoJson pause.duration '1 minute' is not a duration: use a number of seconds or a Go duration such as 30s, 1m or 1h30m"],
    [{ setCanaryScale: { replicas: 1, weight: 10 } }, 'CanaryStep.fromArgoJson setCanaryScale needs exactly one of replicas, weight, matchTrafficWeight, got '
      + 'replicas and weight (a rule of cdk8s-progressive, not of Argo Rollouts: the controller lets matchTrafficWeight win, then replicas over weight, and ignores the rest without a word)'],
    [{ setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: 'a', prefix: 'b' } }] } },
      'CanaryStep.fromArgoJson setHeaderRoute.match[0].headerValue needs exactly one of exact, prefix, regex, got exact and prefix'],
    [{ setMirrorRoute: { match: [] } }, 'CanaryStep.fromArgoJson setMirrorRoute.name must be a string, got nothing'],
    [{ plugin: { name: 'p', config: 'x' } }, 'CanaryStep.fromArgoJson plugin.config must be an object, got "x"'],
    [{ analysis: { templates: [{ templateName: 'slo' }] } }, 'CanaryStep.fromArgoJson does not take analysis steps: use CanaryStep.analysis(...), which '
      + 'references the analysis templates themselves, so that synth checks their args and the plan times their metrics'],
    [{ experiment: { templates: [] } }, 'CanaryStep.fromArgoJson does not take experiment steps: use CanaryStep.experiment(...), which '
      + 'references the analysis templates themselves, so that synth checks their args and the plan times their metrics'],
  ])('fails on %j', (json, message) => {
    expect(() => CanaryStep.fromArgoJson(json)).toThrow(new Error(message));
  });
});

describe('experiment recipes (docs/experiments.md)', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'experiments.md'), 'utf8');
  const source = fs.readFileSync(path.join(__dirname, 'experiment-recipes.ts'), 'utf8');

  test('the page shows each recipe word for word', () => {
    const recipes = [...source.matchAll(/\/\/ recipe: ([a-z-]+)\n([\s\S]*?)\n\s*\/\/ recipe: end/g)];
    expect(recipes.map((r) => r[1])).toEqual(['baseline-vs-canary', 'canary-preview', 'canary-preview-scale']);
    for (const [, , body] of recipes) {
      const dedented = body.split('\n').map((l) => l.replace(/^ {2}/, '')).join('\n');
      expect(doc).toContain(`\`\`\`ts\n${dedented}\n\`\`\``);
    }
  });

  test('baseline vs canary: a stable and a canary template with 5% each, compared by an analysis on their own pods', () => {
    const chart = Testing.chart();
    const rollout = baselineVsCanary(chart);
    const objs = synthValid(chart);
    const experiment = stepsOf(objs)[0].experiment;
    expect(experiment.templates.map((t: any) => [t.name, t.specRef, t.weight])).toEqual([['baseline', 'stable', 5], ['canary', 'canary', 5]]);
    expect(experiment.analyses[0]).toMatchObject({ requiredForCompletion: true, args: expect.arrayContaining([
      { name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' }, { name: 'stable-hash', value: '{{templates.baseline.podTemplateHash}}' }]) });
    const template = objs.find((o) => o.kind === 'AnalysisTemplate')!;
    expect(template.metadata.name).toBe(experiment.analyses[0].templateName);
    expect(template.spec.metrics.map((m: any) => m.name)).toEqual(['error-ratio-vs-stable']);
    expect(rollout.plan.abort?.analysis).toBe(`experiment analysis compare at step 0 (${template.metadata.name})`);
  });

  test('canary preview: a canary template behind its own Service and no traffic, until promoted; or one canary pod at weight 0', () => {
    const chart = Testing.chart();
    const rollout = canaryPreview(chart);
    expect(stepsOf(synthValid(chart))[0]).toEqual({ experiment: {
      templates: [{ name: 'preview', specRef: 'canary', service: { name: 'checkout-preview' }, metadata: { labels: { experiment: 'preview' } } }] } });
    expect([rollout.plan.steps[0].indefinite, rollout.plan.steps[0].seconds]).toEqual([true, undefined]);
    const scaled = Testing.chart();
    const other = canaryPreviewWithoutExperiment(scaled);
    expect(stepsOf(synthValid(scaled)).slice(0, 4)).toEqual([{ setCanaryScale: { replicas: 1 } }, { setWeight: 0 }, { pause: {} }, { setCanaryScale: { matchTrafficWeight: true } }]);
    expect(other.plan.steps.slice(0, 3).map((s) => [s.weight, s.seconds])).toEqual([[0, 10], [0, 0], [0, undefined]]);
  });
});

describe('rehearse', () => {
  test('fails on a chart with an experiment step, which the emulated controller does not run, before starting anything', async () => {
    // GIVEN the canary-preview recipe synthesized into a chart file
    const chart = Testing.chart();
    canaryPreview(chart);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-'));
    const file = path.join(dir, 'chart.k8s.yaml');
    fs.writeFileSync(file, Testing.synth(chart).map((o) => stringify(o)).join('---\n'));
    try {
      // WHEN rehearsed THEN it refuses, naming the step
      await expect(rehearsal.rehearse({ chart: file })).rejects.toThrow(new Error('rollout checkout step 0 is an experiment, which the emulated controller '
        + 'does not run (it would skip the step and its analyses, and misjudge the rollout): rehearse a chart without the experiment step; the plan command times it'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
