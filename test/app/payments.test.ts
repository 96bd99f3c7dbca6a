import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { expectValidManifests } from '../support/schema';
import { cleanUp, stopAll } from '../support/processes';
import { synthPayments } from '../support/payments-chart';
import { ROOT, scratchDir } from '../support/synth';

describe('a payments chart written against the public API', () => {
  let dir: string;
  let objects: any[];
  let out: string;
  beforeAll(async () => {
    // GIVEN the chart, importing the package as a user would, synthesized by cdk8s
    dir = scratchDir('payments');
    const synth = await synthPayments(dir);
    out = synth.out;
    expect({ status: synth.status, output: synth.status === 0 ? '' : synth.output }).toEqual({ status: 0, output: '' });
    objects = fs.readdirSync(out).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJSON()));
  }, 120_000);
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('synthesizes valid objects', () => {
    expectValidManifests(objects);
  });

  test('the plan command judges each Rollout against the budgets its chart set', () => {
    // WHEN planned from the synthesized manifests (the plan command starts no processes: SIGKILL at the timeout ends all of it)
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-progressive'), 'plan', out, '--svg-dir', path.join(dir, 'plan')],
      { cwd: dir, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    // THEN the canary is judged against 12m and 3m, the blue-green against 5m and the 2m default
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('  budgets: promotion 11m30s within 12m, abort 2m50s within 3m\n');
    expect(r.stdout).toContain('  budgets: promotion 2m10s within 5m, abort 1m40s within 2m\n');
    expect(r.stdout).toMatch(/\n {2}background analysis from step 1 \(payments-payments-api-edge-slo-\w+\): starts at 10s, runs until the rollout ends\n/);
  });

  test('its background analysis watches until the rollout ends', () => {
    const edge = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name.includes('edge'));
    expect(edge.spec.metrics.map((m: any) => [m.name, m.interval, m.count])).toEqual([['success-rate', '30s', undefined]]);
    const rollout = objects.find((o) => o.kind === 'Rollout' && o.metadata.name === 'payments-api');
    expect(rollout.spec.strategy.canary.analysis.templates).toEqual([{ templateName: edge.metadata.name }]);
    expect(edge.spec.metrics[0].provider.prometheus.query).toContain('canary="{{args.namespace}}-payments-api-canary-80"');
  });
});
