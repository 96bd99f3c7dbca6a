import { Chart, Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import {
  AnalysisArg, AnalysisTemplate, CanaryRollout, CanaryStep, ClusterAnalysisTemplate, MetricProvider, TemplateArg, TrafficRouting, WebMethod,
} from '../../lib';
import { parseManifest, planRollouts } from '../../tools/cli/src/plan/manifests';
import { finitePlan, formatPlan } from '../../lib/rollout/plan';
import { promtoolErrors } from '../support/promtool';
import { synthValid } from '../support/schema';

const IMAGE = 'registry.example.com/web:1.2.3';
const templates = (objects: any[]) => objects.filter((o) => o.kind === 'AnalysisTemplate' || o.kind === 'ClusterAnalysisTemplate');
const successRate = 'sum(rate(http_requests_total{service="{{args.service-name}}",code!~"5.."}[{{args.window}}])) '
  + '/ sum(rate(http_requests_total{service="{{args.service-name}}"}[{{args.window}}]))';

/** Argo's example templates (examples/analysis-templates.yaml, cluster-analysis-templates.yaml) and the usual others. */
function catalogue(chart: Chart) {
  const job = (args: string[]) => MetricProvider.job({ containers: [{ name: 'sleep', image: 'alpine:3.8', command: ['sh', '-c'], args }], backoffLimit: 0 });
  const pass = new AnalysisTemplate(chart, 'pass', {
    templateName: 'pass',
    metrics: [{ name: 'pass', count: 1, interval: Duration.seconds(5), failureLimit: 1, provider: job(['exit 0']) }],
  });
  const randomFail = new AnalysisTemplate(chart, 'random-fail', {
    templateName: 'random-fail',
    metrics: [{ name: 'random-fail', count: 2, interval: Duration.seconds(5), failureLimit: 1, provider: job(['FLIP=$(($(($RANDOM%10))%2)) && exit $FLIP']) }],
  });
  const alwaysPass = new ClusterAnalysisTemplate(chart, 'always-pass', {
    templateName: 'always-pass',
    metrics: [{ name: 'pass', count: 1, interval: Duration.seconds(5), failureLimit: 1, provider: job(['exit 0']) }],
  });
  const web = new AnalysisTemplate(chart, 'secret', {
    templateName: 'analysis-secret',
    args: [TemplateArg.fromSecret('secret-url', 'example-secret', 'secretUrl')],
    metrics: [{ name: 'webmetric', successCondition: "result == 'It worked!'", provider: MetricProvider.web({ url: '{{args.secret-url}}', jsonPath: '{$.message}' }) }],
  });
  const prometheus = new AnalysisTemplate(chart, 'success-rate', {
    templateName: 'success-rate',
    args: [TemplateArg.required('service-name'), TemplateArg.value('window', '5m')],
    metrics: [{
      name: 'success-rate', interval: Duration.minutes(1), count: 5, failureLimit: 1, successCondition: 'result[0] >= 0.95',
      provider: MetricProvider.prometheus({ address: 'http://prometheus.example.com:9090', query: successRate }),
    }],
  });
  return { pass, randomFail, alwaysPass, web, prometheus };
}

describe('AnalysisTemplate', () => {
  test('a ClusterAnalysisTemplate in a chart with a namespace has none; an AnalysisTemplate there has the chart\'s', () => {
    // GIVEN Argo's example templates in a chart whose objects go to namespace apps
    const chart = new Chart(Testing.app(), 'apps', { namespace: 'apps' });
    catalogue(chart);
    // WHEN synthesized THEN the cluster-scoped template carries no namespace, the namespaced ones carry the chart's
    expect(templates(synthValid(chart)).map((o) => `${o.kind}/${o.metadata.name} ${o.metadata.namespace}`)).toEqual([
      'AnalysisTemplate/pass apps', 'AnalysisTemplate/random-fail apps', 'ClusterAnalysisTemplate/always-pass undefined',
      'AnalysisTemplate/analysis-secret apps', 'AnalysisTemplate/success-rate apps',
    ]);
  });

  test('expresses Argo\'s example templates; the output is schema-valid and says only what was set', () => {
    // GIVEN Argo's job templates, its web template with a Secret arg and a Prometheus success rate with args
    const chart = Testing.chart();
    const c = catalogue(chart);
    // WHEN synthesized (strict CRD schemas)
    const objects = templates(synthValid(chart));
    // THEN the objects are those of Argo's examples, plus this library's hardening of the Job's container
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'AnalysisTemplate/pass', 'AnalysisTemplate/random-fail', 'ClusterAnalysisTemplate/always-pass', 'AnalysisTemplate/analysis-secret',
      'AnalysisTemplate/success-rate',
    ]);
    expect(objects[0].spec).toEqual({
      metrics: [{
        name: 'pass', count: 1, interval: '5s', failureLimit: 1,
        provider: {
          job: {
            spec: {
              backoffLimit: 0,
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{
                    name: 'sleep', image: 'alpine:3.8', command: ['sh', '-c'], args: ['exit 0'],
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
                  }],
                },
              },
            },
          },
        },
      }],
    });
    expect(objects[3].spec).toEqual({
      args: [{ name: 'secret-url', valueFrom: { secretKeyRef: { name: 'example-secret', key: 'secretUrl' } } }],
      metrics: [{ name: 'webmetric', successCondition: "result == 'It worked!'", provider: { web: { url: '{{args.secret-url}}', jsonPath: '{$.message}' } } }],
    });
    expect(objects[4].spec.args).toEqual([{ name: 'service-name' }, { name: 'window', value: '5m' }]);
    // AND the sync wave puts the templates before the rollouts
    expect(objects.every((o) => o.metadata.annotations['argocd.argoproj.io/sync-wave'] === '-1')).toBe(true);
    expect([c.alwaysPass.clusterScope, c.pass.clusterScope]).toEqual([true, false]);
    expect(c.prometheus.args).toEqual([{ name: 'service-name', hasDefault: false }, { name: 'window', hasDefault: true }]);
  });

  test('the Prometheus query it emits, the args given values, is accepted by promtool', () => {
    const chart = Testing.chart();
    catalogue(chart);
    const query: string = templates(synthValid(chart)).find((o) => o.metadata.name === 'success-rate').spec.metrics[0].provider.prometheus.query;
    expect(promtoolErrors({ 'success-rate': query.replace(/\{\{args\.window\}\}/g, '5m') })).toBe('');
    // AND a query promtool refuses is refused (rate of an instant vector), so the check can fail
    expect(promtoolErrors({ bad: 'rate(sum(up))' })).not.toBe('');
  });

  test('timing has Argo\'s defaults and the provider timeouts (Prometheus 30s, web 10s, a Job none)', () => {
    const chart = Testing.chart();
    const c = catalogue(chart);
    // THEN a metric without limits has failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4, one measurement
    expect(c.web.metrics).toEqual([{
      name: 'webmetric', interval: undefined, count: undefined, initialDelay: undefined, failureLimit: 0, inconclusiveLimit: 0,
      consecutiveErrorLimit: 4, window: undefined, dryRun: false, timeout: Duration.seconds(10),
    }]);
    // AND the Prometheus metric's window is its query's range, the arg's value in place
    const m = c.prometheus.metrics[0];
    expect([m.count, m.failureLimit, m.window?.toSeconds(), m.timeout?.toSeconds()]).toEqual([5, 1, 300, 30]);
    expect(c.pass.metrics[0].timeout).toBeUndefined();
  });

  test('plan timing from the construct equals the plan command\'s timing from its synthesized manifest', () => {
    // GIVEN a rollout running a web smoke test, a Job and a Prometheus query with args, one of them in the background
    const chart = Testing.chart();
    const smoke = new AnalysisTemplate(chart, 'smoke', {
      metrics: [
        {
          name: 'health', interval: Duration.seconds(20), count: 3, initialDelay: Duration.seconds(10), consecutiveErrorLimit: 2,
          successCondition: 'result == "ok"', provider: MetricProvider.web({ url: 'http://web-canary.shop.svc/healthz', jsonPath: '{$.status}', timeout: Duration.seconds(5) }),
        },
        { name: 'e2e', provider: MetricProvider.job({ containers: [{ name: 'e2e', image: 'registry.example.com/e2e:2.0.1', args: ['--target', '{{args.host}}'] }] }) },
      ],
      args: [TemplateArg.value('host', 'web-canary.shop.svc')],
    });
    const guard = new ClusterAnalysisTemplate(chart, 'guard', {
      args: [TemplateArg.required('service-name'), TemplateArg.value('window', '2m')],
      metrics: [{
        name: 'success-rate', interval: Duration.seconds(30), failureLimit: 2, dryRun: false, measurementRetention: 5,
        successCondition: 'result[0] >= 0.99', failureCondition: 'result[0] < 0.99',
        provider: MetricProvider.prometheus({ query: successRate, timeout: Duration.seconds(10) }),
      }],
    });
    const rollout = new CanaryRollout(chart, 'web', {
      image: IMAGE,
      steps: [CanaryStep.weight(20), CanaryStep.analysis({ templates: [smoke] }), CanaryStep.weight(50), CanaryStep.pause(Duration.minutes(1))],
      trafficRouting: TrafficRouting.nginx({ host: 'web.example.com' }),
      backgroundAnalysis: { templates: [guard], args: [AnalysisArg.value('service-name', 'web')] },
      maxTimeToAbort: Duration.minutes(5),
    });
    // WHEN synthesized and planned from the manifests
    const objects = synthValid(chart);
    const fromManifests = planRollouts(parseManifest('dist.yaml', objects.map((o) => YAML.stringify(o)).join('---\n')))[0].plan;
    // THEN both plans are the same, metric by metric
    expect(finitePlan(fromManifests)).toEqual(rollout.plan);
    expect(rollout.plan.analyses.map((a) => a.metrics.map((m) => m.name))).toEqual([['health', 'e2e'], ['success-rate']]);
    expect(rollout.plan.abort).toBeDefined();
    // AND the dryRun and retention entries name the metric exactly
    const guardSpec = templates(objects).find((o) => o.kind === 'ClusterAnalysisTemplate').spec;
    expect(guardSpec.measurementRetention).toEqual([{ metricName: '^success-rate$', limit: 5 }]);
  });

  test('a dry-run metric is emitted as a dryRun entry and timed as such', () => {
    const chart = Testing.chart();
    const t = new AnalysisTemplate(chart, 't', {
      args: [TemplateArg.required('q')],
      metrics: [{ name: 'new.metric', dryRun: true, provider: MetricProvider.newRelic({ query: "SELECT count(*) FROM Transaction WHERE app = '{{args.q}}'" }) }],
    });
    expect(templates(synthValid(chart))[0].spec.dryRun).toEqual([{ metricName: '^new\\.metric$' }]);
    expect(t.metrics[0].dryRun).toBe(true);
  });

  test('a Job\'s pod takes annotations and labels, e.g. a mesh\'s injection annotation', () => {
    const chart = Testing.chart();
    new AnalysisTemplate(chart, 'load', {
      metrics: [{ name: 'load', provider: MetricProvider.job({
        containers: [{ name: 'load', image: 'registry.example.com/load-tester:1.2.0' }],
        podAnnotations: { 'linkerd.io/inject': 'enabled' }, podLabels: { role: 'load-test' },
      }) }],
    });
    const [t] = synthValid(chart);
    expect(t.spec.metrics[0].provider.job.spec.template.metadata).toEqual({ annotations: { 'linkerd.io/inject': 'enabled' }, labels: { role: 'load-test' } });
  });

  test('datadog and plugin providers are schema-valid', () => {
    const chart = Testing.chart();
    new AnalysisTemplate(chart, 't', {
      metrics: [
        { name: 'errors', successCondition: 'default(result, 0) < 0.05', provider: MetricProvider.datadog({ queries: { a: 'sum:errors{*}', b: 'sum:requests{*}' }, formula: 'a / b' }) },
        { name: 'v1', successCondition: 'result < 1', provider: MetricProvider.datadog({ query: 'avg:latency{*}', interval: Duration.minutes(5) }) },
        { name: 'plugin', successCondition: 'result[0] > 0', provider: MetricProvider.plugin('argoproj-labs/sample-prometheus', { query: 'up' }) },
      ],
    });
    const spec = templates(synthValid(chart))[0].spec;
    expect(spec.metrics.map((m: any) => m.provider)).toEqual([
      { datadog: { queries: { a: 'sum:errors{*}', b: 'sum:requests{*}' }, formula: 'a / b', apiVersion: 'v2' } },
      { datadog: { query: 'avg:latency{*}', interval: '5m' } },
      { plugin: { 'argoproj-labs/sample-prometheus': { query: 'up' } } },
    ]);
  });

  test('a CloudWatch error ratio is schema-valid', () => {
    const chart = Testing.chart();
    new AnalysisTemplate(chart, 't', {
      args: [TemplateArg.required('lb')],
      metrics: [{
        name: 'alb-errors', interval: Duration.minutes(1), count: 5, successCondition: 'all(result[0].Values, {# <= 0.01})',
        provider: MetricProvider.cloudWatch({
          interval: Duration.minutes(5),
          queries: [
            { id: 'errors', metricName: 'HTTPCode_Target_5XX_Count', namespace: 'AWS/ApplicationELB', stat: 'Sum', dimensions: { LoadBalancer: '{{args.lb}}' }, returnData: false },
            { id: 'requests', metricName: 'RequestCount', namespace: 'AWS/ApplicationELB', stat: 'Sum', dimensions: { LoadBalancer: '{{args.lb}}' }, returnData: false },
            { id: 'ratio', expression: 'errors / requests', period: Duration.minutes(1) },
          ],
        }),
      }],
    });
    const provider = templates(synthValid(chart))[0].spec.metrics[0].provider.cloudWatch;
    expect(provider.interval).toBe('5m');
    expect(provider.metricDataQueries[0]).toEqual({
      id: 'errors', returnData: false,
      metricStat: { metric: { metricName: 'HTTPCode_Target_5XX_Count', namespace: 'AWS/ApplicationELB', dimensions: [{ name: 'LoadBalancer', value: '{{args.lb}}' }] }, stat: 'Sum', period: 300 },
    });
    expect(provider.metricDataQueries[2]).toEqual({ id: 'ratio', expression: 'errors / requests', period: 60 });
    expect(() => MetricProvider.cloudWatch({ queries: [{ id: 'x', metricName: 'RequestCount', stat: 'Sum' }] })).toThrow(
      "cloudWatch queries[0] (x) has metricName 'RequestCount' without namespace: CloudWatch needs both, e.g. namespace 'AWS/ApplicationELB', stat 'Sum'");
    expect(() => MetricProvider.cloudWatch({ queries: [{ id: 'Bad', expression: 'a' }] })).toThrow(
      "cloudWatch queries[0].id must start with a lowercase letter, then letters, digits or '_', got 'Bad'");
  });

  test('a web call with method, headers from a Secret arg and a JSON body', () => {
    const chart = Testing.chart();
    new AnalysisTemplate(chart, 't', {
      args: [TemplateArg.fromSecret('token', 'ci-token', 'token')],
      metrics: [{
        name: 'ci', successCondition: 'result.passed == true', provider: MetricProvider.web({
          url: 'https://ci.example.com/api/check', method: WebMethod.POST, headers: { Authorization: 'Bearer {{args.token}}' },
          jsonBody: { suite: 'smoke' }, jsonPath: '{$}', insecure: false,
        }),
      }],
    });
    expect(templates(synthValid(chart))[0].spec.metrics[0].provider.web).toEqual({
      url: 'https://ci.example.com/api/check', method: 'POST', headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
      jsonBody: { suite: 'smoke' }, jsonPath: '{$}', insecure: false,
    });
  });
});

