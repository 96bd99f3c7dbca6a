/**
 * The gate's settings, from command-line flags first, then SLO_GATE_* environment variables,
 * then defaults; validated at start so that a bad setting stops the process with a clear message.
 */
import * as fs from 'node:fs';

export interface GateConfig {
  /** The one Prometheus the gate queries. */
  readonly prometheusUrl: string;
  readonly port: number;
  /** A second port serving only /metrics, so that a NetworkPolicy can let Prometheus scrape without reaching the verdicts. */
  readonly metricsPort?: number;
  readonly host: string;
  /** Timeout of one Prometheus query. */
  readonly queryTimeoutMs: number;
  /** Bound on a whole verdict, queries and waiting included: well under Argo's 10 s web timeout. */
  readonly verdictTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit: number;
  /** Bearer token required on the verdict endpoint; undefined disables auth. */
  readonly authToken?: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
}

const SETTINGS = {
  prometheusUrl: { flag: 'prometheus-url', env: 'SLO_GATE_PROMETHEUS_URL', help: 'Prometheus base URL (required), e.g. http://prometheus:9090' },
  port: { flag: 'port', env: 'SLO_GATE_PORT', help: 'port to listen on, 0 for a free one (default 8080)' },
  host: { flag: 'host', env: 'SLO_GATE_HOST', help: 'address to listen on (default 0.0.0.0)' },
  metricsPort: { flag: 'metrics-port', env: 'SLO_GATE_METRICS_PORT', help: 'also serve /metrics alone on this port (default: none)' },
  queryTimeout: { flag: 'query-timeout', env: 'SLO_GATE_QUERY_TIMEOUT', help: 'timeout of one Prometheus query, 100ms..8s (default 3s)' },
  verdictTimeout: { flag: 'verdict-timeout', env: 'SLO_GATE_VERDICT_TIMEOUT', help: 'bound on a whole verdict, query-timeout..9s (default 5s)' },
  maxConcurrentQueries: { flag: 'max-concurrent-queries', env: 'SLO_GATE_MAX_CONCURRENT_QUERIES', help: 'Prometheus queries in flight at most, 1..1024 (default 32)' },
  bodyLimit: { flag: 'body-limit', env: 'SLO_GATE_BODY_LIMIT', help: 'largest request body in bytes, 1024..1048576 (default 16384)' },
  authTokenFile: { flag: 'auth-token-file', env: 'SLO_GATE_AUTH_TOKEN_FILE', help: 'file holding the bearer token the verdict endpoint requires' },
  authToken: { flag: '', env: 'SLO_GATE_AUTH_TOKEN', help: 'the bearer token itself (environment only, never a flag)' },
  logLevel: { flag: 'log-level', env: 'SLO_GATE_LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent (default info)' },
} satisfies Record<string, Setting>;

/** The usage text printed by `--help`. */
export function usage(): string {
  const lines = Object.values(SETTINGS).map((s) => `  ${(s.flag ? `--${s.flag}` : '').padEnd(26)}${s.env.padEnd(34)}${s.help}`);
  return ['usage: slo-gate --prometheus-url <url> [--port 8080] [--host 0.0.0.0] [options]', '', ...lines, ''].join('\n');
}

/** Parses `250ms`, `3s` or `1m` into milliseconds; undefined when malformed. */
function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2] === 'm' ? n * 60_000 : match[2] === 's' ? n * 1000 : n;
}

function describe(s: Setting): string {
  return s.flag ? `--${s.flag} (${s.env})` : s.env;
}

/** Reads and validates the settings; throws a ConfigError naming the setting and the fix. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): GateConfig {
  const flags = new Map<string, string>();
  const known = new Set(Object.values(SETTINGS).map((s) => s.flag).filter((f) => f));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}, flags start with -- (see --help)`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!known.has(name)) throw new ConfigError(`unknown flag --${name} (see --help)`);
    if (flags.has(name)) throw new ConfigError(`flag --${name} given twice`);
    let value: string | undefined;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`flag --${name} needs a value`);
    }
    flags.set(name, value);
  }
  const get = (s: Setting): string | undefined => (s.flag ? flags.get(s.flag) : undefined) ?? (env[s.env] !== '' ? env[s.env] : undefined);

  const integer = (s: Setting, fallback: number, min: number, max: number): number => {
    const text = get(s);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
      throw new ConfigError(`${describe(s)} must be an integer between ${min} and ${max}, got ${JSON.stringify(text)}`);
    }
    return n;
  };
  const duration = (s: Setting, fallback: number, min: number, max: number): number => {
    const text = get(s);
    if (text === undefined) return fallback;
    const ms = durationMs(text);
    if (ms === undefined || ms < min || ms > max) {
      throw new ConfigError(`${describe(s)} must be a duration between ${min}ms and ${max}ms such as 3s or 500ms, got ${JSON.stringify(text)}`);
    }
    return ms;
  };

  const urlText = get(SETTINGS.prometheusUrl);
  if (urlText === undefined) {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} is required, e.g. --prometheus-url http://prometheus:9090`);
  }
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must be an http or https URL, got ${JSON.stringify(urlText)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must be an http or https URL, got ${JSON.stringify(urlText)}`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must not carry a query or fragment, got ${JSON.stringify(urlText)}`);
  }

  const queryTimeoutMs = duration(SETTINGS.queryTimeout, 3000, 100, 8000);
  const verdictTimeoutMs = duration(SETTINGS.verdictTimeout, Math.max(5000, queryTimeoutMs), 100, 9000);
  if (verdictTimeoutMs < queryTimeoutMs) {
    throw new ConfigError(`${describe(SETTINGS.verdictTimeout)} must be at least the query timeout ${queryTimeoutMs}ms, got ${verdictTimeoutMs}ms`);
  }

  const tokenFile = get(SETTINGS.authTokenFile);
  const tokenEnv = get(SETTINGS.authToken);
  if (tokenFile !== undefined && tokenEnv !== undefined) {
    throw new ConfigError(`set either ${describe(SETTINGS.authTokenFile)} or ${SETTINGS.authToken.env}, not both`);
  }
  let authToken: string | undefined = tokenEnv?.trim();
  if (tokenFile !== undefined) {
    try {
      authToken = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${describe(SETTINGS.authTokenFile)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (${tokenFile})`);
    }
  }
  if (authToken !== undefined && authToken.length < 16) {
    throw new ConfigError(`the bearer token must be at least 16 characters, got ${authToken.length}`);
  }

  const logLevel = get(SETTINGS.logLevel) ?? 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(logLevel)) {
    throw new ConfigError(`${describe(SETTINGS.logLevel)} must be one of ${levels.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }

  const port = integer(SETTINGS.port, 8080, 0, 65535);
  const metricsPort = get(SETTINGS.metricsPort) === undefined ? undefined : integer(SETTINGS.metricsPort, 0, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(`${describe(SETTINGS.metricsPort)} must differ from the verdict port ${port}, got ${metricsPort}`);
  }
  return {
    prometheusUrl: url.toString().replace(/\/$/, ''),
    port,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    host: get(SETTINGS.host) ?? '0.0.0.0',
    queryTimeoutMs,
    verdictTimeoutMs,
    maxConcurrentQueries: integer(SETTINGS.maxConcurrentQueries, 32, 1, 1024),
    bodyLimit: integer(SETTINGS.bodyLimit, 16384, 1024, 1_048_576),
    ...(authToken !== undefined ? { authToken } : {}),
    logLevel: logLevel as GateConfig['logLevel'],
  };
}
