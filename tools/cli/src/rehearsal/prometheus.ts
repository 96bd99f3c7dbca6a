/**
 * A real Prometheus server for rehearsals, tests and benchmarks: the Debian `prometheus` binary on
 * 127.0.0.1, a free port, a temporary directory for its configuration and TSDB, 1 s scrapes of static
 * targets carrying the labels a PodMonitor would put on series in a cluster
 * (namespace, pod, rollouts_pod_template_hash).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, LocalProcess, sleep, spawnLocal } from './internal-processes';

export interface ScrapeTarget {
  /** Port on 127.0.0.1 serving /metrics. */
  readonly port: number;
  /** Target labels, e.g. `{ namespace: 'shop', pod: 'web-abc', rollouts_pod_template_hash: 'abc' }`. */
  readonly labels: Record<string, string>;
  /** @default /metrics */
  readonly metricsPath?: string;
}

export interface PrometheusOptions {
  readonly targets: readonly ScrapeTarget[];
  /** @default '1s' */
  readonly scrapeInterval?: string;
  /**
   * Targets that must have been scraped once before start() returns (e.g. 1 when the canary starts later).
   * @default - every target
   */
  readonly waitForUp?: number;
  /** Time allowed for readiness and for every target to be up. @default 20000 */
  readonly timeoutMs?: number;
  /** The `prometheus` executable. @default PROMETHEUS_BIN or 'prometheus' */
  readonly binary?: string;
  /** A TSDB directory to serve (e.g. filled by promtool); dispose() leaves it. @default - a new one in the temporary directory */
  readonly storagePath?: string;
  /**
   * Also scrape the targets of a file that `setFileTargets` rewrites (file_sd_configs), for targets
   * that come and go, e.g. one per pod. @default false
   */
  readonly fileTargets?: boolean;
  /** More command-line flags, e.g. `--storage.tsdb.retention.time=100y`. @default - none */
  readonly flags?: readonly string[];
}

/** One sample of an instant vector as Prometheus' HTTP API returns it. */
export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: VectorSample[] }
  | { readonly resultType: 'scalar' | 'string'; readonly result: [number, string] }
  | { readonly resultType: 'matrix'; readonly result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };

/** Scrape interval of the local Prometheus, in seconds. */
export const SCRAPE_INTERVAL_SECONDS = 1;

