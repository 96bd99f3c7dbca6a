/**
 * The gate's settings, from command-line flags first, then SLO_GATE_* environment variables,
 * then defaults; validated at start so that a bad setting stops the process with a clear message.
 */
import { DEFAULT_ALLOWED_METRICS, METRIC_NAME_PATTERN, metricNameError } from '@cdk8s-progressive/gate-contract';
import { readBasicAuth } from './prometheus-auth';
import { TenantTokens, TenantTokensError } from './tenant-tokens';

export interface GateConfig {
  /** The one Prometheus the gate queries (never with credentials in it). */
  readonly prometheusUrl: string;
  /** Files holding the user name and password of Prometheus' basic auth (a mounted Secret), read again when they change. */
  readonly prometheusUsernameFile?: string;
  readonly prometheusPasswordFile?: string;
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
  /** Directory of per-namespace tokens (file name = namespace, content = token); undefined only with allowUnauthenticated. */
  readonly tenantTokensDir?: string;
  /** Serve verdicts without a token, for any namespace: only for a gate that a single team can reach. */
  readonly allowUnauthenticated: boolean;
  /** Metric names an app source may name (requestsMetric, durationMetric's base name). */
  readonly allowedMetrics: readonly string[];
  /** Distinct verdict evaluations in flight at most; beyond, requests are answered 503 `overloaded`. */
  readonly maxPendingVerdicts: number;
  /** Time allowed to receive a whole request (headers within the smaller of this and 5 s). */
  readonly requestTimeoutMs: number;
  /** Time an idle keep-alive connection stays open. */
  readonly idleTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  /** A flag without a value (`--x` means true). */
  readonly boolean?: boolean;
}

const SETTINGS = {
  prometheusUrl: { flag: 'prometheus-url', env: 'SLO_GATE_PROMETHEUS_URL', help: 'Prometheus base URL (required, no credentials in it), e.g. http://prometheus:9090' },
  prometheusUsernameFile: { flag: 'prometheus-username-file', env: 'SLO_GATE_PROMETHEUS_USERNAME_FILE', help: 'file holding the user name of Prometheus\' basic auth' },
  prometheusPasswordFile: { flag: 'prometheus-password-file', env: 'SLO_GATE_PROMETHEUS_PASSWORD_FILE', help: 'file holding the password of Prometheus\' basic auth' },
  tenantTokensDir: { flag: 'tenant-tokens-dir', env: 'SLO_GATE_TENANT_TOKENS_DIR', help: 'directory with one file per namespace holding its bearer token (re-read every 5s)' },
  allowUnauthenticated: {
    flag: 'allow-unauthenticated', env: 'SLO_GATE_ALLOW_UNAUTHENTICATED', boolean: true,
    help: 'serve any namespace without a token: only where a single team can reach the gate',
  },
  allowedMetrics: { flag: 'allowed-metrics', env: 'SLO_GATE_ALLOWED_METRICS', help: `metric names an app source may use, comma-separated (default ${DEFAULT_ALLOWED_METRICS.join(',')})` },
  port: { flag: 'port', env: 'SLO_GATE_PORT', help: 'port to listen on, 0 for a free one (default 8080)' },
  host: { flag: 'host', env: 'SLO_GATE_HOST', help: 'address to listen on (default 0.0.0.0)' },
  metricsPort: { flag: 'metrics-port', env: 'SLO_GATE_METRICS_PORT', help: 'also serve /metrics alone on this port (default: none)' },
  queryTimeout: { flag: 'query-timeout', env: 'SLO_GATE_QUERY_TIMEOUT', help: 'timeout of one Prometheus query, 100ms..8s (default 3s)' },
  verdictTimeout: { flag: 'verdict-timeout', env: 'SLO_GATE_VERDICT_TIMEOUT', help: 'bound on a whole verdict, query-timeout..9s (default 5s)' },
  maxConcurrentQueries: { flag: 'max-concurrent-queries', env: 'SLO_GATE_MAX_CONCURRENT_QUERIES', help: 'Prometheus queries in flight at most, 1..1024 (default 32)' },
  maxPendingVerdicts: { flag: 'max-pending-verdicts', env: 'SLO_GATE_MAX_PENDING_VERDICTS', help: 'distinct verdicts in flight at most, 1..10000; more are answered 503 overloaded (default 128)' },
  bodyLimit: { flag: 'body-limit', env: 'SLO_GATE_BODY_LIMIT', help: 'largest request body in bytes, 1024..1048576 (default 16384)' },
  requestTimeout: { flag: 'request-timeout', env: 'SLO_GATE_REQUEST_TIMEOUT', help: 'time to receive a whole request, 1s..60s; headers within min(5s, this) (default 10s)' },
  idleTimeout: { flag: 'idle-timeout', env: 'SLO_GATE_IDLE_TIMEOUT', help: 'idle keep-alive connections closed after, 1s..120s (default 5s)' },
  logLevel: { flag: 'log-level', env: 'SLO_GATE_LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent (default info)' },
} satisfies Record<string, Setting>;

