/**
 * The example chart in dist/ (step analysis on the slo-gate's web provider, background analysis on
 * Prometheus) and a variant of it without the background analysis, so that the gate alone decides.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT } from '../support/processes';

export const EXAMPLE_CHART = path.join(REPO_ROOT, 'dist', 'amas-prod.k8s.yaml');

type Json = { [key: string]: any };

const exampleObjects = (): Json[] => parseAllDocuments(fs.readFileSync(EXAMPLE_CHART, 'utf8')).map((d) => d.toJSON());

/** The gate's web metric of the example's step analysis, as synthesized. */
export function stepWebMetric(): Json {
  const template = exampleObjects().find((d) => d.kind === 'AnalysisTemplate' && d.metadata.name === 'amas-orchestrator-slo')!;
  return template.spec.metrics[0];
}

/** Writes the example chart without its background analysis to a temporary file and returns its path. */
export function exampleWithoutBackground(): string {
  const docs = exampleObjects();
  for (const d of docs) {
    if (d.kind === 'Rollout') delete d.spec.strategy.canary.analysis;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-chart-')), 'gate-only.k8s.yaml');
  fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}
