/**
 * The rehearsal's Prometheus: the `prometheus` binary (Debian package) on 127.0.0.1, its
 * configuration and TSDB in a temporary directory, scraping the demo processes every second with
 * the target labels a PodMonitor gives pods in a cluster (namespace, pod, rollouts_pod_template_hash).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, LocalProcess, spawnLocal, waitUntil } from './internal-processes';

export interface ScrapeTarget {
  readonly port: number;
  readonly labels: Record<string, string>;
}

/** Scrape interval of the rehearsal's Prometheus, in seconds. */
export const SCRAPE_INTERVAL_SECONDS = 1;

export class LocalPrometheus {
  /** Starts Prometheus and waits until it is ready; `waitForUp` targets must have been scraped once. */
  public static async start(targets: readonly ScrapeTarget[], waitForUp: number, binary = process.env.PROMETHEUS_BIN ?? 'prometheus'): Promise<LocalPrometheus> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-prometheus-'));
    const port = await freePort();
    const targetsYaml = targets.map((t, i) => [
      `  - job_name: target-${i}`,
      '    static_configs:',
      `      - targets: ["127.0.0.1:${t.port}"]`,
      '        labels:',
      ...Object.entries(t.labels).map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`),
    ].join('\n'));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
      `  scrape_timeout: ${SCRAPE_INTERVAL_SECONDS}s`,
      'scrape_configs:',
      ...targetsYaml,
      '',
    ].join('\n'));
    const server = new LocalPrometheus(dir, `http://127.0.0.1:${port}`);
    try {
      server.process = await spawnLocal({
        name: 'prometheus', command: binary,
        args: [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      });
      await waitUntil(async () => (await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok, 20_000, 'prometheus to be ready', 200);
      await waitUntil(async () => {
        const res = await fetch(`${server.url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(1000) });
        const body = await res.json() as { data: { activeTargets: Array<{ health: string }> } };
        return body.data.activeTargets.filter((t) => t.health === 'up').length >= waitForUp;
      }, 20_000, `${waitForUp} scrape targets up`, 200);
    } catch (err) {
      const log = server.process?.output() ?? '';
      await server.dispose();
      throw new Error(`${(err as Error).message}${log ? `\n${log}` : ''}`);
    }
    return server;
  }

  private process?: LocalProcess;

  private constructor(private readonly dir: string, public readonly url: string) {}

  /** Stops Prometheus and removes its directory. */
  public async dispose(): Promise<void> {
    await this.process?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
