/**
 * Benchmark of the slo-gate against a real Prometheus (not a test: prints figures, asserts nothing).
 *
 * Starts a stable and a canary demo service under a bounded load, a Prometheus scraping both, and
 * the gate through its bin; then measures in one run:
 *   1. direct:     the gate's three PromQL queries sent straight to Prometheus, in parallel per
 *                  operation, as the gate sends them (the floor the gate cannot beat);
 *   2. gate:       distinct verdict requests (no coalescing possible) at the same concurrency;
 *   3. coalesced:  identical verdict requests from many clients (what Argo sends for one rollout);
 *   4. distinct:   distinct verdict requests from many clients (no coalescing, Prometheus-bound).
 * and prints latency p50/p99, throughput, the ratio to direct and the gate's own overhead.
 *
 * Run: npm run build && npx ts-node --transpile-only bench/gate.ts [--duration 10] [--connections 100]
 */
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { VERDICT_PATH, VerdictRequest } from '../lib/gate/contract';
import { planQueries } from '../tools/slo-gate/src/queries';
import { startLoad } from '../test/support/load';
import { REPO_ROOT, builtGate, cleanUp, startAll, startDemo, startProcess, stopAll } from '../test/support/processes';
import { PrometheusServer } from '../test/support/prometheus';

// autocannon ships no types: the little used here.
interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const DURATION_S = flag('duration', 10);
const CONNECTIONS = flag('connections', 100);
const OVERHEAD_CONNECTIONS = 10;

const HASH = { stable: 'st4ble', canary: 'c4n4ry' };
const baseRequest: VerdictRequest = {
  workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: HASH.canary, stablePodTemplateHash: HASH.stable } } },
  window: '2m',
  objectives: { successRate: 0.95, latency: { quantile: 0.95, thresholdSeconds: 1 }, minRequests: 50, errorBudget: { objective: 0.99 } },
};

interface Row { phase: string; connections: number; perSecond: number; p50: number; p99: number; failures: number }

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** The gate's queries sent straight to Prometheus: `connections` workers, 3 queries in parallel per operation. */
async function direct(prometheusUrl: string, connections: number, seconds: number): Promise<Row> {
  const plan = planQueries(baseRequest);
  const queries = [plan.requests, plan.errors, plan.latency!];
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections * queries.length });
  const url = new URL(prometheusUrl);
  const one = (query: string) => new Promise<boolean>((resolve) => {
    const req = http.get({
      host: url.hostname, port: url.port, agent,
      path: `/api/v1/query?${new URLSearchParams({ query }).toString()}`, timeout: 5000,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => { JSON.parse(body); resolve(res.statusCode === 200); });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
  const latencies: number[] = [];
  let failures = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < end) {
      const started = process.hrtime.bigint();
      const ok = await Promise.all(queries.map(one));
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (ok.includes(false)) failures++;
    }
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { phase: 'direct PromQL (3 queries)', connections, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures };
}

/** Verdict requests through autocannon; `distinct` gives every request its own key (no coalescing). */
async function gate(port: number, phase: string, connections: number, seconds: number, distinct: boolean): Promise<Row> {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${VERDICT_PATH}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(baseRequest),
    connections,
    duration: seconds,
    timeout: 10,
    ...(distinct ? {
      requests: [{
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          body: JSON.stringify({ ...baseRequest, objectives: { ...baseRequest.objectives, minRequests: 50 + (n++ % 900_000_000) } }),
        }),
      }],
    } : {}),
  });
  return {
    phase, connections, perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

async function main(): Promise<void> {
  builtGate();
  const [stable, canary] = await startAll([startDemo(), startDemo()]);
  const target = (port: number, hash: string) => ({ port, labels: { namespace: 'shop', pod: `web-${hash}-0`, rollouts_pod_template_hash: hash } });
  const prometheus = await PrometheusServer.start({ targets: [target(stable.port, HASH.stable), target(canary.port, HASH.canary)] });
  const load = startLoad({ stableUrl: `http://127.0.0.1:${stable.port}/`, canaryUrl: `http://127.0.0.1:${canary.port}/`, canaryShare: 0.1, rate: 100, durationMs: 600_000 });
  try {
    const gateProcess = await startProcess({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'tools', 'slo-gate', 'bin', 'slo-gate'), '--prometheus-url', prometheus.url, '--port', '0', '--host', '127.0.0.1'],
    });
    await prometheus.waitFor(
      () => prometheus.vector(`sum(increase(http_requests_total{rollouts_pod_template_hash="${HASH.canary}"}[2m]))`),
      (v) => (v[0]?.value ?? 0) >= 60, 30_000, 'canary traffic',
    );
    const check = await fetch(`http://127.0.0.1:${gateProcess.port}${VERDICT_PATH}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(baseRequest),
    });
    const verdict = await check.json() as { verdict: string };
    process.stdout.write(`warm-up verdict: ${check.status} ${verdict.verdict}; ${DURATION_S}s per phase, machine: ${os.cpus().length} cores\n`);

    // Warm both paths up before measuring.
    await direct(prometheus.url, OVERHEAD_CONNECTIONS, 2);
    await gate(gateProcess.port, 'warm-up', OVERHEAD_CONNECTIONS, 2, true);

    const rows: Row[] = [];
    rows.push(await direct(prometheus.url, OVERHEAD_CONNECTIONS, DURATION_S));
    rows.push(await gate(gateProcess.port, 'gate, distinct requests', OVERHEAD_CONNECTIONS, DURATION_S, true));
    const before = await (await fetch(`http://127.0.0.1:${gateProcess.port}/metrics`)).text();
    rows.push(await gate(gateProcess.port, 'gate, identical (coalesced)', CONNECTIONS, DURATION_S, false));
    const after = await (await fetch(`http://127.0.0.1:${gateProcess.port}/metrics`)).text();
    rows.push(await gate(gateProcess.port, 'gate, distinct requests', CONNECTIONS, DURATION_S, true));

    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
    const lines = [
      '| phase | connections | ops/s | p50 ms | p99 ms | failures |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.phase} | ${r.connections} | ${r.perSecond.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${r.failures} |`),
    ];
    const [floor, uncoalesced] = rows;
    const coalescedShare = (metric(after, 'slo_gate_coalesced_requests_total') - metric(before, 'slo_gate_coalesced_requests_total'))
      / (metric(after, 'slo_gate_verdicts_total{verdict="pass"}') - metric(before, 'slo_gate_verdicts_total{verdict="pass"}'));
    lines.push('');
    lines.push(`gate overhead over its own Prometheus queries at ${OVERHEAD_CONNECTIONS} connections: `
      + `p50 +${f(uncoalesced.p50 - floor.p50)} ms, p99 +${f(uncoalesced.p99 - floor.p99)} ms `
      + `(ratio gate/direct: p50 ${f(uncoalesced.p50 / floor.p50)}x, p99 ${f(uncoalesced.p99 / floor.p99)}x)`);
    lines.push(`coalesced phase: ${(coalescedShare * 100).toFixed(1)}% of verdicts joined an evaluation in flight`);
    lines.push('goal: overhead < 5 ms at p99; >= 1000 verdicts/s with coalescing on 2 cores');
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await cleanUp(() => load.stop(), () => prometheus.dispose(), stopAll);
  }
}

main().catch(async (err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  await stopAll();
  process.exit(1);
});
