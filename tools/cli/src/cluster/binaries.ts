/**
 * The binaries of the local control plane, built from Go modules pinned under cluster/go/ of the
 * repository (one module per upstream project, so that each resolves its own dependency versions)
 * and cached in the user's cache folder, never in the checkout:
 * `$XDG_CACHE_HOME/cdk8s-progressive/cluster/<version key>/bin` (default `~/.cache/...`). The version
 * key hashes the go.mod and go.sum files, the build flags and the Go version: a change of any of them
 * builds afresh, an unchanged checkout reuses what is there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One binary: the Go module folder (under cluster/go/) it is built in, its main package and link flags. */
export interface Component {
  readonly name: string;
  readonly module: string;
  readonly pkg: string;
  readonly ldflags: readonly string[];
}

const KUBE_VERSION = 'v1.34.1';
const ROLLOUTS_VERSION = 'v1.9.1';
const ROLLOUTS_COMMIT = 'b6bd3bcf8f60d717a98763d26acc983db7f97cb0';

/** Version stamps as Kubernetes' own build sets them (hack/lib/version.sh): without them the servers report v0.0.0-master. */
const kubeStamp = (() => {
  const [major, minor] = KUBE_VERSION.slice(1).split('.');
  const values = { gitVersion: KUBE_VERSION, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  return Object.entries(values).flatMap(([key, value]) =>
    ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'].map((p) => `-X ${p}.${key}=${value}`));
})();

const ROLLOUTS_STAMP = Object.entries({ version: ROLLOUTS_VERSION.slice(1), gitCommit: ROLLOUTS_COMMIT, gitTag: ROLLOUTS_VERSION, gitTreeState: 'clean' })
  .map(([key, value]) => `-X github.com/argoproj/argo-rollouts/utils/version.${key}=${value}`);

/** Built one at a time, in this order (the smallest first, so that a failure shows early). */
export const COMPONENTS: readonly Component[] = [
  { name: 'etcd', module: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', ldflags: [] },
  { name: 'kwok', module: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok', ldflags: [] },
  { name: 'kube-apiserver', module: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', ldflags: kubeStamp },
  { name: 'kube-controller-manager', module: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager', ldflags: kubeStamp },
  { name: 'kube-scheduler', module: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler', ldflags: kubeStamp },
  { name: 'kubectl', module: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kubectl', ldflags: kubeStamp },
  { name: 'rollouts-controller', module: 'argo-rollouts', pkg: 'github.com/argoproj/argo-rollouts/cmd/rollouts-controller', ldflags: ROLLOUTS_STAMP },
];

/** Static binaries as upstream releases build them. */
const BUILD_FLAGS = ['-trimpath', '-tags', 'selinux,notest'];

/** The repository root: the nearest folder above this file with cluster/go/ in it. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'cluster', 'go'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cluster/go/ not found above the installed package, the control plane is built from a checkout of the repository');
    dir = parent;
  }
  return dir;
}

/** The cache folder of the control plane: `$CDK8S_PROGRESSIVE_CLUSTER_CACHE`, else `$XDG_CACHE_HOME/cdk8s-progressive/cluster`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CDK8S_PROGRESSIVE_CLUSTER_CACHE) return path.resolve(env.CDK8S_PROGRESSIVE_CLUSTER_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'cdk8s-progressive', 'cluster');
}

/** Environment of every go command: module and build caches beside the binaries, static builds, writable module files. */
function goEnv(): NodeJS.ProcessEnv {
  const root = cacheRoot();
  return {
    ...process.env,
    GOMODCACHE: path.join(root, 'go-mod'),
    GOCACHE: path.join(root, 'go-build'),
    GOFLAGS: '-modcacherw -mod=readonly',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

function goVersion(): string {
  const r = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv(), timeout: 30_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`go version failed (${r.error?.message ?? r.stderr.trim()}), the local control plane is built with Go 1.26 or later: install Go and run again`);
  }
  return r.stdout.trim();
}

let memoKey: { root: string; key: string } | undefined;

/** The version key of the build (a folder name): the pinned versions and a hash of what decides the binaries. */
export function versionKey(): string {
  const root = repositoryRoot();
  if (memoKey?.root === root) return memoKey.key;
  const modules = path.join(root, 'cluster', 'go');
  const hash = createHash('sha256');
  for (const m of [...new Set(COMPONENTS.map((c) => c.module))].sort()) {
    for (const f of ['go.mod', 'go.sum']) hash.update(`${m}/${f}\n`).update(fs.readFileSync(path.join(modules, m, f), 'utf8'));
  }
  hash.update(JSON.stringify({ COMPONENTS, BUILD_FLAGS })).update(goVersion());
  memoKey = { root, key: `k8s-${KUBE_VERSION}-rollouts-${ROLLOUTS_VERSION}-${hash.digest('hex').slice(0, 12)}` };
  return memoKey.key;
}

/** The folder of the built binaries for the current version key. */
export function binDir(): string {
  return path.join(cacheRoot(), versionKey(), 'bin');
}

/** Paths of the binaries; throws naming the missing ones and the command that builds them. */
export function binaries(): Record<string, string> {
  const dir = binDir();
  const missing = COMPONENTS.filter((c) => !fs.existsSync(path.join(dir, c.name))).map((c) => c.name);
  if (missing.length > 0) {
    throw new Error(`the local control plane is not built (${missing.join(', ')} missing in ${dir}): run npm run cluster:build`);
  }
  return Object.fromEntries([...COMPONENTS.map((c) => [c.name, path.join(dir, c.name)]), ['kwok-stages', path.join(dir, 'kwok-stages.yaml')]]);
}

export interface BuildOptions {
  /** Scheduling priority of the go commands (nice -n). @default 15 */
  readonly nice?: number;
  /** Parallel compilations (go build -p). @default 2 */
  readonly parallel?: number;
  /** Per-binary time limit. @default 3600000 (an hour) */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface BuildReport {
  readonly dir: string;
  /** Seconds per built binary; binaries already present are left out. */
  readonly seconds: Record<string, number>;
}

/** Builds the missing binaries, one at a time; throws naming the component, its module and the go error. */
export async function buildBinaries(options: BuildOptions = {}): Promise<BuildReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = binDir();
  fs.mkdirSync(dir, { recursive: true });
  const seconds: Record<string, number> = {};
  const modules = path.join(repositoryRoot(), 'cluster', 'go');
  for (const c of COMPONENTS) {
    const out = path.join(dir, c.name);
    if (fs.existsSync(out)) continue;
    const started = Date.now();
    log(`building ${c.name} (${c.pkg}, module cluster/go/${c.module})`);
    const tmp = `${out}.tmp-${process.pid}`;
    const args = ['-n', String(options.nice ?? 15), 'go', 'build', '-p', String(options.parallel ?? 2), ...BUILD_FLAGS,
      '-ldflags', ['-s', '-w', ...c.ldflags].join(' '), '-o', tmp, c.pkg];
    const { code, output } = await run('nice', args, path.join(modules, c.module), options.timeoutMs ?? 3_600_000);
    if (code !== 0) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`building ${c.name} failed (${c.pkg} in cluster/go/${c.module}, exit ${code}):\n${output.slice(-4000)}`);
    }
    fs.renameSync(tmp, out);
    seconds[c.name] = Math.round((Date.now() - started) / 1000);
    log(`built ${c.name} in ${seconds[c.name]}s`);
  }
  writeKwokStages(dir);
  return { dir, seconds };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const append = (b: Buffer) => { output = (output + b.toString()).slice(-64 * 1024); };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    // go runs the compiler and linker as children: end the whole group on timeout.
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); resolve({ code: err.message, output }); });
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? signal ?? 'unknown', output }); });
  });
}

/**
 * kwok's stages, from the kwok module itself (kustomize/stage/): nodes initialised and kept alive with a
 * lease, pods made ready, completed and deleted (without the delete stage, deleted pods never go away).
 */
const KWOK_STAGES = ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];

function writeKwokStages(dir: string): void {
  const modFile = path.join(repositoryRoot(), 'cluster', 'go', 'kwok', 'go.mod');
  const version = /sigs\.k8s\.io\/kwok (v\S+)/.exec(fs.readFileSync(modFile, 'utf8'))?.[1];
  const source = path.join(cacheRoot(), 'go-mod', 'sigs.k8s.io', `kwok@${version}`, 'kustomize', 'stage');
  const docs = KWOK_STAGES.map((f) => fs.readFileSync(path.join(source, f), 'utf8').trim());
  fs.writeFileSync(path.join(dir, 'kwok-stages.yaml'), `${docs.join('\n---\n')}\n`);
}
