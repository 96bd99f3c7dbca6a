import { Duration } from 'cdk8s';
import { blueGreenPlan, budgetAnnotations, canaryPlan, DEFAULT_BUDGETS, describeAbort, formatPlan, planBudgetErrors, readySeconds, recordedBudgets } from '../../lib/rollout/plan';
import { parseDurationSeconds } from '../../lib/util/internal-duration';
import { metric } from '../support/fake-template';

const template = { spec: { containers: [{ readinessProbe: { periodSeconds: 5 } }] } };
const spec = (steps: object[], analysis?: object) => ({ minReadySeconds: 5, template, strategy: { canary: { steps, analysis } } });
const slo = [metric('success-rate', { initialDelay: Duration.seconds(10), interval: Duration.seconds(20), count: 3, window: Duration.minutes(1) })];
const lookup = (name: string) => (name === 'slo' ? slo : undefined);
const analysis = { templates: [{ templateName: 'slo' }] };

describe('plan arithmetic', () => {
  test('readiness comes from the readiness probe and minReadySeconds', () => {
    expect(readySeconds(spec([]))).toBe(10);
    expect(readySeconds({ template: { spec: { containers: [{ readinessProbe: { initialDelaySeconds: 3 } }] } } })).toBe(13);
    expect(readySeconds({ minReadySeconds: 7, template: { spec: { containers: [{}] } } })).toBe(7);
    expect(readySeconds({})).toBe(0);
  });

  test('a weight that does not rise takes no readiness time; the canary starts at its first weight above 0', () => {
    const plan = canaryPlan(spec([{ setWeight: 0 }, { pause: { duration: '10s' } }, { setWeight: 20 }, { setWeight: 20 }, { setWeight: 5 }]), lookup);
    expect(plan.steps.map((s) => [s.description, s.weight, s.seconds, s.terms])).toEqual([
      ['setWeight 0', 0, 0, []], ['pause 10s', 0, 10, ['pause 10s']], ['setWeight 20', 20, 10, ['pod readiness 10s']],
      ['setWeight 20', 20, 0, []], ['setWeight 5', 5, 0, []],
    ]);
    expect(plan.canaryStartSeconds).toBe(20);
    expect(plan.steps.map((s) => s.cumulativeSeconds)).toEqual([0, 10, 20, 20, 20]);
  });

  test('setCanaryScale takes pod readiness; header and mirror routes take no time; a step the plan does not know is listed, not timed', () => {
    const plan = canaryPlan(spec([{ setCanaryScale: { replicas: 2 } }, { setCanaryScale: { weight: 30 } }, { setCanaryScale: { matchTrafficWeight: true } },
      { setHeaderRoute: { name: 'h' } }, { setMirrorRoute: { name: 'm', match: [{ path: { prefix: '/' } }] } }, { plugin: { name: 'acme/step' } }, {}]), lookup);
    expect(plan.steps.map((s) => [s.description, s.seconds, s.terms])).toEqual([
      ['setCanaryScale 2 replicas', 10, ['pod readiness 10s']], ['setCanaryScale 30%', 10, ['pod readiness 10s']],
      ['setCanaryScale match traffic weight', 10, ['pod readiness 10s']], ['setHeaderRoute h (remove)', 0, ['route change, no wait']],
      ['setMirrorRoute m', 0, ['route change, no wait']], ['plugin', 0, ['not timed']], ['empty step', 0, ['not timed']],
    ]);
    expect([plan.promotionSeconds, plan.canaryStartSeconds, plan.abort]).toEqual([30, 0, undefined]);
  });

  test('a pause without duration waits for a human; an inline analysis without count runs until the rollout ends', () => {
    const unbounded = () => [metric('success-rate', { count: undefined })];
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: {} }, { analysis }]), unbounded);
    expect(plan.steps.map((s) => [s.description, s.seconds, s.terms])).toEqual([
      ['setWeight 10', 10, ['pod readiness 10s']], ['pause indefinite', Infinity, ['waits for a human to promote']], ['analysis slo', Infinity, ['analysis indefinite']],
    ]);
    expect(plan.analyses[0]).toMatchObject({ description: 'analysis at step 2 (slo)', background: false, startSeconds: Infinity, seconds: Infinity });
  });

  test('a background analysis from a step past the last starts at the end; without startingStep at the start', () => {
    const steps = [{ setWeight: 10 }, { pause: { duration: '30s' } }];
    expect(canaryPlan(spec(steps, { ...analysis, startingStep: 5 }), lookup).analyses[0]).toMatchObject({ startSeconds: 40, seconds: 50, background: true });
    expect(canaryPlan(spec(steps, analysis), lookup).analyses[0]).toMatchObject({ description: 'background analysis from step 0 (slo)', startSeconds: 0 });
  });

  test('the analysis that aborts first wins; one that starts before the canary counts from the canary', () => {
    // GIVEN a background analysis from step 0 (before the canary's readiness) and a slower inline one
    const slow = [metric('slow', { window: Duration.minutes(5) })];
    const plan = canaryPlan(spec([{ setWeight: 10 }, { analysis: { templates: [{ templateName: 'slow' }] } }], analysis),
      (name) => (name === 'slo' ? slo : slow));
    expect(plan.abort).toMatchObject({ analysis: 'background analysis from step 0 (slo)', startsAfter: 0, seconds: 80 });
    // AND two templates of one analysis: its slowest metric decides
    const both = canaryPlan(spec([{ setWeight: 10 }], { templates: [{ templateName: 'slo' }, { templateName: 'slow' }] }), (name) => (name === 'slo' ? slo : slow));
    expect(both.abort).toMatchObject({ analysis: 'background analysis from step 0 (slo+slow)', seconds: 330 });
  });

  test('a template is looked up by its scope', () => {
    const seen: Array<[string, boolean]> = [];
    canaryPlan(spec([{ setWeight: 10 }], { templates: [{ templateName: 'slo', clusterScope: true }, { templateName: 'slo' }] }), (name, cluster) => {
      seen.push([name, cluster]);
      return slo;
    });
    expect(seen).toEqual([['slo', true], ['slo', false]]);
  });

  test('promotion time adds readiness, pauses and inline analyses', () => {
    // GIVEN 10% -> 30s -> 50% -> analysis (10s + 2 x 20s) -> 1m
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { analysis }, { pause: { duration: 60 } }]), lookup);
    // THEN
    expect(plan.steps.map((s) => [s.description, s.startSeconds, s.seconds])).toEqual([
      ['setWeight 10', 0, 10], ['pause 30s', 10, 30], ['setWeight 50', 40, 10], ['analysis slo', 50, 50], ['pause 1m', 100, 60],
    ]);
    expect(plan.promotionSeconds).toBe(160);
    expect(plan.canaryStartSeconds).toBe(10);
  });

  test('time to abort: the analysis that starts first and fails fastest, measured from the canary taking traffic', () => {
    // GIVEN an inline analysis at 50% and a background analysis from step 1
    const inline = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { analysis }]), lookup);
    const background = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { analysis }], { ...analysis, startingStep: 1 }), lookup);
    // THEN inline: starts 40s after the canary (30s pause + 10s readiness), then the 60s window + one 20s interval
    expect(inline.abort?.seconds).toBe(40 + 80);
    expect(describeAbort(inline.abort)).toBe(
      '2m by the analysis at step 3 (slo): 40s until it starts + success-rate: 80s = 60s window + 20s interval');
    // AND background: starts with the canary
    expect(background.abort?.seconds).toBe(80);
    expect(background.abort?.analysis).toBe('background analysis from step 1 (slo)');
  });

  test('no analysis: nothing aborts', () => {
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: {} }]), lookup);
    expect([plan.abort, plan.promotionSeconds]).toEqual([undefined, Infinity]);
    expect(describeAbort(plan.abort)).toBe('never (no analysis can fail the rollout)');
  });

  test('a template the plan cannot find: its timing is unknown, no time to abort, and only set budgets are refused', () => {
    // GIVEN an inline analysis whose template the lookup does not know, and one it knows only by name
    const plan = canaryPlan(spec([{ setWeight: 10 }, { analysis: { templates: [{ templateName: 'gone' }, { templateName: 'slo' }] } }]), lookup);
    const named = canaryPlan(spec([{ setWeight: 10 }], { templates: [{ templateName: 'platform', clusterScope: true }] }),
      () => 'not in the manifests');
    // THEN the plan says which timing is unknown, counts what it knows, and gives no time to abort
    expect(plan.analyses[0]).toMatchObject({ seconds: 50, timingUnknown: ["AnalysisTemplate 'gone' not found"] });
    expect(plan.steps[1].terms).toEqual(["timing unknown (AnalysisTemplate 'gone' not found), at least 50s"]);
    expect(plan.abort).toBeUndefined();
    expect(named.analyses[0].timingUnknown).toEqual(["ClusterAnalysisTemplate 'platform' not in the manifests"]);
    expect(formatPlan(named)).toContain("  background analysis from step 0 (platform): starts at 0s, timing unknown (ClusterAnalysisTemplate 'platform' not in the manifests)\n"
      + '  total to 100%: 10s\n'
      + "  worst-case time to abort: unknown, timing unknown (ClusterAnalysisTemplate 'platform' not in the manifests)");
    // AND no budget set: nothing refused (the default abort budget needs a timing); a set budget that needs it is refused
    expect(planBudgetErrors(plan)).toEqual([]);
    expect(planBudgetErrors(named, Duration.minutes(1))).toEqual([]);
    expect(planBudgetErrors(named, Duration.seconds(5))).toEqual([expect.stringMatching(/^maxPromotionTime is 5s but the plan takes 10s to reach 100%/)]);
    expect(planBudgetErrors(named, undefined, Duration.minutes(2))).toEqual(["maxTimeToAbort is 2m but the worst-case time to abort is unknown: timing "
      + "unknown (ClusterAnalysisTemplate 'platform' not in the manifests): define the template in the same chart or manifests, or state the timing "
      + 'of its metrics (the `metrics` option of AnalysisTemplate.fromName), or drop maxTimeToAbort']);
  });

  test.each([
    ['30s', 30], ['1m30s', 90], ['1h', 3600], ['500ms', 0.5], [45, 45], ['45', 45],
  ])('parses the duration %s', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBe(seconds);
  });

  test('fails on a duration that is not one', () => {
    expect(() => parseDurationSeconds('1 minute')).toThrow("'1 minute' is not a duration: use a number of seconds or a Go duration such as 30s, 1m or 1h30m");
  });

  test('formatPlan lists background analyses with where they start', () => {
    // GIVEN a background analysis from step 1 without count (runs until the end)
    const unbounded = [metric('success-rate', { count: undefined })];
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }], { ...analysis, startingStep: 1 }), () => unbounded);
    // THEN
    expect(formatPlan(plan).split('\n').slice(2)).toEqual([
      '  background analysis from step 1 (slo): starts at 10s, runs until the rollout ends',
      '  total to 100%: 40s',
      '  worst-case time to abort: 1m30s by the background analysis from step 1 (slo): 0s until it starts + '
        + 'success-rate: 90s = 60s window + 30s interval',
    ]);
  });

  test('an analysis\' dryRun (an unanchored regular expression) keeps its metrics from aborting', () => {
    const plan = canaryPlan(spec([{ setWeight: 10 }, { analysis: { ...analysis, dryRun: [{ metricName: 'rate$' }] } }]), lookup);
    expect([plan.analyses[0].metrics[0].dryRun, plan.abort]).toEqual([true, undefined]);
    const other = canaryPlan(spec([{ setWeight: 10 }, { analysis: { ...analysis, dryRun: [{ metricName: '^rate' }] } }]), lookup);
    expect([other.analyses[0].metrics[0].dryRun, other.abort?.seconds]).toEqual([false, 80]);
  });

  test('formatPlan: one row per step, then the totals', () => {
    const plan = canaryPlan(spec([{ setWeight: 10 }, { pause: { duration: '30s' } }, { analysis }]), lookup);
    expect(formatPlan(plan).split('\n')).toEqual([
      '   0  setWeight 10                       weight  10%  +10s       = 10s       pod readiness 10s',
      '   1  pause 30s                          weight  10%  +30s       = 40s       pause 30s',
      '   2  analysis slo                       weight  10%  +50s       = 1m30s     analysis 50s',
      '  total to 100%: 1m30s',
      '  worst-case time to abort: 1m50s by the analysis at step 2 (slo): 30s until it starts + '
        + 'success-rate: 80s = 60s window + 20s interval',
    ]);
  });
});

