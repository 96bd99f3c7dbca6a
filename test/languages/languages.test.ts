/**
 * The packages as users of the other cdk8s languages get them. `npm run package` builds them with jsii-pacmak (in a
 * scratch project whose lib/, imports/ and node_modules/ link to this checkout's): the npm tarball, the Python wheel,
 * the Maven artifacts and the Go module. Then an app in each language, the README's opening example word for word in
 * that language (test/languages/<language>), synthesizes; its chart must equal the TypeScript synth byte for byte.
 *
 * Python takes cdk8s and cdk8s-plus-27 from PyPI, at the versions of package-lock.json. For Java and Go, `npm run package`
 * builds the bindings of constructs, cdk8s and cdk8s-plus-27 from the jsii assemblies of the npm packages installed
 * here (`--recurse`), so all four languages run the very same JavaScript.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanUp, runToEnd, RunResult, stopAll } from '../support/processes';
import { cdk8sSynth, ROOT, scratchDir } from '../support/synth';

const HERE = path.join(ROOT, 'test', 'languages');
const CHART = 'shop.k8s.yaml';

/** Runs a command to its end in its own process group; throws with its output unless it exits 0. */
async function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const r = await runToEnd({ name: `${command} ${args.join(' ')}`, command, args, cwd, timeoutMs, env });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

/** Copies a folder of this suite (an app and its build files) into the scratch folder. */
function copyApp(language: string, into: string): string {
  const to = path.join(into, language);
  fs.cpSync(path.join(HERE, language), to, { recursive: true });
  return to;
}