/** The usage text printed by `--help`. */
export function usage(): string {
  const lines = Object.values(SETTINGS).map((s: Setting) => `  ${`--${s.flag}`.padEnd(28)}${s.env.padEnd(36)}${s.help}`);
  return ['usage: slo-gate --prometheus-url <url> (--tenant-tokens-dir <dir> | --allow-unauthenticated) [--port 8080] [options]', '', ...lines, ''].join('\n');
}

/** Parses `250ms`, `3s` or `1m` into milliseconds; undefined when malformed. */
function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2] === 'm' ? n * 60_000 : match[2] === 's' ? n * 1000 : n;
}

function describe(s: Setting): string {
  return `--${s.flag} (${s.env})`;
}

/** A URL as it may be shown: everything before its first `@` (where a user and password would be) replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/*)?[^@]*@/, '$1***@');
}

/** Settings that were removed, with what replaces them. */
const REMOVED: Record<string, string> = {
  'auth-token-file': 'one token for every namespace let any template author judge any namespace: use --tenant-tokens-dir, a directory with one token file per namespace',
  'SLO_GATE_AUTH_TOKEN_FILE': 'one token for every namespace let any template author judge any namespace: use SLO_GATE_TENANT_TOKENS_DIR, a directory with one token file per namespace',
  'SLO_GATE_AUTH_TOKEN': 'one token for every namespace let any template author judge any namespace: use SLO_GATE_TENANT_TOKENS_DIR, a directory with one token file per namespace',
};

