/**
 * Child processes of a rehearsal, a simulation and the tests (the demo service, the slo-gate,
 * Prometheus, promtool, NGINX, npm): started on 127.0.0.1, their output kept for error messages.
 *
 * Each process runs in its own process group and is tracked from the moment it is spawned, so that
 * stopping it stops everything it started too (NGINX's workers, npm's children): the group gets
 * SIGTERM (or the signal asked for), SIGKILL after a grace period, and SIGKILL again once the
 * process itself has exited, for what it left behind. Whatever still runs is stopped when this
 * process is interrupted (SIGINT, SIGTERM, SIGHUP: stopped, then the signal takes its usual effect)
 * and killed when it exits.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface LocalProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Its process id, which is also the id of its process group. */
  readonly pid: number;
  /** The port it announced (0 for processes that announce none). */
  readonly port: number;
  /** Its output so far (stdout and stderr, the last `outputCap` bytes). */
  output(): string;
  /** Its standard output so far (the last `outputCap` bytes). */
  stdout(): string;
  /** Its standard error so far (the last `outputCap` bytes). */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited and its output is read. */
  readonly exited: Promise<number | string>;
  /** Resolves with the exit code (or signal) once the process itself has exited; what it started may still run. */
  readonly ended: Promise<number | string>;
  /** Sends a signal to the process and everything it started (its process group). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Stops the process group: `signal` (SIGTERM), SIGKILL after `graceMs`, SIGKILL to what is left once
   * the process has exited. Resolves with the exit code; calling it again returns the same promise.
   */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<LocalProcess>();
const DEFAULT_OUTPUT_CAP = 64 * 1024;
const INTERRUPTIONS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

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
 * The compiled module `<modulePath>.js` of this package: next to this file once compiled, under the
 * package's build/ when this file runs from TypeScript sources (tests). Throws when the build is missing.
 */
export function compiledModule(modulePath: string): string {
  const fromBuild = __filename.endsWith('.js')
    ? path.join(__dirname, '..', `${modulePath}.js`)
    : path.join(__dirname, '..', '..', 'build', `${modulePath}.js`);
  if (!fs.existsSync(fromBuild)) {
    throw new Error(`${modulePath}.js is not built, run npm run build first`);
  }
  return fromBuild;
}

/** The slo-gate package's compiled service (what its bin and its image run). Throws when the package is not built. */
export function compiledGate(): string {
  const entry = path.join(path.dirname(require.resolve('@cdk8s-progressive/slo-gate/package.json')), 'build', 'cli.js');
  if (!fs.existsSync(entry)) {
    throw new Error('the slo-gate package is not built, run npm run build first');
  }
  return entry;
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
  /** Time allowed for the port line. @default 15000 */
  readonly timeoutMs?: number;
  /** Bytes of output kept, per stream and merged. @default 65536 */
  readonly outputCap?: number;
}

/** Signals a process group; false when it is gone. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while a process of the group runs: on Linux read from /proc (an exited process not yet reaped runs nothing), elsewhere by signal 0. */
function groupRuns(pgid: number): boolean {
  if (!fs.existsSync('/proc/self/stat')) {
    try { process.kill(-pgid, 0); return true; } catch { return false; }
  }
  return fs.readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      // "pid (comm) state ppid pgrp ...": comm may hold spaces, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return state !== 'Z' && Number(pgrp) === pgid;
    } catch {
      return false;
    }
  });
}

/** Starts a process in its own process group; with `announcesPort`, resolves once its JSON port line appeared. */
export function spawnLocal(options: SpawnOptions): Promise<LocalProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const cap = options.outputCap ?? DEFAULT_OUTPUT_CAP;
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = { all: '', stdout: '', stderr: '' };
  const append = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString();
    output.all = (output.all + text).slice(-cap);
    output[stream] = (output[stream] + text).slice(-cap);
  };
  child.stderr!.on('data', append('stderr'));
  child.stdout!.on('data', append('stdout'));
  const leaderExited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('not started'));
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('not started'));
  });
  let port = 0;
  let stopping: Promise<number | string> | undefined;
  const p: LocalProcess = {
    name: options.name, child, pid: child.pid ?? 0, get port() { return port; }, exited, ended: leaderExited,
    output: () => output.all, stdout: () => output.stdout, stderr: () => output.stderr,
    signal: (signal) => { signalGroup(child.pid, signal); },
    stop: (graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM') => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
          // A stopped (SIGSTOP) process acts on SIGTERM only once continued.
          signalGroup(child.pid, 'SIGCONT');
          signalGroup(child.pid, signal);
        }
        const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
        try {
          const code = await leaderExited;
          // What it started and left behind goes with it (an NGINX worker, npm's child); a signal takes effect
          // a moment after it is sent, so wait (bounded) until the group is gone.
          if (child.pid !== undefined && signalGroup(child.pid, 'SIGKILL')) {
            for (let i = 0; i < 200 && groupRuns(child.pid); i++) await sleep(10);
          }
          // Its output is complete once every holder of its pipes has gone; a member that left the group may keep them open.
          let outputTimer: NodeJS.Timeout | undefined;
          const outputRead = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => { outputTimer = setTimeout(() => resolve(false), 2000); })]);
          clearTimeout(outputTimer);
          if (!outputRead) { child.stdout?.destroy(); child.stderr?.destroy(); }
          return code;
        } finally {
          clearTimeout(timer);
          untrack(p);
        }
      })();
      return stopping;
    },
  };
  if (child.pid !== undefined) track(p);

  return new Promise<LocalProcess>((resolve, reject) => {
    let settled = false;
    let lines = '';
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void p.stop(0, 'SIGKILL').then(() => reject(new Error(`${options.name} ${message}\n${output.all}`)));
    };
    const succeed = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(p);
    };
    // Only a process that announces a port has a deadline for it.
    const timer = options.announcesPort ? setTimeout(() => fail(`announced no port within ${timeoutMs} ms`), timeoutMs) : undefined;
    child.once('error', (err) => fail(`could not start (${err.message})`));
    // A process that announces a port fails when it exits first; one that does not may well be done already (a short run).
    if (options.announcesPort) void leaderExited.then((code) => fail(`exited with ${code} during start`));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (settled || !options.announcesPort) return;
      lines += chunk.toString();
      let nl: number;
      while ((nl = lines.indexOf('\n')) >= 0) {
        const line = lines.slice(0, nl);
        lines = lines.slice(nl + 1);
        let announced: unknown;
        try { announced = (JSON.parse(line) as { port?: unknown }).port; } catch { continue; }
        if (typeof announced === 'number' && announced > 0) {
          port = announced;
          succeed();
          return;
        }
      }
    });
    // Give a missing executable the chance to report ENOENT before resolving.
    if (!options.announcesPort) setImmediate(succeed);
  });
}

