import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { AmasProdChart } from '../../app/amas-prod';
import { AnalysisMetricTiming, BlueGreenRollout, RolloutPlan, SliSource, SloAnalysis, SloObjective } from '../../lib';
import { blueGreenPlan, PlanTiming, timedPlan } from '../../lib/rollout/plan';
import { metricTimings, promqlWindow } from '../../lib/analysis/timing';
import { loadManifests, parseManifest, planRollouts } from '../../tools/cli/src/plan/manifests';

const DIST = path.resolve(__dirname, '..', '..', 'dist');

/** A plan with every Duration turned into seconds, so that plans from different sources compare. */
function plain(given: PlanTiming | RolloutPlan): object {
  const plan = timedPlan(given);
  const metric = (m: AnalysisMetricTiming) => ({
    ...m, interval: m.interval?.toSeconds(), initialDelay: m.initialDelay?.toSeconds(), window: m.window?.toSeconds(),
  });
  return { ...plan, analyses: plan.analyses.map((a) => ({ ...a, metrics: a.metrics.map(metric) })) };
}

const rollout = (strategy: object, namespace = 'shop') => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace },
  spec: { minReadySeconds: 5, template: { spec: { containers: [{ readinessProbe: { periodSeconds: 5 } }] } }, strategy },
});
const template = (name: string, spec: object, kind = 'AnalysisTemplate', namespace: string | undefined = 'shop') => ({
  apiVersion: 'argoproj.io/v1alpha1', kind, metadata: { name, ...(namespace && kind === 'AnalysisTemplate' ? { namespace } : {}) }, spec,
});
const prom = (query: string) => ({ prometheus: { address: 'http://prometheus:9090', query } });
const objects = (...objs: object[]) => objs.map((object) => ({ source: 'test.yaml', object }));
const canaryWith = (templateName: string, extra: object = {}) =>
  rollout({ canary: { steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName, ...extra }] } }] } });
const timingsOf = (metric: object, spec: object = {}) => metricTimings(template('t', { metrics: [{ name: 'm', ...metric }], ...spec }));

describe('plans read from the example dist/', () => {
  // GIVEN the committed dist/ and the chart that produced it
  const plans = planRollouts(loadManifests([DIST]));
  const chart = new AmasProdChart(Testing.app(), 'amas-prod');

  test('finds the one Rollout, canary, with its file', () => {
    expect(plans.map((p) => [p.namespace, p.name, p.strategy, path.basename(p.source)]))
      .toEqual([['amas-prod', 'amas-orchestrator', 'canary', 'amas-prod.k8s.yaml']]);
  });

  test('the plan read from YAML equals the construct\'s own plan, figure for figure', () => {
    // THEN steps, analyses with every metric's timing, promotion and abort are the same
    expect(plain(plans[0].plan)).toEqual(plain(chart.rollout.plan));
    expect(plans[0].plan.promotionSeconds).toBe(460);
    expect(plans[0].plan.abort?.seconds).toBe(100);
  });

  test('metric timings parsed from the templates: the gate metric inline (3 counts), Prometheus metrics in the background, 20s interval and delay, 1m window; the budget policy measured once over 30 days', () => {
    const inline = plans[0].plan.analyses[0];
    const background = plans[0].plan.analyses.find((a) => a.background)!;
    expect(inline.description).toBe('analysis at step 3 (amas-orchestrator-slo)');
    expect(inline.metrics.map((m) => [m.name, m.interval?.toSeconds(), m.initialDelay?.toSeconds(), m.count, m.failureLimit,
      m.inconclusiveLimit, m.consecutiveErrorLimit, m.window?.toSeconds(), m.dryRun])).toEqual([
      ['slo-gate', 20, 20, 3, 0, 2, 2, 60, false],
      ['error-budget-remaining', undefined, undefined, undefined, 0, 2, 2, 30 * 86400, false],
    ]);
    expect(background.background).toBe(true);
    expect(background.metrics.map((m) => [m.name, m.interval?.toSeconds(), m.count, m.window?.toSeconds()])).toEqual([
      ['success-rate', 20, undefined, 60], ['latency-p95', 20, undefined, 60], ['error-budget-remaining', undefined, undefined, 30 * 86400],
      ['burn-rate', 20, undefined, 60],
    ]);
  });
});

