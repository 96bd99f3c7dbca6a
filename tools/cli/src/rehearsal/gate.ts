/**
 * The real slo-gate of a rehearsal, on 127.0.0.1, with a tenant token for one namespace, as a platform
 * team would create it: the templates' secretKeyRef args (the gate token) resolve to `token`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanUp, compiledGate, LocalProcess, spawnLocal } from './internal-processes';

export class LocalGate {
  /** Starts the gate against `prometheusUrl`, answering only for `namespace`. */
  public static async start(prometheusUrl: string, namespace: string): Promise<LocalGate> {
    const tokens = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-tokens-'));
    const token = randomBytes(24).toString('hex');
    try {
      fs.writeFileSync(path.join(tokens, namespace), token, { mode: 0o600 });
      const child = await spawnLocal({
        name: 'slo-gate', command: process.execPath, announcesPort: true,
        args: [compiledGate(), '--prometheus-url', prometheusUrl, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info',
          '--tenant-tokens-dir', tokens],
      });
      return new LocalGate(child, tokens, token);
    } catch (err) {
      fs.rmSync(tokens, { recursive: true, force: true });
      throw err;
    }
  }

  /** Base URL, e.g. http://127.0.0.1:34567. */
  public readonly url: string;

  private constructor(private readonly child: LocalProcess, private readonly tokensDir: string, public readonly token: string) {
    this.url = `http://127.0.0.1:${child.port}`;
  }

  /** Stops the gate and removes its token. */
  public async dispose(): Promise<void> {
    await cleanUp(() => this.child.stop(3000), async () => fs.rmSync(this.tokensDir, { recursive: true, force: true }));
  }
}
