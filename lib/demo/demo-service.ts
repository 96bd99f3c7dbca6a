/**
 * A small instrumented HTTP service used as the stable and canary versions in tests, the gate's
 * benchmark and rehearsals. It exposes the metrics the `app` SLI source expects:
 * `http_requests_total{status, method, route}` and `http_request_duration_seconds`.
 *
 * Usage: `node build/lib/demo/demo-service.js [--port 0] [--host 127.0.0.1]
 *   [--mode good|failing|slow] [--error-rate 0.2] [--latency 4s]`
 * (or DEMO_PORT, DEMO_HOST, DEMO_MODE, DEMO_ERROR_RATE, DEMO_LATENCY).
 *
 * Once listening it prints one JSON line on stdout: `{"event":"listening","host":...,"port":...}`.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type DemoMode = 'good' | 'failing' | 'slow';

export interface DemoServiceOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  readonly mode: DemoMode;
  /** Share of requests to `/` answered with a 500, between 0 and 1. */
  readonly errorRate: number;
  /** Latency added to every request to `/`, in milliseconds. */
  readonly latencyMs: number;
}

/** Buckets of the request duration histogram (seconds), as the SLI sources expect. */
export const DEMO_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10];

const DEFAULT_ERROR_RATE = 0.2;
const DEFAULT_SLOW_LATENCY_MS = 4000;

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
      throw new Error(`unexpected argument ${JSON.stringify(arg)}, allowed flags are --port --host --mode --error-rate --latency`);
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
    if (!['port', 'host', 'mode', 'error-rate', 'latency'].includes(name)) {
      throw new Error(`unknown flag --${name}, allowed flags are --port --host --mode --error-rate --latency`);
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
  const errorRateText = get('error-rate', 'DEMO_ERROR_RATE');
  const errorRate = errorRateText === undefined ? (mode === 'failing' ? DEFAULT_ERROR_RATE : 0) : Number(errorRateText);
  if (!Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) {
    throw new Error(`error-rate must be a number between 0 and 1, got ${JSON.stringify(errorRateText)}`);
  }
  const latencyText = get('latency', 'DEMO_LATENCY');
  const latencyMs = latencyText === undefined ? (mode === 'slow' ? DEFAULT_SLOW_LATENCY_MS : 0) : parseDurationMs('latency', latencyText);
  return { port, host: get('host', 'DEMO_HOST') ?? '127.0.0.1', mode, errorRate, latencyMs };
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

  let served = 0;
  let ready = true;
  // Deterministic error spreading: request n fails when floor((n+1)*rate) > floor(n*rate),
  // so exactly `rate` of every window of requests fails, with no random variation.
  const shouldFail = (n: number) => Math.floor((n + 1) * options.errorRate) > Math.floor(n * options.errorRate);

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
    const n = served++;
    const respond = () => (shouldFail(n) ? finish(500, 'injected failure') : finish(200, 'ok'));
    if (options.latencyMs > 0) {
      setTimeout(respond, options.latencyMs);
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
    mode: options.mode, errorRate: options.errorRate, latencyMs: options.latencyMs,
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