describe('plans read from a synthesized BlueGreenRollout', () => {
  test('equal the plan from the templates\' own timing', () => {
    // GIVEN a blue-green rollout with a pre-promotion SloAnalysis, synthesized and written as YAML
    const chart = Testing.chart();
    const slo = new SloAnalysis(chart, 'slo', {
      templateName: 'web-slo', sli: SliSource.app({ matchLabels: { 'app.kubernetes.io/name': 'web' } }),
      objectives: [SloObjective.successRate({ objective: 0.99, window: Duration.minutes(2) })],
      measurement: { interval: Duration.seconds(30), count: 4, failureLimit: 1 },
    });
    const rolloutConstruct = new BlueGreenRollout(chart, 'web', {
      image: 'registry.example.com/web:1.2.3', replicas: 3, previewReplicaCount: 1, autoPromotionDelay: Duration.minutes(1),
      prePromotionAnalysis: { templates: [slo] }, maxTimeToAbort: Duration.minutes(5),
    });
    const yaml = Testing.synth(chart).map((o) => stringify(o)).join('---\n');
    // WHEN
    const [p] = planRollouts(parseManifest('web.yaml', yaml));
    // THEN
    const expected = blueGreenPlan(rolloutConstruct.resource.toJson().spec, () => slo.metrics);
    expect(plain(p.plan)).toEqual(plain(expected));
    expect(p.plan.steps.map((s) => [s.description, s.seconds])).toEqual([
      ['preview ready (1 of 3 replicas)', p.plan.steps[0].seconds], ['prePromotionAnalysis web-slo', 120], // 30s default initialDelay + 3 x 30s
      ['autoPromotionSeconds 1m', 60], ['promote: scale to 3 replicas, switch active', p.plan.steps[0].seconds],
    ]);
    expect(p.plan.analyses[0].metrics[0].window?.toSeconds()).toBe(120);
  });
});

