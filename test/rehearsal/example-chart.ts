/**
 * The example chart in dist/ (step analysis on the slo-gate's web provider, background analysis on
 * Prometheus) and a variant of it without the background analysis, so that the gate alone decides.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { MeasurementPhase } from '../../lib/analysis/expr-eval';
import { RolloutEmulation, RunMetric } from '../../tools/cli/src/rehearsal/controller';
import { RolloutOutcome } from '../../tools/cli/src/rehearsal/rollout-outcome';
import { indefinitePauseWatchMs, readChart, runMetricsOf } from '../../tools/cli/src/rehearsal/rehearse';
import { TimeScale } from '../../tools/cli/src/rehearsal/time-scale';
import { Duration2, durationOf, Timeline, TimelineEvent } from '../../tools/cli/src/rehearsal/timeline';
import { PlanBudgets, recordedBudgets } from '../../lib/rollout/plan';
import { REPO_ROOT } from '../support/processes';
import { VirtualClock } from '../support/virtual-clock';

export const EXAMPLE_CHART = path.join(REPO_ROOT, 'dist', 'amas-prod.k8s.yaml');

type Json = { [key: string]: any };

const exampleObjects = (): Json[] => parseAllDocuments(fs.readFileSync(EXAMPLE_CHART, 'utf8')).map((d) => d.toJSON());

/** The gate's web metric of the example's step analysis, as synthesized. */
export function stepWebMetric(): Json {
  const template = exampleObjects().find((d) => d.kind === 'AnalysisTemplate' && d.metadata.name === 'amas-orchestrator-slo')!;
  return template.spec.metrics[0];
}

/** Writes the example chart, its Rollout changed by `change`, to a temporary file and returns its path. */
export function exampleWith(change: (rollout: Json) => void, file = 'changed.k8s.yaml'): string {
  const docs = exampleObjects();
  for (const d of docs) {
    if (d.kind === 'Rollout') change(d);
  }
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-chart-')), file);
  fs.writeFileSync(out, docs.map((d) => stringify(d)).join('---\n'));
  return out;
}

/** Writes the example chart without its background analysis to a temporary file and returns its path. */
export function exampleWithoutBackground(): string {
  return exampleWith((rollout) => delete rollout.spec.strategy.canary.analysis, 'gate-only.k8s.yaml');
}

/** A chart walked by the controller emulation alone, on a virtual clock. */
export interface Emulated {
  readonly outcome: RolloutOutcome;
  readonly events: TimelineEvent[];
  /** The budgets the Rollout records. */
  readonly budgets: PlanBudgets;
  /** Plan time from the rollout's start to full promotion, from the emulation's clock. */
  readonly timeToPromote?: Duration2;
  /** Plan time from the canary's first traffic to the abort, from the emulation's clock. */
  readonly canaryStartToAbort?: Duration2;
}

/**
 * Walks a chart's Rollout as a rehearsal does, but with no processes and on a virtual clock: the
 * canary and the router answer at once and every measurement is `phaseOf` the metric at that plan
 * time (seconds since the rollout started), so the plan time comes from the emulation's schedule alone.
 */
export async function emulate(chart: string, phaseOf: (metric: RunMetric, planSeconds: number) => MeasurementPhase, timeScale = 10): Promise<Emulated> {
  const objects = readChart(chart);
  const { rollout } = objects;
  const scale = new TimeScale(timeScale);
  const clock = new VirtualClock();
  const timeline = new Timeline(scale.factor, undefined, clock);
  const hashes = { stable: 'stable', canary: 'canary' };
  const emulation = new RolloutEmulation({
    spec: rollout.spec,
    timeline,
    scale,
    indefinitePauseWatchMs: indefinitePauseWatchMs(objects, timeScale),
    analyses: (analysis, where) => runMetricsOf(analysis, objects, hashes, where, {
      prepare: (m) => m, ms: (value, kind, what) => scale.ms(value, kind, what),
      // No measurement reaches the gate here (`measure` answers for it), so its token is any value.
      secret: () => 'unused-token',
    }),
    measure: async (metric) => ({ phase: phaseOf(metric, (timeline.elapsedMs() / 1000) * scale.factor), value: '1' }),
    driver: { startCanary: async () => undefined, setWeight: async () => undefined, promote: async () => undefined, stopCanary: async () => undefined, stopOldStable: async () => undefined },
  });
  const outcome = await clock.run(emulation.run());
  return {
    outcome,
    events: timeline.events,
    budgets: recordedBudgets(rollout.metadata, rollout.metadata.name),
    timeToPromote: durationOf(outcome.promotedMs, scale.factor),
    canaryStartToAbort: outcome.abortMs !== undefined && outcome.canaryStartMs !== undefined ? durationOf(outcome.abortMs - outcome.canaryStartMs, scale.factor) : undefined,
  };
}