describe('plan arithmetic with traffic routing (pods per weight, as Argo sizes the canary)', () => {
  const routed = (steps: object[], canary: object = {}, replicas = 4) => ({
    replicas, minReadySeconds: 5, template, strategy: { canary: { steps, trafficRouting: { nginx: {} }, ...canary } },
  });
  const rows = (plan: ReturnType<typeof canaryPlan>) => plan.steps.map((s) => [s.description, s.weight, s.seconds, s.terms]);

  test('a step waits for readiness only when it needs more canary pods: ceil(weight x replicas / 100); all replicas before promotion', () => {
    // GIVEN 4 replicas and weights 10, 25, 50, 75: 1, 1, 2 and 3 canary pods
    const plan = canaryPlan(routed([{ setWeight: 10 }, { setWeight: 25 }, { setWeight: 50 }, { setWeight: 75 }]), lookup);
    // THEN 25% adds no pod; promotion scales the canary to 4 pods and waits for them
    expect(rows(plan)).toEqual([
      ['setWeight 10', 10, 10, ['pod readiness 10s (1 canary pod)']],
      ['setWeight 25', 25, 0, ['no new pod (1 canary pod)']],
      ['setWeight 50', 50, 10, ['pod readiness 10s (2 canary pods)']],
      ['setWeight 75', 75, 10, ['pod readiness 10s (3 canary pods)']],
      ['promote: canary scaled to 4 pods', 100, 10, ['pod readiness 10s (4 canary pods)']],
    ]);
    expect(plan.steps[4]).toMatchObject({ index: 4, startSeconds: 30, cumulativeSeconds: 40 });
    expect([plan.promotionSeconds, plan.canaryStartSeconds]).toEqual([40, 10]);
  });

  test('a last weight of 100 already runs every replica: no promotion row', () => {
    const plan = canaryPlan(routed([{ setWeight: 50 }, { setWeight: 100 }], {}, 3), lookup);
    expect(rows(plan)).toEqual([
      ['setWeight 50', 50, 10, ['pod readiness 10s (2 canary pods)']], ['setWeight 100', 100, 10, ['pod readiness 10s (3 canary pods)']],
    ]);
    expect(plan.promotionSeconds).toBe(20);
  });

  test('minPodsPerReplicaSet, maxTrafficWeight and setCanaryScale size the canary as Argo does', () => {
    // GIVEN 10 replicas, minPodsPerReplicaSet 2, weights out of 1000
    const plan = canaryPlan(routed([{ setWeight: 5 }, { setWeight: 250 }, { setCanaryScale: { replicas: 8 } }, { setWeight: 500 },
      { setCanaryScale: { weight: 90 } }, { setCanaryScale: { matchTrafficWeight: true } }, { setWeight: 1000 }],
    { minPodsPerReplicaSet: 2, trafficRouting: { nginx: {}, maxTrafficWeight: 1000 } }, 10), lookup);
    expect(plan.steps.map((s) => s.terms[0])).toEqual([
      'pod readiness 10s (2 canary pods)', // ceil(5 x 10 / 1000) = 1, raised to 2
      'pod readiness 10s (3 canary pods)', // ceil(250 x 10 / 1000) = 3
      'pod readiness 10s (8 canary pods)', // setCanaryScale replicas
      'no new pod (8 canary pods)', // the weight no longer sizes the canary
      'no new pod (2 canary pods)', // a setCanaryScale weight counts against maxTrafficWeight too: ceil(90 x 10 / 1000) = 1, raised to 2
      'pod readiness 10s (5 canary pods)', // back to the weight: 500 of 1000
      'pod readiness 10s (10 canary pods)',
    ]);
    expect(plan.steps).toHaveLength(7);
  });

  test('a weight of 0 runs no canary pod, whatever minPodsPerReplicaSet says', () => {
    const plan = canaryPlan(routed([{ setWeight: 0 }, { setWeight: 10 }], { minPodsPerReplicaSet: 2 }), lookup);
    expect(plan.steps.slice(0, 2).map((s) => [s.seconds, s.terms])).toEqual([[0, ['no new pod (0 canary pods)']], [10, ['pod readiness 10s (2 canary pods)']]]);
  });

  test('of two analyses that abort as fast, the first keeps the figure', () => {
    // GIVEN a background analysis and a step analysis at the first step, with the same template
    const plan = canaryPlan(routed([{ setWeight: 10 }, { analysis }], { analysis }), lookup);
    expect(plan.abort).toMatchObject({ analysis: 'analysis at step 1 (slo)', seconds: 80 });
  });

  test('with dynamicStableScale the time to abort adds the readiness of the stable pods that come back', () => {
    const steps = [{ setWeight: 10 }, { pause: { duration: '30s' } }];
    const plain = canaryPlan(routed(steps, { analysis }), lookup);
    const dynamic = canaryPlan(routed(steps, { analysis, dynamicStableScale: true }), lookup);
    expect([plain.abort?.seconds, plain.abort?.stableRestoreSeconds, dynamic.abort?.seconds, dynamic.abort?.stableRestoreSeconds]).toEqual([80, 0, 90, 10]);
    expect(describeAbort(dynamic.abort)).toBe('1m30s by the background analysis from step 0 (slo): 0s until it starts + '
      + 'success-rate: 80s = 60s window + 20s interval + 10s stable pod readiness (dynamicStableScale)');
  });
});

