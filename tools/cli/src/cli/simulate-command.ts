import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatSimulation, simulationJson } from '../simulate/report';
import { simulate, SimulationOptions } from '../simulate/simulate';
import { renderOperatingCharacteristic } from '../simulate/svg';
import { flagValue, parseOrExit, UsageError } from './internal-args';
import type { Command } from './command';

/**
 * `cdk8s-progressive simulate`: plays a chart's own analysis many times against generated traffic
 * with random errors, and reports how often it promotes a good canary and aborts a bad one.
 */

const USAGE = `usage: cdk8s-progressive simulate <chart.yaml | dist/> [--rollout NAME] [--rps 5,20,100,500]
       [--baseline-error-rate 0,0.001,0.003,0.005] [--trials 100] [--seed 1] [--json FILE] [--svg FILE]

For each canary Rollout (or the one named), each traffic level and baseline error rate, plays the
chart's analysis against a good canary and bad ones (+2%, +5%, +10%, +20% errors; p95 latency 1.5x
and 2x the chart's latency objective) on a real Prometheus, and prints the share of trials promoted,
aborted and paused, with the time from the canary's first traffic to the abort.

options:
  --rollout NAME              only this Rollout (name or namespace/name)
  --rps LIST                  total requests per second, comma-separated (default 5,20,100,500)
  --baseline-error-rate LIST  stable's error rate, comma-separated, each 0..0.5 (default 0,0.001,0.003,0.005)
  --trials N                  trials per scenario, 1..10000 (default 100)
  --seed S                    random seed, 0..4294967295 (default 1): the same seed gives the same results
  --json FILE                 write one object per scenario as JSON
  --svg FILE                  write the operating-characteristic chart (one file per Rollout when several)
  -h, --help                  this text`;

export interface SimulateArgs extends Omit<SimulationOptions, 'print'> {
  readonly json?: string;
  readonly svg?: string;
}

function numberList(flag: string, text: string, min: number, max: number, example: string): number[] {
  const values = text.split(',').map((v) => v.trim());
  return values.map((v) => {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`${flag} must be a comma-separated list of numbers between ${min} and ${max}, got '${text}' (${v === '' ? 'an empty entry' : `'${v}'`}): write it like ${example}`);
    }
    return n;
  });
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} must be a whole number between ${min} and ${max}, got '${text}'`);
  }
  return Number(text);
}

/** Parses the arguments of `simulate`; throws UsageError naming the flag, the value and the fix. */
export function parseSimulateArgs(args: string[]): SimulateArgs | 'help' {
  const paths: string[] = [];
  let rps = [5, 20, 100, 500];
  let baselines = [0, 0.001, 0.003, 0.005];
  let trials = 100;
  let seed = 1;
  let rollout: string | undefined;
  let json: string | undefined;
  let svg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => flagValue(args, ++i);
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--rollout') rollout = value();
    else if (arg === '--rps') rps = numberList('--rps', value(), 0.1, 100_000, '--rps 5,20,100,500');
    else if (arg === '--baseline-error-rate') baselines = numberList('--baseline-error-rate', value(), 0, 0.5, '--baseline-error-rate 0,0.001,0.005');
    else if (arg === '--trials') trials = integer('--trials', value(), 1, 10_000);
    else if (arg === '--seed') seed = integer('--seed', value(), 0, 0xffffffff);
    else if (arg === '--json') json = value();
    else if (arg === '--svg') svg = value();
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}', see --help`);
    else paths.push(arg);
  }
  if (paths.length === 0) throw new UsageError('simulate needs a chart: pass dist/ or a synthesized chart file such as dist/app.k8s.yaml');
  return {
    paths, rps, baselineErrorRates: baselines, trials, seed,
    ...(rollout !== undefined ? { rollout } : {}), ...(json !== undefined ? { json } : {}), ...(svg !== undefined ? { svg } : {}),
  };
}

/** The SVG file of one rollout: the given name, or `<name>-<namespace>-<rollout>.svg` when there are several. */
function svgFile(base: string, rollout: string, several: boolean): string {
  if (!several) return base;
  const ext = path.extname(base);
  return `${base.slice(0, base.length - ext.length)}-${rollout.replace(/\//g, '-')}${ext || '.svg'}`;
}

/** Runs `simulate`: 0 when the simulation ran, 2 on a usage error, 1 when the chart cannot be simulated. */
export async function runSimulate(args: string[]): Promise<number> {
  const options = parseOrExit('simulate', USAGE, parseSimulateArgs, args);
  if (typeof options === 'number') return options;
  const o = options;
  try {
    const sim = await simulate({ ...o, print: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${formatSimulation(sim)}\n`);
    if (o.json) {
      fs.mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
      fs.writeFileSync(o.json, `${JSON.stringify(simulationJson(sim), null, 2)}\n`);
    }
    if (o.svg) {
      for (const r of sim.rollouts) {
        const file = svgFile(o.svg, r.rollout, sim.rollouts.length > 1);
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        fs.writeFileSync(file, renderOperatingCharacteristic(r));
      }
    }
    const s = sim.stats;
    process.stderr.write(`${s.scenarios} scenarios x ${s.trials / Math.max(1, s.scenarios)} trials: ${s.samples} samples written in `
      + `${s.generateSeconds.toFixed(1)}s, ${s.rangeQueries} range queries in ${s.measureSeconds.toFixed(1)}s\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`cdk8s-progressive simulate: ${(e as Error).message}\n`);
    return 1;
  }
}

/** The `simulate` sub-command. */
export function simulateCommand(): Command {
  return { summary: 'play the chart\'s analysis many times under random traffic: how often it promotes good canaries and aborts bad ones', run: runSimulate };
}
