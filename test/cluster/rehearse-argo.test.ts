import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnLocal } from '../../lib/rehearsal/internal-processes';
import { REPO_ROOT } from '../support/processes';
import { k, kubeconfig } from './support';

/**
 * `cdk8s-progressive rehearse --engine argo`: the example chart at time-scale 10 (pauses, intervals,
 * initialDelay and query windows of 6s or less) run by the real Argo Rollouts controller, real time.
 * Each run gets its own namespace, deleted by the command when it ends.
 */

const CHART = path.join(REPO_ROOT, 'dist', 'amas-prod.k8s.yaml');

/** Runs the command to its end (at most `timeoutMs`); resolves with its exit code and output. */
async function rehearseArgo(namespace: string, args: readonly string[], timeoutMs = 150_000): Promise<{ code: number | string; output: string }> {
  const p = await spawnLocal({
    name: 'cdk8s-progressive rehearse', command: process.execPath, cwd: REPO_ROOT,
    args: [path.join(REPO_ROOT, 'bin', 'cdk8s-progressive'), 'rehearse', '--engine', 'argo', '--kubeconfig', kubeconfig(),
      '--chart', CHART, '--namespace', namespace, ...args],
  });
  const timer = setTimeout(() => void p.stop(10_000), timeoutMs);
  try {
    const code = await p.exited;
    return { code, output: p.output() };
  } finally {
    clearTimeout(timer);
    await p.stop(10_000);
  }
}

/** The pods that got a process, and those whose process was stopped. */
function processesOf(output: string): { started: string[]; stopped: string[] } {
  return {
    started: [...output.matchAll(/pod (\S+) Ready: /g)].map((m) => m[1]).sort(),
    stopped: [...output.matchAll(/stopped the process of pod (\S+)/g)].map((m) => m[1]).sort(),
  };
}

const namespaceGone = async (namespace: string) => (await k(['get', 'namespace', namespace])).code !== 0;

describe('rehearse --engine argo on the local control plane', () => {
  test('a failing canary is aborted by the controller\'s background analysis and traffic goes back to stable', async () => {
    // WHEN the failing image is rolled out, expecting an abort
    const { code, output } = await rehearseArgo('rehearse-failing', ['--canary', 'failing', '--expect', 'aborted']);
    // THEN the command succeeds: the controller aborted the update
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('result: aborted (RolloutAborted: Rollout aborted update to revision 2') });
    // AND a canary pod served requests, its analysis run failed and NGINX sends nothing to the canary any more
    expect(output).toMatch(/Ready: failing process/);
    expect(output).toMatch(/analysis run \S+: Failed/);
    expect(output).toMatch(/canary start to traffic back on stable: [\d.]+s real/);
    // AND every pod process was stopped and the namespace deleted
    const { started, stopped } = processesOf(output);
    expect(started.length).toBeGreaterThanOrEqual(5);
    expect(stopped).toEqual(started);
    expect(await namespaceGone('rehearse-failing')).toBe(true);
  }, 180_000);

  test('a slow canary is aborted by the controller', async () => {
    const { code, output } = await rehearseArgo('rehearse-slow', ['--canary', 'slow', '--expect', 'aborted']);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('result: aborted (RolloutAborted') });
    expect(output).toMatch(/Ready: slow process/);
    // (the background analysis' latency-p95 or the step's slo-gate, whichever measures first)
    expect(output).toMatch(/analysis run \S+: Failed/);
    const { started, stopped } = processesOf(output);
    expect(stopped).toEqual(started);
    expect(await namespaceGone('rehearse-slow')).toBe(true);
  }, 180_000);

  test('the command exits non-zero when the outcome is not the expected one', async () => {
    const { code, output } = await rehearseArgo('rehearse-expect', ['--canary', 'failing', '--expect', 'promoted']);
    expect({ code, output }).toEqual({ code: 1, output: expect.stringContaining('expected promoted, got aborted') });
    expect(await namespaceGone('rehearse-expect')).toBe(true);
  }, 180_000);

  test('a good canary is promoted by the controller through every step, with no non-2xx through NGINX', async () => {
    // WHEN the good image is rolled out, expecting a promotion
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearse-argo-'));
    const { code, output } = await rehearseArgo('rehearse-good', ['--canary', 'good', '--expect', 'promoted', '--out', out]);
    // THEN the controller promoted it after its steps (11) and its step analyses, all Successful
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('result: promoted') });
    expect(output).toMatch(/step 11\/11, phase Healthy/);
    const runs = [...output.matchAll(/analysis run \S+: (\w+)/g)].map((m) => m[1]);
    expect(runs.filter((phase) => phase !== 'Successful')).toEqual([]);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const weights = [...output.matchAll(/nginx: stable \d+ endpoint\(s\), canary \d+ endpoint\(s\) at weight (\d+)/g)].map((m) => Number(m[1]));
    // (after the last step the controller routes 100% to the canary until it becomes stable, rollout/trafficrouting.go:
    // the 500 ms polling may or may not see that moment)
    const seen = [...new Set(weights.filter((w) => w > 0))];
    expect(seen).toEqual(seen.includes(100) ? [10, 25, 50, 75, 100] : [10, 25, 50, 75]);
    expect(output).toMatch(/traffic through nginx: \d+ requests, 0 non-2xx/);
    // AND every pod process was stopped and the namespace deleted
    const { started, stopped } = processesOf(output);
    expect(started.length).toBe(8);
    expect(stopped).toEqual(started);
    expect(await namespaceGone('rehearse-good')).toBe(true);
    // AND the summary file says the same
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'rehearsal-argo.json'), 'utf8'));
    fs.rmSync(out, { recursive: true, force: true });
    expect(summary).toMatchObject({ engine: 'argo', result: 'promoted', canary: 'good', load: { non2xx: 0 } });
    expect(summary.updateToPromotedSeconds).toBeGreaterThan(0);
    expect(summary.hashes.canary).not.toBe(summary.hashes.stable);
  }, 180_000);
});
