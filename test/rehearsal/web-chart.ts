/**
 * Test charts derived from the example chart in dist/: the inline (step) analysis template
 * switched to the slo-gate's web provider as the example is being switched (POST to
 * /v1/verdict, jsonBody per the gate contract, jsonPath `{$.verdict}`, pass / fail conditions,
 * timeoutSeconds 8), optionally without the background analysis.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT } from '../support/processes';

export const EXAMPLE_CHART = path.join(REPO_ROOT, 'dist', 'amas-prod.k8s.yaml');
export const STEP_TEMPLATE = 'amas-orchestrator-slo';

type Json = { [key: string]: any };

export const WEB_METRIC = {
  name: 'slo-gate',
  count: 3,
  interval: '20s',
  initialDelay: '20s',
  failureLimit: 0,
  inconclusiveLimit: 1,
  consecutiveErrorLimit: 2,
  successCondition: 'result == "pass"',
  failureCondition: 'result == "fail"',
  provider: {
    web: {
      method: 'POST',
      url: 'http://slo-gate.monitoring.svc:8080/v1/verdict',
      timeoutSeconds: 8,
      jsonPath: '{$.verdict}',
      jsonBody: {
        workload: {
          namespace: '{{args.namespace}}',
          source: { app: { canaryPodTemplateHash: '{{args.canary-hash}}', stablePodTemplateHash: '{{args.stable-hash}}' } },
        },
        window: '1m',
        objectives: { successRate: 0.95, latency: { quantile: 0.95, thresholdSeconds: 3 }, errorBudget: { objective: 0.99, maxBurnRate: 0.95 } },
      },
    },
  },
};

/** Writes a variant of the example chart to a temporary file and returns its path. */
export function webChart(options: { background: boolean }): string {
  const docs: Json[] = parseAllDocuments(fs.readFileSync(EXAMPLE_CHART, 'utf8')).map((d) => d.toJSON());
  for (const d of docs) {
    if (d.kind === 'AnalysisTemplate' && d.metadata.name === STEP_TEMPLATE) {
      d.spec.args = [{ name: 'namespace' }, { name: 'canary-hash' }, { name: 'stable-hash' }];
      d.spec.metrics = [WEB_METRIC];
    }
    if (d.kind === 'Rollout') {
      for (const step of d.spec.strategy.canary.steps) {
        if (step.analysis) step.analysis.args = [...step.analysis.args.filter((a: Json) => a.name !== 'stable-hash'), { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } }];
      }
      if (!options.background) delete d.spec.strategy.canary.analysis;
    }
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-chart-')), 'web.k8s.yaml');
  fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}
