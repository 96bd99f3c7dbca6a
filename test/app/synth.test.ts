import * as fs from 'fs';
import * as path from 'path';
import { cleanUp, stopAll } from '../support/processes';
import { cdk8sSynth, readTree, ROOT, scratchDir } from '../support/synth';

describe('npm run synth', () => {
  let dir: string;
  beforeAll(() => { dir = scratchDir('synth'); });
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('is byte-identical across runs and equals the committed dist/', async () => {
    // GIVEN two fresh syntheses of main.ts
    const a = await cdk8sSynth('main.ts', path.join(dir, 'a'), 55_000);
    const b = await cdk8sSynth('main.ts', path.join(dir, 'b'), 55_000);
    expect([a.status, b.status]).toEqual([0, 0]);
    // THEN they are identical, and identical to what is committed
    const first = readTree(path.join(dir, 'a'));
    expect(Object.keys(first)).toEqual(['amas-prod.k8s.yaml', 'gateway-api/amas-prod-gateway.k8s.yaml']);
    expect(readTree(path.join(dir, 'b'))).toEqual(first);
    expect(readTree(path.join(ROOT, 'dist'))).toEqual(first);
  }, 120_000);

  test.each([
    ['an invalid weight', '{ weights: [10, 25, 150] }', 'setWeight must be an integer between 0 and 100, got 150'],
    ['a maxPromotionTime below the plan', '{ maxPromotionTime: Duration.minutes(2) }', 'maxPromotionTime is 2m but the plan takes 7m40s to reach 100%'],
    ['a maxTimeToAbort below what the analysis can do', '{ maxTimeToAbort: Duration.seconds(30) }',
      'maxTimeToAbort is 30s but the worst-case time from a bad canary to abort is 1m40s by the background analysis from step 1 '
      + '(amas-orchestrator-slo-background): 0s until it starts + success-rate: 100s = 60s window + (20s interval + 10s timeout) + 10s timeout'],
  ])('fails with a clear message and writes nothing, given %s', async (_what, props, message) => {
    // GIVEN main.ts with a bad setting
    const app = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.ts`);
    fs.writeFileSync(app, [
      "import { App, Duration } from 'cdk8s';",
      `import { AmasProdChart } from '${path.relative(dir, path.join(ROOT, 'app', 'amas-prod')).split(path.sep).join('/')}';`,
      'const app = new App();',
      `new AmasProdChart(app, 'amas-prod', ${props});`,
      'void Duration;',
      'app.synth();',
    ].join('\n'));
    const out = path.join(dir, `out-${path.basename(app, '.ts')}`);
    // WHEN synthesized
    const r = await cdk8sSynth(path.relative(ROOT, app), out);
    // THEN it fails, says why, and leaves no manifest behind
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(message);
    expect(Object.keys(readTree(out)).filter((f) => f.endsWith('.yaml'))).toEqual([]);
  }, 120_000);
});
