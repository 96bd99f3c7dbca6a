/**
 * Headless Chromium for tests that look at what a browser renders (the Debian package `chromium`).
 * A missing browser is a failure with the fix, never a skipped test. Every run is bounded in time;
 * `stopChromium()` in afterAll kills whatever is still running (each run is its own process group).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const running = new Set<ChildProcess>();

/** The chromium binary on PATH; throws with the fix when there is none. */
export function findChromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  throw new Error('chromium is not installed, and this test renders in it: install the Debian package chromium (apt-get install -y chromium)');
}

export interface ChromiumRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs headless Chromium on `url` with extra args (e.g. `--screenshot=out.png`), in a fresh profile. */
export function runChromium(url: string, args: string[], timeoutMs = 60_000): Promise<ChromiumRun> {
  const binary = findChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const child = spawn(binary, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args, url,
  ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 64 * 1024) stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill(child);
      reject(new Error(`chromium did not finish within ${timeoutMs}ms: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); running.delete(child); reject(e); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      kill(child, true);
      running.delete(child);
      fs.rmSync(profile, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** Kills every Chromium this module started that is still running. */
export function stopChromium(): void {
  for (const child of running) kill(child);
}

/** SIGKILL to the run's process group; `leftovers` also after the main process exited (its helpers). */
function kill(child: ChildProcess, leftovers = false): void {
  if (child.pid === undefined || (child.exitCode !== null && !leftovers)) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
}