describe('metric timings', () => {
  test('Argo defaults: failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4, one measurement, a 30s Prometheus timeout', () => {
    const [m] = timingsOf({ provider: prom('up') });
    expect({ ...m, timeout: m.timeout?.toSeconds() }).toEqual({
      name: 'm', interval: undefined, count: undefined, initialDelay: undefined, failureLimit: 0, inconclusiveLimit: 0,
      consecutiveErrorLimit: 4, window: undefined, dryRun: false, timeout: 30,
    });
  });

  test('a measurement lasts up to its provider\'s timeout: Prometheus timeout (30s unset), web timeoutSeconds (10s unset or not positive)', () => {
    const timeout = (provider: object) => timingsOf({ provider })[0].timeout?.toSeconds();
    expect(timeout({ prometheus: { address: 'http://p:9090', query: 'up', timeout: 12 } })).toBe(12);
    expect(timeout({ web: { url: 'http://gate/verdict' } })).toBe(10);
    expect(timeout({ web: { url: 'http://gate/verdict', timeoutSeconds: 0 } })).toBe(10);
    expect(timeout({ web: { url: 'http://gate/verdict', timeoutSeconds: 7 } })).toBe(7);
    expect(timeout({ job: { spec: {} } })).toBeUndefined();
  });

  test.each([0, -5])('fails on a Prometheus timeout of %d, which fails every measurement in Argo', (value) => {
    expect(() => timingsOf({ provider: { prometheus: { address: 'http://p:9090', query: 'up', timeout: value } } })).toThrow(
      `AnalysisTemplate shop/t, metric m: prometheus timeout ${value} fails every measurement (Argo Rollouts errors on a negative timeout, `
      + 'and a timeout of 0 is a deadline that has passed): remove it for the 30s default, or set a number of seconds such as 10');
  });

  test('integers as strings, durations in seconds, count 0 with an interval is unbounded', () => {
    const [m] = timingsOf({ interval: 30, initialDelay: '1m30s', count: 0, failureLimit: '2', inconclusiveLimit: 1, consecutiveErrorLimit: '0' });
    expect([m.interval?.toSeconds(), m.initialDelay?.toSeconds(), m.count, m.failureLimit, m.inconclusiveLimit, m.consecutiveErrorLimit])
      .toEqual([30, 90, undefined, 2, 1, 0]);
  });

  test('fails on failureLimit -1 without consecutiveSuccessLimit, which Argo rejects; accepts it with one', () => {
    expect(() => timingsOf({ interval: 30, failureLimit: -1 })).toThrow('AnalysisTemplate shop/t, metric m: failureLimit -1 without a '
      + 'consecutiveSuccessLimit is a metric Argo Rollouts rejects ("failureLimit and consecutiveSuccessLimit cannot both be disabled"): '
      + 'the AnalysisRun errors and the rollout aborts at its first analysis; set failureLimit to 0 or more, or set consecutiveSuccessLimit, '
      + 'or use dryRun to measure without failing');
    expect(timingsOf({ interval: 30, failureLimit: -1, consecutiveSuccessLimit: 3 })[0].failureLimit).toBe(-1);
  });

  test('{{args.x}} in a count or duration takes the template arg\'s value', () => {
    const [m] = timingsOf({ interval: '{{args.every}}', count: '{{ args.count }}' },
      { args: [{ name: 'every', value: '15s' }, { name: 'count', value: '5' }] });
    expect([m.interval?.toSeconds(), m.count]).toEqual([15, 5]);
  });

  test('dryRun metricName is an unanchored regular expression, as in Argo', () => {
    const metrics = metricTimings(template('t', {
      metrics: [{ name: 'success-rate' }, { name: 'latency-p95' }, { name: 'error-budget' }],
      dryRun: [{ metricName: 'rate$' }, { metricName: 'budget' }],
    }));
    expect(metrics.map((m) => [m.name, m.dryRun])).toEqual([['success-rate', true], ['latency-p95', false], ['error-budget', true]]);
  });

  test.each([
    ['the largest range selector', 'sum(rate(a[1m])) / sum(rate(b[5m]))', 300],
    ['a subquery range', 'max_over_time(rate(a[1m])[10m:30s])', 600],
    ['days', 'rate(a[1d])', 86400],
    ['placeholders in label values', 'rate(a{pod_hash="{{args.canary-hash}}"}[2m])', 120],
    ['no range at all', 'up{job="x"}', undefined],
  ])('prometheus window: %s', (_, query, seconds) => {
    expect(timingsOf({ provider: prom(query) })[0].window?.toSeconds()).toBe(seconds);
  });

  test('prometheus window: a range from an arg with a value', () => {
    const [m] = timingsOf({ provider: prom('rate(a[{{args.window}}])') }, { args: [{ name: 'window', value: '3m' }] });
    expect(m.window?.toSeconds()).toBe(180);
  });

  test('web window: the window of the gate request in jsonBody, or in a JSON body', () => {
    const web = (w: object) => ({ provider: { web: { url: 'http://gate/v1/verdict', method: 'POST', ...w } } });
    expect(timingsOf(web({ jsonBody: { window: '2m', objectives: {} } }))[0].window?.toSeconds()).toBe(120);
    expect(timingsOf(web({ body: '{"window":"90s"}' }))[0].window?.toSeconds()).toBe(90);
    expect(timingsOf(web({}))[0].window).toBeUndefined();
    expect(timingsOf({ provider: { job: { spec: {} } } })[0].window).toBeUndefined();
  });

  test('fails on a range from an arg without a value', () => {
    expect(() => timingsOf({ provider: prom('rate(a[{{args.window}}])') }, { args: [{ name: 'window' }] })).toThrow(
      "AnalysisTemplate shop/t, metric m: the query's range uses arg window, which has no value in the template: "
      + 'give the arg a value, or write the range as a duration such as 1m');
  });

  test('fails on a range that is not a plain duration', () => {
    expect(() => promqlWindow('AnalysisTemplate shop/t, metric m', 'rate(a[5m+1m])')).toThrow(
      "AnalysisTemplate shop/t, metric m: the query's range [5m+1m] is not a plain duration: write it as a duration such as 1m");
  });

  test('fails on a query that is not PromQL', () => {
    expect(() => timingsOf({ provider: prom('sum(rate(a[1m])') })).toThrow(
      'AnalysisTemplate shop/t, metric m: invalid PromQL at line 1, column 16 (args replaced by their values): fix the query');
  });

  test('fails on a count that is not an integer', () => {
    expect(() => timingsOf({ count: 'three' })).toThrow("AnalysisTemplate shop/t, metric m: count must be an integer, got 'three'");
  });

  test('fails on an interval that is not a duration', () => {
    expect(() => timingsOf({ interval: '1 minute' })).toThrow(
      "AnalysisTemplate shop/t, metric m: interval '1 minute' is not a duration: use a number of seconds or a Go duration such as 30s, 1m or 1h30m");
  });

  test('fails on an interval that is not a whole number of seconds', () => {
    expect(() => timingsOf({ interval: '1500ms' })).toThrow(
      "AnalysisTemplate shop/t, metric m: interval '1500ms' is not a whole number of seconds: the plan counts in seconds, round it");
  });

  test('fails on a duration arg without a value', () => {
    expect(() => timingsOf({ interval: '{{args.every}}' }, { args: [{ name: 'every' }] })).toThrow(
      "AnalysisTemplate shop/t, metric m: interval '{{args.every}}' uses arg every, which has no value in the template: give the arg a value");
  });

  test('fails on a dryRun metricName that is not a regular expression', () => {
    expect(() => timingsOf({}, { dryRun: [{ metricName: '*' }] })).toThrow(
      "AnalysisTemplate shop/t: dryRun[0].metricName '*' is not a regular expression: use a metric name or a pattern such as '.*'");
  });

  test('fails on a dryRun metricName that matches no metric', () => {
    expect(() => timingsOf({}, { dryRun: [{ metricName: 'latency' }] })).toThrow(
      "AnalysisTemplate shop/t: dryRun[0].metricName 'latency' matches no metric, and Argo fails such an analysis: fix the name or remove the entry");
  });
});

