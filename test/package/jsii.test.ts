/**
 * The construct library compiles with jsii, the compiler behind the Python, Java and Go packages: no error
 * (base props not exported, inline object types, `Omit<>`, Error subclasses, Java setter clashes, unexported
 * types in the API, ...), and no warning but the ones listed below. jsii compiles in a scratch project whose
 * lib/, imports/ and node_modules/ link to this checkout's, so that build/ (which other suites run) and the
 * checkout's .jsii stay as they are.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { cleanUp, runToEnd, RunResult, stopAll } from '../support/processes';
import { ROOT } from '../support/synth';

/**
 * Warnings left on purpose. JSII6: the devDependencies on cdk8s, cdk8s-plus-27 and constructs are newer than the
 * peer minimums (tests run against what apps install). JSII5018 in C#, which is not a target. One name users do not
 * type in Go as written: RolloutServiceProps.type (Go exports it as `Type`).
 */
const ALLOWED_WARNINGS: RegExp[] = [
  /warning JSII6: A "peerDependency" on "(cdk8s|cdk8s-plus-27|constructs)" at /,
  /warning JSII5018: "\w+" is a reserved word in C#\./,
  /lib\/rollout\/rollout-service\.ts:\d+:\d+ - warning JSII5018: "type" is a reserved word in Go\./,
];

describe('jsii', () => {
  let work: string;
  let result: RunResult;
  let lines: string[];
  beforeAll(async () => {
    // GIVEN a scratch project with this checkout's package.json, tsconfigs, sources and dependencies
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-progressive-jsii-'));
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md']) fs.copyFileSync(path.join(ROOT, f), path.join(work, f));
    for (const d of ['lib', 'imports', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(work, d), 'dir');
    // WHEN jsii compiles it
    result = await runToEnd({
      name: 'jsii', command: path.join(ROOT, 'node_modules', '.bin', 'jsii'), args: [], cwd: work, timeoutMs: 150_000,
      env: { NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    lines = `${result.stdout}\n${result.stderr}`.split('\n');
  }, 180_000);
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(work, { recursive: true, force: true })));

  test('compiles the library with no error', () => {
    // THEN it reports no error and writes the assembly
    expect(lines.filter((l) => /\berror\b/i.test(l))).toEqual([]);
    expect(result.code).toBe(0);
    const assembly = JSON.parse(fs.readFileSync(path.join(work, '.jsii'), 'utf8'));
    expect(assembly.targets).toEqual({
      python: { distName: 'cdk8s-progressive', module: 'cdk8s_progressive' },
      java: { package: 'io.github.cdk8sprogressive', maven: { groupId: 'io.github.cdk8sprogressive', artifactId: 'cdk8s-progressive' } },
      go: { moduleName: 'github.com/cdk8s-progressive/cdk8s-progressive-go' },
      js: { npm: 'cdk8s-progressive' },
    });
    // the constructs and the props their users write are in the API other languages get
    for (const type of ['CanaryRollout', 'BlueGreenRollout', 'RolloutCommonProps', 'WorkloadPodProps', 'SloGate', 'SloGateProps', 'SloAnalysis',
      'LockedDownNetwork', 'PodsPeerOptions', 'RolloutFieldRef', 'IgnoreDifference', 'AnalysisTemplate', 'RolloutWorkload', 'TrafficRouting']) {
      expect(assembly.types).toHaveProperty([`cdk8s-progressive.${type}`]);
    }
    const steps = assembly.types['cdk8s-progressive.CanaryStep'].methods.map((m: { name: string }) => m.name);
    expect(steps).toEqual(expect.arrayContaining(['weight', 'canaryScale', 'mirrorRoute', 'pause']));
  });

  test('warns of nothing but the warnings left on purpose', () => {
    const warnings = lines.filter((l) => /\bwarning JSII\d+/.test(l));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.filter((w) => !ALLOWED_WARNINGS.some((a) => a.test(w)))).toEqual([]);
  });
  test('the API reference is generated for each language, in its own syntax', async () => {
    // WHEN jsii-docgen documents the assembly in TypeScript, Python, Java and Go
    const docs = await runToEnd({
      name: 'jsii-docgen', command: path.join(ROOT, 'node_modules', '.bin', 'jsii-docgen'),
      args: ['-l', 'typescript', '-l', 'python', '-l', 'java', '-l', 'go', '-o', 'API.md'], cwd: work, timeoutMs: 120_000,
    });
    expect(docs.code).toBe(0);
    // THEN each reference shows how a rollout is made in that language
    const reference = (language: string) => fs.readFileSync(path.join(work, `API.${language}.md`), 'utf8');
    expect(reference('typescript')).toContain("new CanaryRollout(scope: Construct, id: string, props: CanaryRolloutProps)");
    expect(reference('python')).toContain('cdk8s_progressive.CanaryRollout(');
    expect(reference('java')).toContain('CanaryRollout.Builder.create(');
    expect(reference('go')).toContain('cdk8sprogressive.NewCanaryRollout(');
  }, 150_000);
  test('the entry point exports no function or constant, which jsii would drop in other languages without a word', () => {
    // GIVEN every name lib/index.ts exports
    const program = ts.createProgram([path.join(ROOT, 'lib', 'index.ts')], { skipLibCheck: true });
    const checker = program.getTypeChecker();
    const entry = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'lib', 'index.ts'))!)!;
    const kinds = checker.getExportsOfModule(entry).map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return [s.name, target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable) ? 'function or constant' : 'type'];
    });
    // THEN each is a class, an interface, an enum or a type, and the static methods that replaced the functions are there
    expect(kinds.filter(([, kind]) => kind !== 'type')).toEqual([]);
    expect(kinds.map(([name]) => name)).toEqual(expect.arrayContaining(['PodSecurity', 'Reachability', 'SyncWave', 'PodSecurityRule']));
  });
  test('no type shares its name with one of cdk8s, cdk8s-plus-27 or constructs, which apps import beside it', () => {
    // GIVEN the type names of the assembly and of the libraries an app imports with it
    const names = (file: string) => Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).types).map((fqn) => fqn.split('.').pop()!);
    const ours = names(path.join(work, '.jsii'));
    // THEN none is also theirs: in Java and Python two imports of one name need qualified names
    for (const library of ['cdk8s', 'cdk8s-plus-27', 'constructs']) {
      const theirs = new Set(names(path.join(ROOT, 'node_modules', library, '.jsii')));
      expect([library, ours.filter((n) => theirs.has(n))]).toEqual([library, []]);
    }
  });
});
