/**
 * The gate's HTTP layer under load, through the real process: readiness and liveness answer within
 * the kubelet's probe timeout while 200 verdicts wait on Prometheus, and beyond its bound on verdicts
 * in flight the gate sheds load with the contract's `overloaded` answer.
 *
 * Two Prometheus stand-ins: a hanging one (a TCP server that accepts and never answers) and a real
 * Prometheus behind a proxy that holds its query API while /-/ready passes.
 */
import { VerdictRequest } from '../../../lib/gate/contract';
import { stopAll, StartedProcess } from '../../support/processes';
import { PrometheusServer } from '../../support/prometheus';
import { SilentServer } from '../../support/silent-server';
import { StallingProxy } from '../../support/stalling-proxy';
import { bearer, get, metricValue, post, SecretVolume, startGate } from './gate-process';

const TOKEN = 'shop-token-0123456789abcdef';
type ErrorBody = { error: string; message: string };

/** A distinct request per `n` (no two coalesce). */
const request = (n: number): VerdictRequest => ({
  workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'c4n4ry', stablePodTemplateHash: 'st4ble' } } },
  window: '1m',
  objectives: { successRate: 0.95, latency: { quantile: 0.95, thresholdSeconds: 1 }, minRequests: 50 + n },
});

/** How the kubelet probes: GET with a 1 s timeout (timeoutSeconds defaults to 1). */
const probe = (port: number, path: string) => get(port, path, 1000);

describe('slo-gate under load', () => {
  let tokens: SecretVolume;
  let hanging: SilentServer;

  beforeAll(async () => {
    tokens = SecretVolume.create({ shop: TOKEN });
    hanging = await SilentServer.start();
  });
  afterAll(async () => {
    await stopAll();
    await hanging?.close();
    tokens?.dispose();
  });

  test('200 concurrent verdicts against a hanging Prometheus: /readyz says not ready and /healthz live, within the probe timeout', async () => {
    // GIVEN a gate whose Prometheus accepts connections and never answers, room for 256 verdicts in flight
    const gate = await startGate(hanging.url, { tokens, args: ['--max-pending-verdicts', '256'] });

    // WHEN 200 distinct verdicts are asked at once, and the gate is probed while they wait
    const verdicts = Array.from({ length: 200 }, (_, i) => post<ErrorBody>(gate.port, request(i), bearer(TOKEN)));
    await waitForPending(gate, 200);
    const probes = [];
    for (let i = 0; i < 3; i++) probes.push(await probe(gate.port, '/readyz'), await probe(gate.port, '/healthz'));

    // THEN every probe answered before the kubelet's timeout: not ready (Prometheus does not answer), but live
    expect(probes.map((p) => p.status)).toEqual([503, 200, 503, 200, 503, 200]);
    expect(JSON.parse(probes[0].text)).toEqual({ error: 'prometheus_unavailable', message: 'prometheus is not ready: prometheus did not answer within 500 ms' });
    // AND every verdict is answered 503 within the gate's bound, none left hanging
    const answers = await Promise.all(verdicts);
    expect(new Set(answers.map((a) => `${a.status} ${a.body.error}`))).toEqual(new Set(['503 prometheus_unavailable']));
    await gate.stop();
  }, 60_000);

  test('200 concurrent verdicts while Prometheus holds its queries: /readyz says ready within the probe timeout', async () => {
    // GIVEN a real Prometheus whose query API is held by a proxy (its /-/ready still answers)
    const prometheus = await PrometheusServer.start({ targets: [] });
    const proxy = await StallingProxy.start(prometheus.url);
    try {
      const gate = await startGate(proxy.url, { tokens, args: ['--max-pending-verdicts', '256', '--query-timeout', '8s', '--verdict-timeout', '9s'] });
      proxy.holdQueries = true;

      // WHEN 200 distinct verdicts wait on it (every one of the 32 query connections held)
      const verdicts = Array.from({ length: 200 }, (_, i) => post(gate.port, request(i), bearer(TOKEN)));
      await proxy.waitForHeld(32);
      await waitForPending(gate, 200);
      const probes = [];
      for (let i = 0; i < 3; i++) probes.push(await probe(gate.port, '/readyz'), await probe(gate.port, '/healthz'));

      // THEN ready and live, answered before the kubelet's timeout: readiness does not queue behind the verdicts
      expect(probes.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(JSON.parse(probes[0].text)).toEqual({ status: 'ready' });
      // AND once Prometheus answers, every verdict is judged (no traffic here: inconclusive)
      proxy.release();
      const answers = await Promise.all(verdicts);
      expect(new Set(answers.map((a) => `${a.status} ${(a.body as { verdict: string }).verdict}`))).toEqual(new Set(['200 inconclusive']));
      await gate.stop();
    } finally {
      await proxy.close();
      await prometheus.dispose();
    }
  }, 60_000);

  test('beyond its bound on verdicts in flight it answers overloaded with Retry-After; identical requests still join', async () => {
    // GIVEN a gate allowing 8 distinct verdicts in flight, against the hanging Prometheus
    const gate = await startGate(hanging.url, { tokens, args: ['--max-pending-verdicts', '8', '--query-timeout', '2s', '--verdict-timeout', '3s'] });

    // WHEN 8 distinct verdicts wait, then 12 more distinct ones and 5 identical to a waiting one arrive
    const waiting = Array.from({ length: 8 }, (_, i) => post<ErrorBody>(gate.port, request(i), bearer(TOKEN)));
    await waitForPending(gate, 8);
    const more = await Promise.all(Array.from({ length: 12 }, (_, i) => post<ErrorBody>(gate.port, request(100 + i), bearer(TOKEN))));
    const joining = Array.from({ length: 5 }, () => post<ErrorBody>(gate.port, request(0), bearer(TOKEN)));

    // THEN the 12 are shed at once with the contract's answer and a Retry-After of the verdict bound
    expect(more.map((a) => a.status)).toEqual(Array(12).fill(503));
    expect(more[0].body).toEqual({ error: 'overloaded', message: 'the gate has 8 verdicts in flight, its limit: retry after 3s' });
    expect(more.map((a) => a.headers.get('retry-after'))).toEqual(Array(12).fill('3'));
    // AND the waiting ones, and those that joined one of them, get its answer: Prometheus did not answer
    const answers = await Promise.all([...waiting, ...joining]);
    expect(answers.map((a) => a.body.error)).toEqual(Array(13).fill('prometheus_unavailable'));
    const metrics = (await get(gate.port, '/metrics')).text;
    expect([metricValue(metrics, 'slo_gate_overloaded_requests_total'), metricValue(metrics, 'slo_gate_coalesced_requests_total')]).toEqual([12, 5]);
    await gate.stop();
  }, 30_000);
});

/** Waits (bounded) until the gate reports `n` distinct verdicts in flight. */
async function waitForPending(gate: StartedProcess, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  while (Date.now() < deadline) {
    last = metricValue((await get(gate.port, '/metrics')).text, 'slo_gate_pending_verdicts');
    if (last >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the gate never had ${n} verdicts in flight (last ${last})`);
}
