/**
 * Helpers of the gate's process tests: the gate started through its package bin, tenant tokens laid
 * out as the kubelet mounts a Secret (and rotated as it does), and an HTTP client that calls the gate
 * as Argo's web provider does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REQUEST_ID_HEADER, VERDICT_PATH } from '../../../lib/gate/contract';
import { waitUntil } from '../../../tools/cli/src/rehearsal/internal-processes';
import { REPO_ROOT, builtGate, startProcess, StartedProcess } from '../../support/processes';

export const BIN = path.join(REPO_ROOT, 'tools', 'slo-gate', 'bin', 'slo-gate');

/**
 * A Secret volume as the kubelet writes it: the keys' files in a timestamped directory, `..data`
 * linking to it, and one link per key. An update writes a new directory and swaps `..data` at once.
 */
export class SecretVolume {
  public static create(entries: Record<string, string>): SecretVolume {
    const volume = new SecretVolume(fs.mkdtempSync(path.join(os.tmpdir(), 'slo-gate-secret-')));
    volume.update(entries);
    return volume;
  }

  private generation = 0;

  private constructor(public readonly dir: string) {}

  /** Replaces the Secret's content atomically, as the kubelet does when the Secret changes. */
  public update(entries: Record<string, string>): void {
    const data = `..${++this.generation}_data`;
    fs.mkdirSync(path.join(this.dir, data));
    for (const [key, value] of Object.entries(entries)) fs.writeFileSync(path.join(this.dir, data, key), value, { mode: 0o600 });
    fs.symlinkSync(data, path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    for (const name of fs.readdirSync(this.dir).filter((n) => !n.startsWith('.'))) {
      if (!(name in entries)) fs.rmSync(path.join(this.dir, name));
    }
    for (const key of Object.keys(entries)) {
      if (!fs.existsSync(path.join(this.dir, key))) fs.symlinkSync(path.join('..data', key), path.join(this.dir, key));
    }
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface GateOptions {
  /** Tenant tokens; without them the gate runs with --allow-unauthenticated. */
  readonly tokens?: SecretVolume;
  /** More flags. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts the gate through its bin on 127.0.0.1 with a free port. */
export function startGate(prometheusUrl: string, options: GateOptions = {}): Promise<StartedProcess> {
  builtGate();
  return startProcess({
    command: process.execPath,
    args: [BIN, '--prometheus-url', prometheusUrl, '--port', '0', '--host', '127.0.0.1',
      ...(options.tokens ? ['--tenant-tokens-dir', options.tokens.dir] : ['--allow-unauthenticated']), ...(options.args ?? [])],
    env: options.env,
  });
}

export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** POSTs to the verdict endpoint like Argo's web provider: JSON body, 10 s timeout (Argo's default). */
export async function post<T>(port: number, body: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const res = await fetch(`http://127.0.0.1:${port}${VERDICT_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() as T, headers: res.headers };
}

/** GETs a path; `timeoutMs` is the client's bound (the kubelet gives a probe 1 s by default). */
export async function get(port: number, route: string, timeoutMs = 5000): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The header naming a tenant's token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The gate's JSON log lines with message `msg`. */
export function logLines(gate: StartedProcess, msg: string): Array<Record<string, any>> {
  return gate.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.msg === msg);
}

/** The log line of one request, by its id: written once the answer is sent, so waited for (at most 5 s). */
export async function logOf(gate: StartedProcess, requestId: string): Promise<Record<string, any> | undefined> {
  const find = () => gate.output().split('\n').filter((l) => l.includes(requestId)).map((l) => JSON.parse(l)).find((l) => l.reqId === requestId);
  await waitUntil(async () => find() !== undefined, 5000, `the log line of request ${requestId}`, 20).catch(() => undefined);
  return find();
}

export { REQUEST_ID_HEADER };

/** A counter's value in a Prometheus text exposition, 0 when absent. */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
