/**
 * Starts child processes for tests and benchmarks, waits for the JSON line announcing their port,
 * and kills them all in afterAll (`stopAll()`), even when a test failed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (where package.json lives). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface StartedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The port the process announced on stdout. */
  readonly port: number;
  /** Everything the process wrote so far (stdout and stderr interleaved, capped). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface StartProcessOptions {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Time allowed for the port line to appear. @default 15000 */
  readonly timeoutMs?: number;
}

const running = new Set<StartedProcess>();
const OUTPUT_CAP = 64 * 1024;

/**
 * Path of a compiled module under build/, e.g. `builtScript('lib/demo/demo-service')`.
 * Throws a clear message when the build is missing.
 */
export function builtScript(modulePath: string): string {
  const file = path.join(REPO_ROOT, 'build', `${modulePath}.js`);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(REPO_ROOT, file)} does not exist, run npm run build first`);
  }
  return file;
}

/** Starts a process and waits for a stdout JSON line with a numeric `port`. */
export function startProcess(options: StartProcessOptions): Promise<StartedProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(options.command, [...(options.args ?? [])], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_CAP) output = output.slice(-OUTPUT_CAP);
  };
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const label = `${options.command} ${(options.args ?? []).join(' ')}`;

  return new Promise<StartedProcess>((resolve, reject) => {
    let stdoutBuffer = '';
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}: ${label}\n${output}`));
    };
    const timer = setTimeout(() => fail(`no port line within ${timeoutMs} ms`), timeoutMs);
    child.stderr!.on('data', append);
    child.stdout!.on('data', (chunk: Buffer) => {
      append(chunk);
      if (settled) return;
      stdoutBuffer += chunk.toString();
      let nl: number;
      while ((nl = stdoutBuffer.indexOf('\n')) >= 0) {
        const line = stdoutBuffer.slice(0, nl).trim();
        stdoutBuffer = stdoutBuffer.slice(nl + 1);
        let parsed: unknown;
        try { parsed = JSON.parse(line); } catch { continue; }
        const port = (parsed as { port?: unknown } | null)?.port;
        if (typeof port === 'number' && port > 0) {
          settled = true;
          clearTimeout(timer);
          const started: StartedProcess = {
            child,
            pid: child.pid!,
            port,
            output: () => output,
            exited,
            stop: (graceMs = 5000) => stopChild(child, exited, graceMs).finally(() => running.delete(started)),
          };
          running.add(started);
          resolve(started);
          return;
        }
      }
    });
    child.once('error', (err) => fail(`could not start (${err.message})`));
    void exited.then((code) => fail(`exited with ${code} before announcing its port`));
  });
}

/** Starts the demo service from the build with the given flags. */
export function startDemo(args: readonly string[] = []): Promise<StartedProcess> {
  return startProcess({ command: process.execPath, args: [builtScript('lib/demo/demo-service'), ...args] });
}

async function stopChild(child: ChildProcess, exited: Promise<number | string>, graceMs: number): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every process started through this module that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(2000)));
}