/** Reads and validates the settings; throws a ConfigError naming the setting and the fix. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): GateConfig {
  const flags = new Map<string, string>();
  const known = new Map<string, Setting>(Object.values(SETTINGS).map((s: Setting) => [s.flag, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(redactUrl(arg))}, flags start with -- (see --help)`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (REMOVED[name]) throw new ConfigError(`--${name} was removed: ${REMOVED[name]}`);
    const setting = known.get(name);
    if (!setting) throw new ConfigError(`unknown flag --${name} (see --help)`);
    if (flags.has(name)) throw new ConfigError(`flag --${name} given twice`);
    let value: string | undefined;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else if (setting.boolean) {
      value = 'true';
    } else {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`flag --${name} needs a value`);
    }
    flags.set(name, value);
  }
  for (const name of Object.keys(REMOVED)) {
    if (env[name] !== undefined && env[name] !== '') throw new ConfigError(`${name} was removed: ${REMOVED[name]}`);
  }
  const get = (s: Setting): string | undefined => flags.get(s.flag) ?? (env[s.env] !== '' ? env[s.env] : undefined);

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
  const shownUrl = JSON.stringify(redactUrl(urlText));
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must be an http or https URL, got ${shownUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must be an http or https URL, got ${shownUrl}`);
  }
  if (url.username || url.password || urlText.includes('@')) {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must not carry credentials, got ${shownUrl}: `
      + `put them in a Secret and give ${describe(SETTINGS.prometheusUsernameFile)} and ${describe(SETTINGS.prometheusPasswordFile)}`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${describe(SETTINGS.prometheusUrl)} must not carry a query or fragment, got ${shownUrl}`);
  }
  const usernameFile = get(SETTINGS.prometheusUsernameFile);
  const passwordFile = get(SETTINGS.prometheusPasswordFile);
  if ((usernameFile === undefined) !== (passwordFile === undefined)) {
    throw new ConfigError(`set both ${describe(SETTINGS.prometheusUsernameFile)} and ${describe(SETTINGS.prometheusPasswordFile)}, or neither`);
  }
  if (usernameFile !== undefined && passwordFile !== undefined) {
    try {
      readBasicAuth(usernameFile, passwordFile);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }

  const queryTimeoutMs = duration(SETTINGS.queryTimeout, 3000, 100, 8000);
  const verdictTimeoutMs = duration(SETTINGS.verdictTimeout, Math.max(5000, queryTimeoutMs), 100, 9000);
  if (verdictTimeoutMs < queryTimeoutMs) {
    throw new ConfigError(`${describe(SETTINGS.verdictTimeout)} must be at least the query timeout ${queryTimeoutMs}ms, got ${verdictTimeoutMs}ms`);
  }

  const tenantTokensDir = get(SETTINGS.tenantTokensDir);
  const unauthenticated = get(SETTINGS.allowUnauthenticated);
  if (unauthenticated !== undefined && unauthenticated !== 'true' && unauthenticated !== 'false') {
    throw new ConfigError(`${describe(SETTINGS.allowUnauthenticated)} must be true or false, got ${JSON.stringify(unauthenticated)}`);
  }
  const allowUnauthenticated = unauthenticated === 'true';
  if (tenantTokensDir !== undefined && allowUnauthenticated) {
    throw new ConfigError(`set either ${describe(SETTINGS.tenantTokensDir)} or ${describe(SETTINGS.allowUnauthenticated)}, not both`);
  }
  if (tenantTokensDir === undefined && !allowUnauthenticated) {
    throw new ConfigError(`${describe(SETTINGS.tenantTokensDir)} is required: a directory with one file per namespace holding its token; `
      + `only for a gate that a single team can reach, set ${describe(SETTINGS.allowUnauthenticated)} instead`);
  }
  if (tenantTokensDir !== undefined) {
    try {
      TenantTokens.read(tenantTokensDir);
    } catch (err) {
      if (err instanceof TenantTokensError) throw new ConfigError(err.message);
      throw err;
    }
  }

  const allowedMetrics = (get(SETTINGS.allowedMetrics)?.split(',') ?? [...DEFAULT_ALLOWED_METRICS]).map((m) => m.trim()).filter((m) => m !== '');
  if (allowedMetrics.length === 0) {
    throw new ConfigError(`${describe(SETTINGS.allowedMetrics)} must name at least one metric, e.g. ${DEFAULT_ALLOWED_METRICS.join(',')}`);
  }
  for (const name of allowedMetrics) {
    if (!new RegExp(METRIC_NAME_PATTERN).test(name)) {
      throw new ConfigError(`${describe(SETTINGS.allowedMetrics)} must list metric names matching ${METRIC_NAME_PATTERN}, got ${JSON.stringify(name)}`);
    }
    const keyword = metricNameError(describe(SETTINGS.allowedMetrics), name);
    if (keyword) throw new ConfigError(keyword);
  }

  const requestTimeoutMs = duration(SETTINGS.requestTimeout, 10_000, 1000, 60_000);
  const idleTimeoutMs = duration(SETTINGS.idleTimeout, 5000, 1000, 120_000);

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
    ...(usernameFile !== undefined && passwordFile !== undefined ? { prometheusUsernameFile: usernameFile, prometheusPasswordFile: passwordFile } : {}),
    port,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    host: get(SETTINGS.host) ?? '0.0.0.0',
    queryTimeoutMs,
    verdictTimeoutMs,
    maxConcurrentQueries: integer(SETTINGS.maxConcurrentQueries, 32, 1, 1024),
    bodyLimit: integer(SETTINGS.bodyLimit, 16384, 1024, 1_048_576),
    ...(tenantTokensDir !== undefined ? { tenantTokensDir } : {}),
    allowUnauthenticated,
    allowedMetrics,
    maxPendingVerdicts: integer(SETTINGS.maxPendingVerdicts, 128, 1, 10_000),
    requestTimeoutMs,
    idleTimeoutMs,
    logLevel: logLevel as GateConfig['logLevel'],
  };
}
