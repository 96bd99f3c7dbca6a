/**
 * Starts child processes for tests and benchmarks, waits for the JSON line announcing their port,
 * and kills them all in afterAll (`stopAll()`), even when a test failed. The processes are the
 * rehearsal's local processes (lib/rehearsal/internal-processes.ts), started from the repository root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalProcess, spawnLocal, stopAllProcesses } from '../../lib/rehearsal/internal-processes';

/** The repository root (where package.json lives). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A started process with the port it announced. */
export type StartedProcess = LocalProcess & { readonly pid: number };

export interface StartProcessOptions {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Time allowed for the port line to appear. @default 15000 */
  readonly timeoutMs?: number;
}

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
export async function startProcess(options: StartProcessOptions): Promise<StartedProcess> {
  const args = options.args ?? [];
  const started = await spawnLocal({
    name: `${options.command} ${args.join(' ')}`, command: options.command, args, env: options.env,
    cwd: options.cwd ?? REPO_ROOT, timeoutMs: options.timeoutMs, announcesPort: true,
  });
  return Object.assign(started, { pid: started.child.pid! });
}

/** Starts the demo service from the build with the given flags. */
export function startDemo(args: readonly string[] = []): Promise<StartedProcess> {
  return startProcess({ command: process.execPath, args: [builtScript('lib/demo/demo-service'), ...args] });
}

/** Stops every process started through this module that is still running. */
export const stopAll = stopAllProcesses;
