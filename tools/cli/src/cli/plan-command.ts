import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'cdk8s';
import { AnalysisMetricTiming } from 'cdk8s-progressive';
import { formatPlan, PlanBudgets, PlanTiming, unknownTimingErrors, unknownTimings } from 'cdk8s-progressive/build/lib/rollout/plan';
import { loadManifests, ManifestRolloutPlan, planRollouts, qualified } from '../plan/manifests';
import { renderTimeline } from '../plan/svg';
import { formatSeconds, parseDurationSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import { flagValue, parseOrExit, UsageError } from './internal-args';
import type { Command } from './command';

/**
 * `cdk8s-progressive plan`: for each Rollout in synthesized manifests, the steps with their timing,
 * the nominal time to full promotion and the worst-case time to abort; and an SVG timeline per
 * Rollout for a reviewer to open or attach to a pull request.
 */

const USAGE = `usage: cdk8s-progressive plan [dist/ | file.yaml ...] [--svg-dir DIR] [--max-promotion 10m] [--max-abort 2m] [--json]

Prints the plan of every Argo Rollout in the manifests (default: dist/) and writes one SVG timeline
per Rollout, <namespace>-<name>.svg, into --svg-dir (default: plan/).

options:
  --svg-dir DIR         where the SVG timelines go (default: plan/)
  --max-promotion DUR   promotion budget for every Rollout (default: the Rollout's recorded
                        maxPromotionTime, else 10m)
  --max-abort DUR       budget for the time to abort for every Rollout (default: the Rollout's
                        recorded maxTimeToAbort, else 2m)
  --json                print the plans as JSON instead of tables
  -h, --help            this text`;

interface PlanOptions {
  readonly paths: string[];
  readonly svgDir: string;
  /** Overrides every Rollout's recorded promotion budget, in seconds. */
  readonly maxPromotion?: number;
  /** Overrides every Rollout's recorded abort budget, in seconds. */
  readonly maxAbort?: number;
  readonly json: boolean;
}

/** Parses the arguments of `plan`; throws UsageError on anything it does not know. */
export function parsePlanArgs(args: string[]): PlanOptions | 'help' {
  const paths: string[] = [];
  let svgDir = 'plan';
  let maxPromotion: number | undefined;
  let maxAbort: number | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => flagValue(args, ++i);
    const duration = () => {
      const v = value();
      try {
        const seconds = parseDurationSeconds(v);
        if (seconds > 0) return seconds;
      } catch { /* reported below */ }
      throw new UsageError(`${arg} must be a positive duration such as 90s, 10m or 1h, got '${v}'`);
    };
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--svg-dir') svgDir = value();
    else if (arg === '--max-promotion') maxPromotion = duration();
    else if (arg === '--max-abort') maxAbort = duration();
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else paths.push(arg);
  }
  return {
    paths: paths.length > 0 ? paths : ['dist'], svgDir, json,
    ...(maxPromotion !== undefined ? { maxPromotion } : {}), ...(maxAbort !== undefined ? { maxAbort } : {}),
  };
}

/** The SVG file name of a Rollout: `<namespace>-<name>.svg`, or `<name>.svg` without a namespace. */
export function svgFileName(r: { name: string; namespace?: string }): string {
  return `${r.namespace ? `${r.namespace}-` : ''}${r.name}.svg`;
}

/** The budgets one Rollout is judged against: the command's flags, else what the Rollout records, else the defaults. */
export function effectiveBudgets(r: ManifestRolloutPlan, o: { maxPromotion?: number; maxAbort?: number }): PlanBudgets {
  return { promotionSeconds: o.maxPromotion ?? r.budgets.promotionSeconds, abortSeconds: o.maxAbort ?? r.budgets.abortSeconds };
}

/**
 * What the budgets a Rollout states (its annotations, or the command's flags) say when the timing they
 * need is unknown, e.g. a template not in the manifests: the same messages as at synth. The default
 * budgets need no timing: the plan then says it is unknown.
 */
export function statedBudgetErrors(r: ManifestRolloutPlan, o: { maxPromotion?: number; maxAbort?: number }): string[] {
  const budgets = effectiveBudgets(r, o);
  const promotion = o.maxPromotion !== undefined || r.statedBudgets.promotion ? Duration.seconds(budgets.promotionSeconds) : undefined;
  const abort = o.maxAbort !== undefined || r.statedBudgets.abort ? Duration.seconds(budgets.abortSeconds) : undefined;
  return unknownTimingErrors(r.plan, promotion, abort).map((e) => `Rollout ${qualified(r.namespace, r.name)} (${r.source}): ${e}`);
}

