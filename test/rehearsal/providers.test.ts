import { jsonPath, localizeProvider } from '../../tools/cli/src/rehearsal/providers';
import { TimeScale } from '../../tools/cli/src/rehearsal/time-scale';
import { stepWebMetric } from './example-chart';

const WEB_METRIC = stepWebMetric();

const targets = { prometheusUrl: 'http://127.0.0.1:9', gateUrl: 'http://127.0.0.1:8', scale: new TimeScale(10) };

describe('jsonPath', () => {
  test('picks fields and indexes, with or without $', () => {
    // GIVEN a gate answer WHEN paths are applied THEN the first match is returned
    const body = { verdict: 'pass', checks: [{ name: 'traffic' }] };
    expect(jsonPath(body, '{$.verdict}')).toEqual({ ok: true, value: 'pass' });
    expect(jsonPath(body, '{.checks[0].name}')).toEqual({ ok: true, value: 'traffic' });
    expect(jsonPath(body, "{$['verdict']}")).toEqual({ ok: true, value: 'pass' });
    expect(jsonPath(body, '{$}')).toEqual({ ok: true, value: body });
  });

  test('fails on a missing path, as Argo does', () => {
    // GIVEN a path the body does not have WHEN applied THEN it is not found
    expect(jsonPath({ verdict: 'pass' }, '{$.result}')).toEqual({ ok: false, error: 'result is not found' });
  });
});

describe('localizeProvider', () => {
  test('points a prometheus metric at the local Prometheus and scales its windows', () => {
    // GIVEN a prometheus metric WHEN localized THEN the address is local and [1m] becomes [6s]
    const m = localizeProvider({ name: 'm', provider: { prometheus: { address: 'http://prometheus:9090', query: 'rate(x[1m])' } } }, targets);
    expect(m.provider.prometheus).toEqual({ address: 'http://127.0.0.1:9', query: 'rate(x[6s])' });
  });

  test('points a web metric at the local gate, keeps the path and scales the gate window', () => {
    // GIVEN the gate's web metric WHEN localized THEN the origin is the local gate's and the window 6s
    const m = localizeProvider(WEB_METRIC, targets);
    expect(m.provider.web.url).toBe('http://127.0.0.1:8/v1/verdict');
    expect(WEB_METRIC.provider.web.url).toBe('http://slo-gate.amas-prod.svc.cluster.local/v1/verdict');
    expect(m.provider.web.jsonBody.window).toBe('6s');
    expect(m.provider.web.jsonBody.workload).toEqual(WEB_METRIC.provider.web.jsonBody.workload);
  });

  test('fails on a provider the rehearsal does not run', () => {
    // GIVEN a datadog metric WHEN localized THEN it fails naming the provider
    expect(() => localizeProvider({ name: 'd', provider: { datadog: {} } }, targets))
      .toThrow('metric d uses the datadog provider; the rehearsal runs prometheus and web metrics only');
  });
});
