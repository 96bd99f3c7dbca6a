/**
 * Type-checks PromQL with the real `promtool` (Debian package `prometheus`): every query becomes
 * the expression of a recording rule, and `promtool check rules` parses and type-checks them all
 * (e.g. rate() of an instant vector is refused), which the syntax-only parser cannot.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { substituteArgs } from '../../lib/analysis/promql';

/** Returns promtool's complaints about the queries (args replaced by sample values); empty when all are valid. */
export function promtoolErrors(queries: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    const file = path.join(dir, 'rules.yml');
    const rules = Object.entries(queries).map(([name, q], i) => ({
      record: `check:${name.replace(/[^a-zA-Z0-9_]/g, '_')}:${i}`,
      expr: substituteArgs(q),
    }));
    fs.writeFileSync(file, YAML.stringify({ groups: [{ name: 'generated', rules }] }));
    // promtool check rules starts no processes of its own: the timeout's SIGKILL ends all of it.
    const res = spawnSync(process.env.PROMTOOL_BIN ?? 'promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    if (res.error) throw new Error(`could not run promtool (${res.error.message}); install the prometheus package`);
    return res.status === 0 ? '' : `${res.stdout}\n${res.stderr}`.trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
