/**
 * Prometheus basic auth from a mounted Secret, through the real gate process, against a real
 * Prometheus behind a real NGINX that requires the credentials. The credentials must never show:
 * not in the readiness answer, the error answers, the logs, the command line or the environment.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { BasicAuthNginx } from '../../support/basic-auth-nginx';
import { stopAll, StartedProcess } from '../../support/processes';
import { PrometheusServer } from '../../support/prometheus';
import { bearer, BIN, get, post, SecretVolume, startGate } from './gate-process';

const USER = 'slo-gate';
const PASSWORD = 'Pa55-word-from-the-secret-manager';
const TOKEN = 'shop-token-0123456789abcdef';
const request = {
  workload: { namespace: 'shop', source: { app: { canaryPodTemplateHash: 'c4n4ry' } } }, window: '1m', objectives: { successRate: 0.95 },
};

/** Every place a secret could leak to: the process' output, command line and environment. */
function exposed(gate: StartedProcess): string {
  const proc = (file: string) => fs.readFileSync(`/proc/${gate.pid}/${file}`, 'utf8').replace(/\0/g, ' ');
  return [gate.output(), proc('cmdline'), proc('environ')].join('\n');
}
const forms = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), encodeURIComponent(PASSWORD)];

describe('slo-gate with Prometheus behind basic auth', () => {
  let prometheus: PrometheusServer;
  let nginx: BasicAuthNginx;
  let tokens: SecretVolume;

  beforeAll(async () => {
    // GIVEN a real Prometheus behind an NGINX requiring user and password
    prometheus = await PrometheusServer.start({ targets: [] });
    nginx = await BasicAuthNginx.start(prometheus.port, USER, PASSWORD);
    tokens = SecretVolume.create({ shop: TOKEN });
  }, 60_000);
  afterAll(async () => {
    await stopAll();
    await nginx?.dispose();
    await prometheus?.dispose();
    tokens?.dispose();
  });

  test('reads the credentials from the Secret files: ready, and judges', async () => {
    // GIVEN the kubernetes.io/basic-auth Secret mounted as files
    const secret = SecretVolume.create({ username: USER, password: PASSWORD });
    const gate = await startGate(nginx.url, { tokens, args: ['--prometheus-username-file', `${secret.dir}/username`, '--prometheus-password-file', `${secret.dir}/password`] });

    // WHEN probed and asked / THEN ready, and a verdict (no traffic: inconclusive)
    expect((await get(gate.port, '/readyz', 1000)).status).toBe(200);
    const answer = await post<{ verdict: string }>(gate.port, request, bearer(TOKEN));
    expect([answer.status, answer.body.verdict]).toEqual([200, 'inconclusive']);
    // AND the credentials are nowhere in its logs, command line or environment
    for (const form of forms) expect(exposed(gate)).not.toContain(form);
    await gate.stop();
    secret.dispose();
  });

  test('refused credentials are reported without them, and a rotated Secret is taken without a restart', async () => {
    // GIVEN a Secret with an outdated password
    const secret = SecretVolume.create({ username: USER, password: 'an-outdated-password' });
    const gate = await startGate(nginx.url, { tokens, args: ['--prometheus-username-file', `${secret.dir}/username`, '--prometheus-password-file', `${secret.dir}/password`] });
    try {
      // WHEN probed and asked
      const ready = await get(gate.port, '/readyz', 1000);
      const answer = await post<{ error: string; message: string }>(gate.port, request, bearer(TOKEN));

      // THEN not ready and 503, saying the credentials were refused, showing none
      expect([ready.status, JSON.parse(ready.text)]).toEqual([503, { error: 'prometheus_unavailable', message: 'prometheus is not ready: prometheus refused the gate\'s credentials: HTTP 401' }]);
      expect([answer.status, answer.body]).toEqual([503, { error: 'prometheus_unavailable', message: 'prometheus refused the gate\'s credentials: HTTP 401' }]);
      for (const form of [...forms, 'an-outdated-password']) expect(`${ready.text}${JSON.stringify(answer.body)}${exposed(gate)}`).not.toContain(form);

      // WHEN the Secret is rotated to the current password / THEN the gate is ready again within its 5 s re-read
      secret.update({ username: USER, password: PASSWORD });
      await prometheus.waitFor(() => get(gate.port, '/readyz', 1000), (r) => r.status === 200, 15_000, 'ready with the rotated password');
      for (const form of forms) expect(exposed(gate)).not.toContain(form);
    } finally {
      await gate.stop();
      secret.dispose();
    }
  }, 30_000);

  test('refuses to start with credentials in the Prometheus URL, without repeating them', () => {
    // WHEN the URL carries user and password
    const run = spawnSync(process.execPath, [BIN, '--prometheus-url', `http://${USER}:${PASSWORD}@127.0.0.1:${nginx.port}`, '--tenant-tokens-dir', tokens.dir],
      { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });

    // THEN it exits 2, pointing at the files, and the password is not in what it printed
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`slo-gate: --prometheus-url (SLO_GATE_PROMETHEUS_URL) must not carry credentials, got "http://***@127.0.0.1:${nginx.port}": `
      + 'put them in a Secret and give --prometheus-username-file (SLO_GATE_PROMETHEUS_USERNAME_FILE) and --prometheus-password-file (SLO_GATE_PROMETHEUS_PASSWORD_FILE)\n');
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  });
});