describe('plans of rollouts', () => {
  const slo = template('slo', { metrics: [{ name: 'm', interval: '10s', count: 3, provider: prom('rate(a[1m])') }] });

  test('a canary analysis finds the template of its own namespace, then one without a namespace', () => {
    // GIVEN the same template name in another namespace (count 9) and without a namespace (count 3)
    const other = template('slo', { metrics: [{ name: 'm', interval: '10s', count: 9 }] }, 'AnalysisTemplate', 'other');
    const plans = planRollouts(objects(canaryWith('slo'), other, template('slo', (slo as any).spec, 'AnalysisTemplate', undefined)));
    // THEN 10s readiness + 20s analysis
    expect(plans[0].plan.promotionSeconds).toBe(30);
  });

  test('a ClusterAnalysisTemplate is found by name, whatever the namespace', () => {
    const cluster = template('slo', (slo as any).spec, 'ClusterAnalysisTemplate');
    const [p] = planRollouts(objects(canaryWith('slo', { clusterScope: true }), cluster));
    // THEN abort, from the canary's first traffic: a Prometheus that hangs errs 5 times (consecutiveErrorLimit 4), each after
    // its 30s default timeout, 10s apart, from one cycle (10s interval + 30s) after the last good measurement: 40 + 150 + 40s
    expect([p.plan.promotionSeconds, p.plan.abort?.seconds]).toEqual([30, 230]);
  });

  test('the rollout\'s own dryRun makes a metric unable to abort', () => {
    const spec = { canary: { steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'slo' }], dryRun: [{ metricName: 'm' }] } }] } };
    const [p] = planRollouts(objects(rollout(spec), slo));
    expect([p.plan.promotionSeconds, p.plan.abort]).toEqual([30, undefined]);
  });

  test('a blue-green rollout gets the blue-green plan', () => {
    const [p] = planRollouts(objects(rollout({ blueGreen: { activeService: 'a', previewService: 'p', prePromotionAnalysis: { templates: [{ templateName: 'slo' }] } } }), slo));
    expect(p.strategy).toBe('blueGreen');
    expect(p.plan.steps.map((s) => s.description)).toEqual(['preview ready (1 of 1 replicas)', 'prePromotionAnalysis slo', 'promote: switch active Service']);
  });

  test('pauses of 0s, pauses in a row and a repeated weight, which the controller accepts, are planned', () => {
    // GIVEN steps the controller accepts: a 0s pause (written as 0 and as 0s), two pauses in a row, setWeight 20 twice
    const spec = { canary: { steps: [{ setWeight: 20 }, { pause: { duration: 0 } }, { pause: { duration: '0s' } }, { pause: { duration: '30s' } }, { setWeight: 20 }] } };
    // WHEN planned
    const [p] = planRollouts(objects(rollout(spec)));
    // THEN the 0s pauses take no time, the repeated weight needs no new pods: 10s readiness + 30s
    expect(p.plan.steps.map((s) => [s.description, s.weight, s.seconds])).toEqual([
      ['setWeight 20', 20, 10], ['pause 0s', 20, 0], ['pause 0s', 20, 0], ['pause 30s', 20, 30], ['setWeight 20', 20, 0],
    ]);
    expect(p.plan.promotionSeconds).toBe(40);
  });

  test('objects of other kinds and groups are ignored', () => {
    const notArgo = { apiVersion: 'example.com/v1', kind: 'Rollout', metadata: { name: 'x' } };
    expect(planRollouts(objects(notArgo, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }))).toEqual([]);
  });

  test('an AnalysisTemplate the manifests do not hold: timing unknown, naming the template and its namespace', () => {
    const [p] = planRollouts(objects(canaryWith('gone'), slo));
    expect(p.plan.analyses[0].timingUnknown).toEqual(["AnalysisTemplate 'gone' not in the manifests (namespace shop)"]);
    expect([p.plan.abort, p.statedBudgets]).toEqual([undefined, { promotion: false, abort: false }]);
  });

  test('a ClusterAnalysisTemplate the manifests do not hold: timing unknown', () => {
    const [p] = planRollouts(objects(canaryWith('slo', { clusterScope: true }), slo));
    expect(p.plan.analyses[0].timingUnknown).toEqual(["ClusterAnalysisTemplate 'slo' not in the manifests"]);
  });

  test('an experiment step\'s analyses are looked up like a step analysis\'s, and time the step when required', () => {
    // GIVEN an experiment whose required analysis runs 3 measurements 20s apart, and one whose template is not in the manifests
    const experiment = (templateName: string) => rollout({ canary: { steps: [{ experiment: {
      templates: [{ name: 'canary', specRef: 'canary' }], duration: '10m', analyses: [{ name: 'a', templateName, requiredForCompletion: true }],
    } }] } });
    const t = template('slo', { metrics: [{ name: 'm', interval: '20s', count: 3, provider: prom('up') }] });
    // WHEN planned THEN the step lasts the pods' readiness and the run (2 x 20s), not the duration
    const [p] = planRollouts(objects(t, experiment('slo')));
    expect(p.plan.steps[0]).toMatchObject({ description: 'experiment canary', seconds: 10 + 40 });
    expect(p.plan.analyses.map((a) => [a.description, a.startSeconds, a.seconds])).toEqual([['experiment analysis a at step 0 (slo)', 10, 40]]);
    // AND a template the manifests lack makes the step's timing unknown, naming it
    const [gone] = planRollouts(objects(t, experiment('gone')));
    expect(gone.plan.analyses.map((a) => a.timingUnknown)).toEqual([["AnalysisTemplate 'gone' not in the manifests (namespace shop)"]]);
    expect(gone.plan.steps[0].terms.join('; ')).toContain("analyses timing unknown (AnalysisTemplate 'gone' not in the manifests (namespace shop))");
  });

  test('fails on a rollout without a canary or blue-green strategy', () => {
    expect(() => planRollouts(objects(rollout({})))).toThrow(
      'Rollout shop/web (test.yaml) has neither strategy.canary nor strategy.blueGreen: the plan knows these two strategies');
  });
});

describe('loading manifests', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-manifests-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a folder contributes its .yaml and .yml files in name order, every document, skipping empty ones', () => {
    // GIVEN two YAML files, a file of another type and a sub-folder
    fs.writeFileSync(path.join(dir, 'b.yml'), 'kind: B\n---\n---\nkind: C\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: A\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'kind: X\n');
    fs.mkdirSync(path.join(dir, 'sub.yaml'));
    // THEN
    expect(loadManifests([dir]).map((o) => [path.basename(o.source), o.object.kind])).toEqual([['a.yaml', 'A'], ['b.yml', 'B'], ['b.yml', 'C']]);
  });

  test('fails on a path that does not exist', () => {
    const missing = path.join(dir, 'nope');
    expect(() => loadManifests([missing])).toThrow(`cannot read ${missing}: no such file or folder, pass a dist/ folder or YAML files`);
  });

  test('fails on a folder without YAML', () => {
    expect(() => loadManifests([dir])).toThrow(`${dir} has no .yaml or .yml file: run cdk8s synth first, or pass the files`);
  });

  test('fails on invalid YAML, naming the file', () => {
    expect(() => parseManifest('bad.yaml', 'a: [1, 2\n')).toThrow(/^bad\.yaml is not valid YAML: /);
  });
});
