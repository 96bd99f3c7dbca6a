/**
 * Soak and fault run of the slo-gate (not a test: prints and writes figures, asserts nothing). Loopback
 * only, bounded in time; every process it starts is stopped at the end.
 *
 * A stable and a canary demo service under load, a real Prometheus scraping both, a proxy in front of
 * Prometheus that can slow or hold its query API, and the gate (built bin, tenant tokens) behind it.
 * For `--duration` seconds (default 600), at once:
 *   - valid verdicts: the busy canary (pass expected while Prometheus answers), an idle canary (no
 *     traffic: never a pass), distinct objectives so most requests are not coalesced;
 *   - invalid requests: malformed and 8,150-level JSON, PromQL keywords, a namespace or metric the
 *     token does not cover, no token, an oversize body;
 *   - slow clients: bodies that trickle in, headers that never end, idle keep-alive connections;
 *   - every 60 s a burst of 150 distinct verdicts at once (more than the 128 the gate holds in flight);
 *   - /readyz probed every second with the kubelet's 1 s timeout;
 * while Prometheus goes through a cycle of faults: answering, slowed (queries delayed 1.5 s), crawling
 * (delayed 4 s, past the gate's 3 s query timeout), hanging (queries held), stopped, restarted.
 *
 * Counted: gate crashes (it is restarted, so the run goes on), "pass" answers without evidence (for the
 * idle canary, or with fewer canary requests than minRequests), answers by kind and status, readiness
 * by phase (and probes that missed the 1 s bound), and the gate's RSS (start after warm-up, end, max).
 *
 * Run: npm run bench:soak [-- --duration 600 --out bench/soak.md]   (nice -n 10 on a shared machine)
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { VERDICT_PATH, VerdictRequest } from '../lib/gate/contract';
import { SecretVolume, startGate } from '../test/gate/service/gate-process';
import { startLoad } from '../test/support/load';
import { startDemo, StartedProcess, stopAll } from '../test/support/processes';
import { PrometheusServer } from '../test/support/prometheus';
import { StallingProxy } from '../test/support/stalling-proxy';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const DURATION_S = Number(flag('duration', '600'));
const OUT = flag('out', '');
const TOKENS = { 'shop': 'shop-token-soak-0123456789abcdef', 'team-b': 'team-b-token-soak-0123456789abcdef' };
const HASH = { stable: 'st4ble', canary: 'c4n4ry', idle: '1d1e' };
const MIN_REQUESTS = 50;

type Phase = 'answering' | 'slowed' | 'crawling' | 'hanging' | 'stopped' | 'stopping or restarting';
/** The fault cycle: phase and seconds; repeated until the run ends. */
const CYCLE: Array<[Phase, number]> = [['answering', 40], ['slowed', 20], ['answering', 20], ['crawling', 15], ['hanging', 15], ['answering', 20], ['stopped', 20]];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A verdict request; its minRequests (MIN_REQUESTS + n) makes requests with different n distinct (not coalesced). */
const request = (canary: string, n: number): VerdictRequest => ({
  workload: { namespace: 'shop', rollout: 'web', source: { app: { canaryPodTemplateHash: canary, stablePodTemplateHash: HASH.stable } } },
  window: '1m',
  objectives: { successRate: 0.9, latency: { quantile: 0.95, thresholdSeconds: 2 }, minRequests: MIN_REQUESTS + n },
});

/** The invalid requests, each with the status the gate must answer. */
const INVALID: Array<{ name: string; body: string; headers?: Record<string, string>; expect: number }> = [
  { name: 'malformed JSON', body: '{"workload": ', expect: 400 },
  { name: '8,150-level JSON', body: '['.repeat(8150) + ']'.repeat(8150), expect: 400 },
  { name: 'keyword metric', body: JSON.stringify({ ...request(HASH.canary, 0), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: HASH.canary, requestsMetric: 'bool' } } } }), expect: 400 },
  { name: 'bad hash', body: JSON.stringify({ ...request(HASH.canary, 0), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: '"} or vector(1)' } } } }), expect: 400 },
  { name: 'oversize', body: JSON.stringify({ ...request(HASH.canary, 0), padding: 'x'.repeat(20_000) }), expect: 400 },
  { name: 'other namespace', body: JSON.stringify(request(HASH.canary, 0)), headers: { authorization: `Bearer ${TOKENS['team-b']}` }, expect: 403 },
  { name: 'other metric', body: JSON.stringify({ ...request(HASH.canary, 0), workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: HASH.canary, requestsMetric: 'orders_revenue_cents_total' } } } }), expect: 403 },
  { name: 'no token', body: JSON.stringify(request(HASH.canary, 0)), headers: { authorization: '' }, expect: 401 },
];

