import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const libSources = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((f) =>
  (f.isDirectory() ? libSources(path.join(dir, f.name)) : f.name.endsWith('.ts') ? [read(path.join(dir, f.name))] : []));

describe('docs/validation.md', () => {
  const doc = read('docs/validation.md');
  const lib = libSources('lib').join('\n');

  test('is linked from the README', () => {
    // GIVEN the README WHEN its "Operating it" list is read THEN it links the page
    expect(read('README.md')).toContain('[docs/validation.md](docs/validation.md)');
  });

  test('every reason of the library\'s own rules is the reason its message gives', () => {
    // GIVEN the rows of the table of this library's own rules
    const own = doc.slice(doc.indexOf('## This library\'s own rules'), doc.indexOf('## Accepted as the controller accepts them'));
    const reasons = own.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Rule') && !l.startsWith('| ---') && !l.includes('maxPromotionTime'))
      .map((l) => l.split(' | ')[1].replace(/ \|$/, '').replace(/`/g, ''));
    // WHEN looked up in the sources THEN each one is there, word for word
    expect(reasons.length).toBeGreaterThan(15);
    expect(reasons.filter((r) => !lib.includes(r))).toEqual([]);
  });

  test('every message marked as the library\'s own rule has its reason in the table', () => {
    // GIVEN the reasons passed to ownRule in the sources
    const literals = [...lib.matchAll(/ownRule\(\s*'([^']+)'\)/g)].map((m) => m[1]);
    // WHEN looked up in the page THEN each one is listed
    expect(literals.length).toBeGreaterThan(8);
    expect(literals.filter((r) => !doc.replace(/`/g, '').includes(r))).toEqual([]);
  });
});

describe('abortScaleDownDelay 0 is described as the controller does it', () => {
  test('the prop, the README and the runbook: no delay on a canary, running only with setCanaryScale at step 0', () => {
    // GIVEN the three places that describe it WHEN read THEN each says what 0 does on a canary
    const prop = read('lib/rollout/rollout-props.ts');
    expect(prop).toContain('0 does not stop them at once, nor always');
    expect(prop).toContain('canary: no delay at all');
    expect(prop).toContain('unless step 0 is a setCanaryScale with replicas or weight');
    expect(read('README.md')).toContain('with 0, stopped at once, or left running when step 0 is a setCanaryScale');
    const runbook = read('docs/runbook.md');
    expect(runbook).toContain('With `abortScaleDownDelay` 0 they are scaled down at once, with no delay');
    expect(runbook).toContain('On a canary, 0 is not "keep them"');
  });
});
