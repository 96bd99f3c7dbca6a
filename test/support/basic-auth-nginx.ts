/**
 * A real NGINX on 127.0.0.1 that requires HTTP basic auth and proxies to an upstream port: a
 * Prometheus behind an authenticating reverse proxy, as many clusters run it. The password file
 * uses NGINX's `{PLAIN}` scheme (test credentials only). Stopped by `dispose()` or `stopAll()`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, LocalProcess, spawnLocal, waitUntil } from '../../tools/cli/src/rehearsal/internal-processes';

export class BasicAuthNginx {
  public static async start(upstreamPort: number, username: string, password: string, binary = process.env.NGINX_BIN ?? 'nginx'): Promise<BasicAuthNginx> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'basic-auth-nginx-'));
    const port = await freePort();
    const file = (name: string) => JSON.stringify(path.join(dir, name));
    // NGINX workers started by root run as an unprivileged user: they must be able to read the password file.
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${username}:{PLAIN}${password}\n`, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'nginx.conf'), [
      'worker_processes 1;', 'daemon off;', `pid ${file('nginx.pid')};`, `error_log ${file('error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${file(t)};`),
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    location / {',
      '      auth_basic "prometheus";',
      `      auth_basic_user_file ${file('htpasswd')};`,
      `      proxy_pass http://127.0.0.1:${upstreamPort};`,
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'));
    const proxy = new BasicAuthNginx(dir, port);
    try {
      proxy.process = await spawnLocal({
        name: 'nginx (basic auth)', command: binary, args: ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')],
      });
      await waitUntil(async () => (await fetch(`${proxy.url}/-/ready`, { signal: AbortSignal.timeout(1000) })).status === 401, 10_000, 'nginx asking for credentials', 50);
    } catch (err) {
      await proxy.dispose();
      throw err;
    }
    return proxy;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  public readonly url: string;
  private process?: LocalProcess;

  private constructor(private readonly dir: string, public readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  public async dispose(): Promise<void> {
    await this.process?.stop(5000, 'SIGQUIT');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
