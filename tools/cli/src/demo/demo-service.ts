/**
 * A small instrumented HTTP service used as the stable and canary versions in tests, the gate's
 * benchmark and rehearsals. It exposes the metrics the `app` SLI source expects:
 * `http_requests_total{status, method, route}` and `http_request_duration_seconds`.
 *
 * Usage: `node tools/cli/build/demo/demo-service.js [--port 0] [--host 127.0.0.1]
 *   [--mode good|failing|slow] [--error-rate 0.2] [--latency 4s]
 *   [--baseline-error-rate 0] [--errors random|even] [--seed 1]`
 * (or DEMO_PORT, DEMO_HOST, DEMO_MODE, DEMO_ERROR_RATE, DEMO_LATENCY, DEMO_BASELINE_ERROR_RATE,
 * DEMO_ERRORS, DEMO_SEED).
 *
 * Requests to `/` fail at random with probability baseline-error-rate, plus error-rate in `failing`
 * mode (capped at 1); `--errors even` spreads the same share evenly instead (request n fails when
 * floor((n+1)*p) > floor(n*p)). Latencies are log-normal (demo/traffic-model.ts): median 40ms,
 * p95 150ms, or in `slow` mode the same shape with its p95 at --latency (4s by default); --latency
 * sets the p95 in any mode, and 0 answers at once. The same seed gives the same errors and
 * latencies, request after request in the order they arrive.
 *
 * Once listening it prints one JSON line on stdout: `{"event":"listening","host":...,"port":...}`.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LatencyModel, SeededRandom } from './traffic-model';

export type DemoMode = 'good' | 'failing' | 'slow';

/** How failing requests are chosen: each at random, or spread evenly over the requests. */
export type ErrorSpread = 'random' | 'even';

export interface DemoServiceOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  readonly mode: DemoMode;
  /** Extra share of requests to `/` answered with a 500 (`failing` mode), between 0 and 1. */
  readonly errorRate: number;
  /** Share of requests to `/` answered with a 500 in every mode, before the extra errors. */
  readonly baselineErrorRate: number;
  readonly errors: ErrorSpread;
  /** The 95th percentile of the latency of `/`, in milliseconds; 0 answers at once. */
  readonly latencyP95Ms: number;
  /** Seed of the errors and latencies drawn at random. */
  readonly seed: number;
}

/** Buckets of the request duration histogram (seconds), as the SLI sources expect. */
export const DEMO_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10];

/** The extra share of errors of the `failing` mode unless --error-rate says otherwise. */
export const DEFAULT_ERROR_RATE = 0.2;
const DEFAULT_SLOW_LATENCY_MS = 4000;
const FLAGS = ['port', 'host', 'mode', 'error-rate', 'baseline-error-rate', 'errors', 'latency', 'seed'];
const ALLOWED = FLAGS.map((f) => `--${f}`).join(' ');

/** Parses `250ms`, `4s`, `1.5s`, `1m` (or a bare number of milliseconds) into milliseconds. */
export function parseDurationMs(name: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) {
    throw new Error(`${name} must be a duration like 250ms, 4s or 1m, got ${JSON.stringify(value)}`);
  }
  const n = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
}

/** Reads options from argv flags (`--name value` or `--name=value`), then DEMO_* env, then defaults. */
export function parseDemoOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoServiceOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}, allowed flags are ${ALLOWED}`);
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`flag ${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  for (const name of flags.keys()) {
    if (!FLAGS.includes(name)) {
      throw new Error(`unknown flag --${name}, allowed flags are ${ALLOWED}`);
    }
  }
  const get = (flag: string, envName: string) => flags.get(flag) ?? env[envName];

  const portText = get('port', 'DEMO_PORT') ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`port must be an integer between 0 and 65535, got ${JSON.stringify(portText)}`);
  }
  const mode = (get('mode', 'DEMO_MODE') ?? 'good') as DemoMode;
  if (!['good', 'failing', 'slow'].includes(mode)) {
    throw new Error(`mode must be one of good, failing, slow, got ${JSON.stringify(mode)}`);
  }
  const share = (flag: string, envName: string, fallback: number) => {
    const text = get(flag, envName);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new Error(`${flag} must be a number between 0 and 1, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  const errorRate = share('error-rate', 'DEMO_ERROR_RATE', mode === 'failing' ? DEFAULT_ERROR_RATE : 0);
  const baselineErrorRate = share('baseline-error-rate', 'DEMO_BASELINE_ERROR_RATE', 0);
  const errors = (get('errors', 'DEMO_ERRORS') ?? 'random') as ErrorSpread;
  if (!['random', 'even'].includes(errors)) {
    throw new Error(`errors must be random or even, got ${JSON.stringify(errors)}`);
  }
  const latencyText = get('latency', 'DEMO_LATENCY');
  const latencyP95Ms = latencyText === undefined
    ? (mode === 'slow' ? DEFAULT_SLOW_LATENCY_MS : LatencyModel.DEFAULT.p95Seconds * 1000)
    : parseDurationMs('latency', latencyText);
  const seedText = get('seed', 'DEMO_SEED') ?? '1';
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer between 0 and ${0xffffffff}, got ${JSON.stringify(seedText)}`);
  }
  return { port, host: get('host', 'DEMO_HOST') ?? '127.0.0.1', mode, errorRate, baselineErrorRate, errors, latencyP95Ms, seed };
}

