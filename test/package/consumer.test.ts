/**
 * The package as another repository gets it: `npm pack`, installed into a fresh consumer project with
 * its own package.json and tsconfig, a chart compiled against the public API, synthesized, validated.
 * The tarball is packed from the build that `npm test` made (`--ignore-scripts`: prepack would rebuild
 * build/ while other suites run from it).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { builtCli, builtGate, builtScript, cleanUp, runToEnd, RunResult, stopAll } from '../support/processes';
import { expectValidManifests } from '../support/schema';
import { ROOT } from '../support/synth';

/** Runs a command to its end in its own process group (npm and what it starts), stopped after `timeoutMs`; throws unless it exits 0. */
async function run(command: string, args: string[], cwd: string, timeoutMs = 240_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const r = await runToEnd({ name: `${command} ${args.join(' ')}`, command, args, cwd, timeoutMs, env: { npm_config_audit: 'false', npm_config_fund: 'false', ...env } });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

const GATE = '@cdk8s-progressive/slo-gate';
const CONTRACT = '@cdk8s-progressive/gate-contract';
const CLI = '@cdk8s-progressive/cli';

const CHART = `import { App, Chart, Duration } from 'cdk8s';
import {
  ArgoRolloutsConfig, CanaryRollout, CanaryStep, LockedDownNetwork, SliSource, SloAnalysis, SloGate, SloObjective, StringMatch, TrafficRouterPlugin, TrafficRouting,
} from 'cdk8s-progressive';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'shop', { namespace: 'shop' });
const rollout = new CanaryRollout(chart, 'checkout', {
  namespace: 'shop',
  image: 'registry.example.com/checkout:2.3.1',
  steps: CanaryStep.weightsWithPauses([20, 50], Duration.seconds(30)),
  trafficRouting: TrafficRouting.nginx({ host: 'checkout.example.com' }),
});
const gate = new SloGate(chart, 'gate', { namespace: 'shop', image: 'registry.example.com/slo-gate:0.1.0' });
const window = Duration.minutes(1);
const slo = new SloAnalysis(chart, 'slo', {
  sli: SliSource.app({ matchLabels: rollout.podSelectorLabels }), gate,
  objectives: [SloObjective.successRate({ window }), SloObjective.latency({ window })],
  measurement: { interval: Duration.seconds(15), count: 2, initialDelay: Duration.seconds(0) },
});
rollout.addAnalysis({ templates: [slo] }, { atWeights: [20, 50], background: false });
LockedDownNetwork.forRollout(chart, 'network', rollout);

// The other routers: the Gateway API (with a header route) and Istio subset-level (with a mirror route), and the
// controller's configuration that loads the Gateway API plugin.
const routes = new Chart(app, 'routes', { namespace: 'shop' });
const search = new CanaryRollout(routes, 'search', {
  namespace: 'shop',
  image: 'registry.example.com/search:1.0.2',
  steps: [CanaryStep.setHeaderRoute('beta', { 'X-Beta': StringMatch.exact('1') }), CanaryStep.weight(10), CanaryStep.pause()],
  trafficRouting: TrafficRouting.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways', hostnames: ['search.example.com'] }),
});
LockedDownNetwork.forRollout(routes, 'search-network', search);
const cart = new CanaryRollout(routes, 'cart', {
  namespace: 'shop',
  image: 'registry.example.com/cart:4.0.0',
  steps: [CanaryStep.mirrorRoute({ name: 'mirror', matches: [{ path: StringMatch.prefix('/') }], percentage: 10 }), CanaryStep.weight(10), CanaryStep.pause()],
  trafficRouting: TrafficRouting.istio({ subsetLevel: true }),
});
// judged from Istio's metrics, locked down to the mesh callers and istiod
const cartSlo = new SloAnalysis(routes, 'cart-slo', { templateName: 'cart-slo', sli: SliSource.istio({ matchLabels: cart.podSelectorLabels }), objectives: [SloObjective.successRate({ window })],
  measurement: { interval: Duration.seconds(15), count: 2 } });
cart.addAnalysis({ templates: [cartSlo] }, { atWeights: [10] });
LockedDownNetwork.forRollout(routes, 'cart-network', cart);
new ArgoRolloutsConfig(routes, 'rollouts', {
  trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi({ location: 'https://example.com/gatewayapi-plugin-linux-amd64' })],
});
app.synth();
`;

describe('the npm package in a consumer project', () => {
  let work: string;
  let tarball: string;
  /** The tarballs of the workspace packages (the gate, its contract, the command line), by package name. */
  let toolTarballs: Record<string, string>;
  beforeAll(async () => {
    // GIVEN the build of this checkout (npm test builds it first)
    builtScript('lib/index');
    builtGate();
    builtCli('cli/main');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-progressive-consumer-'));
    const pack = async (...args: string[]) => JSON.parse((await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...args], ROOT, 120_000)).stdout);
    tarball = path.join(work, (await pack())[0].filename);
    const tools = await pack('--workspace', GATE, '--workspace', CONTRACT, '--workspace', CLI);
    toolTarballs = Object.fromEntries(tools.map((p: { name: string; filename: string }) => [p.name, path.join(work, p.filename)]));
  }, 150_000);
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(work, { recursive: true, force: true })));

  test('holds compiled JS and declarations, and no tests, sources, dist or tools', async () => {
    const files: string[] = (await run('tar', ['-tzf', tarball], work, 30_000)).stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['build/lib/index.js', 'build/lib/index.d.ts',
      'build/lib/gate/contract.js', 'build/imports/argoproj.io.js', 'build/imports/gateway.networking.k8s.io.js',
      'build/imports/networking.istio.io.js', 'README.md', 'LICENSE', 'package.json']));
    // node_modules/: the bundled runtime dependencies (bundledDependencies, which jsii requires), as published
    expect(files.filter((f) => /^(test|dist|__snapshots__|app|bench|scripts|tools)\/|\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('node_modules/'))).toEqual([]);
    // AND no HTTP server and no command line: the gate's service, the command and their dependencies are packages of their own
    expect(files.filter((f) => /^(bin\/|build\/lib\/(gate\/service|cli|rehearsal|simulate|plan|cluster|demo)\/|node_modules\/(fastify|pino|prom-client)\/)/.test(f))).toEqual([]);
  });

  test('the workspace packages hold their compiled modules and bins; the gate\'s depend on no construct package', async () => {
    const files = async (tgz: string) => (await run('tar', ['-tzf', tgz], work, 30_000)).stdout.trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
    expect(await files(toolTarballs[GATE])).toEqual(expect.arrayContaining(['bin/slo-gate', 'build/cli.js', 'build/index.d.ts', 'package.json', 'README.md']));
    expect(await files(toolTarballs[CONTRACT])).toEqual(['README.md', 'build/contract.d.ts', 'build/contract.js', 'build/statistics.d.ts', 'build/statistics.js', 'package.json']);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'tools', 'slo-gate', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual([CONTRACT, 'fastify', 'pino', 'prom-client']);
    expect(await files(toolTarballs[CLI])).toEqual(expect.arrayContaining(['bin/cdk8s-progressive', 'build/cli/main.js', 'build/demo/demo-service.js', 'package.json', 'README.md']));
  });

  test('installs, compiles a chart with the public API, synthesizes it and runs its bins', async () => {
    // GIVEN a fresh project depending on the tarballs, the construct library's and the tools' (peer dependencies come with them)
    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    const dependencies = { 'cdk8s-progressive': `file:${tarball}`, ...Object.fromEntries(Object.entries(toolTarballs).map(([name, tgz]) => [name, `file:${tgz}`])) };
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies }));
    fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: true, outDir: 'out', types: [] }, include: ['main.ts'],
    }));
    fs.writeFileSync(path.join(consumer, 'main.ts'), CHART);
    await run('npm', ['install', '--prefer-offline', '--no-package-lock'], consumer, 180_000);
    // WHEN compiled with TypeScript and run
    await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], consumer, 60_000);
    await run(process.execPath, ['out/main.js'], consumer, 30_000);
    // THEN the manifests are valid
    const dist = path.join(consumer, 'dist');
    const read = (f: string) => YAML.parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJSON());
    expect(fs.readdirSync(dist).sort()).toEqual(['routes.k8s.yaml', 'shop.k8s.yaml']);
    const objects = read('shop.k8s.yaml');
    expect(objects.map((o) => o.kind).sort()).toEqual(['AnalysisTemplate', 'Deployment', 'Ingress', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy',
      'PodDisruptionBudget', 'PodDisruptionBudget', 'PodMonitor', 'Rollout', 'Service', 'Service', 'Service']);
    expectValidManifests(objects);
    // AND the Gateway API and Istio rollouts and the controller's configuration are valid against their CRDs too
    const routed = read('routes.k8s.yaml');
    expect(routed.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AnalysisTemplate/cart-slo', 'ClusterRole/argo-rollouts-traffic-router-plugins', 'ClusterRoleBinding/argo-rollouts-traffic-router-plugins', 'ConfigMap/argo-rollouts-config',
      'DestinationRule/cart', 'HTTPRoute/search',
      expect.stringMatching(/^NetworkPolicy\/routes-cart-network-/), expect.stringMatching(/^NetworkPolicy\/routes-cart-network-canary-/),
      expect.stringMatching(/^NetworkPolicy\/routes-search-network-/), expect.stringMatching(/^NetworkPolicy\/routes-search-network-canary-/),
      'PodDisruptionBudget/cart', 'PodDisruptionBudget/search', expect.stringMatching(/^PodMonitor\/routes-cart-slo-podmonitor-/), 'Rollout/cart', 'Rollout/search', 'Service/cart', 'Service/cart-canary', 'Service/cart-stable',
      'Service/search-canary', 'Service/search-stable', 'VirtualService/cart',
    ]);
    expectValidManifests(routed);
    // AND both bins start
    expect((await run(path.join(consumer, 'node_modules', '.bin', 'cdk8s-progressive'), ['--help'], consumer, 30_000)).stdout).toContain('usage: cdk8s-progressive <command>');
    const gate = await runToEnd({ name: 'slo-gate', command: path.join(consumer, 'node_modules', '.bin', 'slo-gate'), args: [], cwd: consumer, timeoutMs: 30_000, env: { SLO_GATE_PROMETHEUS_URL: '' } });
    expect(gate.code).toBe(2);
    expect(gate.stderr).toBe('slo-gate: --prometheus-url (SLO_GATE_PROMETHEUS_URL) is required, e.g. --prometheus-url http://prometheus:9090\n');
  }, 300_000);
});
