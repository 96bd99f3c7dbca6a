import * as fs from 'fs';
import * as path from 'path';
import { cleanUp, runToEnd, stopAll } from '../support/processes';
import { expectValidManifests } from '../support/schema';
import { cdk8sSynth, ROOT, scratchDir } from '../support/synth';
import * as YAML from 'yaml';

/** The README's TypeScript samples are compiled against the library and synthesized, so they cannot drift. */
describe('README samples', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const samples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  let dir: string;
  beforeAll(() => { dir = scratchDir('readme'); });
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('the README opens with the simplest complete example, which is a sample', () => {
    // THEN the first sample is the opening example: a canary rollout, its SLO analysis and the gate, synthesized
    expect(samples.length).toBeGreaterThanOrEqual(1);
    expect(samples[0]).toMatch(/new CanaryRollout\(chart, /);
    expect(samples[0]).toMatch(/new SloAnalysis\(chart, /);
    expect(samples[0]).toMatch(/new SloGate\(chart, /);
    expect(samples[0]).toContain('app.synth();');
  });

  test.each(samples.map((s, i) => [i, s]))('sample %i type-checks, synthesizes and is schema-valid', async (i, sample) => {
    // GIVEN the sample, importing the package as a user would
    const lib = path.relative(dir, path.join(ROOT, 'lib')).split(path.sep).join('/');
    const file = path.join(dir, `sample-${i}.ts`);
    fs.writeFileSync(file, String(sample).replace(/from 'cdk8s-progressive'/g, `from '${lib}'`));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: [`sample-${i}.ts`], exclude: [] }));
    // WHEN type-checked with the project's strict settings, then synthesized
    const tsc = await runToEnd({
      name: 'tsc', command: process.execPath, args: [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir], cwd: ROOT, timeoutMs: 50_000,
    });
    expect([tsc.code, tsc.stdout + tsc.stderr]).toEqual([0, '']);
    const out = path.join(dir, `out-${i}`);
    const synth = await cdk8sSynth(path.relative(ROOT, file), out, 60_000);
    expect({ status: synth.status, output: synth.status === 0 ? "" : synth.output }).toEqual({ status: 0, output: "" });
    // THEN every manifest is valid
    const objects = fs.readdirSync(out).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJSON()));
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Rollout', 'AnalysisTemplate', ...(i === 0 ? ['Deployment'] : [])]));
    expectValidManifests(objects);
  }, 120_000);
});

/** The README's Python, Java and Go excerpts are lines of the apps the language suite runs (npm run test:languages). */
describe('README samples in other languages', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const apps: Record<string, string> = {
    python: 'test/languages/python/app.py', java: 'test/languages/java/src/main/java/example/Main.java', go: 'test/languages/go/main.go',
  };
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  test.each(Object.entries(apps))('the %s excerpt is in %s, line for line', (language, file) => {
    // GIVEN the README's excerpt in that language and the app's source
    const excerpts = [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => lines(m[1]));
    const source = lines(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    // THEN there is one, and its lines appear in the app in a row (indentation aside)
    expect(excerpts).toHaveLength(1);
    const at = source.indexOf(excerpts[0][0]);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(source.slice(at, at + excerpts[0].length)).toEqual(excerpts[0]);
  });
});