/** The share of requests that fail: the baseline plus the failing mode's extra errors, at most 1. */
export function failureProbability(options: Pick<DemoServiceOptions, 'mode' | 'errorRate' | 'baselineErrorRate'>): number {
  return Math.min(1, options.baselineErrorRate + (options.mode === 'failing' ? options.errorRate : 0));
}

/** What happens to one request to `/`. */
export interface Fault {
  readonly fail: boolean;
  readonly latencyMs: number;
}

/**
 * The faults of successive requests to `/`, in the order they arrive. Random: each request fails
 * with probability p, independently of the others. Even: request n fails when
 * floor((n+1)*p) > floor(n*p), so exactly p of every run of requests fails. Errors and latencies
 * come from two streams of one seed, so the errors do not depend on the latencies drawn.
 */
export function faultSequence(options: Omit<DemoServiceOptions, 'port' | 'host'>): { next(): Fault } {
  const p = failureProbability(options);
  const seeded = new SeededRandom(options.seed);
  const errorRandom = seeded.fork(1);
  const latencyRandom = seeded.fork(2);
  const latency = options.latencyP95Ms > 0 ? LatencyModel.DEFAULT.withP95(options.latencyP95Ms / 1000) : undefined;
  let n = 0;
  return {
    next: () => {
      const fail = options.errors === 'even' ? Math.floor((n + 1) * p) > Math.floor(n * p) : errorRandom.bernoulli(p);
      n++;
      return { fail, latencyMs: latency ? latency.sample(latencyRandom) * 1000 : 0 };
    },
  };
}

export interface DemoService {
  readonly server: http.Server;
  readonly port: number;
  /** Stops accepting connections, marks itself not ready and resolves when drained. */
  close(): Promise<void>;
}

/** Starts the demo service; resolves once it listens. */
export async function startDemoService(options: DemoServiceOptions): Promise<DemoService> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by status code, method and route',
    labelNames: ['status', 'method', 'route'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by status code, method and route',
    labelNames: ['status', 'method', 'route'],
    buckets: DEMO_LATENCY_BUCKETS,
    registers: [registry],
  });

  // Start the series of the main route at 0, so that Prometheus' increase() counts the first
  // request and the first error too (a series born within the window loses its first increment).
  for (const status of ['200', '500']) {
    requests.inc({ status, method: 'GET', route: '/' }, 0);
  }

  let ready = true;
  const faults = faultSequence(options);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(body); },
        (err: Error) => { res.writeHead(500); res.end(err.message); },
      );
      return;
    }
    if (path === '/health/live') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/health/ready') {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ready ? 'ready' : 'not ready');
      return;
    }
    const route = path === '/' ? '/' : 'not_found';
    const start = process.hrtime.bigint();
    const finish = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const labels = { status: String(status), method, route };
      requests.inc(labels);
      duration.observe(labels, seconds);
    };
    if (route !== '/') {
      finish(404, 'not found');
      return;
    }
    const { fail, latencyMs } = faults.next();
    const respond = () => (fail ? finish(500, 'injected failure') : finish(200, 'ok'));
    if (latencyMs > 0) {
      setTimeout(respond, latencyMs);
    } else {
      respond();
    }
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => {
      ready = false;
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}

async function main(): Promise<void> {
  let options: DemoServiceOptions;
  try {
    options = parseDemoOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`demo-service: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const service = await startDemoService(options);
  process.stdout.write(JSON.stringify({
    event: 'listening', host: options.host, port: service.port,
    mode: options.mode, failureProbability: failureProbability(options), errors: options.errors,
    latencyP95Ms: options.latencyP95Ms, seed: options.seed,
  }) + '\n');
  const shutdown = () => {
    // Bounded drain: slow requests may be in flight; exit anyway after 5 s.
    setTimeout(() => process.exit(0), 5000).unref();
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`demo-service: ${err.message}\n`);
    process.exit(1);
  });
}