/** The plan of one Rollout as text: a header, the steps table, the totals against the budgets. */
export function formatRolloutPlan(r: ManifestRolloutPlan, budgets: PlanBudgets, svg?: string, flags: { maxPromotion?: number; maxAbort?: number } = {}): string {
  const strategy = r.strategy === 'canary' ? 'canary' : 'blue-green';
  const promotion = r.plan.promotionSeconds;
  const abort = r.plan.abort?.seconds ?? Infinity;
  // A budget the Rollout records (or the default) is changed on the rollout; one from a flag, by the flag.
  const judged = (what: string, unknown: boolean, value: number, budget: number, prop: string, flag: boolean) => {
    if (!Number.isFinite(budget)) return `${what} ${unknown ? 'unknown' : formatSeconds(value)} (no budget)`;
    if (unknown) return `${what} unknown (budget ${formatSeconds(budget)})`;
    if (value <= budget) return `${what} ${formatSeconds(value)} within ${formatSeconds(budget)}`;
    return `${what} ${formatSeconds(value)} OVER ${formatSeconds(budget)}${flag ? '' : ` (raise ${prop}, or turn it off with ${disable(prop)}: true)`}`;
  };
  return [
    `Rollout ${qualified(r.namespace, r.name)} (${strategy}, ${r.source})`,
    `   #  ${'step'.padEnd(34)}${' weight'.padEnd(14)}${'+time'.padEnd(10)} = ${'ends at'.padEnd(9)} made of`,
    formatPlan(r.plan),
    `  budgets: ${judged('promotion', unknownTimings(r.plan, true).length > 0, promotion, budgets.promotionSeconds, 'maxPromotionTime', flags.maxPromotion !== undefined)}, `
      + `${judged('abort', unknownTimings(r.plan).length > 0, abort, budgets.abortSeconds, 'maxTimeToAbort', flags.maxAbort !== undefined)}`,
    ...(svg ? [`  timeline: ${svg}`] : []),
  ].join('\n');
}

function disable(prop: string): string {
  return `disable${prop[0].toUpperCase()}${prop.slice(1)}`;
}

/** The plan as plain JSON: seconds as numbers, null for indefinite. */
export function planJson(r: ManifestRolloutPlan, svg: string, budgets: PlanBudgets): object {
  const s = (n: number) => (Number.isFinite(n) ? n : null);
  const metric = (m: AnalysisMetricTiming) => ({
    name: m.name, interval: m.interval?.toSeconds() ?? null, count: m.count ?? null, initialDelay: m.initialDelay?.toSeconds() ?? null,
    failureLimit: m.failureLimit, inconclusiveLimit: m.inconclusiveLimit, consecutiveErrorLimit: m.consecutiveErrorLimit,
    window: m.window?.toSeconds() ?? null, dryRun: m.dryRun,
  });
  const p: PlanTiming = r.plan;
  return {
    name: r.name, namespace: r.namespace ?? null, strategy: r.strategy, source: r.source, svg, budgets,
    promotionSeconds: s(p.promotionSeconds), canaryStartSeconds: p.canaryStartSeconds,
    steps: p.steps.map((st) => ({ ...st, seconds: s(st.seconds), cumulativeSeconds: s(st.cumulativeSeconds), startSeconds: s(st.startSeconds) })),
    analyses: p.analyses.map((a) => ({ ...a, seconds: s(a.seconds), metrics: a.metrics.map(metric) })),
    abort: p.abort ?? null,
    timingUnknown: unknownTimings(p),
  };
}

/** Runs `plan`: exit 0 when every plan was printed, 2 on a usage error, 1 when the manifests cannot be planned. */
export async function runPlan(args: string[]): Promise<number> {
  const options = parseOrExit('plan', USAGE, parsePlanArgs, args);
  if (typeof options === 'number') return options;
  let rollouts: ManifestRolloutPlan[];
  try {
    rollouts = planRollouts(loadManifests(options.paths));
    if (rollouts.length === 0) throw new Error(`no argoproj.io Rollout in ${options.paths.join(', ')}: nothing to plan`);
    const errors = rollouts.flatMap((r) => statedBudgetErrors(r, options));
    if (errors.length > 0) throw new Error(errors.join('\n'));
  } catch (e) {
    process.stderr.write(`cdk8s-progressive plan: ${(e as Error).message}\n`);
    return 1;
  }
  fs.mkdirSync(options.svgDir, { recursive: true });
  const o = options;
  const printed = rollouts.map((r) => {
    const svg = path.join(o.svgDir, svgFileName(r));
    const budgets = effectiveBudgets(r, o);
    fs.writeFileSync(svg, renderTimeline(r.plan, {
      title: `Rollout ${qualified(r.namespace, r.name)} (${r.strategy === 'canary' ? 'canary' : 'blue-green'})`,
      maxPromotionSeconds: finite(budgets.promotionSeconds), maxAbortSeconds: finite(budgets.abortSeconds),
      weightLabel: r.strategy === 'canary' ? undefined : 'traffic to the new version (%)',
    }));
    return o.json ? planJson(r, svg, budgets) : formatRolloutPlan(r, budgets, svg, o);
  });
  process.stdout.write(o.json ? `${JSON.stringify(printed, null, 2)}\n` : `${printed.join('\n\n')}\n`);
  return 0;
}

function finite(seconds: number): number | undefined {
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** The `plan` sub-command. */
export function planCommand(): Command {
  return { summary: 'print each Rollout\'s steps, time to promotion and to abort; write SVG timelines', run: runPlan };
}
