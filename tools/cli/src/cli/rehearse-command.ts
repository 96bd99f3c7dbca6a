/**
 * `cdk8s-progressive rehearse [--canary good|failing|slow] [--time-scale N] [--chart dist/<file>]
 *  [--rate N] [--baseline-error-rate R] [--seed N] [--rollout NAME] [--out DIR] [--expect promoted|aborted|paused]
 *  [--engine emulated|argo] [--kubeconfig FILE] [--namespace NAME]`
 *
 * `--engine argo` runs the rollout with the real Argo Rollouts controller of the local control plane
 * (npm run cluster:up; its kubeconfig is read from .cluster/ unless --kubeconfig is given), in the
 * Rollout's namespace or --namespace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DemoMode } from '../demo/demo-service';
import { readState } from '../cluster/control-plane';
import { rehearseOnCluster } from '../rehearsal/argo-engine';
import { realRate, rehearse } from '../rehearsal/rehearse';
import { defaultStateDir } from './cluster-command';
import type { Command } from './command';

const FLAGS = ['canary', 'time-scale', 'chart', 'rate', 'baseline-error-rate', 'seed', 'rollout', 'out', 'expect', 'engine', 'kubeconfig', 'namespace'];

export interface RehearseFlags {
  readonly canary: DemoMode;
  readonly timeScale: number;
  readonly chart: string;
  /** Requests per second of plan time. */
  readonly rate: number;
  readonly baselineErrorRate: number;
  readonly seed: number;
  readonly rollout?: string;
  readonly outDir: string;
  readonly expect?: string;
  /** emulated (the default) or argo. */
  readonly engine: 'emulated' | 'argo';
  readonly kubeconfig?: string;
  readonly namespace?: string;
}

/** Parses the flags; `distDir` is searched for the chart when --chart is not given. */
export function parseRehearseFlags(args: readonly string[], distDir = 'dist'): RehearseFlags {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq > 0 ? eq : undefined) : '';
    if (!FLAGS.includes(name)) throw new Error(`unknown argument ${JSON.stringify(arg)}, allowed flags are ${FLAGS.map((f) => `--${f}`).join(' ')}`);
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, value);
  }
  const canary = flags.get('canary') ?? 'good';
  if (!['good', 'failing', 'slow'].includes(canary)) throw new Error(`--canary must be one of good, failing, slow, got ${JSON.stringify(canary)}`);
  const timeScale = Number(flags.get('time-scale') ?? '10');
  if (!(timeScale >= 1 && timeScale <= 1000)) throw new Error(`--time-scale must be a number between 1 and 1000, got ${JSON.stringify(flags.get('time-scale'))}`);
  const rate = Number(flags.get('rate') ?? '20');
  if (!(Number.isInteger(rate) && rate >= 1)) throw new Error(`--rate must be an integer of at least 1 request per second, got ${JSON.stringify(flags.get('rate'))}`);
  realRate(rate, timeScale);
  const baselineErrorRate = Number(flags.get('baseline-error-rate') ?? '0');
  if (!(baselineErrorRate >= 0 && baselineErrorRate <= 1)) {
    throw new Error(`--baseline-error-rate must be a number between 0 and 1, got ${JSON.stringify(flags.get('baseline-error-rate'))}`);
  }
  const seed = Number(flags.get('seed') ?? '1');
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new Error(`--seed must be an integer between 0 and ${0xffffffff}, got ${JSON.stringify(flags.get('seed'))}`);
  }
  const expect = flags.get('expect');
  if (expect !== undefined && !['promoted', 'aborted', 'paused'].includes(expect)) {
    throw new Error(`--expect must be one of promoted, aborted, paused, got ${JSON.stringify(expect)}`);
  }
  const engine = flags.get('engine') ?? 'emulated';
  if (!['emulated', 'argo'].includes(engine)) throw new Error(`--engine must be one of emulated, argo, got ${JSON.stringify(engine)}`);
  for (const f of ['kubeconfig', 'namespace']) {
    if (flags.has(f) && engine !== 'argo') throw new Error(`--${f} needs --engine argo`);
  }
  let chart = flags.get('chart');
  if (chart === undefined) {
    const charts = fs.existsSync(distDir) ? fs.readdirSync(distDir).filter((f) => f.endsWith('.k8s.yaml')) : [];
    if (charts.length !== 1) {
      throw new Error(`--chart is required when ${distDir}/ holds ${charts.length} charts${charts.length ? ` (${charts.join(', ')})` : ''}, e.g. --chart ${distDir}/app.k8s.yaml`);
    }
    chart = path.join(distDir, charts[0]);
  }
  return {
    canary: canary as DemoMode, timeScale, chart, rate, baselineErrorRate, seed, outDir: flags.get('out') ?? path.join('build', 'rehearsal'),
    ...(flags.get('rollout') ? { rollout: flags.get('rollout') } : {}), ...(expect ? { expect } : {}),
    engine: engine as RehearseFlags['engine'],
    ...(flags.get('kubeconfig') ? { kubeconfig: flags.get('kubeconfig') } : {}),
    ...(flags.get('namespace') ? { namespace: flags.get('namespace') } : {}),
  };
}

/** --kubeconfig, else the kubeconfig of the local control plane started from .cluster/ of the checkout. */
function kubeconfigOf(flags: RehearseFlags): string {
  if (flags.kubeconfig) return flags.kubeconfig;
  const state = readState(defaultStateDir());
  if (!state) throw new Error(`--engine argo needs a cluster: no local control plane runs from ${defaultStateDir()}, start one with npm run cluster:up or pass --kubeconfig`);
  return state.kubeconfig;
}

export function rehearseCommand(): Command {
  return {
    summary: 'run a synthesized canary rollout locally: nginx, prometheus, slo-gate, real traffic, time-scaled',
    run: async (args) => {
      let flags: RehearseFlags;
      try {
        flags = parseRehearseFlags(args);
      } catch (err) {
        process.stderr.write(`cdk8s-progressive rehearse: ${(err as Error).message}\n`);
        return 2;
      }
      // Ctrl-C stops the rehearsal's processes (nginx with its workers included) before the command ends: see internal-processes.
      try {
        const print = (line: string) => process.stdout.write(`${line}\n`);
        const result = flags.engine === 'argo' ? await rehearseOnCluster({ ...flags, kubeconfig: kubeconfigOf(flags), print }) : await rehearse({ ...flags, print });
        if (flags.expect && result.summary.result !== flags.expect) {
          process.stderr.write(`cdk8s-progressive rehearse: expected ${flags.expect}, got ${result.summary.result}\n`);
          return 1;
        }
        return 0;
      } catch (err) {
        process.stderr.write(`cdk8s-progressive rehearse: ${(err as Error).message}\n`);
        return 1;
      }
    },
  };
}