interface Tally { [key: string]: number }
const bump = (t: Tally, key: string, by = 1) => { t[key] = (t[key] ?? 0) + by; };

async function main(): Promise<void> {
  const tokens = SecretVolume.create(TOKENS);
  const [stable, canary] = await Promise.all([startDemo(), startDemo()]);
  const target = (p: StartedProcess, hash: string) => ({ port: p.port, labels: { namespace: 'shop', pod: `web-${hash}-0`, rollouts_pod_template_hash: hash } });
  const prometheus = await PrometheusServer.start({ targets: [target(stable, HASH.stable), target(canary, HASH.canary)] });
  const proxy = await StallingProxy.start(prometheus.url);
  const load = startLoad({ stableUrl: `http://127.0.0.1:${stable.port}/`, canaryUrl: `http://127.0.0.1:${canary.port}/`, canaryShare: 0.2, rate: 50, durationMs: (DURATION_S + 120) * 1000 });
  let gate = await startGate(proxy.url, { tokens });
  let crashes = 0;
  const watchCrash = (g: StartedProcess) => void g.exited.then(async (code) => {
    if (stopping) return;
    crashes++;
    process.stdout.write(`gate exited (${code}); restarting\n${g.output().slice(-2000)}\n`);
    gate = await startGate(proxy.url, { tokens });
    watchCrash(gate);
  });
  let stopping = false;
  watchCrash(gate);

  const answers: Tally = {};
  const verdicts: Tally = {};
  let passWithoutEvidence = 0;
  const unexpected: Tally = {};
  const readiness: Record<string, Tally> = {};
  let phase: Phase = 'answering';
  const rss: Array<[number, number]> = [];
  const probeMs: number[] = [];
  const misses: string[] = [];
  const heap: number[] = [];
  const url = () => `http://127.0.0.1:${gate.port}${VERDICT_PATH}`;

  try {
    await prometheus.waitFor(
      () => prometheus.vector(`sum(increase(http_requests_total{rollouts_pod_template_hash="${HASH.canary}"}[1m]))`),
      (v) => (v[0]?.value ?? 0) >= 200, 120_000, 'canary traffic in the window',
    );
    const started = Date.now();
    const end = started + DURATION_S * 1000;
    const running = () => Date.now() < end;
    const readRss = async () => {
      try {
        const kb = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${gate.pid}/status`, 'utf8'))![1]);
        rss.push([(Date.now() - started) / 1000, kb / 1024]);
        const text = await (await fetch(`http://127.0.0.1:${gate.port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
        heap.push(Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)![1]) / 2 ** 20);
      } catch {
        // between a crash and the restart
      }
    };
    await readRss();

    const verdict = async (hash: string, n: number) => {
      try {
        const res = await fetch(url(), {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.shop}` },
          body: JSON.stringify(request(hash, n)), signal: AbortSignal.timeout(10_000),
        });
        const body = await res.json() as { verdict?: string; error?: string; requests?: { canary: number | null } };
        bump(answers, `verdict ${res.status} ${body.verdict ?? body.error}`);
        if (body.verdict) bump(verdicts, `${hash === HASH.idle ? 'idle' : 'busy'} canary: ${body.verdict}`);
        if (body.verdict === 'pass' && (hash === HASH.idle || (body.requests?.canary ?? 0) < MIN_REQUESTS + n)) passWithoutEvidence++;
      } catch (err) {
        bump(answers, `verdict no answer (${(err as Error).name})`);
      }
    };
    const invalid = async (i: number) => {
      const c = INVALID[i % INVALID.length];
      try {
        const res = await fetch(url(), {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.shop}`, ...c.headers },
          body: c.body, signal: AbortSignal.timeout(10_000),
        });
        const body = await res.json() as { error?: string };
        bump(answers, `invalid ${res.status} ${body.error}`);
        if (res.status !== c.expect) bump(unexpected, `${c.name}: ${res.status}`);
      } catch (err) {
        bump(answers, `invalid no answer (${(err as Error).name})`);
        bump(unexpected, `${c.name}: no answer`);
      }
    };
    /** A slow client: a trickling body, endless headers, or an idle keep-alive connection; resolves when the gate closes it. */
    const slow = (kind: number) => new Promise<void>((resolve) => {
      const socket = net.connect(gate.port, '127.0.0.1');
      const timer = setTimeout(() => { bump(answers, 'slow client never closed'); socket.destroy(); }, 60_000);
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      socket.on('close', () => { clearTimeout(timer); bump(answers, `slow client closed by the gate (${['trickling body', 'endless headers', 'idle keep-alive'][kind]})`); resolve(); });
      if (kind === 0) socket.write(`POST ${VERDICT_PATH} HTTP/1.1\r\nHost: gate\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{`);
      else if (kind === 1) socket.write(`POST ${VERDICT_PATH} HTTP/1.1\r\nHost: gate\r\n`);
      else socket.write('GET /healthz HTTP/1.1\r\nHost: gate\r\nConnection: keep-alive\r\n\r\n');
    });

    const loops: Array<Promise<void>> = [];
    let n = 0;
    // Steady verdicts: 20 distinct requests over and over (some coalesce, as Argo's do for one rollout).
    for (let w = 0; w < 4; w++) loops.push((async () => { while (running()) { await verdict(w === 0 ? HASH.idle : HASH.canary, n++ % 20); await sleep(100); } })());
    for (let w = 0; w < 2; w++) loops.push((async () => { let i = w; while (running()) { await invalid(i++); await sleep(100); } })());
    for (let w = 0; w < 2; w++) loops.push((async () => { let k = w; while (running()) { await Promise.all([slow(k % 3), slow((k + 1) % 3)]); k++; } })());
    loops.push((async () => {
      while (running()) {
        const t = Date.now();
        const probed = phase;
        try {
          const res = await fetch(`http://127.0.0.1:${gate.port}/readyz`, { signal: AbortSignal.timeout(1000) });
          await res.text();
          bump(readiness[probed] ??= {}, res.status === 200 ? 'ready' : 'not ready');
        } catch {
          bump(readiness[probed] ??= {}, 'no answer within 1 s');
          misses.push(`${Math.round((t - started) / 1000)}s (${probed})`);
        }
        probeMs.push(Date.now() - t);
        await sleep(Math.max(0, 1000 - (Date.now() - t)));
      }
    })());
    loops.push((async () => { while (running()) { await sleep(5000); await readRss(); } })());
    loops.push((async () => {
      await sleep(30_000);
      while (running()) {
        await Promise.all(Array.from({ length: 150 }, (_, i) => verdict(HASH.canary, 100 + i)));
        await sleep(60_000);
      }
    })());
    // The fault cycle.
    loops.push((async () => {
      for (let i = 0; running(); i++) {
        const [next, seconds] = CYCLE[i % CYCLE.length];
        const phaseEnd = Date.now() + seconds * 1000;
        if (next === 'stopped') {
          phase = 'stopping or restarting';
          await prometheus.stop();
        }
        phase = next;
        proxy.delayMs = next === 'slowed' ? 1500 : next === 'crawling' ? 4000 : 0;
        proxy.holdQueries = next === 'hanging';
        process.stdout.write(`${Math.round((Date.now() - started) / 1000)}s ${next}\n`);
        await sleep(Math.min(Math.max(0, phaseEnd - Date.now()), Math.max(0, end - Date.now())));
        if (next === 'hanging') proxy.release();
        if (next === 'stopped') {
          phase = 'stopping or restarting';
          await prometheus.restart();
        }
      }
      proxy.delayMs = 0;
      proxy.release();
    })());
    await Promise.all(loops);
    await readRss();

    const metrics = await (await fetch(`http://127.0.0.1:${gate.port}/metrics`)).text();
    const series = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
    const internal = metrics.split('\n').filter((l) => l.startsWith('slo_gate_http_requests_total') && l.includes('code="500"')).reduce((s, l) => s + Number(l.split(' ')[1]), 0);
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
    // The gate's histogram of /readyz answers: how many took more than 0.5 s and more than 1 s.
    const bucket = (le: string) => series(`slo_gate_http_request_duration_seconds_bucket{le="${le}",route="/readyz"}`);
    const readyzCount = series('slo_gate_http_request_duration_seconds_count{route="/readyz"}');
    const serverReadyz = `${readyzCount} answers, ${readyzCount - bucket('0.5')} over 0.5 s, ${readyzCount - bucket('1')} over 1 s`;
    const table = (t: Tally) => Object.entries(t).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `| ${k} | ${v} |`);
    const mb = (x: number) => `${x.toFixed(1)} MB`;
    const at = (seconds: number) => rss.find(([t]) => t >= seconds)?.[1] ?? NaN;
    const half = DURATION_S / 2;
    const maxOf = (xs: number[]) => Math.max(...xs);
    const report = [
      `# slo-gate soak and fault run`,
      '',
      `\`npm run bench:soak -- --duration ${DURATION_S}\` on ${os.cpus().length} cores, Node ${process.version}, loopback only.`,
      '',
      '| figure | value |',
      '|---|---:|',
      `| duration | ${DURATION_S} s |`,
      `| gate crashes | ${crashes} |`,
      `| "pass" without evidence | ${passWithoutEvidence} |`,
      `| invalid requests not answered as expected | ${Object.values(unexpected).reduce((a, b) => a + b, 0)} |`,
      `| HTTP 500 answers | ${internal} |`,
      `| gate RSS at 0 s / after 60 s of load / end | ${mb(rss[0][1])} / ${mb(at(60))} / ${mb(rss[rss.length - 1][1])} |`,
      `| gate RSS max: first half / second half | ${mb(maxOf(rss.filter(([t]) => t < half).map(([, v]) => v)))} / ${mb(maxOf(rss.filter(([t]) => t >= half).map(([, v]) => v)))} |`,
      `| gate JS heap used: end / max (every 5 s) | ${mb(heap[heap.length - 1])} / ${mb(maxOf(heap))} |`,
      `| overloaded answers (503, load shed) | ${series('slo_gate_overloaded_requests_total')} |`,
      `| coalesced requests | ${series('slo_gate_coalesced_requests_total')} |`,
      '',
      `Fault cycle: ${CYCLE.map(([p, s]) => `${p} ${s}s`).join(', ')}, repeated.`,
      '',
      '/readyz, probed every second with a 1 s timeout, by Prometheus phase:',
      '',
      '| phase | ready | not ready | no answer within 1 s |',
      '|---|---:|---:|---:|',
      ...Object.entries(readiness).map(([p, t]) => `| ${p} | ${t.ready ?? 0} | ${t['not ready'] ?? 0} | ${t['no answer within 1 s'] ?? 0} |`),
      '',
      `Probe time seen by the prober (its own process is busy too): p50 ${pct(probeMs, 50)} ms, p99 ${pct(probeMs, 99)} ms, max ${Math.max(...probeMs)} ms; `
        + `the gate's own time to answer /readyz: ${serverReadyz}.${misses.length ? ` Probes without an answer within 1 s at ${misses.join(', ')}.` : ''}`,
      '',
      'Answers by kind and status:',
      '',
      '| answer | count |',
      '|---|---:|',
      ...table(answers),
      '',
      'Verdicts by canary:',
      '',
      '| canary: verdict | count |',
      '|---|---:|',
      ...table(verdicts),
      ...(Object.keys(unexpected).length ? ['', 'Unexpected answers:', '', '| request: status | count |', '|---|---:|', ...table(unexpected)] : []),
      '',
    ].join('\n');
    process.stdout.write(`\n${report}`);
    if (OUT) fs.writeFileSync(OUT, report);
  } finally {
    stopping = true;
    await load.stop();
    await proxy.close();
    await prometheus.dispose();
    await stopAll();
    tokens.dispose();
  }
}

main().catch(async (err: Error) => {
  process.stderr.write(`soak failed: ${err.stack ?? err.message}\n`);
  await stopAll();
  process.exit(1);
});
