import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, usage } from '../../../lib/gate/service/config';

const URL_FLAG = ['--prometheus-url', 'http://prometheus:9090'];

describe('loadConfig', () => {
  test('applies the defaults', () => {
    // GIVEN / WHEN only the Prometheus URL
    const config = loadConfig(URL_FLAG, {});

    // THEN
    expect(config).toEqual({
      prometheusUrl: 'http://prometheus:9090', port: 8080, host: '0.0.0.0', queryTimeoutMs: 3000, verdictTimeoutMs: 5000,
      maxConcurrentQueries: 32, bodyLimit: 16384, logLevel: 'info',
    });
  });

  test('reads SLO_GATE_* variables, flags taking precedence', () => {
    // GIVEN both a variable and a flag for the port
    const config = loadConfig(['--port=9000'], {
      SLO_GATE_PROMETHEUS_URL: 'https://prom.example:9090/prometheus/', SLO_GATE_PORT: '7000', SLO_GATE_QUERY_TIMEOUT: '500ms',
      SLO_GATE_VERDICT_TIMEOUT: '2s', SLO_GATE_AUTH_TOKEN: 'sixteen-chars-ok', SLO_GATE_LOG_LEVEL: 'warn',
    });

    // THEN
    expect(config).toMatchObject({
      prometheusUrl: 'https://prom.example:9090/prometheus', port: 9000, queryTimeoutMs: 500, verdictTimeoutMs: 2000,
      authToken: 'sixteen-chars-ok', logLevel: 'warn',
    });
  });

  test('reads the token from a file', () => {
    // GIVEN a token file with a trailing newline
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slo-gate-')), 'token');
    fs.writeFileSync(file, 'a-token-from-a-secret-volume\n');

    // WHEN / THEN
    expect(loadConfig([...URL_FLAG, '--auth-token-file', file], {}).authToken).toBe('a-token-from-a-secret-volume');
  });

  test('prints usage naming every flag and variable', () => {
    expect(usage()).toContain('--prometheus-url');
    expect(usage()).toContain('SLO_GATE_AUTH_TOKEN_FILE');
  });

  test.each([
    [[], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) is required, e.g. --prometheus-url http://prometheus:9090'],
    [['--prometheus-url', 'prometheus:9090'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must be an http or https URL, got "prometheus:9090"'],
    [['--prometheus-url', 'ftp://prometheus'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must be an http or https URL, got "ftp://prometheus"'],
    [['--prometheus-url', 'http://p:9090/?x=1'], {}, '--prometheus-url (SLO_GATE_PROMETHEUS_URL) must not carry a query or fragment, got "http://p:9090/?x=1"'],
    [[...URL_FLAG, '--port', '70000'], {}, '--port (SLO_GATE_PORT) must be an integer between 0 and 65535, got "70000"'],
    [[...URL_FLAG], { SLO_GATE_PORT: 'http' }, '--port (SLO_GATE_PORT) must be an integer between 0 and 65535, got "http"'],
    [[...URL_FLAG, '--query-timeout', '10s'], {}, '--query-timeout (SLO_GATE_QUERY_TIMEOUT) must be a duration between 100ms and 8000ms such as 3s or 500ms, got "10s"'],
    [[...URL_FLAG, '--query-timeout', '4s', '--verdict-timeout', '2s'], {}, '--verdict-timeout (SLO_GATE_VERDICT_TIMEOUT) must be at least the query timeout 4000ms, got 2000ms'],
    [[...URL_FLAG, '--max-concurrent-queries', '0'], {}, '--max-concurrent-queries (SLO_GATE_MAX_CONCURRENT_QUERIES) must be an integer between 1 and 1024, got "0"'],
    [[...URL_FLAG, '--body-limit', '10'], {}, '--body-limit (SLO_GATE_BODY_LIMIT) must be an integer between 1024 and 1048576, got "10"'],
    [[...URL_FLAG, '--log-level', 'loud'], {}, '--log-level (SLO_GATE_LOG_LEVEL) must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [[...URL_FLAG], { SLO_GATE_AUTH_TOKEN: 'short' }, 'the bearer token must be at least 16 characters, got 5'],
    [[...URL_FLAG, '--auth-token-file', '/nonexistent/token'], {}, '--auth-token-file (SLO_GATE_AUTH_TOKEN_FILE) cannot be read: ENOENT (/nonexistent/token)'],
    [[...URL_FLAG, '--auth-token-file', '/x'], { SLO_GATE_AUTH_TOKEN: 'sixteen-chars-ok' }, 'set either --auth-token-file (SLO_GATE_AUTH_TOKEN_FILE) or SLO_GATE_AUTH_TOKEN, not both'],
    [[...URL_FLAG, '--auth-token', 'x'], {}, 'unknown flag --auth-token (see --help)'],
    [[...URL_FLAG, '--port'], {}, 'flag --port needs a value'],
    [[...URL_FLAG, '--port', '1', '--port', '2'], {}, 'flag --port given twice'],
    [['serve'], {}, 'unexpected argument "serve", flags start with -- (see --help)'],
    [[...URL_FLAG, '--port', '8080', '--metrics-port', '8080'], {}, '--metrics-port (SLO_GATE_METRICS_PORT) must differ from the verdict port 8080, got 8080'],
  ] as Array<[string[], NodeJS.ProcessEnv, string]>)('fails on %j %j', (argv, env, message) => {
    // GIVEN / WHEN / THEN
    expect(() => loadConfig(argv, env)).toThrow(new Error(message));
  });
});
