/**
 * Headless Chromium for tests that look at what a browser renders (the Debian package `chromium`).
 * A missing browser is a failure with the fix, never a skipped test. Every run is bounded in time and
 * runs in its own process group (tools/cli/src/rehearsal/internal-processes.ts): its helper processes (GPU,
 * renderer, zygote) end with it, and `stopAll()` in afterAll stops whatever still runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runToEnd, RunResult } from './processes';

/** The chromium binary on PATH; throws with the fix when there is none. */
export function findChromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  throw new Error('chromium is not installed, and this test renders in it: install the Debian package chromium (apt-get install -y chromium)');
}

/** Runs headless Chromium on `url` with extra args (e.g. `--screenshot=out.png`), in a fresh profile. */
export async function runChromium(url: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  const binary = findChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  try {
    return await runToEnd({
      name: 'chromium',
      command: binary,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args, url],
      timeoutMs,
    });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