describe('AnalysisTemplate refusals', () => {
  const web = MetricProvider.web({ url: 'http://x.example.com' });
  const OK = 'result == "ok"';
  const make = (props: any) => new AnalysisTemplate(Testing.chart(), 't', props);

  test.each<[string, () => unknown, string | RegExp]>([
    ['an undeclared arg', () => make({ metrics: [{ name: 'm', provider: MetricProvider.web({ url: 'http://{{args.host}}/' }) }] }),
      "metric 'm' uses {{args.host}} but the template declares no arg 'host': add TemplateArg.required('host') (or .value/.fromSecret) to args, or fix the placeholder"],
    ['invalid PromQL, args replaced', () => make({ args: [TemplateArg.value('w', '5m')], metrics: [{ name: 'm', provider: MetricProvider.prometheus({ query: 'sum(rate(x[{{args.w}}])' }) }] }),
      /^metric 'm' prometheus query: invalid PromQL at line 1, column 16 \(args replaced by sample values\), fix the query:\nsum\(rate\(x\[5m\]\)\n {15}\^$/],
    ['a range from an arg without value', () => make({ args: [TemplateArg.required('w')], metrics: [{ name: 'm', successCondition: OK, provider: MetricProvider.prometheus({ query: 'rate(x[{{args.w}}])' }) }] }),
      /^AnalysisTemplate test-t-\w+, metric m: the query's range uses arg w, which has no value in the template: give the arg a value, or write the range as a duration such as 1m$/],
    ['a malformed condition', () => make({ metrics: [{ name: 'm', successCondition: 'result.ok &&', provider: web }] }),
      'metric \'m\' successCondition "result.ok &&" is not a valid expr-lang expression (it ends with an operator): Argo Rollouts would error every measurement; fix the condition, e.g. result[0] >= 0.95'],
    ['an unclosed string', () => make({ metrics: [{ name: 'm', failureCondition: "result == 'bad", provider: web, successCondition: OK }] }), /\(the string opened at column 11 is not closed\)/],
    ['= for ==', () => make({ metrics: [{ name: 'm', failureCondition: 'result.code = 500', provider: web, successCondition: OK }] }), /\('=' compares nothing: write '=='\)/],
    ['count > 1 without interval', () => make({ metrics: [{ name: 'm', count: 3, provider: web, successCondition: OK }] }),
      'metric \'m\' has count 3 without interval, which Argo Rollouts rejects ("interval must be specified when count > 1"): set interval'],
    ['count below the limits', () => make({ metrics: [{ name: 'm', count: 2, interval: Duration.seconds(10), failureLimit: 2, consecutiveSuccessLimit: 1, provider: web, successCondition: OK }] }),
      "metric 'm' has count 2 below failureLimit + consecutiveSuccessLimit (2 + 1), which Argo Rollouts rejects: raise count or lower the limits"],
    ['failureLimit -1 alone', () => make({ metrics: [{ name: 'm', failureLimit: -1, provider: web, successCondition: OK }] }), /failureLimit -1 without a consecutiveSuccessLimit is a metric Argo Rollouts rejects/],
    ['failureLimit below -1', () => make({ metrics: [{ name: 'm', failureLimit: -2, provider: web, successCondition: OK }] }), "metric 'm' failureLimit (-1 disables it) must be an integer >= -1, got -2"],
    ['a fractional interval', () => make({ metrics: [{ name: 'm', interval: Duration.millis(1500), provider: web, successCondition: OK }] }),
      "metric 'm' interval must be a positive whole number of seconds, got 1500ms: round it to seconds"],
    ['a duplicate metric', () => make({ metrics: [{ name: 'm', provider: web, successCondition: OK }, { name: 'm', provider: web, successCondition: OK }] }), /^metric 'm' is already in AnalysisTemplate test-t-\w+: name each metric once$/],
    ['a duplicate arg', () => make({ args: [TemplateArg.required('a'), TemplateArg.value('a', '1')] }), "args has 'a' twice: declare each arg once"],
    ['a body with GET', () => MetricProvider.web({ url: 'http://x.example.com', body: '{}' }),
      'web body is set with method GET: Argo Rollouts sends a body only with POST or PUT and errors every measurement; set method to WebMethod.POST or WebMethod.PUT, or drop the body'],
    ['body and jsonBody', () => MetricProvider.web({ url: 'http://x.example.com', method: WebMethod.POST, body: '{}', jsonBody: {} }), /^web body and jsonBody are both set/],
    ['a URL with credentials', () => MetricProvider.web({ url: 'https://user:pw@x.example.com' }), /^web url must not carry credentials, got "https:\/\/\*\*\*@x.example.com"/],
    ['a URL that is not one', () => MetricProvider.web({ url: 'x.example.com/health' }), 'web url must be an http or https URL (placeholders such as {{args.host}} allowed), got "x.example.com/health"'],
    ['a jsonPath without braces', () => MetricProvider.web({ url: 'http://x.example.com', jsonPath: '$.status' }), "web jsonPath must be a JSONPath in braces such as '{$.status}', got '$.status'"],
    ['a moving image tag', () => MetricProvider.job({ containers: [{ name: 'c', image: 'alpine' }] }), /^job containers\[0\]\.image must be pinned to a tag or digest, got 'alpine'/],
    ['a Job without container', () => MetricProvider.job({ containers: [] }), 'job containers is empty: give the container that runs the check'],
    ['a zero Prometheus timeout', () => MetricProvider.prometheus({ query: 'up', timeout: Duration.seconds(0) }), 'prometheus timeout must be a positive whole number of seconds, got 0ms: round it to seconds'],
    ['datadog formula without queries', () => MetricProvider.datadog({ query: 'q', formula: 'a' }), 'datadog formula needs queries: name the queries it combines'],
    ['a plugin name without namespace', () => MetricProvider.plugin('sample', {}), "plugin name must be '<namespace>/<name>' as registered in the controller's metricProviderPlugins, got 'sample'"],
    ['an invalid arg name', () => TemplateArg.required('a b'), "arg name must be letters, digits, '-', '_' or '.', starting with a letter or digit, got 'a b'"],
  ])('refuses %s', (_, build, message) => {
    expect(build).toThrow(message);
  });

  test('refuses at synth a template without metric and an arg no metric uses', () => {
    const chart = Testing.chart();
    new AnalysisTemplate(chart, 'empty', { templateName: 'empty' });
    new AnalysisTemplate(chart, 'unused', { templateName: 'unused', args: [TemplateArg.required('host')], metrics: [{ name: 'm', successCondition: OK, provider: MetricProvider.web({ url: 'http://x.example.com' }) }] });
    expect(() => Testing.synth(chart)).toThrow(/AnalysisTemplate empty has no metric: pass metrics or call addMetric\(\)[\s\S]*AnalysisTemplate unused declares arg 'host' but no metric uses \{\{args.host\}\}: use it or remove it \(a rule of cdk8s-progressive/);
  });

  test('refuses a metric that can never fail: no condition, unless a Job, a plugin or a dry run', () => {
    expect(() => make({ metrics: [{ name: 'm', provider: MetricProvider.prometheus({ query: 'up' }) }] })).toThrow("metric 'm' has neither successCondition "
      + "nor failureCondition: Argo Rollouts counts every prometheus measurement that does not error as Successful; add one, e.g. failureCondition: "
      + "'result[0] < 0.95', or set dryRun to only record the values (a rule of cdk8s-progressive, not of Argo Rollouts: a metric without conditions "
      + 'never fails, so it judges nothing)');
    expect(() => make({ metrics: [
      { name: 'recorded', dryRun: true, provider: MetricProvider.prometheus({ query: 'up' }) },
      { name: 'job', provider: MetricProvider.job({ containers: [{ name: 'c', image: 'alpine:3.8' }] }) },
      { name: 'plugin', provider: MetricProvider.plugin('acme/judge', {}) },
    ] })).not.toThrow();
  });

  test('a refused metric is not kept', () => {
    const t = new AnalysisTemplate(Testing.chart(), 't');
    expect(() => t.addMetric({ name: 'm', failureLimit: -1, provider: MetricProvider.web({ url: 'http://x.example.com' }) })).toThrow();
    expect(t.metricsAdded).toEqual([]);
  });
});

describe('AnalysisTemplate.fromName', () => {
  const rolloutWith = (chart: Chart, props: any) => new CanaryRollout(chart, 'web', {
    image: IMAGE, steps: [CanaryStep.weight(20), CanaryStep.pause(Duration.minutes(1))], trafficRouting: TrafficRouting.nginx({ host: 'web.example.com' }), ...props,
  });

  test('emits nothing; rollouts reference it and check its args', () => {
    const chart = Testing.chart();
    const platform = ClusterAnalysisTemplate.fromName(chart, 'platform', 'platform-smoke', { args: [TemplateArg.required('service')] });
    rolloutWith(chart, { backgroundAnalysis: { templates: [platform] } });
    expect(() => Testing.synth(chart)).toThrow("backgroundAnalysis references template 'platform-smoke' whose arg 'service' has no value");
    const ok = Testing.chart();
    const p2 = ClusterAnalysisTemplate.fromName(ok, 'platform', 'platform-smoke', { args: [TemplateArg.required('service')] });
    rolloutWith(ok, { backgroundAnalysis: { templates: [p2], args: [AnalysisArg.value('service', 'web')] } });
    const objects = synthValid(ok);
    expect(templates(objects)).toEqual([]);
    expect(objects.find((o) => o.kind === 'Rollout')!.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'platform-smoke', clusterScope: true }]);
  });

  test('timing unknown: the plan says so, and no budget is refused unless one is set', () => {
    // GIVEN a rollout whose inline analysis uses a template of unknown timing, and no budget set
    const chart = Testing.chart();
    const smoke = AnalysisTemplate.fromName(chart, 'smoke', 'smoke');
    const rollout = rolloutWith(chart, { steps: [CanaryStep.weight(20), CanaryStep.analysis({ templates: [smoke] }), CanaryStep.weight(60)] });
    // THEN synth passes (the default 2m abort budget needs a timing) and the plan says the timing is unknown
    synthValid(chart);
    expect(rollout.plan.abort).toBeUndefined();
    expect(rollout.plan.analyses[0].timingUnknown).toEqual(["AnalysisTemplate 'smoke' referenced by name, its timing not stated"]);
    expect(formatPlan(rollout.plan)).toContain("total to 100%: at least 30s, timing unknown (AnalysisTemplate 'smoke' referenced by name, its timing not stated)");
    expect(formatPlan(rollout.plan)).toContain("worst-case time to abort: unknown, timing unknown (AnalysisTemplate 'smoke' referenced by name, its timing not stated)");
  });

  test.each([
    ['maxTimeToAbort', { maxTimeToAbort: Duration.minutes(3) },
      "maxTimeToAbort is 3m but the worst-case time to abort is unknown: timing unknown (AnalysisTemplate 'smoke' referenced by name, its timing not stated): "
      + 'define the template in the same chart or manifests, or state the timing of its metrics (the `metrics` option of AnalysisTemplate.fromName), or drop maxTimeToAbort'],
    ['maxPromotionTime', { maxPromotionTime: Duration.minutes(20) }, /maxPromotionTime is 20m but the time to reach 100% is unknown: timing unknown \(AnalysisTemplate 'smoke'/],
  ])('refuses a %s that needs the unknown timing, naming the template and the fix', (_, budget, message) => {
    const chart = Testing.chart();
    const smoke = AnalysisTemplate.fromName(chart, 'smoke', 'smoke');
    rolloutWith(chart, { steps: [CanaryStep.weight(20), CanaryStep.analysis({ templates: [smoke] }), CanaryStep.weight(60)], ...budget });
    expect(() => Testing.synth(chart)).toThrow(message);
  });

  test('a background analysis of unknown timing leaves the promotion budget judged', () => {
    const chart = Testing.chart();
    const guard = AnalysisTemplate.fromName(chart, 'guard', 'guard');
    rolloutWith(chart, { backgroundAnalysis: { templates: [guard] }, maxPromotionTime: Duration.seconds(30) });
    expect(() => Testing.synth(chart)).toThrow(/maxPromotionTime is 30s but the plan takes 1m\d*s? to reach 100%/);
  });

  test('stated timing is planned like a template of this chart, with Argo\'s defaults', () => {
    const chart = Testing.chart();
    const smoke = AnalysisTemplate.fromName(chart, 'smoke', 'smoke', {
      metrics: [{ name: 'health', interval: Duration.seconds(20), count: 3, timeout: Duration.seconds(5) }],
    });
    expect(smoke.metrics).toEqual([{
      name: 'health', interval: Duration.seconds(20), count: 3, initialDelay: undefined, failureLimit: 0, inconclusiveLimit: 0,
      consecutiveErrorLimit: 4, window: undefined, timeout: Duration.seconds(5), dryRun: false,
    }]);
    const rollout = rolloutWith(chart, { steps: [CanaryStep.weight(20), CanaryStep.analysis({ templates: [smoke] })], maxTimeToAbort: Duration.minutes(3) });
    synthValid(chart);
    expect(rollout.plan.steps[1].seconds).toBe(40);
    expect(rollout.plan.abort!.analysis).toBe('analysis at step 1 (smoke)');
  });

  test.each<[string, () => unknown, string | RegExp]>([
    ['an invalid name', () => AnalysisTemplate.fromName(Testing.chart(), 'x', 'Smoke'), /^templateName must be a DNS-1123 subdomain/],
    ['empty metrics', () => AnalysisTemplate.fromName(Testing.chart(), 'x', 'smoke', { metrics: [] }),
      "metrics of template 'smoke' is empty: state the timing of each metric, or leave metrics out"],
    ['count without interval', () => AnalysisTemplate.fromName(Testing.chart(), 'x', 'smoke', { metrics: [{ name: 'm', count: 2 }] }),
      'metric \'m\' of template \'smoke\' has count 2 without interval, which Argo Rollouts rejects ("interval must be specified when count > 1"): set interval'],
  ])('refuses %s', (_, build, message) => {
    expect(build).toThrow(message);
  });

  test('a rollout without analysis is told apart from one of unknown timing', () => {
    const chart = Testing.chart();
    const rollout = rolloutWith(chart, {});
    expect(formatPlan(rollout.plan)).toContain('worst-case time to abort: never (the rollout has no analysis)');
  });
});
