/**
 * kubectl of the local control plane (built with it, same Kubernetes version), run against a
 * kubeconfig with its discovery cache beside that kubeconfig, never in the user's home.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { binaries } from './binaries';

export interface KubectlResult {
  /** Exit code, or the signal's name, or 'timeout'. */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  /** Written to its standard input (e.g. a manifest for `-f -`). */
  readonly input?: string;
  /** @default 60000 */
  readonly timeoutMs?: number;
}

/** Runs kubectl with `args` against `kubeconfig`; never throws for a non-zero exit (read `code`). */
export function kubectl(kubeconfig: string, args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const cacheDir = path.join(path.dirname(kubeconfig), 'kubectl-cache');
  const child = spawn(binaries().kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  child.stdin.on('error', () => { /* exited before reading its input: its exit code says why */ });
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs ?? 60_000);
    child.once('error', (err) => { clearTimeout(timer); resolve({ code: err.message, stdout, stderr }); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 'timeout' : code ?? signal ?? 'unknown', stdout, stderr });
    });
  });
}

/** Runs kubectl and returns its standard output; throws with the command and its error output on failure. */
export async function kubectlOk(kubeconfig: string, args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(kubeconfig, args, options);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** `kubectl get ... -o json`, parsed. */
export async function kubectlJson<T = any>(kubeconfig: string, args: readonly string[], options: KubectlOptions = {}): Promise<T> {
  return JSON.parse(await kubectlOk(kubeconfig, [...args, '-o', 'json'], options)) as T;
}
