/**
 * A simulation's results as a table for the terminal, as JSON, and as an operating-characteristic
 * chart (simulate/svg.ts). Pure.
 */
import { formatSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import type { RolloutSimulation, ScenarioResult, Simulation } from './simulate';

/** `12.5%`, with one decimal below 100. */
function share(count: number, total: number): string {
  if (total === 0) return '-';
  const p = (100 * count) / total;
  return `${p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

const seconds = (s: number | null) => (s === null ? '-' : formatSeconds(s));

/** The table of one rollout's scenarios. */
export function formatRolloutTable(r: RolloutSimulation): string {
  const header = ['req/s', 'baseline', 'canary', 'trials', 'promoted', 'aborted', 'paused', 'abort p50', 'abort p95', 'in budget'];
  const rows = r.scenarios.map((s) => [
    String(s.rps), `${(s.baselineErrorRate * 100).toFixed(1)}%`, s.canary, String(s.trials),
    share(s.promoted, s.trials), share(s.aborted, s.trials), share(s.paused, s.trials),
    seconds(s.abortP50Seconds), seconds(s.abortP95Seconds), s.aborted === 0 ? '-' : share(s.abortsWithinBudget, s.aborted),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  const budget = r.scenarios[0]?.abortBudgetSeconds;
  return [
    `Rollout ${r.rollout}: ${r.source} series scraped every ${r.scrapeIntervalSeconds}s, latency objective `
      + `${r.latencyObjectiveSeconds === null ? 'none (no latency faults)' : `${r.latencyObjectiveSeconds}s`}, abort budget ${seconds(budget ?? null)}`,
    line(header),
    ...rows.map(line),
    '  abort times run from the canary\'s first traffic; "in budget": aborts within the abort budget',
  ].join('\n');
}

/** Every rollout's table. */
export function formatSimulation(sim: Simulation): string {
  return sim.rollouts.map(formatRolloutTable).join('\n\n');
}

/** The JSON file: one object per scenario, across rollouts. */
export function simulationJson(sim: Simulation): ScenarioResult[] {
  return sim.rollouts.flatMap((r) => r.scenarios);
}

/**
 * A Markdown summary of one rollout for a pull request or a README: per traffic level and baseline,
 * the good canary's outcomes and what became of the +5%, +10% and p95 2x canaries.
 */
export function formatMarkdownSummary(r: RolloutSimulation): string {
  const find = (rps: number, baseline: number, canary: string) =>
    r.scenarios.find((s) => s.rps === rps && s.baselineErrorRate === baseline && s.canary === canary);
  const cell = (s: ScenarioResult | undefined, f: (s: ScenarioResult) => string) => (s ? f(s) : '-');
  const levels = r.scenarios.filter((s) => s.canary === 'good');
  const rows = levels.map((g) => [
    String(g.rps), `${(g.baselineErrorRate * 100).toFixed(1)}%`,
    `${share(g.promoted, g.trials)} / ${share(g.aborted, g.trials)} / ${share(g.paused, g.trials)}`,
    cell(find(g.rps, g.baselineErrorRate, '+5% errors'), (s) => share(s.promoted, s.trials)),
    cell(find(g.rps, g.baselineErrorRate, '+10% errors'), (s) => `${share(s.aborted, s.trials)} (${s.aborted === 0 ? '-' : share(s.abortsWithinBudget, s.aborted)})`),
    cell(find(g.rps, g.baselineErrorRate, 'p95 2x objective'), (s) => share(s.aborted, s.trials)),
  ]);
  return [
    '| req/s | baseline errors | good canary: promoted / aborted / paused | +5% errors: promoted | +10% errors: aborted (within budget) | p95 2x objective: aborted |',
    '|---:|---:|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