export class PrometheusServer {
  /** Starts Prometheus, waits until it is ready and every target is up. */
  public static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-test-'));
    const server = new PrometheusServer(dir, await freePort(), options);
    try {
      await server.launch();
      await server.waitForTargetsUp();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  public readonly url: string;
  private process?: LocalProcess;
  private lastLog = '';
  private readonly timeoutMs: number;

  private constructor(
    private readonly dir: string,
    public readonly port: number,
    private readonly options: PrometheusOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    if (options.fileTargets) fs.writeFileSync(path.join(dir, 'file-targets.json'), '[]');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), this.config());
  }

  /** Runs an instant query and returns the parsed `data` of the answer; throws on an API error. */
  public async query(promql: string, time?: number): Promise<QueryResult> {
    const params = new URLSearchParams({ query: promql });
    if (time !== undefined) params.set('time', String(time));
    const res = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
      signal: AbortSignal.timeout(5000),
    });
    const body = await res.json() as { status: string; data?: QueryResult; error?: string; errorType?: string };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`prometheus query failed (${res.status} ${body.errorType}: ${body.error}): ${promql}`);
    }
    return body.data;
  }

  /** Runs a range query (times in seconds) and returns the parsed `data` of the answer; throws on an API error. */
  public async queryRange(promql: string, start: number, end: number, step: number, timeoutMs = 30_000): Promise<QueryResult> {
    const params = new URLSearchParams({ query: promql, start: String(start), end: String(end), step: String(step) });
    const res = await fetch(`${this.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.json() as { status: string; data?: QueryResult; error?: string; errorType?: string };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`prometheus range query failed (${res.status} ${body.errorType}: ${body.error}): ${promql}`);
    }
    return body.data;
  }

  /** Runs an instant query and returns the vector samples as numbers with their labels. */
  public async vector(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const data = await this.query(promql);
    if (data.resultType !== 'vector') throw new Error(`expected a vector from ${promql}, got ${data.resultType}`);
    return data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  }

  /** Polls a query (every 500 ms, bounded by `timeoutMs`) until `accept` returns true; returns the last result. */
  public async waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = this.timeoutMs, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        last = await read();
        if (accept(last)) return last;
      } catch (err) {
        lastError = err;
      }
      await sleep(500);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(last)}${lastError ? `, last error ${String(lastError)}` : ''}`);
  }

  /** Waits until every configured target has been scraped successfully. */
  public async waitForTargetsUp(timeoutMs = this.timeoutMs): Promise<void> {
    const expected = this.options.waitForUp ?? this.options.targets.length;
    await this.waitFor(
      async () => {
        const res = await fetch(`${this.url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2000) });
        const body = await res.json() as { data: { activeTargets: Array<{ health: string }> } };
        return body.data.activeTargets.filter((t) => t.health === 'up').length;
      },
      (up) => up >= expected,
      timeoutMs,
      `${expected} targets up`,
    );
  }

  /** Replaces the targets of the file (needs `fileTargets`); Prometheus picks the change up by itself. */
  public setFileTargets(targets: readonly ScrapeTarget[]): void {
    if (!this.options.fileTargets) throw new Error('setFileTargets needs a server started with fileTargets: true');
    const groups = targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: { ...t.labels, ...(t.metricsPath ? { __metrics_path__: t.metricsPath } : {}) } }));
    const file = path.join(this.dir, 'file-targets.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(groups));
    fs.renameSync(`${file}.tmp`, file);
  }

  /** Stops Prometheus (SIGTERM, SIGKILL after 5 s), paused or not. Keeps the data directory for restart(). */
  public async stop(): Promise<void> {
    const p = this.process;
    if (!p) return;
    this.process = undefined;
    await p.stop(5000);
    this.lastLog = p.output();
  }

  /** Freezes the Prometheus process (SIGSTOP): connections are accepted by the kernel but never answered. */
  public pause(): void {
    this.process?.signal('SIGSTOP');
  }

  /** Lets a paused Prometheus run again (SIGCONT). */
  public resume(): void {
    this.process?.signal('SIGCONT');
  }

  /** Starts Prometheus again on the same port and data directory; waits for readiness and targets. */
  public async restart(): Promise<void> {
    await this.stop();
    await this.launch();
    await this.waitForTargetsUp();
  }

  /** Stops Prometheus and removes its temporary directory. */
  public async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's log so far (capped), for failure messages. */
  public log(): string {
    return this.process?.output() ?? this.lastLog;
  }

  private config(): string {
    const interval = this.options.scrapeInterval ?? '1s';
    const targets = this.options.targets.map((t, i) => [
      `  - job_name: target-${i}`,
      `    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}`,
      '    static_configs:',
      `      - targets: ["127.0.0.1:${t.port}"]`,
      '        labels:',
      ...Object.entries(t.labels).map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`),
    ].join('\n'));
    const fileTargets = this.options.fileTargets ? [[
      '  - job_name: file-targets',
      '    file_sd_configs:',
      `      - files: [${JSON.stringify(path.join(this.dir, 'file-targets.json'))}]`,
      '        refresh_interval: 1s',
    ].join('\n')] : [];
    return [
      'global:',
      `  scrape_interval: ${interval}`,
      `  scrape_timeout: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      ...targets,
      ...fileTargets,
      '',
    ].join('\n');
  }

  private async launch(): Promise<void> {
    const binary = this.options.binary ?? process.env.PROMETHEUS_BIN ?? 'prometheus';
    let p: LocalProcess;
    try {
      p = await spawnLocal({
        name: binary,
        command: binary,
        args: [
          `--config.file=${path.join(this.dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${this.options.storagePath ?? path.join(this.dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${this.port}`,
          '--log.level=warn',
          ...(this.options.flags ?? []),
        ],
        outputCap: 32 * 1024,
      });
    } catch (err) {
      throw new Error(`${(err as Error).message.split('\n')[0]}: install the Debian package prometheus`);
    }
    this.process = p;
    const deadline = Date.now() + this.timeoutMs;
    while (Date.now() < deadline) {
      if (p.child.exitCode !== null) throw new Error(`prometheus exited with ${p.child.exitCode}:\n${p.output()}`);
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`prometheus not ready within ${this.timeoutMs} ms:\n${p.output()}`);
  }
}
