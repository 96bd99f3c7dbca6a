/**
 * A local Kubernetes control plane of real components on 127.0.0.1: etcd, kube-apiserver (PodSecurity
 * admission on), kube-controller-manager, kube-scheduler, kwok as the kubelet of one fake Node, and the
 * Argo Rollouts controller, with Argo Rollouts' CRDs installed. Each process runs in its own process
 * group, detached, with its output in `<state>/logs/`; `<state>/state.json` records them so that
 * `stopControlPlane` (another process, later) can end them all.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { freePort, sleep, waitUntil } from '../rehearsal/internal-processes';
import { binaries, repositoryRoot } from './binaries';
import { Certificates, makeCertificates } from './internal-certs';
import { kubectl, kubectlOk } from './kubectl';

/** The fake Node that kwok keeps Ready; pods of every test workload are scheduled on it. */
export const NODE_NAME = 'kwok-node-0';

/** A process of the control plane, as recorded in state.json. */
export interface ComponentProcess {
  readonly name: string;
  /** Its pid, also its process group id. */
  readonly pid: number;
  readonly binary: string;
  readonly log: string;
}

export interface ControlPlaneState {
  readonly server: string;
  readonly kubeconfig: string;
  readonly processes: ComponentProcess[];
  /** Ports the components were given, by name. */
  readonly ports: Record<string, number>;
}

export interface StartOptions {
  /** Folder of the certificates, etcd's data, logs, kubeconfig and state.json (created if missing). */
  readonly stateDir: string;
  /** @default - progress on stderr */
  readonly log?: (line: string) => void;
  /** Time allowed for each component to become ready. @default 60000 */
  readonly readyTimeoutMs?: number;
}

const stateFile = (stateDir: string) => path.join(stateDir, 'state.json');

/** The recorded state of the control plane in `stateDir`, or undefined when none was started there. */
export function readState(stateDir: string): ControlPlaneState | undefined {
  const file = stateFile(stateDir);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as ControlPlaneState : undefined;
}

/** True while the process group `pid` still has a member. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The recorded processes still running (the group exists and its leader, if alive, runs the recorded binary). */
export function runningProcesses(stateDir: string): ComponentProcess[] {
  return (readState(stateDir)?.processes ?? []).filter((p) => groupAlive(p.pid) && leaderIs(p));
}

function leaderIs(p: ComponentProcess): boolean {
  const cmdline = `/proc/${p.pid}/cmdline`;
  if (!fs.existsSync('/proc/self/cmdline')) return true;
  // The leader may have exited while members of its group run on: the group is still ours to end.
  if (!fs.existsSync(cmdline)) return true;
  try {
    return fs.readFileSync(cmdline, 'utf8').split('\0')[0] === p.binary;
  } catch {
    return true;
  }
}

/**
 * Stops every process recorded in `stateDir`: the controllers and kwok together, then the API server, then etcd.
 * Each gets SIGTERM to its process group, SIGKILL after `graceMs`. Returns the names of the processes it
 * stopped. etcd's data is removed, logs are kept.
 */
export async function stopControlPlane(stateDir: string, graceMs = 10_000): Promise<string[]> {
  const state = readState(stateDir);
  if (!state) return [];
  const stop = async (p: ComponentProcess): Promise<string[]> => {
    if (!groupAlive(p.pid) || !leaderIs(p)) return [];
    try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone meanwhile */ }
    const deadline = Date.now() + graceMs;
    while (groupAlive(p.pid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(p.pid)) {
      try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
      const killDeadline = Date.now() + 5000;
      while (groupAlive(p.pid) && Date.now() < killDeadline) await sleep(50);
    }
    if (groupAlive(p.pid)) throw new Error(`${p.name} (process group ${p.pid}) is still running after SIGKILL`);
    return [p.name];
  };
  const last = ['kube-apiserver', 'etcd'];
  const stopped = (await Promise.all(state.processes.filter((p) => !last.includes(p.name)).reverse().map(stop))).flat();
  for (const name of last) {
    for (const p of state.processes.filter((x) => x.name === name)) stopped.push(...await stop(p));
  }
  fs.rmSync(stateFile(stateDir), { force: true });
  fs.rmSync(path.join(stateDir, 'etcd'), { recursive: true, force: true });
  return stopped;
}

/**
 * SIGKILL to every recorded process group, synchronously, for an exit handler that cannot wait
 * (Ctrl-C of a test run): the orderly way is `stopControlPlane`.
 */
export function killControlPlaneNow(stateDir: string): void {
  for (const p of readState(stateDir)?.processes ?? []) {
    if (groupAlive(p.pid) && leaderIs(p)) {
      try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    }
  }
}