describe('budgets', () => {
  const plan = (steps: object[], withAnalysis = false) => canaryPlan(spec(steps, withAnalysis ? { ...analysis, startingStep: 0 } : undefined), lookup);

  test('no budget set: only the 2-minute abort budget, and only once the plan has an analysis', () => {
    expect(planBudgetErrors(plan([{ setWeight: 10 }, { pause: {} }]))).toEqual([]);
    // the background analysis aborts in 80s: within 2m
    expect(planBudgetErrors(plan([{ setWeight: 10 }, { pause: {} }], true))).toEqual([]);
    const slow = canaryPlan(spec([{ setWeight: 10 }], analysis), () => [metric('slow', { window: Duration.minutes(5) })]);
    expect(planBudgetErrors(slow)).toEqual(['maxTimeToAbort is 2m (the default once a rollout has an analysis) but the worst-case time from a bad canary to abort is '
      + '5m30s by the background analysis from step 0 (slo): 0s until it starts + slow: 330s = 300s window + 30s interval: '
      + 'shorten the window, interval or initialDelay, lower failureLimit, start the analysis earlier, or raise maxTimeToAbort']);
  });

  test('a plan exactly at its budgets meets them; a second over does not', () => {
    // 10s readiness + 50s pause = 60s to promote; the background analysis aborts in 80s
    const p = plan([{ setWeight: 10 }, { pause: { duration: '50s' } }], true);
    expect(planBudgetErrors(p, Duration.seconds(60), Duration.seconds(80))).toEqual([]);
    const errors = planBudgetErrors(p, Duration.seconds(59), Duration.seconds(79));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^maxPromotionTime is 59s but the plan takes 1m to reach 100%: shorten pauses or analyses, use fewer steps, or raise maxPromotionTime. The plan:\n   0  setWeight 10/);
    expect(errors[1]).toMatch(/^maxTimeToAbort is 1m19s but the worst-case time from a bad canary to abort is 1m20s by the background analysis/);
  });

  test('an abort budget with no analysis that can abort is missed', () => {
    expect(planBudgetErrors(plan([{ setWeight: 10 }]), undefined, Duration.minutes(5)))
      .toEqual(['maxTimeToAbort is 5m but no analysis can abort the rollout, so the time to abort is never: give it an analysis that can fail '
        + '(not dry-run), or, if it is meant to run without one, turn the budget off with disableMaxTimeToAbort: true (no maxTimeToAbort)']);
  });

  test('a budget turned off is never missed', () => {
    const slow = canaryPlan(spec([{ setWeight: 10 }], analysis), () => [metric('slow', { window: Duration.minutes(5) })]);
    expect(planBudgetErrors(slow, undefined, undefined, true)).toEqual([]);
    expect(planBudgetErrors(plan([{ setWeight: 10 }]), undefined, undefined, true)).toEqual([]);
  });

  test('a budget turned off is recorded as none and read back as no budget', () => {
    expect(budgetAnnotations(undefined, undefined, true, true)).toEqual({ 'cdk8s-progressive/max-promotion-time': 'none', 'cdk8s-progressive/max-time-to-abort': 'none' });
    expect(recordedBudgets({ annotations: budgetAnnotations(undefined, undefined, true, true) }, 'Rollout web'))
      .toEqual({ promotionSeconds: Infinity, abortSeconds: Infinity });
  });

  test('budgets become annotations in Go durations; none set, no annotations', () => {
    expect(budgetAnnotations(Duration.minutes(12), Duration.seconds(90))).toEqual({ 'cdk8s-progressive/max-promotion-time': '12m', 'cdk8s-progressive/max-time-to-abort': '1m30s' });
    expect(budgetAnnotations(Duration.minutes(12))).toEqual({ 'cdk8s-progressive/max-promotion-time': '12m' });
    expect(budgetAnnotations(undefined, Duration.minutes(1))).toEqual({ 'cdk8s-progressive/max-time-to-abort': '1m' });
    expect(budgetAnnotations()).toBeUndefined();
  });

  test('recorded budgets are read back, each falling back to its default', () => {
    expect(recordedBudgets({ annotations: { 'cdk8s-progressive/max-promotion-time': '12m' } }, 'Rollout web')).toEqual({ promotionSeconds: 720, abortSeconds: 120 });
    expect(recordedBudgets({ annotations: { 'cdk8s-progressive/max-time-to-abort': 45 } }, 'Rollout web')).toEqual({ promotionSeconds: 600, abortSeconds: 45 });
    expect(recordedBudgets(undefined, 'Rollout web')).toEqual(DEFAULT_BUDGETS);
    expect(recordedBudgets({}, 'Rollout web')).toEqual({ promotionSeconds: 600, abortSeconds: 120 });
  });

  test.each(['0s', '0', 'soon', ''])('a recorded budget of %j is refused', (value) => {
    expect(() => recordedBudgets({ annotations: { 'cdk8s-progressive/max-promotion-time': value } }, 'Rollout shop/web')).toThrow(
      `Rollout shop/web: annotation cdk8s-progressive/max-promotion-time must be a positive duration such as 12m or 1m30s, or 'none', got '${value}': fix or remove it`);
  });
});