export interface RunResult {
  /** The exit code, or the signal that ended it. */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions extends Omit<SpawnOptions, 'announcesPort' | 'timeoutMs'> {
  /** The run is stopped (its whole process group) and fails after this long. */
  readonly timeoutMs: number;
}

/**
 * Runs a command to its end in its own process group (npm, npx, a nested command line); its output
 * is kept up to 16 MiB per stream. Throws when it cannot start, or when it has not ended within
 * `timeoutMs`, after stopping it and everything it started.
 */
export async function runToEnd(options: RunOptions): Promise<RunResult> {
  const p = await spawnLocal({ outputCap: 16 * 1024 * 1024, ...options, announcesPort: false });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void p.stop(3000); }, options.timeoutMs);
  try {
    // It has ended when the process itself has; what it left behind in its group is stopped with it.
    const code = await p.ended;
    await p.stop(0, 'SIGKILL');
    if (timedOut) throw new Error(`${options.name} did not end within ${options.timeoutMs} ms and was stopped:\n${p.output().slice(-4000)}`);
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  } finally {
    clearTimeout(timer);
  }
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

/** Something a setup starts: a process, or a server made of processes. */
export type Stoppable = { stop(): Promise<unknown> } | { dispose(): Promise<unknown> };

function stopOne(s: Stoppable): Promise<unknown> {
  return 'dispose' in s ? s.dispose() : s.stop();
}

/**
 * Awaits starts made together. When one fails, the others are awaited too, those that started are
 * stopped, and the first failure is thrown: a setup that fails halfway leaves nothing running.
 */
export async function startAll<T extends Stoppable>(starts: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  await cleanUp(...settled.map((s) => (s.status === 'fulfilled' ? () => stopOne(s.value) : undefined)));
  throw failed.reason;
}

/**
 * Runs every cleanup step in order, each even when one before it threw; then throws the first error
 * (naming the others). For afterAll blocks and finally clauses that stop several things.
 */
export async function cleanUp(...steps: ReadonlyArray<(() => unknown) | undefined>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step?.();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 0) return;
  if (errors.length > 1 && errors[0] instanceof Error) {
    errors[0].message += `\n(and ${errors.length - 1} more cleanup failures: ${errors.slice(1).map((e) => (e instanceof Error ? e.message : String(e))).join('; ')})`;
  }
  throw errors[0];
}

/** Stops every process started through this module that still runs. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(2000)));
}

/** The processes started through this module that still run (for tests). */
export function runningProcesses(): LocalProcess[] {
  return [...running];
}

let interrupted = false;

function onInterruption(signal: NodeJS.Signals): void {
  if (interrupted) {
    // A second interruption while stopping: no more grace.
    for (const p of running) p.signal('SIGKILL');
    return;
  }
  interrupted = true;
  void stopAllProcesses().finally(() => {
    interrupted = false;
    removeHandlers();
    // The signal takes its usual effect, unless someone else listens for it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const p of running) p.signal('SIGKILL');
}

function track(p: LocalProcess): void {
  if (running.size === 0) {
    for (const s of INTERRUPTIONS) process.on(s, onInterruption);
    process.on('exit', onExit);
  }
  running.add(p);
}

function untrack(p: LocalProcess): void {
  if (running.delete(p) && running.size === 0) removeHandlers();
}

function removeHandlers(): void {
  for (const s of INTERRUPTIONS) process.off(s, onInterruption);
  process.off('exit', onExit);
}
