import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expectValidManifests } from '../support/schema';
import { cdk8sSynth, ROOT, scratchDir } from '../support/synth';
import * as YAML from 'yaml';

/** The README's TypeScript samples are compiled against the library and synthesized, so they cannot drift. */
describe('README samples', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const samples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  let dir: string;
  beforeAll(() => { dir = scratchDir('readme'); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('there is a sample', () => {
    expect(samples.length).toBeGreaterThan(0);
  });

  test.each(samples.map((s, i) => [i, s]))('sample %i type-checks, synthesizes and is schema-valid', (i, sample) => {
    // GIVEN the sample, importing the package as a user would
    const lib = path.relative(dir, path.join(ROOT, 'lib')).split(path.sep).join('/');
    const file = path.join(dir, `sample-${i}.ts`);
    fs.writeFileSync(file, String(sample).replace(/from 'cdk8s-progressive'/g, `from '${lib}'`));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: [`sample-${i}.ts`], exclude: [] }));
    // WHEN type-checked with the project's strict settings, then synthesized
    const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const out = path.join(dir, `out-${i}`);
    const synth = cdk8sSynth(path.relative(ROOT, file), out);
    expect({ status: synth.status, output: synth.status === 0 ? "" : synth.output }).toEqual({ status: 0, output: "" });
    // THEN every manifest is valid
    const objects = fs.readdirSync(out).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJSON()));
    expect(objects.length).toBeGreaterThan(0);
    expectValidManifests(objects);
  }, 120_000);
});
