import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../support/synth';

/**
 * A plain clone must build, synthesize and pass its tests with nothing beside it: no script, test,
 * benchmark or library file may name a path above the repository root or a folder of one machine.
 */

const SCANNED = ['lib', 'test', 'bench', 'scripts', 'bin', 'app', '.ci'];
const SCANNED_FILES = ['main.ts', 'package.json', 'jest.config.js', 'cdk8s.yaml', 'tsconfig.json', 'tsconfig.build.json', 'typedoc.json'];
const EXTENSIONS = /\.(ts|js|json|ya?ml|sh)$/;

/** The files scanned: source-like files under SCANNED, any file under bin/ and .ci/, and the top-level configuration. */
function scannedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string, anyName: boolean): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file, anyName);
      else if (anyName || EXTENSIONS.test(entry.name)) out.push(file);
    }
  };
  for (const dir of SCANNED) {
    if (fs.existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir), dir === 'bin' || dir === '.ci');
  }
  return [...out, ...SCANNED_FILES.map((f) => path.join(ROOT, f)).filter((f) => fs.existsSync(f))];
}

/** Places in `text` (the content of `file`) that point outside `root`, each as "line: reason". */
export function pathsOutside(root: string, file: string, text: string): string[] {
  const found: string[] = [];
  const inside = (target: string) => {
    const rel = path.relative(root, target);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  text.split('\n').forEach((line, i) => {
    const at = `${path.relative(root, file)}:${i + 1}`;
    // a relative path in a string: '../x', "../../y"
    for (const m of line.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)/g)) {
      if (!inside(path.resolve(path.dirname(file), m[1]))) found.push(`${at}: ${m[1]} leaves the repository`);
    }
    // path.join / path.resolve from __dirname with literal segments: (__dirname, '..', '..', 'x')
    for (const m of line.matchAll(/__dirname((?:\s*,\s*['"][^'"]*['"])+)/g)) {
      const segments = [...m[1].matchAll(/['"]([^'"]*)['"]/g)].map((s) => s[1]);
      if (!inside(path.resolve(path.dirname(file), ...segments))) found.push(`${at}: __dirname, ${segments.join(', ')} leaves the repository`);
    }
    // an absolute path into one machine's folders
    for (const m of line.matchAll(/(?<![\w.])\/(work|root|home|Users)\/[\w.-]+/g)) {
      found.push(`${at}: ${m[0]} is a folder of one machine`);
    }
  });
  return found;
}

describe('the repository stands alone', () => {
  test('no script, test, benchmark or library file names a path outside the repository', () => {
    // GIVEN every file that npm ci, synth, test, bench or CI runs or reads
    const files = scannedFiles();
    expect(files.length).toBeGreaterThan(50);
    // WHEN each is scanned, THEN none points outside the checkout
    expect(files.flatMap((f) => pathsOutside(ROOT, f, fs.readFileSync(f, 'utf8')))).toEqual([]);
  });

  test('the scan finds a relative path above the root', () => {
    const file = path.join(ROOT, 'scripts', 'x.js');
    const up = '..' + '/';
    expect(pathsOutside(ROOT, file, `require('${up}lib/index')`)).toEqual([]);
    expect(pathsOutside(ROOT, file, `read('${up}${up}shared/crds')`)).toEqual([`scripts/x.js:1: ${up}${up}shared/crds leaves the repository`]);
  });

  test('the scan finds __dirname joined above the root', () => {
    const file = path.join(ROOT, 'test', 'support', 'x.ts');
    const up = "'..', ";
    expect(pathsOutside(ROOT, file, `path.resolve(__dirname, ${up}'..')`)).toEqual([]);
    expect(pathsOutside(ROOT, file, `path.resolve(__dirname, ${up}${up}${up}'shared')`))
      .toEqual(["test/support/x.ts:1: __dirname, .., .., .., shared leaves the repository"]);
  });

  test('the scan finds a folder of one machine', () => {
    const home = '/' + 'home/dev/crds';
    expect(pathsOutside(ROOT, path.join(ROOT, 'lib', 'x.ts'), `const dir = '${home}';`))
      .toEqual([`lib/x.ts:1: ${home.replace('/crds', '')} is a folder of one machine`]);
  });

  test('the CRDs the tests validate against are in the repository, with their licence and origin', () => {
    const dir = path.join(ROOT, 'crds', 'argo-rollouts-v1.9.1');
    expect(fs.readdirSync(dir).sort()).toEqual(['LICENSE', 'SOURCE.md', 'analysis-run-crd.yaml', 'analysis-template-crd.yaml',
      'cluster-analysis-template-crd.yaml', 'experiment-crd.yaml', 'rollout-crd.yaml']);
    expect(fs.readFileSync(path.join(dir, 'SOURCE.md'), 'utf8')).toContain('argoproj/argo-rollouts, tag v1.9.1');
  });
});
