import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadManifests, planRollouts } from '../../tools/cli/src/plan/manifests';
import { renderTimeline } from '../../tools/cli/src/plan/svg';
import { builtCli, REPO_ROOT } from '../support/processes';

/** The command as a user runs it: the package bin over the compiled build (npm run build first). */
const BIN = path.join(REPO_ROOT, 'bin', 'cdk8s-progressive');
const DIST = path.join(REPO_ROOT, 'dist');

function run(args: string[], cwd = REPO_ROOT) {
  builtCli('cli/plan-command');
  // spawnSync waits for the exit and kills the process at the timeout; plan starts no processes of its own,
  // so nothing outlives the test.
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cdk8s-progressive plan', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-command-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('prints the example\'s plan and writes its SVG timeline', () => {
    // WHEN
    const svgDir = path.join(tmp, 'svg');
    const r = run(['plan', 'dist', '--svg-dir', svgDir]);
    // THEN
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Rollout amas-prod/amas-orchestrator (canary, dist/amas-prod.k8s.yaml)',
      '   #  step                               weight       +time      = ends at   made of',
      '   0  setWeight 10                       weight  10%  +10s       = 10s       pod readiness 10s (1 canary pod)',
      '   1  pause 1m                           weight  10%  +1m        = 1m10s     pause 1m',
    ]);
    expect(lines).toEqual(expect.arrayContaining([
      '   9  analysis amas-orchestrator-slo     weight  75%  +1m        = 6m30s     analysis 1m',
      '  11  promote: canary scaled to 4 pods   weight 100%  +10s       = 7m40s     pod readiness 10s (4 canary pods)',
      '  background analysis from step 1 (amas-orchestrator-slo-background): starts at 10s, runs until the rollout ends',
      '  total to 100%: 7m40s',
      '  worst-case time to abort: 1m40s by the background analysis from step 1 (amas-orchestrator-slo-background): 0s until it starts '
        + '+ success-rate: 100s = 60s window + (20s interval + 10s timeout) + 10s timeout',
      '  budgets: promotion 7m40s within 10m, abort 1m40s within 2m',
      `  timeline: ${path.join(svgDir, 'amas-prod-amas-orchestrator.svg')}`,
    ]));
    // AND the SVG is the library's rendering of the same plan, with the default budgets
    const [example] = planRollouts(loadManifests([DIST]));
    expect(fs.readdirSync(svgDir)).toEqual(['amas-prod-amas-orchestrator.svg']);
    expect(fs.readFileSync(path.join(svgDir, 'amas-prod-amas-orchestrator.svg'), 'utf8')).toBe(renderTimeline(example.plan, {
      title: 'Rollout amas-prod/amas-orchestrator (canary)', maxPromotionSeconds: 600, maxAbortSeconds: 120,
    }));
  });

  test('two runs write byte-identical SVG', () => {
    const [a, b] = ['a', 'b'].map((d) => path.join(tmp, d));
    expect(run(['plan', DIST, '--svg-dir', a]).code).toBe(0);
    expect(run(['plan', DIST, '--svg-dir', b]).code).toBe(0);
    const bytes = (dir: string) => fs.readFileSync(path.join(dir, 'amas-prod-amas-orchestrator.svg')).toString('hex');
    expect(bytes(a)).toBe(bytes(b));
  });

  test('defaults: dist/ and plan/ of the working folder; budgets from --max-promotion and --max-abort', () => {
    // GIVEN a consumer folder with its own dist/
    fs.cpSync(DIST, path.join(tmp, 'dist'), { recursive: true });
    // WHEN
    const r = run(['plan', '--max-promotion', '5m', '--max-abort', '90s'], tmp);
    // THEN
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  budgets: promotion 7m40s OVER 5m, abort 1m40s OVER 1m30s\n');
    const svg = fs.readFileSync(path.join(tmp, 'plan', 'amas-prod-amas-orchestrator.svg'), 'utf8');
    expect(svg).toContain('>promotion budget 5m</text>');
    expect(svg).toContain('>full promotion: 7m40s (budget 5m) OVER BUDGET</text>');
  });

  test('judges each Rollout against the budgets recorded on it; the flags override them', () => {
    // GIVEN the example with the budgets of a chart that set maxPromotionTime 7m and maxTimeToAbort 1m30s
    const yaml = fs.readFileSync(path.join(DIST, 'amas-prod.k8s.yaml'), 'utf8');
    expect(yaml).toContain('    cdk8s-progressive/max-promotion-time: 10m\n');
    const file = path.join(tmp, 'chart.yaml');
    fs.writeFileSync(file, yaml.replace('    cdk8s-progressive/max-promotion-time: 10m\n',
      '    cdk8s-progressive/max-promotion-time: 7m\n    cdk8s-progressive/max-time-to-abort: 1m30s\n'));
    // WHEN planned, THEN the recorded budgets are used, on the timeline too
    const r = run(['plan', file, '--svg-dir', tmp]);
    expect(r.stdout).toContain('  budgets: promotion 7m40s OVER 7m (raise maxPromotionTime, or turn it off with disableMaxPromotionTime: true), '
      + 'abort 1m40s OVER 1m30s (raise maxTimeToAbort, or turn it off with disableMaxTimeToAbort: true)\n');
    expect(fs.readFileSync(path.join(tmp, 'amas-prod-amas-orchestrator.svg'), 'utf8')).toContain('>promotion budget 7m</text>');
    // AND a flag wins over what is recorded
    expect(run(['plan', file, '--svg-dir', tmp, '--max-abort', '2m']).stdout).toContain('  budgets: promotion 7m40s OVER 7m (raise maxPromotionTime, '
      + 'or turn it off with disableMaxPromotionTime: true), abort 1m40s within 2m\n');
  });

  test('a budget the Rollout turned off is not judged, on the timeline either', () => {
    // GIVEN the example with both budgets turned off (disableMaxPromotionTime, disableMaxTimeToAbort)
    const file = path.join(tmp, 'chart.yaml');
    fs.writeFileSync(file, fs.readFileSync(path.join(DIST, 'amas-prod.k8s.yaml'), 'utf8').replace('    cdk8s-progressive/max-promotion-time: 10m\n',
      '    cdk8s-progressive/max-promotion-time: none\n    cdk8s-progressive/max-time-to-abort: none\n'));
    // WHEN planned / THEN no verdict and no budget line
    const r = run(['plan', file, '--svg-dir', tmp]);
    expect(r.stdout).toContain('  budgets: promotion 7m40s (no budget), abort 1m40s (no budget)\n');
    const svg = fs.readFileSync(path.join(tmp, 'amas-prod-amas-orchestrator.svg'), 'utf8');
    expect(svg).toContain('>full promotion: 7m40s</text>');
    expect(svg).not.toMatch(/\(budget|budget \d|budget indefinite/);
  });

  test('fails with exit code 1 on a malformed recorded budget', () => {
    const file = path.join(tmp, 'chart.yaml');
    fs.writeFileSync(file, fs.readFileSync(path.join(DIST, 'amas-prod.k8s.yaml'), 'utf8')
      .replace('cdk8s-progressive/max-promotion-time: 10m', 'cdk8s-progressive/max-promotion-time: ten minutes'));
    expect(run(['plan', file, '--svg-dir', tmp])).toEqual({ code: 1, stdout: '', stderr: `cdk8s-progressive plan: Rollout amas-prod/amas-orchestrator (${file}): `
      + "annotation cdk8s-progressive/max-promotion-time must be a positive duration such as 12m or 1m30s, or 'none', got 'ten minutes': fix or remove it\n" });
  });

  test('--json prints the plans as JSON', () => {
    const r = run(['plan', DIST, '--svg-dir', tmp, '--json']);
    expect(r.code).toBe(0);
    const [p] = JSON.parse(r.stdout);
    expect([p.namespace, p.name, p.strategy, p.promotionSeconds, p.abort.seconds, p.steps.length, p.svg, p.budgets])
      .toEqual(['amas-prod', 'amas-orchestrator', 'canary', 460, 100, 12, path.join(tmp, 'amas-prod-amas-orchestrator.svg'),
        { promotionSeconds: 600, abortSeconds: 120 }]);
    expect(p.timingUnknown).toEqual([]);
    expect(p.analyses[3]).toMatchObject({ background: true, seconds: null, startSeconds: 10 });
    expect(p.analyses[0].metrics[0]).toEqual({
      name: 'slo-gate', interval: 20, count: 3, initialDelay: 20, failureLimit: 0, inconclusiveLimit: 2, consecutiveErrorLimit: 2, window: 60, dryRun: false,
    });
  });

  test('--help prints the usage and exits 0; the command is listed by cdk8s-progressive', () => {
    const help = run(['plan', '--help']);
    expect([help.code, help.stdout.split('\n')[0]])
      .toEqual([0, 'usage: cdk8s-progressive plan [dist/ | file.yaml ...] [--svg-dir DIR] [--max-promotion 10m] [--max-abort 2m] [--json]']);
    expect(run(['--help']).stdout).toContain("  plan       print each Rollout's steps, time to promotion and to abort; write SVG timelines\n");
  });

  test.each([
    [['--bogus'], "unknown option '--bogus'"],
    [['dist', '--svg-dir'], '--svg-dir needs a value'],
    [['--max-promotion', 'ten'], "--max-promotion must be a positive duration such as 90s, 10m or 1h, got 'ten'"],
    [['--max-abort', '0s'], "--max-abort must be a positive duration such as 90s, 10m or 1h, got '0s'"],
  ])('fails with exit code 2 on the usage error %j', (args, message) => {
    const r = run(['plan', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([`cdk8s-progressive plan: ${message}`,
      'usage: cdk8s-progressive plan [dist/ | file.yaml ...] [--svg-dir DIR] [--max-promotion 10m] [--max-abort 2m] [--json]']);
    expect(r.stdout).toBe('');
  });

  test('a template the manifests do not hold: the plan says its timing is unknown and exits 0, unless a stated budget needs it', () => {
    // GIVEN the example's Rollout without its templates, once without its recorded promotion budget
    const rollout = fs.readFileSync(path.join(DIST, 'amas-prod.k8s.yaml'), 'utf8').split('\n---\n').find((d) => d.includes('kind: Rollout'))!;
    expect(rollout).toContain('cdk8s-progressive/max-promotion-time: 10m');
    const bare = path.join(tmp, 'bare.yaml');
    fs.writeFileSync(bare, rollout.replace(/\n *cdk8s-progressive\/max-promotion-time: 10m/, ''));
    // WHEN planned without a stated budget
    const ok = run(['plan', bare, '--svg-dir', path.join(tmp, 'svg')]);
    // THEN the plan is printed, saying which timing is unknown and why
    const unknown = "AnalysisTemplate 'amas-orchestrator-slo' not in the manifests (namespace amas-prod)";
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout.split('\n')).toEqual(expect.arrayContaining([
      `   9  analysis amas-orchestrator-slo     weight  75%  +0s        = 3m30s     timing unknown (${unknown})`,
      `  total to 100%: at least 4m40s, timing unknown (${unknown})`,
      `  worst-case time to abort: unknown, timing unknown (${unknown}, AnalysisTemplate 'amas-orchestrator-slo-background' not in the manifests (namespace amas-prod))`,
      '  budgets: promotion unknown (budget 10m), abort unknown (budget 2m)',
    ]));
    // AND --json says the same
    const json = run(['plan', bare, '--svg-dir', path.join(tmp, 'svg'), '--json']);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ abort: null, timingUnknown: [unknown, "AnalysisTemplate 'amas-orchestrator-slo-background' not in the manifests (namespace amas-prod)"] });
    // AND a budget the command is given, or one the Rollout records, needs the timing: exit 1 naming the Rollout, the template and the fix
    const flagged = run(['plan', bare, '--svg-dir', path.join(tmp, 'svg'), '--max-abort', '3m']);
    expect([flagged.code, flagged.stdout]).toEqual([1, '']);
    expect(flagged.stderr).toMatch(new RegExp(`^cdk8s-progressive plan: Rollout amas-prod/amas-orchestrator \\(${bare.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): `
      + 'maxTimeToAbort is 3m but the worst-case time to abort is unknown: timing unknown \\(AnalysisTemplate .amas-orchestrator-slo. not in the manifests'));
    const file = path.join(tmp, 'rollout.yaml');
    fs.writeFileSync(file, rollout);
    const recorded = run(['plan', file, '--svg-dir', path.join(tmp, 'svg2')]);
    expect([recorded.code, recorded.stdout]).toEqual([1, '']);
    expect(recorded.stderr).toBe(`cdk8s-progressive plan: Rollout amas-prod/amas-orchestrator (${file}): maxPromotionTime is 10m but the time to reach `
      + `100% is unknown: timing unknown (${unknown}): define the template in the same chart or manifests, or state the timing of its metrics `
      + '(the `metrics` option of AnalysisTemplate.fromName), or drop maxPromotionTime\n');
    expect(fs.existsSync(path.join(tmp, 'svg2'))).toBe(false);
  });

  test('fails with exit code 1 on a path that does not exist, and on manifests without a Rollout', () => {
    const missing = path.join(tmp, 'nope');
    expect(run(['plan', missing])).toEqual({ code: 1, stdout: '',
      stderr: `cdk8s-progressive plan: cannot read ${missing}: no such file or folder, pass a dist/ folder or YAML files\n` });
    const service = path.join(tmp, 'service.yaml');
    fs.writeFileSync(service, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n');
    expect(run(['plan', service])).toEqual({ code: 1, stdout: '', stderr: `cdk8s-progressive plan: no argoproj.io Rollout in ${service}: nothing to plan\n` });
  });
});