/** GET `url` (https with the admin certificate when given); resolves with the status code and body. */
function get(url: string, certs?: Certificates): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = certs
      ? { ca: fs.readFileSync(certs.caCert), cert: fs.readFileSync(certs.adminCert), key: fs.readFileSync(certs.adminKey) }
      : {};
    const req = (url.startsWith('https:') ? https : http).get(url, { ...options, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function writeKubeconfig(file: string, server: string, certs: Certificates): void {
  const b64 = (f: string) => fs.readFileSync(f).toString('base64');
  fs.writeFileSync(file, [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(certs.caCert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(certs.adminCert)}`,
    `    client-key-data: ${b64(certs.adminKey)}`,
    'contexts:',
    '- name: local',
    '  context: { cluster: local, user: admin, namespace: default }',
    'current-context: local',
    '',
  ].join('\n'), { mode: 0o600 });
}

/**
 * CRDs installed from crds/ of the repository: Argo Rollouts' five, prometheus-operator's PodMonitor
 * (this library emits PodMonitors; no prometheus-operator runs, the CRD lets the API server validate them),
 * and the Gateway API v1.4.0 standard channel (this library emits HTTPRoutes; no Gateway implementation runs).
 */
const CRD_DIRS = ['argo-rollouts-v1.9.1', 'prometheus-operator-v0.93.0', 'gateway-api-v1.4.0'];

/** The fake Node: kwok manages every Node (--manage-all-nodes) and fills in its status. */
const NODE = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: NODE_NAME,
    labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'type': 'kwok' },
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
  },
  status: {
    allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
    capacity: { cpu: '32', memory: '256Gi', pods: '110' },
  },
};

/**
 * Starts the control plane; resolves once the API server is ready, the CRDs are Established, the fake
 * Node is Ready, the controller manager has created the default ServiceAccount and the Argo Rollouts
 * controller answers on its health port. On any failure, stops what it started and throws with the
 * failing component's log tail.
 */
export async function startControlPlane(options: StartOptions): Promise<ControlPlaneState> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const readyMs = options.readyTimeoutMs ?? 60_000;
  const stateDir = path.resolve(options.stateDir);
  if (runningProcesses(stateDir).length > 0) {
    throw new Error(`a control plane is already running from ${stateDir}: stop it first (npm run cluster:down)`);
  }
  const bin = binaries();
  fs.mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  fs.rmSync(path.join(stateDir, 'etcd'), { recursive: true, force: true });
  const certs = makeCertificates(path.join(stateDir, 'pki'));

  const ports: Record<string, number> = {};
  for (const name of ['etcd', 'etcd-peer', 'kube-apiserver', 'rollouts-healthz', 'rollouts-metrics']) {
    let port = await freePort();
    while (Object.values(ports).includes(port)) port = await freePort();
    ports[name] = port;
  }
  const server = `https://127.0.0.1:${ports['kube-apiserver']}`;
  const kubeconfig = path.join(stateDir, 'kubeconfig');
  const processes: ComponentProcess[] = [];
  const state: ControlPlaneState = { server, kubeconfig, processes, ports };
  const save = () => fs.writeFileSync(stateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);

  const start = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const logFile = path.join(stateDir, 'logs', `${name}.log`);
    const out = fs.openSync(logFile, 'w');
    const child = spawn(bin[name], args, { cwd: stateDir, detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } });
    fs.closeSync(out);
    child.unref();
    if (child.pid === undefined) throw new Error(`${name} could not be started (${bin[name]})`);
    child.once('error', () => { /* reported by the readiness check and the log */ });
    processes.push({ name, pid: child.pid, binary: bin[name], log: logFile });
    save();
    log(`started ${name} (pid ${child.pid}, log ${path.relative(process.cwd(), logFile) || logFile})`);
  };
  const ready = async (name: string, what: string, read: () => Promise<boolean>) => {
    const p = processes.find((x) => x.name === name);
    await waitUntil(async () => {
      if (p && !groupAlive(p.pid)) throw new Error(`${name} exited`);
      return read();
    }, readyMs, `${name}: ${what}`, 250).catch((err: Error) => {
      const tail = p ? fs.readFileSync(p.log, 'utf8').split('\n').slice(-30).join('\n') : '';
      throw new Error(`${err.message}${tail ? `\n--- last lines of ${p!.log}\n${tail}` : ''}`);
    });
  };

  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const peerUrl = `http://127.0.0.1:${ports['etcd-peer']}`;
    start('etcd', ['--name', 'local', '--data-dir', path.join(stateDir, 'etcd'),
      '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `local=${peerUrl}`,
      '--log-level', 'warn', '--unsafe-no-fsync']);
    await ready('etcd', `${etcdUrl}/health`, async () => (await get(`${etcdUrl}/health`)).body.includes('"health":"true"'));

    start('kube-apiserver', ['--etcd-servers', etcdUrl,
      '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(ports['kube-apiserver']),
      '--tls-cert-file', certs.serverCert, '--tls-private-key-file', certs.serverKey, '--client-ca-file', certs.caCert,
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file', certs.serviceAccountPub, '--service-account-signing-key-file', certs.serviceAccountKey,
      '--service-cluster-ip-range', '10.0.0.0/24', '--authorization-mode', 'RBAC', '--allow-privileged=true',
      // PodSecurity is on by default; named so that it stays on whatever the defaults become.
      '--enable-admission-plugins', 'PodSecurity',
      // The kubernetes Service cannot point at a loopback address: no endpoints for it (nothing here reaches it from a pod).
      '--endpoint-reconciler-type', 'none',
      '--enable-priority-and-fairness=false', '--profiling=false', '--v', '1']);
    await ready('kube-apiserver', `${server}/readyz`, async () => (await get(`${server}/readyz`, certs)).status === 200);
    writeKubeconfig(kubeconfig, server, certs);

    const crdFiles = CRD_DIRS.flatMap((d) => fs.readdirSync(path.join(repositoryRoot(), 'crds', d))
      .filter((f) => f.endsWith('-crd.yaml')).sort().map((f) => path.join(repositoryRoot(), 'crds', d, f)));
    const crds = (await kubectlOk(kubeconfig, ['apply', '--server-side', '-o', 'name', ...crdFiles.flatMap((f) => ['-f', f])])).trim().split('\n');
    await kubectlOk(kubeconfig, ['wait', '--for', 'condition=Established', '--timeout', `${Math.round(readyMs / 1000)}s`, ...crds],
      { timeoutMs: readyMs + 10_000 });
    log(`installed and Established: ${crds.map((c) => c.replace(/^.*\//, '')).join(', ')}`);

    const common = ['--kubeconfig', kubeconfig, '--leader-elect=false', '--secure-port=0'];
    start('kube-controller-manager', [...common,
      '--controllers', 'deployment,replicaset,garbagecollector,serviceaccount,serviceaccount-token,namespace,nodelifecycle,disruption',
      '--root-ca-file', certs.caCert, '--service-account-private-key-file', certs.serviceAccountKey, '--use-service-account-credentials=false']);
    start('kube-scheduler', common);
    // The Node's liveness is its Lease (renewed by kwok; the heartbeat stage updates the status every 10 minutes only):
    // without one, the node-lifecycle controller calls the Node NotReady after 50s and marks its pods not Ready.
    start('kwok', ['--kubeconfig', kubeconfig, '--manage-all-nodes=true', '--config', bin['kwok-stages'],
      '--node-ip', '127.0.0.1', '--cidr', '10.244.0.0/16', '--node-lease-duration-seconds', '40']);
    start('rollouts-controller', ['--kubeconfig', kubeconfig, '--leader-elect=false', '--loglevel', 'info',
      '--healthzPort', String(ports['rollouts-healthz']), '--metricsPort', String(ports['rollouts-metrics'])], { POD_NAMESPACE: 'argo-rollouts' });

    await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(NODE) });
    await ready('kwok', `Node ${NODE_NAME} Ready`, async () => {
      const r = await kubectl(kubeconfig, ['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout.trim() === 'True';
    });
    await ready('kwok', `Lease kube-node-lease/${NODE_NAME}`, async () =>
      (await kubectl(kubeconfig, ['get', 'lease', NODE_NAME, '-n', 'kube-node-lease'])).code === 0);
    await ready('kube-controller-manager', 'ServiceAccount default/default', async () =>
      (await kubectl(kubeconfig, ['get', 'serviceaccount', 'default', '-n', 'default'])).code === 0);
    await ready('kube-controller-manager', `no not-ready taint on Node ${NODE_NAME}`, async () => {
      const r = await kubectl(kubeconfig, ['get', 'node', NODE_NAME, '-o', 'jsonpath={.spec.taints}']);
      return r.code === 0 && !r.stdout.includes('not-ready');
    });
    await ready('rollouts-controller', `healthz on port ${ports['rollouts-healthz']}`, async () =>
      (await get(`http://127.0.0.1:${ports['rollouts-healthz']}/healthz`)).status === 200);
    const gone = processes.filter((p) => !groupAlive(p.pid)).map((p) => p.name);
    if (gone.length > 0) throw new Error(`${gone.join(', ')} exited during start, see the logs in ${path.join(stateDir, 'logs')}`);
    return state;
  } catch (err) {
    await stopControlPlane(stateDir).catch(() => undefined);
    throw err;
  }
}

/** How to reach the control plane, for people. */
export function describeControlPlane(state: ControlPlaneState): string {
  return [
    `API server: ${state.server}`,
    `kubeconfig: ${state.kubeconfig}`,
    `  export KUBECONFIG=${state.kubeconfig}`,
    `processes: ${state.processes.map((p) => `${p.name} (${p.pid})`).join(', ')}`,
    `logs: ${path.dirname(state.processes[0]?.log ?? '')}`,
  ].join('\n');
}
