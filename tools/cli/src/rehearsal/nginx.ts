/**
 * The rehearsal's traffic router: the Debian `nginx` binary run as a plain process, its
 * configuration, pid file, logs and temporary files in a temporary directory, listening on
 * 127.0.0.1 only. Two upstreams, `stable` and `canary`; `split_clients` on the request id sends
 * `weight` percent of requests to the canary at random, as ingress-nginx's canary-weight does.
 * A weight change rewrites the configuration and reloads gracefully (`nginx -s reload` with the
 * same prefix and configuration): old workers finish their requests, new ones take the new weights.
 * Every response carries `X-Upstream: stable|canary` (the upstream that served it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, LocalProcess, spawnLocal, waitUntil } from './internal-processes';

/** Where each upstream sends requests: a port on 127.0.0.1. */
export interface NginxRoutes {
  readonly stablePort: number;
  /** @default - no canary upstream */
  readonly canaryPort?: number;
  /** Percent of requests sent to the canary upstream, 0..100. */
  readonly canaryWeight: number;
  /**
   * Several servers per upstream (the endpoints of a Service), in place of stablePort and canaryPort;
   * an empty list is an upstream with no live server (502), as a Service without ready endpoints.
   * @default - the one port
   */
  readonly stablePorts?: readonly number[];
  readonly canaryPorts?: readonly number[];
}

/** The `server` lines of an upstream; a port nothing listens on, marked down, when there is none. */
function servers(ports: readonly number[]): string {
  return ports.length === 0 ? 'server 127.0.0.1:9 down;' : ports.map((p) => `server 127.0.0.1:${p};`).join(' ');
}

/** The path that answers the configuration generation, so a reload can be seen to have taken effect. */
export const GENERATION_PATH = '/__rehearsal/generation';

/** A process' title (NGINX retitles its workers), empty once it has exited. */
function processTitle(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** The nginx.conf of a route table. */
export function nginxConfig(dir: string, listenPort: number, routes: NginxRoutes, generation: number): string {
  const w = routes.canaryWeight;
  if (!Number.isInteger(w) || w < 0 || w > 100) throw new Error(`canaryWeight must be an integer between 0 and 100, got ${w}`);
  const canaryPorts = routes.canaryPorts ?? (routes.canaryPort !== undefined ? [routes.canaryPort] : undefined);
  if (w > 0 && canaryPorts === undefined) throw new Error(`canaryWeight ${w} needs a canaryPort`);
  const split = w === 0 ? ['* stable;'] : w === 100 ? ['* canary;'] : [`${w}% canary;`, '* stable;'];
  const file = (name: string) => JSON.stringify(path.join(dir, name));
  return [
    'worker_processes 1;',
    'daemon off;',
    `pid ${file('nginx.pid')};`,
    `error_log ${file('error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${file('client_body')};`,
    `  proxy_temp_path ${file('proxy')};`,
    `  fastcgi_temp_path ${file('fastcgi')};`,
    `  uwsgi_temp_path ${file('uwsgi')};`,
    `  scgi_temp_path ${file('scgi')};`,
    '  proxy_max_temp_file_size 0;',
    `  upstream stable { ${servers(routes.stablePorts ?? [routes.stablePort])} }`,
    ...(canaryPorts !== undefined ? [`  upstream canary { ${servers(canaryPorts)} }`] : []),
    `  split_clients "\${request_id}" $rehearsal_upstream { ${split.join(' ')} }`,
    '  server {',
    `    listen 127.0.0.1:${listenPort};`,
    `    location = ${GENERATION_PATH} { return 200 "${generation}"; }`,
    '    location / {',
    '      proxy_pass http://$rehearsal_upstream;',
    '      proxy_read_timeout 60s;',
    '      add_header X-Upstream $rehearsal_upstream always;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export class LocalNginx {
  /** Starts NGINX with all traffic on stable (or with `routes`); resolves once it answers. */
  public static async start(stable: number | NginxRoutes, binary = process.env.NGINX_BIN ?? 'nginx'): Promise<LocalNginx> {
    const version = spawnSync(binary, ['-v'], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
    if (version.error) throw new Error(`could not run ${binary} (${version.error.message}): install the nginx package (apt-get install -y nginx)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-nginx-'));
    const nginx = new LocalNginx(binary, dir, await freePort(), typeof stable === 'number' ? { stablePort: stable, canaryWeight: 0 } : stable);
    try {
      nginx.writeConfig();
      nginx.process = await spawnLocal({ name: 'nginx', command: binary, args: nginx.baseArgs() });
      await nginx.waitForGeneration(10_000);
    } catch (err) {
      await nginx.dispose();
      throw err;
    }
    return nginx;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  public readonly url: string;
  private process?: LocalProcess;
  private generation = 1;

  private constructor(private readonly binary: string, private readonly dir: string, public readonly port: number, private routes: NginxRoutes) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** The routes in effect. */
  public get current(): NginxRoutes {
    return this.routes;
  }

  /** Rewrites the configuration and reloads gracefully; resolves once new workers answer. */
  public async route(routes: NginxRoutes): Promise<void> {
    this.routes = routes;
    this.generation++;
    this.writeConfig();
    const oldWorkers = this.workers();
    // `nginx -s reload` only signals the master and exits: it starts no processes of its own.
    const reload = spawnSync(this.binary, [...this.baseArgs(), '-s', 'reload'], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
    if (reload.status !== 0) throw new Error(`nginx -s reload failed (${reload.status}): ${reload.stderr}${this.errorLog()}`);
    await this.waitForGeneration(10_000);
    // The reload is done once no old worker accepts connections any more: each has exited or, told to quit,
    // retitled itself "worker process is shutting down" as it closed its listening socket (it still finishes
    // the requests it holds, with the old routes, as NGINX does in a cluster).
    await waitUntil(async () => oldWorkers.every((pid) => !/worker process$/.test(processTitle(pid))), 10_000, 'old nginx workers to stop listening', 20);
  }

  /** Stops NGINX, master and workers (graceful SIGQUIT, SIGKILL after 5 s), and removes its directory. */
  public async dispose(): Promise<void> {
    await this.process?.stop(5000, 'SIGQUIT');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private baseArgs(): string[] {
    return ['-p', `${this.dir}/`, '-c', path.join(this.dir, 'nginx.conf'), '-e', path.join(this.dir, 'error.log')];
  }

  private writeConfig(): void {
    fs.writeFileSync(path.join(this.dir, 'nginx.conf'), nginxConfig(this.dir, this.port, this.routes, this.generation));
  }

  /** Pids of the master's worker processes (Linux /proc). */
  private workers(): number[] {
    const master = this.process?.child.pid;
    if (master === undefined) return [];
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === master;
      } catch {
        return false;
      }
    });
  }

  private errorLog(): string {
    try {
      return `\n${fs.readFileSync(path.join(this.dir, 'error.log'), 'utf8').slice(-4000)}`;
    } catch {
      return '';
    }
  }

  private async waitForGeneration(timeoutMs: number): Promise<void> {
    const want = String(this.generation);
    try {
      // A fresh connection each time: an old worker keeps serving its open connections with the old configuration.
      await waitUntil(async () => {
        const res = await fetch(`${this.url}${GENERATION_PATH}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1000) });
        return (await res.text()) === want;
      }, timeoutMs, `nginx configuration generation ${want}`, 50);
    } catch (err) {
      throw new Error(`${(err as Error).message}${this.errorLog()}${this.process ? `\n${this.process.output()}` : ''}`);
    }
  }
}
