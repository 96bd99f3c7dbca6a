import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `cdk8s synth` of an app file into `outdir`, as `npm run synth` does; returns its exit status and output. */
export function cdk8sSynth(appFile: string, outdir: string): { status: number | null; output: string } {
  const r = spawnSync('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--app', `npx ts-node --swc ${appFile}`, '--output', outdir],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The files of a folder and their contents, for byte-for-byte comparison. */
export function readTree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** A scratch folder inside the checkout (so that app files resolve the project's modules), removed by the caller. */
export function scratchDir(name: string): string {
  const dir = path.join(ROOT, '.tmp', `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
