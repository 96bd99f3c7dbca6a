import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/processes';

/** The image cannot be built here (no container engine): check that it runs what the tests run, and nothing more. */
describe('Dockerfile of the gate', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1];
  const deps = stages.find((s) => /^\S+ AS deps$/m.test(s.split('\n')[0]))!;

  /** What a source imports: relative paths and package names (node: built-ins left out). */
  const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/^import [^;]*? from '([^']+)';$/gm)].map((m) => m[1]).filter((s) => !s.startsWith('node:'));
  const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'));
  const serviceDir = path.join(REPO_ROOT, 'tools', 'slo-gate', 'src');
  const sources = fs.readdirSync(serviceDir).map((f) => path.join(serviceDir, f));
  const gatePackage = readJson('tools/slo-gate/package.json');
  const contractConfig = readJson('tools/gate-contract/tsconfig.json');

  test('its entrypoint is the built entry the integration tests start', () => {
    // GIVEN / WHEN the runtime stage's entrypoint
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(runtime)![1]) as string[];

    // THEN it is `node tools/slo-gate/build/cli.js`, which the gate's build produces and its bin requires
    expect(entrypoint).toEqual(['node', 'tools/slo-gate/build/cli.js']);
    expect(readJson('tools/slo-gate/tsconfig.json').compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'build' });
    expect(gatePackage.bin).toEqual({ 'slo-gate': 'bin/slo-gate' });
    expect(fs.readFileSync(path.join(REPO_ROOT, 'tools', 'slo-gate', 'bin', 'slo-gate'), 'utf8')).toContain("require('../build/cli.js')");
  });

  test('the runtime holds the service and its contract, and everything the service imports is among them', () => {
    // GIVEN what the runtime stage copies of the build, and what the build stage copies of lib/
    const copied = [...runtime.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((m) => m[1]);
    expect(copied).toEqual(['tools/gate-contract/package.json', 'tools/gate-contract/build', 'tools/slo-gate/package.json', 'tools/slo-gate/build']);
    const build = stages[0];
    const fromLib = /^COPY (lib\/\S+(?: lib\/\S+)*) \.\/lib\/gate\/$/m.exec(build)![1].split(' ');

    // THEN the contract is built from exactly those files, which import nothing
    expect(contractConfig.files.map((f: string) => path.relative('../..', f))).toEqual(fromLib);
    for (const file of fromLib) expect(importsOf(path.join(REPO_ROOT, file))).toEqual([]);
    // AND every relative import of the service stays inside its package (no construct, no cdk8s)
    for (const file of sources) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        expect([file, path.resolve(path.dirname(file), spec)]).toEqual([file, expect.stringMatching(new RegExp(`^${serviceDir}/[\\w-]+$`))]);
      }
    }
  });

  test('its dependencies are exactly the packages the service imports: the constructs\' and command line\'s are left out', () => {
    // GIVEN the gate package's dependencies, and the packages its sources import
    const imported = new Set(sources.flatMap(importsOf).filter((s) => !s.startsWith('.')).map(packageOf));

    // THEN they are the same, with no construct package among them, and the image installs them alone
    expect(Object.keys(gatePackage.dependencies).sort()).toEqual([...imported].sort());
    expect(Object.keys(gatePackage.dependencies)).toEqual(expect.arrayContaining(['@cdk8s-progressive/gate-contract', 'fastify', 'pino', 'prom-client']));
    for (const name of ['cdk8s', 'cdk8s-plus-27', 'constructs', 'cdk8s-progressive']) expect(Object.keys(gatePackage.dependencies)).not.toContain(name);
    expect(readJson('tools/gate-contract/package.json').dependencies).toBeUndefined();
    expect(deps).toMatch(/npm ci --workspace @cdk8s-progressive\/slo-gate --omit=dev --omit=peer /);
    expect(runtime).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime).not.toMatch(/npm (ci|install)/);
    // AND the construct library no longer carries the service's dependencies
    const root = readJson('package.json');
    for (const name of ['fastify', 'pino', 'prom-client']) {
      expect(root.dependencies[name]).toBeUndefined();
      expect(root.bundleDependencies).not.toContain(name);
    }
  });

  test('is multi-stage, pinned by version (and by digest where one is given), non-root', () => {
    // GIVEN / WHEN / THEN
    expect(stages).toHaveLength(3);
    for (const stage of stages) expect(stage.split('\n')[0]).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?( AS \w+)?$/);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
  });
});