describe('Python, Java and Go packages', () => {
  let work: string;
  let packages: string;
  let reference: string;
  beforeAll(async () => {
    // GIVEN a scratch project with this checkout's package.json, tsconfigs, sources and dependencies
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-progressive-languages-'));
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE']) fs.copyFileSync(path.join(ROOT, f), path.join(work, f));
    for (const d of ['lib', 'imports', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(work, d), 'dir');
    // WHEN it is packaged for every language
    await run('npm', ['run', '-s', 'package'], work, 900_000);
    packages = path.join(work, 'packages-out');
    // AND the README's opening example is synthesized in TypeScript
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const sample = readme.match(/```ts\n([\s\S]*?)```/)![1];
    const dir = scratchDir('languages');
    const lib = path.relative(dir, path.join(ROOT, 'lib')).split(path.sep).join('/');
    fs.writeFileSync(path.join(dir, 'app.ts'), sample.replace(/from 'cdk8s-progressive'/g, `from '${lib}'`));
    const synth = await cdk8sSynth(path.relative(ROOT, path.join(dir, 'app.ts')), path.join(dir, 'dist'), 120_000);
    expect({ status: synth.status, output: synth.status === 0 ? '' : synth.output }).toEqual({ status: 0, output: '' });
    reference = fs.readFileSync(path.join(dir, 'dist', CHART), 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 1_200_000);
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(work, { recursive: true, force: true })));

  /** The chart an app wrote into `outdir` (cdk8s apps of every language read CDK8S_OUTDIR). */
  function chart(outdir: string): string {
    expect(fs.readdirSync(outdir)).toEqual([CHART]);
    return fs.readFileSync(path.join(outdir, CHART), 'utf8');
  }

  test('jsii-pacmak writes an npm tarball, a Python wheel, Maven artifacts and a Go module', () => {
    // THEN each language has its package, with the bindings of the construct libraries it builds on for Java and Go
    expect(fs.readdirSync(path.join(packages, 'js'))).toEqual(['cdk8s-progressive@0.1.0.jsii.tgz']);
    expect(fs.readdirSync(path.join(packages, 'python')).sort()).toEqual(['cdk8s_progressive-0.1.0-py3-none-any.whl', 'cdk8s_progressive-0.1.0.tar.gz']);
    expect(fs.existsSync(path.join(packages, 'java', 'io', 'github', 'cdk8sprogressive', 'cdk8s-progressive', '0.1.0', 'cdk8s-progressive-0.1.0.jar'))).toBe(true);
    expect(fs.readdirSync(path.join(packages, 'go')).sort()).toEqual(['cdk8s', 'cdk8splus27', 'cdk8sprogressive', 'constructs']);
    expect(fs.readFileSync(path.join(packages, 'go', 'cdk8sprogressive', 'go.mod'), 'utf8'))
      .toMatch(/^module github\.com\/cdk8s-progressive\/cdk8s-progressive-go\/cdk8sprogressive\n/);
    expect(reference).toContain('kind: Rollout');
  });

  describe('Python', () => {
    let app: string;
    beforeAll(async () => {
      // GIVEN a virtual environment with cdk8s from PyPI and the wheel
      app = copyApp('python', work);
      await run('python3', ['-m', 'venv', 'venv'], app, 120_000);
      const wheel = path.join(packages, 'python', 'cdk8s_progressive-0.1.0-py3-none-any.whl');
      await run(path.join(app, 'venv', 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', 'requirements.txt', wheel], app, 300_000);
    }, 600_000);
    const python = (script: string, env: NodeJS.ProcessEnv = {}) => run(path.join(app, 'venv', 'bin', 'python'), [script], app, 120_000, env);

    test('an app synthesizes the README example byte for byte', async () => {
      // WHEN the app runs
      await python('app.py', { CDK8S_OUTDIR: path.join(app, 'dist') });
      // THEN its chart is the TypeScript one
      expect(chart(path.join(app, 'dist'))).toEqual(reference);
    });

    test('a plan with a pause without duration arrives with indefinite flags, not Infinity', async () => {
      // WHEN the plan of a rollout that ends on a pause without duration is read in Python
      const printed = JSON.parse((await python('plan.py')).stdout.trim().split('\n').pop()!);
      // THEN the pause and the plan are indefinite, with no seconds
      expect(printed).toEqual({
        indefinite: true, promotion_seconds: null,
        steps: [['setWeight 20', 10, false], ['pause 1m', 60, false], ['setWeight 50', 10, false], ['pause indefinite', null, true],
          ['promote: canary scaled to 3 pods', 10, false]],
      });
    });
  });

  test('a Java app synthesizes the README example byte for byte', async () => {
    // GIVEN a Maven project that takes the artifacts from the repository jsii-pacmak wrote, with the copies an
    // earlier run left in the local Maven repository evicted: Maven never fetches a release version it has again
    const app = copyApp('java', work);
    const repository = path.join(packages, 'java');
    const cached = path.join(os.homedir(), '.m2', 'repository');
    for (const pom of fs.readdirSync(repository, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pom'))) {
      fs.rmSync(path.join(cached, path.dirname(pom)), { recursive: true, force: true });
    }
    await run('mvn', ['-B', '-q', `-Dpackages.repository=${repository}`, 'package', 'dependency:build-classpath', '-Dmdep.outputFile=classpath.txt'],
      app, 600_000);
    // WHEN the app runs
    const classpath = [path.join(app, 'target', 'shop-1.0.0.jar'), fs.readFileSync(path.join(app, 'classpath.txt'), 'utf8').trim()].join(path.delimiter);
    await run('java', ['-cp', classpath, 'example.Main'], app, 120_000, { CDK8S_OUTDIR: path.join(app, 'dist') });
    // THEN its chart is the TypeScript one
    expect(chart(path.join(app, 'dist'))).toEqual(reference);
  }, 700_000);

  test('a Go app synthesizes the README example byte for byte', async () => {
    // GIVEN a Go module that takes the generated modules from the folder jsii-pacmak wrote
    const app = copyApp('go', work);
    const modules: Record<string, string> = {
      'github.com/cdk8s-progressive/cdk8s-progressive-go/cdk8sprogressive': 'cdk8sprogressive',
      'github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2': 'cdk8s',
      'github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2': 'cdk8splus27',
      'github.com/aws/constructs-go/constructs/v10': 'constructs',
    };
    const replaces = Object.entries(modules).flatMap(([m, dir]) => ['-replace', `${m}=${path.join(packages, 'go', dir)}`]);
    await run('go', ['mod', 'edit', ...replaces], app, 60_000);
    await run('go', ['build', '-o', 'shop', '.'], app, 900_000);
    // WHEN the app runs
    await run(path.join(app, 'shop'), [], app, 120_000, { CDK8S_OUTDIR: path.join(app, 'dist') });
    // THEN its chart is the TypeScript one
    expect(chart(path.join(app, 'dist'))).toEqual(reference);
  }, 1_000_000);
});
