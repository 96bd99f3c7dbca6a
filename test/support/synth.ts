import * as fs from 'fs';
import * as path from 'path';
import { runToEnd } from './processes';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs `cdk8s synth` of an app file into `outdir`, as `npm run synth` does (npx, cdk8s, a shell, ts-node: all in
 * one process group, stopped together after `timeoutMs`); returns its exit status and output.
 */
export async function cdk8sSynth(appFile: string, outdir: string, timeoutMs = 100_000): Promise<{ status: number | null; output: string }> {
  const r = await runToEnd({
    name: 'cdk8s synth', command: 'npx', args: ['cdk8s', 'synth', '--no-check-upgrade', '--app', `npx ts-node --swc ${appFile}`, '--output', outdir],
    cwd: ROOT, timeoutMs,
  });
  return { status: typeof r.code === 'number' ? r.code : null, output: `${r.stdout}${r.stderr}` };
}

/** The files of a folder and its subfolders (by relative path) and their contents, for byte-for-byte comparison. */
export function readTree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => [f.split(path.sep).join('/'), fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** A scratch folder inside the checkout (so that app files resolve the project's modules), removed by the caller. */
export function scratchDir(name: string): string {
  const dir = path.join(ROOT, '.tmp', `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