describe('blue-green plan arithmetic', () => {
  const bg = (blueGreen: object, replicas = 4) => ({ replicas, minReadySeconds: 5, template, strategy: { blueGreen } });
  const pre = { prePromotionAnalysis: analysis };
  const post = { postPromotionAnalysis: analysis };

  test('preview readiness, prePromotionAnalysis, autoPromotionSeconds, switch, postPromotionAnalysis', () => {
    // GIVEN both analyses (10s + 2 x 20s each) and a 30s auto-promotion delay
    const plan = blueGreenPlan(bg({ ...pre, ...post, autoPromotionSeconds: 30 }), lookup);
    // THEN
    expect(plan.steps.map((s) => [s.description, s.weight, s.startSeconds, s.seconds])).toEqual([
      ['preview ready (4 of 4 replicas)', 0, 0, 10],
      ['prePromotionAnalysis slo', 0, 10, 50],
      ['autoPromotionSeconds 30s', 0, 60, 30],
      ['promote: switch active Service', 100, 90, 0],
      ['postPromotionAnalysis slo', 100, 90, 50],
    ]);
    expect([plan.promotionSeconds, plan.canaryStartSeconds]).toEqual([140, 10]);
    expect(plan.analyses.map((a) => [a.description, a.startSeconds, a.seconds, a.background]))
      .toEqual([['prePromotionAnalysis (slo)', 10, 50, false], ['postPromotionAnalysis (slo)', 90, 50, false]]);
  });

  test('a smaller preview is scaled up before the switch', () => {
    const plan = blueGreenPlan(bg({ previewReplicaCount: 1 }), lookup);
    expect(plan.steps.map((s) => [s.description, s.seconds])).toEqual([
      ['preview ready (1 of 4 replicas)', 10], ['promote: scale to 4 replicas, switch active', 10],
    ]);
    expect(plan.promotionSeconds).toBe(20);
  });

  test('autoPromotionEnabled false waits for a human: promotion is indefinite', () => {
    const plan = blueGreenPlan(bg({ ...pre, autoPromotionEnabled: false }), lookup);
    expect(plan.steps[2]).toMatchObject({ description: 'pause until promoted', seconds: Infinity });
    expect(plan.promotionSeconds).toBe(Infinity);
  });

  test('time to abort: the pre-promotion analysis, from the preview being ready', () => {
    const plan = blueGreenPlan(bg({ ...pre, ...post }), lookup);
    // THEN 10s initialDelay + 60s window + 20s interval, starting as soon as the preview is ready
    expect(describeAbort(plan.abort)).toBe('1m20s by the prePromotionAnalysis (slo): 0s until it starts + '
      + 'success-rate: 80s = 60s window + 20s interval');
  });

  test('time to abort: the post-promotion analysis counts the pre-promotion wait', () => {
    const plan = blueGreenPlan(bg({ ...post, autoPromotionSeconds: 60 }), lookup);
    expect([plan.abort?.startsAfter, plan.abort?.seconds, plan.abort?.analysis]).toEqual([60, 140, 'postPromotionAnalysis (slo)']);
  });

  test('no analysis: nothing aborts', () => {
    expect(blueGreenPlan(bg({}), lookup).abort).toBeUndefined();
  });

  test('autoPromotionSeconds 0 and an analysis without templates add no step; one replica by default', () => {
    const plan = blueGreenPlan({ template, minReadySeconds: 5, strategy: { blueGreen: { autoPromotionSeconds: 0, prePromotionAnalysis: { templates: [] } } } }, lookup);
    expect(plan.steps.map((s) => [s.description, s.weight, s.startSeconds, s.seconds, s.terms, s.cumulativeSeconds])).toEqual([
      ['preview ready (1 of 1 replicas)', 0, 0, 10, ['pod readiness 10s'], 10],
      ['promote: switch active Service', 100, 10, 0, ['the active Service selects the new version'], 10],
    ]);
    expect([plan.analyses, plan.promotionSeconds]).toEqual([[], 10]);
    expect(blueGreenPlan({ strategy: {} }, lookup).steps.map((s) => s.description)).toEqual(['preview ready (1 of 1 replicas)', 'promote: switch active Service']);
  });

  test('the steps of a smaller preview and of a delayed promotion say what they wait for', () => {
    const plan = blueGreenPlan(bg({ previewReplicaCount: 3, autoPromotionSeconds: 90 }), lookup);
    expect(plan.steps.map((s) => [s.description, s.seconds, s.terms])).toEqual([
      ['preview ready (3 of 4 replicas)', 10, ['pod readiness 10s']], ['autoPromotionSeconds 1m30s', 90, ['pause 1m30s']],
      ['promote: scale to 4 replicas, switch active', 10, ['pod readiness 10s']],
    ]);
    expect(blueGreenPlan(bg({ autoPromotionEnabled: false }), lookup).steps[1].terms).toEqual(['autoPromotionEnabled false: waits for a human to promote']);
  });

  test('a template the plan cannot find: the promotion time is unknown, a promotion budget refused', () => {
    const plan = blueGreenPlan(bg({ prePromotionAnalysis: { templates: [{ templateName: 'gone' }] } }), lookup);
    expect(plan.steps[1].terms).toEqual(["timing unknown (AnalysisTemplate 'gone' not found)"]);
    expect(formatPlan(plan)).toContain("total to 100%: at least 10s, timing unknown (AnalysisTemplate 'gone' not found)");
    expect(planBudgetErrors(plan, Duration.minutes(10))).toEqual([expect.stringMatching(
      /^maxPromotionTime is 10m but the time to reach 100% is unknown: timing unknown \(AnalysisTemplate 'gone' not found\): .*, or drop maxPromotionTime$/)]);
  });
});
