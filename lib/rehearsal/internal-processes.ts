/**
 * Child processes of a rehearsal (the demo service, the slo-gate, Prometheus, NGINX): started on
 * 127.0.0.1, their output kept (the last 64 KiB) for error messages, stopped with SIGTERM then SIGKILL.
 * Every process started here is tracked, so `stopAllProcesses()` can end them all on Ctrl-C.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface LocalProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The port it announced (0 for processes that announce none). */
  readonly port: number;
  /** Its output so far (stdout and stderr, the last 64 KiB). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM (or `signal`), SIGKILL after `graceMs`; resolves with the exit code once exited. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<LocalProcess>();
const OUTPUT_CAP = 64 * 1024;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A free port on 127.0.0.1 for a process that binds it later (NGINX, Prometheus, a canary that a scrape
 * configuration names in advance). It is picked below the kernel's ephemeral range (32768-60999 on Linux),
 * so that a process on this machine asking for port 0 in the meantime cannot be handed the same port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canBind(port)) return port;
  }
  throw new Error('found no free port on 127.0.0.1 between 20000 and 32000 in 50 attempts');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The compiled module `lib/<modulePath>.js`: next to this file once compiled, under build/ when
 * this file runs from TypeScript sources (tests). Throws when the build is missing.
 */
export function compiledModule(modulePath: string): string {
  const fromBuild = __filename.endsWith('.js')
    ? path.join(__dirname, '..', `${modulePath}.js`)
    : path.join(__dirname, '..', '..', 'build', 'lib', `${modulePath}.js`);
  if (!fs.existsSync(fromBuild)) {
    throw new Error(`${modulePath}.js is not built, run npm run build first`);
  }
  return fromBuild;
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** @default - this process' working directory */
  readonly cwd?: string;
  /**
   * Wait for a stdout JSON line with a numeric `port` (or `port: expectedPort`).
   * @default - do not wait
   */
  readonly announcesPort?: boolean;
  /** @default 15000 */
  readonly timeoutMs?: number;
}

/** Starts a process; with `announcesPort`, resolves once its JSON port line appeared. */
export function spawnLocal(options: SpawnOptions): Promise<LocalProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_CAP);
  };
  const exited = new Promise<number | string>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  child.stderr!.on('data', append);

  return new Promise<LocalProcess>((resolve, reject) => {
    let settled = false;
    let lines = '';
    const make = (port: number): LocalProcess => {
      const p: LocalProcess = {
        name: options.name, child, port, output: () => output, exited,
        stop: async (graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM') => {
          running.delete(p);
          if (child.exitCode !== null || child.signalCode !== null) return exited;
          child.kill(signal);
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          try {
            return await exited;
          } finally {
            clearTimeout(timer);
          }
        },
      };
      running.add(p);
      return p;
    };
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name} ${message}\n${output}`));
    };
    // Only a process that announces a port has a deadline for it: a 0 ms timer would race the start of the others.
    const timer = options.announcesPort ? setTimeout(() => fail(`announced no port within ${timeoutMs} ms`), timeoutMs) : undefined;
    child.once('error', (err) => fail(`could not start (${err.message})`));
    void exited.then((code) => fail(`exited with ${code} during start`));
    child.stdout!.on('data', (chunk: Buffer) => {
      append(chunk);
      if (settled || !options.announcesPort) return;
      lines += chunk.toString();
      let nl: number;
      while ((nl = lines.indexOf('\n')) >= 0) {
        const line = lines.slice(0, nl);
        lines = lines.slice(nl + 1);
        let port: unknown;
        try { port = (JSON.parse(line) as { port?: unknown }).port; } catch { continue; }
        if (typeof port === 'number' && port > 0) {
          settled = true;
          clearTimeout(timer);
          resolve(make(port));
          return;
        }
      }
    });
    if (!options.announcesPort) {
      // Give a missing executable the chance to report ENOENT before resolving.
      setImmediate(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(make(0));
      });
    }
  });
}

/** Polls `read` every `everyMs` until it returns true, for at most `timeoutMs`; throws `what` on timeout. */
export async function waitUntil(read: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await read()) return;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

/** Stops every process started through this module that still runs. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(2000)));
}
