import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, usage } from '../../../tools/slo-gate/src/config';
import { TenantTokens } from '../../../tools/slo-gate/src/tenant-tokens';

const URL_FLAG = ['--prometheus-url', 'http://prometheus:9090'];
const OPEN = [...URL_FLAG, '--allow-unauthenticated'];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'slo-gate-config-'));

/** A tenant tokens directory laid out as the kubelet mounts a Secret: `..data` links next to one link per key. */
function secretVolume(entries: Record<string, string>): string {
  const dir = tmp();
  const data = path.join(dir, '..2026_01_01_00_00_00.000000001');
  fs.mkdirSync(data);
  for (const [key, value] of Object.entries(entries)) fs.writeFileSync(path.join(data, key), value);
  fs.symlinkSync(path.basename(data), path.join(dir, '..data'));
  for (const key of Object.keys(entries)) fs.symlinkSync(path.join('..data', key), path.join(dir, key));
  return dir;
}

describe('loadConfig', () => {
  test('applies the defaults', () => {
    // GIVEN / WHEN only the Prometheus URL and the tenant tokens
    const dir = secretVolume({ 'team-a': 'team-a-token-0123456789' });
    const config = loadConfig([...URL_FLAG, '--tenant-tokens-dir', dir], {});

    // THEN
    expect(config).toEqual({
      prometheusUrl: 'http://prometheus:9090', port: 8080, host: '0.0.0.0', queryTimeoutMs: 3000, verdictTimeoutMs: 5000,
      maxConcurrentQueries: 32, bodyLimit: 16384, logLevel: 'info', tenantTokensDir: dir, allowUnauthenticated: false,
      allowedMetrics: ['http_requests_total', 'http_request_duration_seconds'], maxPendingVerdicts: 128, requestTimeoutMs: 10_000, idleTimeoutMs: 5000,
    });
  });

  test('reads SLO_GATE_* variables, flags taking precedence', () => {
    // GIVEN both a variable and a flag for the port
    const config = loadConfig(['--port=9000'], {
      SLO_GATE_PROMETHEUS_URL: 'https://prom.example:9090/prometheus/', SLO_GATE_PORT: '7000', SLO_GATE_QUERY_TIMEOUT: '500ms',
      SLO_GATE_VERDICT_TIMEOUT: '2s', SLO_GATE_ALLOW_UNAUTHENTICATED: 'true', SLO_GATE_LOG_LEVEL: 'warn', SLO_GATE_ALLOWED_METRICS: 'a_total, b_seconds',
      SLO_GATE_MAX_PENDING_VERDICTS: '10', SLO_GATE_REQUEST_TIMEOUT: '3s', SLO_GATE_IDLE_TIMEOUT: '2s',
    });

    // THEN
    expect(config).toMatchObject({
      prometheusUrl: 'https://prom.example:9090/prometheus', port: 9000, queryTimeoutMs: 500, verdictTimeoutMs: 2000,
      allowUnauthenticated: true, logLevel: 'warn', allowedMetrics: ['a_total', 'b_seconds'], maxPendingVerdicts: 10, requestTimeoutMs: 3000, idleTimeoutMs: 2000,
    });
    expect(config.tenantTokensDir).toBeUndefined();
  });

  test('takes Prometheus basic auth from two files, and checks them at start', () => {
    // GIVEN a mounted kubernetes.io/basic-auth Secret
    const dir = secretVolume({ username: 'gate\n', password: 's3cret:with:colons' });

    // WHEN / THEN the files are named in the config, their content nowhere in it
    const config = loadConfig([...OPEN, '--prometheus-username-file', `${dir}/username`, '--prometheus-password-file', `${dir}/password`], {});
    expect(config).toMatchObject({ prometheusUsernameFile: `${dir}/username`, prometheusPasswordFile: `${dir}/password` });
    expect(JSON.stringify(config)).not.toContain('s3cret');
  });

  test('a boolean flag takes no value', () => {
    expect(loadConfig([...OPEN, '--port', '1'], {})).toMatchObject({ allowUnauthenticated: true, port: 1 });
  });

  test('prints usage naming every flag and variable', () => {
    expect(usage()).toContain('--prometheus-url');
    expect(usage()).toContain('SLO_GATE_TENANT_TOKENS_DIR');
    expect(usage()).toContain('--allow-unauthenticated');
  });

  test('a namespace may hold a second token while it is rotated', () => {
    // GIVEN team-a's current token and its next one
    const dir = secretVolume({ 'team-a': 'team-a-token-0123456789', 'team-a.next': 'team-a-next-token-0123456789', 'team-b': 'team-b-token-0123456789' });

    // WHEN / THEN both are team-a's, the other namespace's is its own
    const tokens = TenantTokens.read(dir);
    expect(tokens.namespaces).toEqual(['team-a', 'team-b']);
    expect(['team-a-token-0123456789', 'team-a-next-token-0123456789', 'team-b-token-0123456789', 'team-c-token-0123456789'].map((t) => tokens.namespaceOf(t)))
      .toEqual(['team-a', 'team-a', 'team-b', undefined]);
  });

  test('fails, naming the file and never the token, on a bad tenant token', () => {
    // GIVEN a short token, a file that is not named after a namespace, two namespaces sharing a token
    const short = secretVolume({ 'team-a': '0123456789' });
    const badName = secretVolume({ Team_A: 'team-a-token-0123456789' });
    const shared = secretVolume({ 'team-a': 'one-token-for-both-0123', 'team-b': 'one-token-for-both-0123' });

    // WHEN / THEN
    expect(() => loadConfig([...URL_FLAG, '--tenant-tokens-dir', short], {})).toThrow(new Error(
      `tenant token of namespace team-a (${short}/team-a) must be 16 to 4096 printable characters without spaces, got 10 characters: generate one with openssl rand -hex 32`));
    expect(() => loadConfig([...URL_FLAG, '--tenant-tokens-dir', badName], {})).toThrow(new Error(
      `tenant token file ${badName}/Team_A must be named after a namespace (a DNS label), optionally followed by .<suffix> for a second token during a rotation, got "Team_A"`));
    expect(() => loadConfig([...URL_FLAG, '--tenant-tokens-dir', shared], {})).toThrow(new Error(
      'namespaces team-a and team-b share one token: give each namespace its own, or one would judge the other\'s workloads'));
  });

  test.each([
    [[], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) is required, e.g. --prometheus-url http://prometheus:9090'],
    [['--prometheus-url', 'prometheus:9090', '--allow-unauthenticated'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must be an http or https URL, got "prometheus:9090"'],
    [['--prometheus-url', 'ftp://prometheus', '--allow-unauthenticated'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must be an http or https URL, got "ftp://prometheus"'],
    [['--prometheus-url', 'http://p:9090/?x=1', '--allow-unauthenticated'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must not carry a query or fragment, got "http://p:9090/?x=1"'],
    [['--prometheus-url', 'http://gate:hunter2@p:9090'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must not carry credentials, got "http://***@p:9090": '
      + 'put them in a Secret and give --prometheus-username-file (SLO_GATE_PROMETHEUS_USERNAME_FILE) and --prometheus-password-file (SLO_GATE_PROMETHEUS_PASSWORD_FILE)'],
    [[], { SLO_GATE_PROMETHEUS_URL: 'https://:hunter2@p' }, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must not carry credentials, got "https://***@p": '
      + 'put them in a Secret and give --prometheus-username-file (SLO_GATE_PROMETHEUS_USERNAME_FILE) and --prometheus-password-file (SLO_GATE_PROMETHEUS_PASSWORD_FILE)'],
    [['--prometheus-url', 'http:/gate:hunter2@p'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must not carry credentials, got "http:/***@p": '
      + 'put them in a Secret and give --prometheus-username-file (SLO_GATE_PROMETHEUS_USERNAME_FILE) and --prometheus-password-file (SLO_GATE_PROMETHEUS_PASSWORD_FILE)'],
    [[...URL_FLAG], {}, '--tenant-tokens-dir (SLO_GATE_TENANT_TOKENS_DIR) is required: a directory with one file per namespace holding its token; '
      + 'only for a gate that a single team can reach, set --allow-unauthenticated (SLO_GATE_ALLOW_UNAUTHENTICATED) instead'],
    [[...OPEN, '--tenant-tokens-dir', '/x'], {}, 'set either --tenant-tokens-dir (SLO_GATE_TENANT_TOKENS_DIR) or --allow-unauthenticated (SLO_GATE_ALLOW_UNAUTHENTICATED), not both'],
    [[...URL_FLAG, '--tenant-tokens-dir', '/nonexistent/tokens'], {}, 'tenant tokens directory /nonexistent/tokens cannot be read: ENOENT'],
    [[...URL_FLAG], { SLO_GATE_ALLOW_UNAUTHENTICATED: 'yes' }, '--allow-unauthenticated (SLO_GATE_ALLOW_UNAUTHENTICATED) must be true or false, got "yes"'],
    [[...OPEN, '--prometheus-username-file', '/x'], {}, 'set both --prometheus-username-file (SLO_GATE_PROMETHEUS_USERNAME_FILE) and --prometheus-password-file (SLO_GATE_PROMETHEUS_PASSWORD_FILE), or neither'],
    [[...OPEN, '--prometheus-username-file', '/nonexistent/u', '--prometheus-password-file', '/nonexistent/p'], {}, 'prometheus username file /nonexistent/u cannot be read: ENOENT'],
    [[...OPEN, '--allowed-metrics', 'http_requests_total,up{job="x"}'], {}, '--allowed-metrics (SLO_GATE_ALLOWED_METRICS) must list metric names matching ^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$, got "up{job=\\"x\\"}"'],
    [[...OPEN, '--allowed-metrics', 'http_requests_total,bool'], {}, '--allowed-metrics (SLO_GATE_ALLOWED_METRICS) must be a metric name, got the PromQL keyword "bool": name the counter or histogram the service exports'],
    [[...OPEN, '--allowed-metrics', ','], {}, '--allowed-metrics (SLO_GATE_ALLOWED_METRICS) must name at least one metric, e.g. http_requests_total,http_request_duration_seconds'],
    [[...OPEN, '--port', '70000'], {}, '--port (SLO_GATE_PORT) must be an integer between 0 and 65535, got "70000"'],
    [[...OPEN], { SLO_GATE_PORT: 'http' }, '--port (SLO_GATE_PORT) must be an integer between 0 and 65535, got "http"'],
    [[...OPEN, '--query-timeout', '10s'], {}, '--query-timeout (SLO_GATE_QUERY_TIMEOUT) must be a duration between 100ms and 8000ms such as 3s or 500ms, got "10s"'],
    [[...OPEN, '--query-timeout', '4s', '--verdict-timeout', '2s'], {}, '--verdict-timeout (SLO_GATE_VERDICT_TIMEOUT) must be at least the query timeout 4000ms, got 2000ms'],
    [[...OPEN, '--request-timeout', '0s'], {}, '--request-timeout (SLO_GATE_REQUEST_TIMEOUT) must be a duration between 1000ms and 60000ms such as 3s or 500ms, got "0s"'],
    [[...OPEN, '--idle-timeout', '10m'], {}, '--idle-timeout (SLO_GATE_IDLE_TIMEOUT) must be a duration between 1000ms and 120000ms such as 3s or 500ms, got "10m"'],
    [[...OPEN, '--max-pending-verdicts', '0'], {}, '--max-pending-verdicts (SLO_GATE_MAX_PENDING_VERDICTS) must be an integer between 1 and 10000, got "0"'],
    [[...OPEN, '--max-concurrent-queries', '0'], {}, '--max-concurrent-queries (SLO_GATE_MAX_CONCURRENT_QUERIES) must be an integer between 1 and 1024, got "0"'],
    [[...OPEN, '--body-limit', '10'], {}, '--body-limit (SLO_GATE_BODY_LIMIT) must be an integer between 1024 and 1048576, got "10"'],
    [[...OPEN, '--log-level', 'loud'], {}, '--log-level (SLO_GATE_LOG_LEVEL) must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [[...URL_FLAG, '--auth-token-file', '/x'], {}, '--auth-token-file was removed: one token for every namespace let any template author judge any namespace: '
      + 'use --tenant-tokens-dir, a directory with one token file per namespace'],
    [[...URL_FLAG], { SLO_GATE_AUTH_TOKEN: 'sixteen-chars-ok' }, 'SLO_GATE_AUTH_TOKEN was removed: one token for every namespace let any template author judge any namespace: '
      + 'use SLO_GATE_TENANT_TOKENS_DIR, a directory with one token file per namespace'],
    [[...URL_FLAG, '--auth-token', 'x'], {}, 'unknown flag --auth-token (see --help)'],
    [[...OPEN, '--port'], {}, 'flag --port needs a value'],
    [[...OPEN, '--port', '1', '--port', '2'], {}, 'flag --port given twice'],
    [['serve'], {}, 'unexpected argument "serve", flags start with -- (see --help)'],
    [['http://gate:hunter2@p:9090'], {}, 'unexpected argument "http://***@p:9090", flags start with -- (see --help)'],
    [[...OPEN, '--port', '8080', '--metrics-port', '8080'], {}, '--metrics-port (SLO_GATE_METRICS_PORT) must differ from the verdict port 8080, got 8080'],
  ] as Array<[string[], NodeJS.ProcessEnv, string]>)('fails on %j %j', (argv, env, message) => {
    // GIVEN / WHEN / THEN
    expect(() => loadConfig(argv, env)).toThrow(new Error(message));
  });
});
