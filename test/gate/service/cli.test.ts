/**
 * The real gate process, started through its package bin, against a real Prometheus scraping real
 * demo services (a stable and four canaries) under a bounded request loop. The gate requires
 * per-namespace tokens: `shop` (where the demo services run) and `team-b`.
 */
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { PROMQL_KEYWORDS, VERDICT_PATH, VerdictRequest, VerdictResponse } from '../../../lib/gate/contract';
import { RunningLoad, startLoad } from '../../support/load';
import { builtGate, cleanUp, startAll, startDemo, startProcess, StartedProcess, stopAll } from '../../support/processes';
import { freePort, PrometheusServer } from '../../support/prometheus';
import { StallingProxy } from '../../support/stalling-proxy';
import { Answer, bearer, BIN, get, logOf, metricValue, post as postAs, REQUEST_ID_HEADER, SecretVolume, startGate } from './gate-process';

const WINDOW = '15s';
const HASH = { stable: 's7able', good: 'g00d', failing: 'fa1l', slow: 's1ow', idle: '1d1e' };
const TOKENS = { 'shop': 'shop-token-0123456789abcdef', 'team-b': 'team-b-token-0123456789abcdef' };

/** What the tests send: the objectives a team would set, scoped to one canary hash. */
function request(canary: string, objectives: Partial<VerdictRequest['objectives']> = {}): VerdictRequest {
  return {
    workload: { namespace: 'shop', rollout: 'web', source: { app: { canaryPodTemplateHash: canary, stablePodTemplateHash: HASH.stable } } },
    window: WINDOW,
    objectives: {
      successRate: 0.95,
      latency: { quantile: 0.95, thresholdSeconds: 1 },
      minRequests: 50,
      errorBudget: { objective: 0.99, maxBurnRate: 1 },
      ...objectives,
    },
  };
}

type ErrorBody = { error: string; field?: string; message: string };
/** POSTs with shop's token unless other headers are given. */
const post = <T = VerdictResponse>(port: number, body: unknown, headers: Record<string, string> = bearer(TOKENS.shop)) => postAs<T>(port, body, headers);

/** Opens a raw TCP connection to the gate; resolves with everything it answered once it closes the connection. */
function rawConnection(port: number): { socket: net.Socket; closed: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => { received += d.toString(); });
  socket.on('error', () => undefined);
  // Bounded: a connection the gate never closes fails the test after 30 s instead of hanging it.
  const closed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`the gate kept the connection open; received ${JSON.stringify(received)}`)); }, 30_000);
    socket.on('close', () => { clearTimeout(timer); resolve(received); });
  });
  return { socket, closed };
}

