/**
 * The `slo-gate` command: reads its settings, serves until SIGTERM or SIGINT, then drains.
 * `node build/cli.js` (the container's entrypoint) and the package bin run this.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ConfigError, GateConfig, loadConfig, usage } from './config';
import { buildGateServer } from './server';

/** Time allowed for requests in flight to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return;
  }
  let config: GateConfig;
  try {
    config = loadConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`slo-gate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const logger = pino({
    level: config.logLevel,
    base: { service: 'slo-gate' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  const gate = buildGateServer(config, logger);
  await gate.app.listen({ port: config.port, host: config.host });
  const address = gate.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const metrics = config.metricsPort === undefined ? undefined : await serveMetrics(gate.registry, config.host, config.metricsPort);
  // The URL carries no credentials (the config refuses them); basic auth is only said to be on.
  logger.info({
    host: config.host, port, metricsPort: metrics?.port, prometheusUrl: config.prometheusUrl,
    prometheusBasicAuth: config.prometheusPasswordFile !== undefined,
    auth: config.tenantTokensDir !== undefined ? 'tenant-tokens' : 'none', allowedMetrics: config.allowedMetrics,
    queryTimeoutMs: config.queryTimeoutMs, verdictTimeoutMs: config.verdictTimeoutMs, maxConcurrentQueries: config.maxConcurrentQueries,
    maxPendingVerdicts: config.maxPendingVerdicts, requestTimeoutMs: config.requestTimeoutMs, idleTimeoutMs: config.idleTimeoutMs,
  }, 'listening');
  if (config.allowUnauthenticated) logger.warn('no tenant tokens: any caller that reaches the gate may ask for any namespace\'s verdicts');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still in flight after the grace period, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    metrics?.server.close();
    gate.close().then(
      () => { logger.info('stopped'); process.exit(0); },
      (err: Error) => { logger.error({ err: err.message }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** Serves the registry at /metrics on its own port (and nothing else there). */
async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found","message":"this port serves GET /metrics only"}');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal', message: err.message })),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`slo-gate: ${err.message}\n`);
    process.exit(1);
  });
}
