import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/processes';

/** The image cannot be built here (no container engine): check that it runs what the tests run, and nothing more. */
describe('Dockerfile of the gate', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1];
  const deps = stages.find((s) => /^\S+ AS deps$/m.test(s.split('\n')[0]))!;

  /** What a service source imports: relative paths and package names (node: built-ins left out). */
  const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/^import [^;]*? from '([^']+)';$/gm)].map((m) => m[1]).filter((s) => !s.startsWith('node:'));
  const serviceDir = path.join(REPO_ROOT, 'lib', 'gate', 'service');
  const sources = [...fs.readdirSync(serviceDir).map((f) => path.join(serviceDir, f)), path.join(REPO_ROOT, 'lib', 'gate', 'contract.ts')];

  test('its entrypoint is the built entry the integration tests start', () => {
    // GIVEN / WHEN the runtime stage's entrypoint
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(runtime)![1]) as string[];

    // THEN it is `node build/lib/gate/service/cli.js`, which the build produces and the bin requires
    expect(entrypoint).toEqual(['node', 'build/lib/gate/service/cli.js']);
    expect(fs.readFileSync(path.join(REPO_ROOT, 'bin', 'slo-gate'), 'utf8')).toContain("require('../build/lib/gate/service/cli.js')");
  });

  test('the runtime holds the service and its contract, and everything the service imports is among them', () => {
    // GIVEN what the runtime stage copies of the build
    const copied = [...runtime.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((m) => m[1]);
    expect(copied).toEqual(['build/lib/gate/contract.js', 'build/lib/gate/service']);

    // THEN every relative import of the service stays inside what is copied (no construct, no cdk8s)
    for (const file of sources) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        const target = path.relative(path.join(REPO_ROOT, 'lib'), path.resolve(path.dirname(file), spec));
        expect([file, target]).toEqual([file, expect.stringMatching(/^gate\/(contract|service\/[\w-]+)$/)]);
      }
    }
  });

  test('its dependencies are exactly the packages the service imports: the constructs\' and command line\'s are pruned', () => {
    // GIVEN the packages the deps stage keeps, and those the service's sources import
    const kept = JSON.parse(`[${/const keep = \[([^\]]*)\]/.exec(deps)![1].replace(/'/g, '"')}]`) as string[];
    const imported = new Set(sources.flatMap(importsOf).filter((s) => !s.startsWith('.')).map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/')));

    // THEN they are the same, every one a production dependency, and the prune runs on the lockfile's install
    expect(kept.sort()).toEqual([...imported].sort());
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    for (const name of kept) expect(pkg.dependencies[name]).toBeDefined();
    expect(Object.keys(pkg.dependencies).length).toBeGreaterThan(kept.length);
    expect(deps).toMatch(/npm ci --omit=dev --omit=peer [\s\S]*npm prune --omit=dev --omit=peer/);
    expect(runtime).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });

  test('is multi-stage, pinned by version (and by digest where one is given), non-root', () => {
    // GIVEN / WHEN / THEN
    expect(stages).toHaveLength(3);
    for (const stage of stages) expect(stage.split('\n')[0]).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?( AS \w+)?$/);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
  });
});
