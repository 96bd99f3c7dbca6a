import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readChart } from '../../tools/cli/src/rehearsal/rehearse';
import { exampleWith } from '../rehearsal/example-chart';
import { REPO_ROOT } from '../support/processes';
import { EXAMPLE_CHART, Json, k, rehearse, rehearseArgo } from './support';

/**
 * `cdk8s-progressive rehearse --engine argo`: the example chart at time-scale 10 (pauses, intervals,
 * initialDelay and query windows of 6s or less) run by the real Argo Rollouts controller, real time.
 * Each run gets its own namespace, deleted by the command when it ends.
 */

/** The pods that got a process, and those whose process was stopped. */
function processesOf(output: string): { started: string[]; stopped: string[] } {
  return {
    started: [...output.matchAll(/pod (\S+) Ready: /g)].map((m) => m[1]).sort(),
    stopped: [...output.matchAll(/stopped the process of pod (\S+)/g)].map((m) => m[1]).sort(),
  };
}

const namespaceGone = async (namespace: string) => (await k(['get', 'namespace', namespace])).code !== 0;

/** The summaries of the controller's runs, by canary, for the fidelity tests below. */
const argoRuns = new Map<string, Json>();

/** A fresh folder for a run's summary. */
const outDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rehearse-'));

/** Reads and removes the summary a run wrote to `out`. */
function summaryOf(out: string, file: string): Json {
  try {
    return JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

describe('rehearse --engine argo on the local control plane', () => {
  test('a failing canary is aborted by the controller\'s background analysis and traffic goes back to stable', async () => {
    // WHEN the failing image is rolled out, expecting an abort
    const out = outDir();
    const { code, output } = await rehearseArgo('rehearse-failing', ['--canary', 'failing', '--expect', 'aborted', '--out', out]);
    argoRuns.set('failing', summaryOf(out, 'rehearsal-argo.json'));
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
    const out = outDir();
    const { code, output } = await rehearseArgo('rehearse-slow', ['--canary', 'slow', '--expect', 'aborted', '--out', out]);
    argoRuns.set('slow', summaryOf(out, 'rehearsal-argo.json'));
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
    const out = outDir();
    const { code, output } = await rehearseArgo('rehearse-good', ['--canary', 'good', '--expect', 'promoted', '--out', out]);
    const summary = summaryOf(out, 'rehearsal-argo.json');
    argoRuns.set('good', summary);
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
    expect(summary).toMatchObject({ engine: 'argo', result: 'promoted', canary: 'good', load: { non2xx: 0 } });
    expect(summary.updateToPromotedSeconds).toBeGreaterThan(0);
    expect(summary.hashes.canary).not.toBe(summary.hashes.stable);
  }, 180_000);
});

/**
 * Fidelity of the emulation (`--engine emulated`, the default) against the controller, on the same chart
 * and canary at time-scale 10: the same outcome; an abort at the same weight or an adjacent one (the
 * controller's background and step analyses race through its reconciles and 1s scrapes, and either may win
 * first, more so on a loaded machine); times within
 * FIDELITY_TOLERANCE_SECONDS real of each other: the example's worst-case time to abort (100s of plan time,
 * 10s real) and 5s for what only the controller adds (pod scheduling and readiness, its reconcile loop, the
 * command's 500 ms polling).
 */
const FIDELITY_TOLERANCE_SECONDS = 15;

/** The canary weight at a step: that of the last setWeight at or before it. */
function weightAt(steps: Json[], step: number): number {
  let weight = 0;
  for (const s of steps.slice(0, step + 1)) if (s.setWeight !== undefined) weight = s.setWeight;
  return weight;
}

/** The weights the chart's steps set, in order. */
const setWeights = (steps: Json[]) => steps.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight as number);

async function rehearseEmulated(canary: string, chart?: string): Promise<Json> {
  const out = outDir();
  const { code, output } = await rehearse(['--canary', canary, '--out', out, ...(chart ? ['--chart', chart] : [])], 150_000);
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('summary:') });
  return summaryOf(out, 'rehearsal.json').summary;
}

/** Each comparison, kept in build/cluster-fidelity.json for the record. */
function record(scenario: string, emulated: Json, argo: Json): void {
  const file = path.join(REPO_ROOT, 'build', 'cluster-fidelity.json');
  const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  all[scenario] = {
    emulated: { result: emulated.result, step: emulated.step, canaryStartToAbort: emulated.canaryStartToAbort?.realSeconds, timeToPromote: emulated.timeToPromote?.realSeconds },
    argo: { result: argo.result, step: argo.step, canaryStartToStable: argo.canaryStartToStableSeconds, updateToPromoted: argo.updateToPromotedSeconds },
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
}

describe('fidelity: the emulation against the controller', () => {
  const chartSteps: Json[] = readChart(EXAMPLE_CHART).rollout.spec.strategy.canary.steps;

  test.each(['failing', 'slow'])('a %s canary: both aborted, at the same weight or an adjacent one, times within the tolerance', async (canary) => {
    const argo = argoRuns.get(canary);
    if (!argo) throw new Error(`the controller's ${canary} run above did not complete`);
    const emulated = await rehearseEmulated(canary);
    record(canary, emulated, argo);
    expect([emulated.result, argo.result]).toEqual(['aborted', 'aborted']);
    const weights = setWeights(chartSteps);
    const emulatedWeight = weightAt(chartSteps, emulated.step);
    const argoWeight = weightAt(chartSteps, argo.step);
    const at = weights.indexOf(emulatedWeight);
    expect([weights[at - 1], emulatedWeight, weights[at + 1]]).toContain(argoWeight);
    expect(Math.abs(argo.canaryStartToStableSeconds - emulated.canaryStartToAbort.realSeconds)).toBeLessThanOrEqual(FIDELITY_TOLERANCE_SECONDS);
  }, 180_000);

  test('a good canary: both promoted through every weight, times to promote within the tolerance', async () => {
    const argo = argoRuns.get('good');
    if (!argo) throw new Error('the controller\'s good run above did not complete');
    const emulated = await rehearseEmulated('good');
    record('good', emulated, argo);
    expect([emulated.result, argo.result]).toEqual(['promoted', 'promoted']);
    expect(Math.abs(argo.updateToPromotedSeconds - emulated.timeToPromote.realSeconds)).toBeLessThanOrEqual(FIDELITY_TOLERANCE_SECONDS);
  }, 180_000);

  test('a pause without duration: the background analysis still aborts a failing canary, on both engines', async () => {
    // GIVEN the example reduced to 10% and a pause for a human, the background analysis from that pause on
    const chart = exampleWith((rollout) => {
      rollout.spec.strategy.canary.steps = [{ setWeight: 10 }, { pause: {} }];
      rollout.spec.strategy.canary.analysis.startingStep = 1;
    }, 'paused.k8s.yaml');
    // WHEN a failing canary is rolled out on each engine
    const out = outDir();
    const { code, output } = await rehearseArgo('rehearse-paused', ['--canary', 'failing', '--expect', 'aborted', '--out', out], 150_000, chart);
    const argo = summaryOf(out, 'rehearsal-argo.json');
    const emulated = await rehearseEmulated('failing', chart);
    record('failing, pause without duration', emulated, argo);
    // THEN both abort it at the pause (step 1), rather than calling the rollout paused
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('result: aborted') });
    expect([argo.result, argo.step, emulated.result, emulated.step]).toEqual(['aborted', 1, 'aborted', 1]);
    expect(await namespaceGone('rehearse-paused')).toBe(true);
  }, 180_000);
});
