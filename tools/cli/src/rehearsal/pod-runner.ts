/**
 * The pods of a Rollout on a cluster whose kubelet is kwok (pods that run nothing), made real: one
 * demo-service process on 127.0.0.1 per Ready pod, its behaviour chosen by the image tag (`:good`,
 * `:failing`, `:slow`; any other tag is good). A pod that is gone, terminating or not Ready loses its
 * process. The router (argo-engine.ts) reads `endpoints()` to configure NGINX and Prometheus.
 */
import { createHash } from 'node:crypto';
import { DemoMode } from '../demo/demo-service';
import { compiledModule, LocalProcess, spawnLocal, waitUntil } from './internal-processes';

type Json = { [key: string]: any };

/** A Ready pod with its process. */
export interface PodEndpoint {
  readonly pod: string;
  readonly labels: Record<string, string>;
  readonly mode: DemoMode;
  readonly port: number;
  /** When its process answered /health/ready (Date.now()). */
  readonly readyAt: number;
}

/** The behaviour of a pod's image: its tag when that is good, failing or slow, else good. */
export function modeOfImage(image: string): DemoMode {
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1] ?? '';
  return tag === 'failing' || tag === 'slow' ? tag : 'good';
}

/** The same image with `tag` in place of its tag (digest dropped). */
export function withTag(image: string, tag: string): string {
  const name = image.replace(/@.*$/, '');
  const colon = name.lastIndexOf(':');
  return `${colon > name.lastIndexOf('/') ? name.slice(0, colon) : name}:${tag}`;
}

const isReady = (pod: Json) => !pod.metadata.deletionTimestamp
  && (pod.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');

export interface PodRunnerOptions {
  /** Seed of every demo process, mixed with the pod's name. */
  readonly seed: number;
  readonly baselineErrorRate: number;
  /** Called once per started or stopped process. */
  readonly print?: (line: string) => void;
}

export class PodRunner {
  private readonly processes = new Map<string, { process: LocalProcess; endpoint: PodEndpoint }>();
  private readonly demo = compiledModule('demo/demo-service');

  constructor(private readonly options: PodRunnerOptions) {}

  /** The Ready pods that have a process. */
  public endpoints(): PodEndpoint[] {
    return [...this.processes.values()].map((p) => p.endpoint);
  }

  /** Starts a process for each Ready pod of `pods` that has none (in parallel); returns the pods that are no longer Ready. */
  public async startReady(pods: readonly Json[]): Promise<string[]> {
    const ready = pods.filter(isReady);
    await Promise.all(ready.filter((p) => !this.processes.has(p.metadata.name)).map((p) => this.start(p)));
    const keep = new Set(ready.map((p) => p.metadata.name as string));
    return [...this.processes.keys()].filter((name) => !keep.has(name));
  }

  /** Stops the processes of `names`. */
  public async stop(names: readonly string[]): Promise<void> {
    await Promise.all(names.map(async (name) => {
      const p = this.processes.get(name);
      if (!p) return;
      this.processes.delete(name);
      await p.process.stop(3000);
      this.options.print?.(`stopped the process of pod ${name}`);
    }));
  }

  /** Stops every process. */
  public async dispose(): Promise<void> {
    await this.stop([...this.processes.keys()]);
  }

  private async start(pod: Json): Promise<void> {
    const name: string = pod.metadata.name;
    const image: string = pod.spec.containers[0].image;
    const mode = modeOfImage(image);
    const seed = createHash('sha256').update(`${this.options.seed}/${name}`).digest().readUInt32BE(0);
    const process_ = await spawnLocal({
      name: `demo-${mode} (pod ${name})`, command: process.execPath, announcesPort: true,
      args: [this.demo, '--mode', mode, '--port', '0', '--host', '127.0.0.1', '--seed', String(seed), '--baseline-error-rate', String(this.options.baselineErrorRate)],
    });
    try {
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${process_.port}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok, 10_000, `pod ${name} ready`);
    } catch (err) {
      await process_.stop(1000);
      throw err;
    }
    this.processes.set(name, { process: process_, endpoint: { pod: name, labels: pod.metadata.labels ?? {}, mode, port: process_.port, readyAt: Date.now() } });
    this.options.print?.(`pod ${name} Ready: ${mode} process on 127.0.0.1:${process_.port} (${image})`);
  }
}
