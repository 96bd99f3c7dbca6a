/**
 * The real gate process, started through its package bin, against a real Prometheus scraping real
 * demo services (a stable and four canaries) under a bounded request loop.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { VERDICT_PATH, VerdictRequest, VerdictResponse } from '../../../lib/gate/contract';
import { RunningLoad, startLoad } from '../../support/load';
import { REPO_ROOT, builtScript, cleanUp, startAll, startDemo, startProcess, StartedProcess, stopAll } from '../../support/processes';
import { freePort, PrometheusServer } from '../../support/prometheus';

const BIN = path.join(REPO_ROOT, 'bin', 'slo-gate');
const WINDOW = '15s';
const HASH = { stable: 's7able', good: 'g00d', failing: 'fa1l', slow: 's1ow', idle: '1d1e' };

/** What the tests send: the objectives a team would set, scoped to one canary hash. */
function request(canary: string, objectives: Partial<VerdictRequest['objectives']> = {}): VerdictRequest {
  return {
    workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: canary, stablePodTemplateHash: HASH.stable } } },
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

interface Answer<T = unknown> { status: number; body: T }

/** POSTs to the gate like Argo's web provider: JSON body, 10 s timeout (Argo's default). */
async function post<T = VerdictResponse>(port: number, body: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const res = await fetch(`http://127.0.0.1:${port}${VERDICT_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() as T };
}

async function get(port: number, route: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

function startGate(prometheusUrl: string, env: NodeJS.ProcessEnv = {}): Promise<StartedProcess> {
  builtScript('lib/gate/service/cli');
  return startProcess({
    command: process.execPath,
    args: [BIN, '--prometheus-url', prometheusUrl, '--port', '0', '--host', '127.0.0.1', '--query-timeout', '2s', '--verdict-timeout', '3s'],
    env,
  });
}

/** A counter's value in a Prometheus text exposition, 0 when absent. */
function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('slo-gate process against a real Prometheus', () => {
  let prometheus: PrometheusServer | undefined;
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
    gate = await startGate(prometheus.url);

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

  afterAll(() => cleanUp(() => Promise.all(loads.map((l) => l.stop())), () => prometheus?.dispose(), stopAll), 30_000);

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

  test('coalesces identical concurrent verdict requests into one evaluation', async () => {
    // GIVEN Prometheus frozen, so that the first evaluation stays in flight
    const before = (await get(gate.port, '/metrics')).text;
    prometheus!.pause();
    let answers: Array<Answer<VerdictResponse>>;
    try {
      // WHEN ten identical requests arrive while it is in flight
      const pending = Array.from({ length: 10 }, () => post(gate.port, request(HASH.good, { minRequests: 51 })));
      await new Promise((resolve) => setTimeout(resolve, 500));
      prometheus!.resume();
      answers = await Promise.all(pending);
    } finally {
      prometheus!.resume();
    }
    const after = (await get(gate.port, '/metrics')).text;

    // THEN all get the same verdict from one evaluation: nine joined, three queries ran
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    const delta = (series: string) => metricValue(after, series) - metricValue(before, series);
    expect(delta('slo_gate_coalesced_requests_total')).toBe(9);
    expect(delta('slo_gate_prometheus_query_duration_seconds_count{outcome="success"}')).toBe(3);
  });

  test('answers 503 within the bound when Prometheus hangs', async () => {
    // GIVEN Prometheus frozen
    prometheus!.pause();
    let answer: Answer<{ error: string; message: string }>;
    try {
      // WHEN a verdict is asked (the client gives up after Argo's default 10 s)
      answer = await post(gate.port, request(HASH.good, { minRequests: 52 }));
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
    const down = await post<{ error: string; message: string }>(gate.port, request(HASH.good));

    // THEN 503 with the cause, and the gate reports itself not ready
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ error: 'prometheus_unavailable', message: 'prometheus unreachable: ECONNREFUSED' });
    expect((await get(gate.port, '/readyz')).status).toBe(503);
    expect((await get(gate.port, '/healthz')).status).toBe(200);

    // WHEN Prometheus restarts
    await prometheus!.restart();

    // THEN the gate is ready and passes the healthy canary again
    expect((await get(gate.port, '/readyz')).status).toBe(200);
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

    // THEN verdicts by outcome, HTTP requests by route and code, and query latency are counted
    expect(metrics.status).toBe(200);
    const delta = (series: string) => metricValue(metrics.text, series) - metricValue(before, series);
    const verdicts = ['pass', 'fail', 'inconclusive'].map((v) => delta(`slo_gate_verdicts_total{verdict="${v}"}`));
    expect(verdicts.map((n) => n >= 1)).toEqual([true, true, true]);
    expect(delta('slo_gate_http_requests_total{route="/v1/verdict",code="200"}')).toBe(verdicts[0] + verdicts[1] + verdicts[2]);
    expect(delta('slo_gate_http_requests_total{route="/v1/verdict",code="400"}')).toBe(1);
    expect(delta('slo_gate_prometheus_query_duration_seconds_count{outcome="success"}')).toBeGreaterThanOrEqual(3);
  });

  test('logs each verdict as JSON with its reasons', async () => {
    // WHEN the gate fails the failing canary over a window no other test uses
    const answer = await post(gate.port, { ...request(HASH.failing), window: '14s' });
    expect(answer.body.verdict).toBe('fail');

    // THEN its stdout gets a JSON line with the verdict and the reasons it answered
    const logged = () => gate.stdout().split('\n').filter((l) => l.includes('"msg":"verdict"') && l.includes('"window":"14s"')).map((l) => JSON.parse(l));
    await prometheus!.waitFor(async () => logged(), (lines) => lines.length > 0, 5000, 'the verdict log line');
    expect(logged()).toEqual([expect.objectContaining({ service: 'slo-gate', namespace: 'shop', source: 'app', window: '14s', verdict: 'fail', reasons: answer.body.reasons })]);
    expect(answer.body.reasons.length).toBeGreaterThan(0);
  });

  describe('bad input', () => {
    const valid = () => request(HASH.good);
    const cases: Array<[string, unknown, string, string | undefined]> = [
      ['malformed JSON', '{"workload": ', 'body', undefined],
      ['an empty body', '', 'body', undefined],
      ['a JSON array', '[]', 'body', 'body must be object, got []'],
      ['a window given as a number', { ...valid(), window: 120 }, 'window', 'window must be string, got 120'],
      ['a success rate above 1', { ...valid(), objectives: { successRate: 1.5 } }, 'objectives.successRate', 'objectives.successRate must be <= 1, got 1.5'],
      ['a quantile of 1', { ...valid(), objectives: { latency: { quantile: 1, thresholdSeconds: 1 } } }, 'objectives.latency.quantile', 'objectives.latency.quantile must be < 1, got 1'],
      ['minRequests of 0', { ...valid(), objectives: { minRequests: 0 } }, 'objectives.minRequests', 'objectives.minRequests must be >= 1, got 0'],
      ['minRequests as a string', { ...valid(), objectives: { minRequests: '50' } }, 'objectives.minRequests', 'objectives.minRequests must be integer, got "50"'],
      ['a window below 5s', { ...valid(), window: '2s' }, 'window', 'window must be between 5s and 24h, got "2s"'],
      ['a window in days', { ...valid(), window: '1d' }, 'window', undefined],
      ['PromQL in a hash', { ...valid(), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: '"} or vector(1) #' } } } },
        'workload.source.app.canaryPodTemplateHash',
        'workload.source.app.canaryPodTemplateHash must match pattern "^[a-z0-9]{1,32}$", got "\\"} or vector(1) #"'],
      ['PromQL in the namespace', { ...valid(), workload: { ...valid().workload, namespace: 'shop"} or vector(1) #' } }, 'workload.namespace', undefined],
      ['PromQL in an ingress name', { ...valid(), workload: { namespace: 'shop', source: { ingressNginx: { stableIngress: 'web",ingress=~".*' } } } },
        'workload.source.ingressNginx.stableIngress', undefined],
      ['a metric name carrying a selector', { ...valid(), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc', requestsMetric: 'up{job="x"}' } } } },
        'workload.source.app.requestsMetric', undefined],
      ['a Prometheus URL', { ...valid(), prometheusUrl: 'http://example.invalid' }, 'prometheusUrl', 'prometheusUrl is not a known field, remove it'],
      ['two SLI sources', { ...valid(), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'abc' }, ingressNginx: { stableIngress: 'web' } } } },
        'workload.source', 'workload.source must name exactly one SLI source, app or ingressNginx, got ["app","ingressNginx"]'],
      ['no workload', { window: '1m', objectives: {} }, 'workload', 'workload is required'],
      ['an oversize body', { ...valid(), padding: 'x'.repeat(20_000) }, 'body', 'body must be at most 16384 bytes'],
    ];

    test.each(cases)('fails with 400 on %s', async (_name, body, field, message) => {
      // WHEN the bad request is sent
      const answer = await post<{ error: string; field: string; message: string }>(gate.port, body);

      // THEN 400 with a JSON error naming the field
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('bad_request');
      expect(answer.body.field).toBe(field);
      if (message) expect(answer.body.message).toBe(message);
    });

    test('fails with 400 on a body that is not JSON', async () => {
      // WHEN sending text/plain
      const res = await fetch(`http://127.0.0.1:${gate.port}${VERDICT_PATH}`, {
        method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'verdict please', signal: AbortSignal.timeout(5000),
      });

      // THEN 400 naming the content type
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'bad_request', field: 'content-type', message: 'content-type must be application/json, got "text/plain"' });
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

  describe('with bearer auth', () => {
    const token = 'a-long-enough-test-token';
    let secured: StartedProcess;

    beforeAll(async () => {
      // GIVEN a gate requiring a bearer token from the environment
      secured = await startGate(prometheus!.url, { SLO_GATE_AUTH_TOKEN: token });
    });

    test('fails with 401 without the token or with a wrong one', async () => {
      // WHEN / THEN
      const none = await post<{ error: string }>(secured.port, request(HASH.good));
      const wrong = await post<{ error: string }>(secured.port, request(HASH.good), { authorization: 'Bearer not-the-token-at-all' });
      expect([none.status, wrong.status]).toEqual([401, 401]);
      expect(none.body).toEqual({ error: 'unauthorized', message: 'a valid bearer token is required in the authorization header' });
    });

    test('judges with the token, and keeps health endpoints open', async () => {
      // WHEN / THEN
      const answer = await post(secured.port, request(HASH.good), { authorization: `Bearer ${token}` });
      expect(answer.status).toBe(200);
      expect(answer.body.verdict).toBe('pass');
      expect((await get(secured.port, '/healthz')).status).toBe(200);
    });
  });

  test('serves /metrics alone on a separate metrics port, for a NetworkPolicy that lets Prometheus scrape only', async () => {
    // GIVEN a gate with a metrics port
    const metricsPort = await freePort();
    const withMetrics = await startProcess({
      command: process.execPath,
      args: [BIN, '--prometheus-url', prometheus!.url, '--port', '0', '--host', '127.0.0.1', '--metrics-port', String(metricsPort)],
    });
    // WHEN scraped there, and asked for a verdict there
    const metrics = await get(metricsPort, '/metrics');
    const verdict = await fetch(`http://127.0.0.1:${metricsPort}${VERDICT_PATH}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) });
    // THEN the metrics are served and the verdict endpoint is not
    expect([metrics.status, metrics.text.includes('slo_gate_http_requests_total')]).toEqual([200, true]);
    expect(verdict.status).toBe(404);
    await withMetrics.stop();
  });

  test('the container entrypoint command serves and stops cleanly on SIGTERM', async () => {
    // GIVEN the gate started exactly as the image's entrypoint runs it
    const entry = await startProcess({
      command: process.execPath,
      args: [builtScript('lib/gate/service/cli'), '--port', '0', '--host', '127.0.0.1'],
      env: { SLO_GATE_PROMETHEUS_URL: prometheus!.url },
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
