/**
 * The `slo-gate` command: reads its settings, serves until SIGTERM or SIGINT, then drains.
 * `node build/lib/gate/service/cli.js` (the container's entrypoint) and the package bin run this.
 */
import pino from 'pino';
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
  logger.info({
    host: config.host, port, prometheusUrl: config.prometheusUrl, auth: config.authToken !== undefined,
    queryTimeoutMs: config.queryTimeoutMs, verdictTimeoutMs: config.verdictTimeoutMs, maxConcurrentQueries: config.maxConcurrentQueries,
  }, 'listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still in flight after the grace period, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    gate.close().then(
      () => { logger.info('stopped'); process.exit(0); },
      (err: Error) => { logger.error({ err: err.message }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`slo-gate: ${err.message}\n`);
    process.exit(1);
  });
}