describe('slo-gate process against a real Prometheus', () => {
  let prometheus: PrometheusServer | undefined;
  let tokens: SecretVolume;
  let gate: StartedProcess;
  const loads: RunningLoad[] = [];

  beforeAll(async () => {
    // GIVEN a stable version, a good, a failing (20% errors, spread evenly), a slow (p95 1.5 s) and an idle canary
    const [stable, good, failing, slow, idle] = await startAll([
      startDemo(),
      startDemo(),
      startDemo(['--mode', 'failing', '--error-rate', '0.2', '--errors', 'even']),
      startDemo(['--mode', 'slow', '--latency', '1500ms']),
      startDemo(),
    ]);
    const target = (p: StartedProcess, hash: string) => ({
      port: p.port, labels: { namespace: 'shop', pod: `web-${hash}-0`, rollouts_pod_template_hash: hash },
    });
    prometheus = await PrometheusServer.start({
      targets: [target(stable, HASH.stable), target(good, HASH.good), target(failing, HASH.failing), target(slow, HASH.slow), target(idle, HASH.idle)],
    });
    tokens = SecretVolume.create(TOKENS);
    gate = await startGate(prometheus.url, { tokens, args: ['--query-timeout', '2s', '--verdict-timeout', '3s'] });

    // AND a bounded load sending 10% of 100 requests/s to each busy canary, the rest to stable
    for (const canary of [good, failing, slow]) {
      loads.push(startLoad({
        stableUrl: `http://127.0.0.1:${stable.port}/`, canaryUrl: `http://127.0.0.1:${canary.port}/`,
        canaryShare: 0.1, rate: 100, durationMs: 240_000,
      }));
    }
    // AND Prometheus has seen at least 80 completed requests of each busy canary within the window
    await prometheus.waitFor(
      () => prometheus!.vector(`sum by (rollouts_pod_template_hash) (increase(http_requests_total{namespace="shop"}[${WINDOW}]))`),
      (v) => [HASH.good, HASH.failing, HASH.slow].every((h) => (v.find((s) => s.metric.rollouts_pod_template_hash === h)?.value ?? 0) >= 80),
      45_000,
      'canary traffic in the window',
    );
  }, 90_000);

  afterAll(() => cleanUp(() => Promise.all(loads.map((l) => l.stop())), () => prometheus?.dispose(), stopAll, () => tokens?.dispose()), 30_000);

  test('passes a healthy canary', async () => {
    // WHEN the gate judges the good canary
    const answer = await post(gate.port, request(HASH.good));

    // THEN it passes, with every check judged and the traffic it saw; quantiles of fewer than 400 canary
    // requests are not compared with stable's
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('pass');
    expect(answer.body.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['traffic', 'pass'], ['successRate', 'pass'], ['latency', 'pass'], ['errorBudget', 'pass'],
      ['errorRatioVsStable', 'pass'], ['latencyVsStable', answer.body.requests.canary! >= 400 ? 'pass' : 'skipped'],
    ]);
    expect(answer.body.requests.canary).toBeGreaterThanOrEqual(50);
    expect(answer.body.requests.stable!).toBeGreaterThan(answer.body.requests.canary!);
    expect(answer.body.window).toBe(WINDOW);
  });

  test('fails a canary with 20% errors at 10% of the traffic', async () => {
    // WHEN the gate judges the failing canary
    const answer = await post(gate.port, request(HASH.failing));

    // THEN it fails on the success rate, the burn rate and the comparison with stable
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('fail');
    const byName = Object.fromEntries(answer.body.checks.map((c) => [c.name, c]));
    expect(byName.successRate.verdict).toBe('fail');
    expect(byName.successRate.canary).toBeCloseTo(0.8, 1);
    expect(byName.errorBudget.verdict).toBe('fail');
    expect(byName.errorRatioVsStable.verdict).toBe('fail');
    expect(byName.errorRatioVsStable.stable).toBe(0);
    expect(answer.body.reasons[0]).toMatch(/^successRate: canary success rate 0\.\d+ is below the objective 0\.95: at most 0\.\d+ at 99\.9% confidence$/);
  });

  test('the same traffic mixed into one query would have passed', async () => {
    // WHEN asking Prometheus for the success rate of every pod behind the failing canary's load
    const mixed = await prometheus!.vector(
      `sum(increase(http_requests_total{namespace="shop",rollouts_pod_template_hash=~"${HASH.stable}|${HASH.failing}",status!~"5.."}[${WINDOW}]))`
      + ` / sum(increase(http_requests_total{namespace="shop",rollouts_pod_template_hash=~"${HASH.stable}|${HASH.failing}"}[${WINDOW}]))`,
    );

    // THEN it is above the 95% objective the gate just failed the canary on
    expect(mixed[0].value).toBeGreaterThan(0.95);
  });

  test('fails a slow canary', async () => {
    // WHEN the gate judges the canary answering in 1.5 s against a 1 s p95 objective
    const answer = await post(gate.port, request(HASH.slow));

    // THEN it fails on the latency objective (and on the ratio to stable, once 400 canary requests allow comparing p95s)
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('fail');
    const latency = answer.body.checks.find((c) => c.name === 'latency')!;
    expect(latency.verdict).toBe('fail');
    expect(latency.canary).toBeGreaterThan(1);
    expect(answer.body.checks.find((c) => c.name === 'latencyVsStable')!.verdict).toBe(answer.body.requests.canary! >= 400 ? 'fail' : 'skipped');
  });

  test('is inconclusive for a canary without traffic', async () => {
    // WHEN the gate judges the idle canary (scraped, but no requests)
    const answer = await post(gate.port, request(HASH.idle));

    // THEN inconclusive, never pass, and it says why
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('inconclusive');
    expect(answer.body.reasons[0]).toBe('traffic: canary served 0 requests in the window, fewer than minRequests 50: cannot judge yet');
  });

  test('runs the ingress-nginx queries on a real Prometheus (no controller here: inconclusive)', async () => {
    // WHEN the gate judges an ingress-nginx source this Prometheus has no series for
    const answer = await post(gate.port, {
      ...request(HASH.good),
      workload: { namespace: 'shop', source: { ingressNginx: { stableIngress: 'web', canaryService: 'web-canary' } } },
    });

    // THEN Prometheus accepted the queries and the gate cannot judge yet
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('inconclusive');
  });

  describe('behind a proxy that can stall Prometheus\' query API', () => {
    let proxy: StallingProxy;
    let stalled: StartedProcess;

    beforeAll(async () => {
      // GIVEN a gate whose Prometheus answers queries only when the proxy lets them through
      proxy = await StallingProxy.start(prometheus!.url);
      stalled = await startGate(proxy.url, { tokens, args: ['--query-timeout', '8s', '--verdict-timeout', '9s'] });
    });
    afterAll(async () => {
      await stalled?.stop();
      await proxy?.close();
    });

    test('coalesces identical concurrent verdict requests into one evaluation', async () => {
      const before = (await get(stalled.port, '/metrics')).text;
      let answers: Array<Answer<VerdictResponse>>;
      try {
        // GIVEN the first request's three queries held at the proxy
        proxy.holdQueries = true;
        const first = post(stalled.port, request(HASH.good, { minRequests: 51 }));
        await proxy.waitForHeld(3);

        // WHEN nine identical requests arrive while it is in flight (the gate's own counter says when they have joined)
        const joined = Array.from({ length: 9 }, () => post(stalled.port, request(HASH.good, { minRequests: 51 })));
        await prometheus!.waitFor(async () => metricValue((await get(stalled.port, '/metrics')).text, 'slo_gate_coalesced_requests_total')
          - metricValue(before, 'slo_gate_coalesced_requests_total'), (n) => n === 9, 10_000, 'nine requests joined');
        proxy.release();
        answers = await Promise.all([first, ...joined]);
      } finally {
        proxy.release();
      }
      const after = (await get(stalled.port, '/metrics')).text;

      // THEN all get the same verdict from one evaluation: three queries reached Prometheus
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      const delta = (series: string) => metricValue(after, series) - metricValue(before, series);
      expect(delta('slo_gate_coalesced_requests_total')).toBe(9);
      expect(delta('slo_gate_prometheus_query_duration_seconds_count{outcome="success"}')).toBe(3);
    });
  });

  test('answers 503 within the bound when Prometheus hangs', async () => {
    // GIVEN Prometheus frozen
    prometheus!.pause();
    let answer: Answer<ErrorBody>;
    try {
      // WHEN a verdict is asked (the client gives up after Argo's default 10 s)
      answer = await post<ErrorBody>(gate.port, request(HASH.good, { minRequests: 52 }));
    } finally {
      prometheus!.resume();
    }

    // THEN the gate answered 503 with a JSON error before Argo's timeout
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: 'prometheus_unavailable', message: 'prometheus did not answer within 2000 ms' });
  });

  test('answers 503 when Prometheus is stopped, and passes again after it restarts', async () => {
    // GIVEN Prometheus stopped
    await prometheus!.stop();

    // WHEN a verdict is asked
    const down = await post<ErrorBody>(gate.port, request(HASH.good));

    // THEN 503 with the cause, and the gate reports itself not ready, without naming Prometheus' address
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ error: 'prometheus_unavailable', message: 'prometheus unreachable: ECONNREFUSED' });
    const notReady = await get(gate.port, '/readyz', 1000);
    expect([notReady.status, JSON.parse(notReady.text)]).toEqual([503, { error: 'prometheus_unavailable', message: 'prometheus is not ready: prometheus unreachable: ECONNREFUSED' }]);
    expect((await get(gate.port, '/healthz', 1000)).status).toBe(200);

    // WHEN Prometheus restarts
    await prometheus!.restart();

    // THEN the gate is ready again (its last answer is reused for at most 1 s) and passes the healthy canary again
    await prometheus!.waitFor(() => get(gate.port, '/readyz', 1000), (r) => r.status === 200, 10_000, 'ready again');
    const again = await prometheus!.waitFor(() => post(gate.port, request(HASH.good)), (a) => a.body.verdict === 'pass', 30_000, 'a pass after restart');
    expect(again.status).toBe(200);
  }, 60_000);

  test('exposes its own metrics', async () => {
    // GIVEN the gate's counters before this test's requests
    const before = (await get(gate.port, '/metrics')).text;
    // WHEN it is asked for a verdict on the good, the failing and the idle canary, and sent a body that is not JSON
    const pass = await prometheus!.waitFor(() => post(gate.port, request(HASH.good)), (a) => a.body.verdict === 'pass', 30_000, 'a pass');
    const fail = await post(gate.port, request(HASH.failing));
    const inconclusive = await post(gate.port, request(HASH.idle));
    const malformed = await post<{ error: string }>(gate.port, '{"workload": ');
    expect([pass.body.verdict, fail.body.verdict, inconclusive.body.verdict, malformed.status]).toEqual(['pass', 'fail', 'inconclusive', 400]);
    const metrics = await get(gate.port, '/metrics');

    // THEN verdicts by outcome, HTTP requests by route and code, query latency, verdicts in flight and tenants are counted
    expect(metrics.status).toBe(200);
    const delta = (series: string) => metricValue(metrics.text, series) - metricValue(before, series);
    const verdicts = ['pass', 'fail', 'inconclusive'].map((v) => delta(`slo_gate_verdicts_total{verdict="${v}"}`));
    expect(verdicts.map((n) => n >= 1)).toEqual([true, true, true]);
    expect(delta('slo_gate_http_requests_total{route="/v1/verdict",code="200"}')).toBe(verdicts[0] + verdicts[1] + verdicts[2]);
    expect(delta('slo_gate_http_requests_total{route="/v1/verdict",code="400"}')).toBe(1);
    expect(delta('slo_gate_prometheus_query_duration_seconds_count{outcome="success"}')).toBeGreaterThanOrEqual(3);
    expect(metricValue(metrics.text, 'slo_gate_pending_verdicts')).toBe(0);
    expect(metricValue(metrics.text, 'slo_gate_tenant_namespaces')).toBe(2);
  });

  describe('logs', () => {
    test('one line per verdict request: request id (echoed), status, verdict, workload, timing', async () => {
      // WHEN a request with its own id, and one with an id the gate will not take
      const named = await post(gate.port, request(HASH.failing), { ...bearer(TOKENS.shop), [REQUEST_ID_HEADER]: 'analysisrun-web-7c9b.1' });
      const odd = await post(gate.port, request(HASH.failing), { ...bearer(TOKENS.shop), [REQUEST_ID_HEADER]: 'not an id; rm -rf' });

      // THEN the first id is echoed and logged; the second replaced by the gate's own
      expect(named.headers.get(REQUEST_ID_HEADER)).toBe('analysisrun-web-7c9b.1');
      const madeUp = odd.headers.get(REQUEST_ID_HEADER)!;
      expect(madeUp).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const line = (await logOf(gate, 'analysisrun-web-7c9b.1'))!;
      expect(line).toMatchObject({
        service: 'slo-gate', msg: 'verdict request', status: 200, verdict: 'fail', tenant: 'shop', window: WINDOW, coalesced: false,
        workload: { namespace: 'shop', rollout: 'web', source: 'app', canaryHash: HASH.failing, stableHash: HASH.stable },
      });
      expect(line.reasons.length).toBeGreaterThan(0);
      expect(typeof line.ms).toBe('number');
      expect(await logOf(gate, madeUp)).toMatchObject({ status: 200 });
    });

    test('refusals are logged too: 400 with the field, 401, 403 with the workload', async () => {
      // WHEN a bad request, one without a token, and one for another namespace
      const bad = await post<ErrorBody>(gate.port, { ...request(HASH.good), window: '2s' });
      const anonymous = await post<ErrorBody>(gate.port, request(HASH.good), {});
      const elsewhere = await post<ErrorBody>(gate.port, request(HASH.good), bearer(TOKENS['team-b']));

      // THEN each has its line, found by the id the answer carried
      expect(await logOf(gate, bad.headers.get(REQUEST_ID_HEADER)!)).toMatchObject({
        level: 40, status: 400, error: 'bad_request', field: 'window', message: 'window must be between 5s and 24h, got "2s"', tenant: 'shop',
      });
      expect(await logOf(gate, anonymous.headers.get(REQUEST_ID_HEADER)!)).toMatchObject({ level: 40, status: 401, error: 'unauthorized' });
      expect(await logOf(gate, elsewhere.headers.get(REQUEST_ID_HEADER)!)).toMatchObject({
        level: 40, status: 403, error: 'forbidden', field: 'workload.namespace', tenant: 'team-b', workload: { namespace: 'shop', canaryHash: HASH.good },
      });
    });

    test('name no token', () => {
      for (const token of Object.values(TOKENS)) expect(gate.output()).not.toContain(token);
    });
  });

  describe('bad input', () => {
    const valid = () => request(HASH.good);
    const app = (source: Record<string, unknown>) => ({ ...valid(), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc', ...source } } } });
    const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const cases: Array<[string, unknown, string, string]> = [
      ['malformed JSON', '{"workload": ', 'body', 'body must be a JSON object: Body is not valid JSON but content-type is set to \'application/json\''],
      ['an empty body', '', 'body', 'body must be a JSON object: Body cannot be empty when content-type is set to \'application/json\''],
      ['a JSON array', '[]', 'body', 'body must be object, got []'],
      ['a body nested 8,150 levels deep', deep(8150), 'body', 'body must nest objects and arrays at most 10 levels deep'],
      ['a deep value inside a valid request', JSON.stringify({ ...valid(), objectives: { comparison: JSON.parse(deep(12)) } }), 'body',
        'body must nest objects and arrays at most 10 levels deep'],
      ['a prototype-poisoning key', '{"__proto__": {"admin": true}}', 'body', 'body must not use the keys __proto__ or constructor.prototype'],
      ['a window given as a number', { ...valid(), window: 120 }, 'window', 'window must be string, got 120'],
      ['a success rate above 1', { ...valid(), objectives: { successRate: 1.5 } }, 'objectives.successRate', 'objectives.successRate must be <= 1, got 1.5'],
      ['a quantile of 1', { ...valid(), objectives: { latency: { quantile: 1, thresholdSeconds: 1 } } }, 'objectives.latency.quantile', 'objectives.latency.quantile must be < 1, got 1'],
      ['minRequests of 0', { ...valid(), objectives: { minRequests: 0 } }, 'objectives.minRequests', 'objectives.minRequests must be >= 1, got 0'],
      ['minRequests as a string', { ...valid(), objectives: { minRequests: '50' } }, 'objectives.minRequests', 'objectives.minRequests must be integer, got "50"'],
      ['a window below 5s', { ...valid(), window: '2s' }, 'window', 'window must be between 5s and 24h, got "2s"'],
      ['a window in days', { ...valid(), window: '1d' }, 'window', 'window must match pattern "^[1-9][0-9]{0,4}(s|m|h)$", got "1d"'],
      ['PromQL in a hash', app({ canaryPodTemplateHash: '"} or vector(1) #' }), 'workload.source.app.canaryPodTemplateHash',
        'workload.source.app.canaryPodTemplateHash must match pattern "^[a-z0-9]{1,32}$", got "\\"} or vector(1) #"'],
      ['PromQL in the namespace', { ...valid(), workload: { ...valid().workload, namespace: 'shop"} or vector(1) #' } }, 'workload.namespace',
        'workload.namespace must match pattern "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", got "shop\\"} or vector(1) #"'],
      ['PromQL in an ingress name', { ...valid(), workload: { namespace: 'shop', source: { ingressNginx: { stableIngress: 'web",ingress=~".*' } } } },
        'workload.source.ingressNginx.stableIngress',
        'workload.source.ingressNginx.stableIngress must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", got "web\\",ingress=~\\".*"'],
      ['a metric name carrying a selector', app({ requestsMetric: 'up{job="x"}' }), 'workload.source.app.requestsMetric',
        'workload.source.app.requestsMetric must match pattern "^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$", got "up{job=\\"x\\"}"'],
      ['the PromQL keyword bool as a metric', app({ requestsMetric: 'bool' }), 'workload.source.app.requestsMetric',
        'workload.source.app.requestsMetric must be a metric name, got the PromQL keyword "bool": name the counter or histogram the service exports'],
      ['the PromQL keyword Inf as the duration metric', app({ durationMetric: 'Inf' }), 'workload.source.app.durationMetric',
        'workload.source.app.durationMetric must be a metric name, got the PromQL keyword "Inf": name the counter or histogram the service exports'],
      ['a rollout name that is not one', { ...valid(), workload: { ...valid().workload, rollout: 'Web App' } }, 'workload.rollout',
        'workload.rollout must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", got "Web App"'],
      ['a Prometheus URL', { ...valid(), prometheusUrl: 'http://example.invalid' }, 'prometheusUrl', 'prometheusUrl is not a known field, remove it'],
      ['two SLI sources', { ...valid(), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc' }, ingressNginx: { stableIngress: 'web' } } } },
        'workload.source', 'workload.source must name exactly one SLI source, app or ingressNginx, got ["app","ingressNginx"]'],
      ['no workload', { window: '1m', objectives: {} }, 'workload', 'workload is required'],
      ['an oversize body', { ...valid(), padding: 'x'.repeat(20_000) }, 'body', 'body must be at most 16384 bytes'],
    ];

    test.each(cases)('fails with 400 on %s, naming the field', async (_name, body, field, message) => {
      // WHEN the bad request is sent
      const answer = await post<ErrorBody>(gate.port, body);

      // THEN 400 in the contract's error shape, naming the field and saying what is wrong
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'bad_request', field, message });
    });

    test('every PromQL keyword is refused as a metric name, in any case; Prometheus itself misreads some of them', async () => {
      // WHEN each keyword is sent as the requests metric (upper-cased every other time)
      const answers = await Promise.all(PROMQL_KEYWORDS.map((k, i) => post<ErrorBody>(gate.port, app({ requestsMetric: i % 2 ? k.toUpperCase() : k }))));

      // THEN every one is a 400 on that field
      expect(answers.map((a) => [a.status, a.body.field])).toEqual(PROMQL_KEYWORDS.map(() => [400, 'workload.source.app.requestsMetric']));
      // AND the gate's query with such a name does not parse in Prometheus (which the gate would have reported as unavailable)
      for (const name of ['bool', 'nan', 'Inf', 'atan2', 'on', 'group_left']) {
        await expect(prometheus!.query(`sum(increase(${name}{namespace="shop"}[15s]))`)).rejects.toThrow('bad_data');
      }
    });

    test('fails with 400 on a body that is not JSON', async () => {
      // WHEN sending text/plain
      const res = await fetch(`http://127.0.0.1:${gate.port}${VERDICT_PATH}`, {
        method: 'POST', headers: { 'content-type': 'text/plain', ...bearer(TOKENS.shop) }, body: 'verdict please', signal: AbortSignal.timeout(5000),
      });

      // THEN 400 naming the content type
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'bad_request', field: 'content-type', message: 'content-type must be application/json, got "text/plain"' });
    });

    test('fails with 404 in the error shape on another path', async () => {
      const res = await fetch(`http://127.0.0.1:${gate.port}/v1/verdicts`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      expect([res.status, await res.json()]).toEqual([404, {
        error: 'bad_request', field: 'path', message: 'no route POST "/v1/verdicts", the verdict endpoint is POST /v1/verdict',
      }]);
    });

    test('still serves after all of them', async () => {
      // WHEN a valid request follows the bad ones
      const answer = await post(gate.port, valid());

      // THEN the same process answers it
      expect(answer.status).toBe(200);
      expect(gate.child.exitCode).toBeNull();
      expect((await get(gate.port, '/healthz')).status).toBe(200);
    });
  });

  describe('slow and idle clients', () => {
    let strict: StartedProcess;
    beforeAll(async () => {
      // GIVEN a gate that wants a whole request within 2 s and closes idle connections after 1 s
      strict = await startGate(prometheus!.url, { tokens, args: ['--request-timeout', '2s', '--idle-timeout', '1s'] });
    });
    afterAll(() => strict?.stop());

    test('a body that trickles in is cut off with a 400 in the error shape', async () => {
      // GIVEN a request announcing 200 bytes of body and sending one
      const { socket, closed } = rawConnection(strict.port);
      socket.write(`POST ${VERDICT_PATH} HTTP/1.1\r\nHost: gate\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TOKENS.shop}\r\nContent-Length: 200\r\n\r\n{`);

      // WHEN / THEN the gate answers 400 and closes the connection (bounded by the helper's 30 s)
      const answer = await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        error: 'bad_request', field: 'body', message: 'the request must arrive within 2000 ms (its headers within 2000 ms)',
      });
    });

    test('headers that never end are cut off too', async () => {
      const { socket, closed } = rawConnection(strict.port);
      socket.write(`POST ${VERDICT_PATH} HTTP/1.1\r\nHost: gate\r\n`);
      expect(await closed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    });

    test('an idle keep-alive connection is closed', async () => {
      // GIVEN a connection that asked one thing and then says nothing
      const { socket, closed } = rawConnection(strict.port);
      socket.write('GET /healthz HTTP/1.1\r\nHost: gate\r\nConnection: keep-alive\r\n\r\n');

      // WHEN / THEN the gate answered and then closed it
      expect(await closed).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"status":"ok"\}$/);
    });

    test('a client that is not speaking HTTP gets a 400 in the error shape', async () => {
      const { socket, closed } = rawConnection(strict.port);
      socket.write('HELLO\r\n\r\n');
      const answer = await closed;
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'bad_request', field: 'request' });
    });
  });

  describe('tenant tokens', () => {
    test('fails with 401 without a token or with an unknown one, and says which token it wants', async () => {
      const none = await post<ErrorBody>(gate.port, request(HASH.good), {});
      const wrong = await post<ErrorBody>(gate.port, request(HASH.good), bearer('not-the-token-at-all-0123'));
      const basic = await post<ErrorBody>(gate.port, request(HASH.good), { authorization: `Basic ${TOKENS.shop}` });
      expect([none.status, wrong.status, basic.status]).toEqual([401, 401, 401]);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(none.body).toEqual({ error: 'unauthorized', message: 'a valid bearer token is required in the authorization header: the token of the rollout\'s namespace' });
    });

    test('takes the scheme in any case', async () => {
      const answers = await Promise.all(['bearer', 'BEARER', 'Bearer'].map((scheme) => post(gate.port, request(HASH.good), { authorization: `${scheme} ${TOKENS.shop}` })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    });

    test('a token covers its own namespace only: 403 for another namespace\'s workload', async () => {
      // WHEN team-b's token asks about shop's canary
      const answer = await post<ErrorBody>(gate.port, request(HASH.good), bearer(TOKENS['team-b']));

      // THEN 403, naming the field
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: 'forbidden', field: 'workload.namespace',
        message: 'workload.namespace must be team-b, the namespace of the token presented, got "shop": a token covers the workloads of its own namespace only',
      });
    });

    test('only the allowed metrics: 403 for any other metric, even in the token\'s own namespace', async () => {
      const answer = await post<ErrorBody>(gate.port, { ...request(HASH.good), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: HASH.good, requestsMetric: 'orders_revenue_cents_total' } } } });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: 'forbidden', field: 'workload.source.app.requestsMetric',
        message: 'workload.source.app.requestsMetric must be one of the metrics this gate serves (http_requests_total, http_request_duration_seconds), '
          + 'got "orders_revenue_cents_total": ask the gate\'s operators to add it to allowedMetrics',
      });
    });

    test('a rotated Secret takes effect without a restart', async () => {
      // GIVEN the gate started with the first tokens; WHEN the Secret is rotated as the kubelet updates it
      const rotated = { ...TOKENS, shop: 'shop-token-rotated-0123456789' };
      tokens.update(rotated);
      try {
        // THEN within the gate's 5 s re-read the new token is taken and the old one refused
        const fresh = await prometheus!.waitFor(() => post(gate.port, request(HASH.good), bearer(rotated.shop)), (a) => a.status === 200, 15_000, 'the new token taken');
        expect(fresh.body.verdict).toBe('pass');
        expect((await post<ErrorBody>(gate.port, request(HASH.good), bearer(TOKENS.shop))).status).toBe(401);
        expect(gate.output()).not.toContain(rotated.shop);
      } finally {
        tokens.update(TOKENS);
        await prometheus!.waitFor(() => post(gate.port, request(HASH.good)), (a) => a.status === 200, 15_000, 'the first token back');
      }
    }, 40_000);

    test('a bad re-read keeps the tokens in force and is logged without the token', async () => {
      // WHEN the Secret gains a key that is no namespace
      tokens.update({ ...TOKENS, 'Not A Namespace': 'another-token-0123456789' });
      try {
        await prometheus!.waitFor(async () => gate.output().includes('tenant tokens not reloaded'), (seen) => seen, 15_000, 'the reload error');
        // THEN the gate still judges with the tokens it had
        expect((await post(gate.port, request(HASH.good))).status).toBe(200);
        expect(gate.output()).not.toContain('another-token-0123456789');
      } finally {
        tokens.update(TOKENS);
      }
    }, 30_000);

    test('without tokens the gate refuses to start unless told it is unauthenticated', () => {
      const run = spawnSync(process.execPath, [BIN, '--prometheus-url', 'http://127.0.0.1:9'], { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
      expect(run.status).toBe(2);
      expect(run.stderr).toBe('slo-gate: --tenant-tokens-dir (SLO_GATE_TENANT_TOKENS_DIR) is required: a directory with one file per namespace holding its token; '
        + 'only for a gate that a single team can reach, set --allow-unauthenticated (SLO_GATE_ALLOW_UNAUTHENTICATED) instead\n');
    });
  });

  test('serves /metrics alone on a separate metrics port, for a NetworkPolicy that lets Prometheus scrape only', async () => {
    // GIVEN a gate with a metrics port
    const metricsPort = await freePort();
    const withMetrics = await startGate(prometheus!.url, { tokens, args: ['--metrics-port', String(metricsPort)] });
    // WHEN scraped there, and asked for a verdict there
    const metrics = await get(metricsPort, '/metrics');
    const verdict = await fetch(`http://127.0.0.1:${metricsPort}${VERDICT_PATH}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) });
    // THEN the metrics are served and the verdict endpoint is not
    expect([metrics.status, metrics.text.includes('slo_gate_http_requests_total')]).toEqual([200, true]);
    expect(verdict.status).toBe(404);
    await withMetrics.stop();
  });

  test('the container entrypoint command serves and stops cleanly on SIGTERM', async () => {
    // GIVEN the gate started exactly as the image's entrypoint runs it, configured by the environment as SloGate does
    const entry = await startProcess({
      command: process.execPath,
      args: [builtGate(), '--port', '0', '--host', '127.0.0.1'],
      env: { SLO_GATE_PROMETHEUS_URL: prometheus!.url, SLO_GATE_TENANT_TOKENS_DIR: tokens.dir },
    });

    // WHEN probed, then sent SIGTERM
    expect((await get(entry.port, '/readyz')).status).toBe(200);
    entry.child.kill('SIGTERM');

    // THEN it exits 0 after logging that it stopped
    expect(await entry.exited).toBe(0);
    expect(entry.output()).toContain('"msg":"stopped"');
  });

  test('fails to start without a Prometheus URL, with a clear message', () => {
    // WHEN the bin runs with no settings (it starts no processes: SIGKILL at the timeout ends all of it)
    const run = spawnSync(process.execPath, [BIN], { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });

    // THEN it exits 2 naming the flag, the variable and an example
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('slo-gate: --prometheus-url (SLO_GATE_PROMETHEUS_URL) is required, e.g. --prometheus-url http://prometheus:9090\n');
  });
});
