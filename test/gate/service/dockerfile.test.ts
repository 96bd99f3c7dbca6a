import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/processes';

/** The image cannot be built here (no container engine): check that it runs what the tests run. */
describe('Dockerfile of the gate', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1];

  test('its entrypoint is the built entry the integration tests start', () => {
    // GIVEN / WHEN the runtime stage's entrypoint
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(runtime)![1]) as string[];

    // THEN it is `node build/lib/gate/service/cli.js`, which the build produces and the bin requires
    expect(entrypoint).toEqual(['node', 'build/lib/gate/service/cli.js']);
    expect(fs.readFileSync(path.join(REPO_ROOT, 'bin', 'slo-gate'), 'utf8')).toContain("require('../build/lib/gate/service/cli.js')");
    expect(runtime).toContain('COPY --from=build /app/build/lib/gate ./build/lib/gate');
  });

  test('is multi-stage, pinned, production-only and non-root', () => {
    // GIVEN / WHEN / THEN
    expect(stages).toHaveLength(3);
    for (const stage of stages) expect(stage.split('\n')[0]).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim( AS \w+)?$/);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).not.toContain('npm ci --ignore-scripts --no-audit');
  });
});
