/**
 * Starts child processes for tests and benchmarks, waits for the JSON line announcing their port,
 * and stops them all in afterAll (`stopAll()`), even when a test failed. The processes are the
 * rehearsal's local processes (tools/cli/src/rehearsal/internal-processes.ts), started from the repository root:
 * tracked from spawn, each in its own process group, stopped with everything they started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanUp, LocalProcess, runToEnd, RunResult, spawnLocal, startAll, stopAllProcesses } from '../../tools/cli/src/rehearsal/internal-processes';

export { cleanUp, runToEnd, RunResult, startAll };

/** The repository root (where package.json lives). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A started process with the port it announced. */
export type StartedProcess = LocalProcess;

export interface StartProcessOptions {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Time allowed for the port line to appear. @default 15000 */
  readonly timeoutMs?: number;
}

/**
 * Path of a compiled module of the construct library under build/, e.g. `builtScript('lib/index')`.
 * Throws a clear message when the build is missing.
 */
export function builtScript(modulePath: string): string {
  return built(path.join(REPO_ROOT, 'build', `${modulePath}.js`));
}

/** Path of a compiled module of the command line's package (tools/cli/build/), e.g. `builtCli('demo/demo-service')`. */
export function builtCli(modulePath: string): string {
  return built(path.join(REPO_ROOT, 'tools', 'cli', 'build', `${modulePath}.js`));
}

/** Path of the slo-gate package's compiled service (tools/slo-gate/build/cli.js), which its bin runs. */
export function builtGate(): string {
  return built(path.join(REPO_ROOT, 'tools', 'slo-gate', 'build', 'cli.js'));
}

function built(file: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(REPO_ROOT, file)} does not exist, run npm run build first`);
  }
  return file;
}

/** Starts a process and waits for a stdout JSON line with a numeric `port`. */
export function startProcess(options: StartProcessOptions): Promise<StartedProcess> {
  const args = options.args ?? [];
  return spawnLocal({
    name: `${options.command} ${args.join(' ')}`, command: options.command, args, env: options.env,
    cwd: options.cwd ?? REPO_ROOT, timeoutMs: options.timeoutMs, announcesPort: true,
  });
}

/** Starts the demo service from the build with the given flags. */
export function startDemo(args: readonly string[] = []): Promise<StartedProcess> {
  return startProcess({ command: process.execPath, args: [builtCli('demo/demo-service'), ...args] });
}

/** Stops every process started through this module that is still running. */
export const stopAll = stopAllProcesses;
