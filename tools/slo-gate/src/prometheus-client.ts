/**
 * The gate's only outbound client: instant queries against the one Prometheus it was configured
 * with. Each query has its own timeout, never outlives the verdict's deadline, and waits for one
 * of a fixed number of slots, so a burst of verdicts cannot flood Prometheus. Readiness checks use
 * a connection pool of their own, so they never queue behind verdict queries. Any failure
 * (refused, timeout, HTTP error, API error, unreadable answer) is a PrometheusUnavailableError,
 * which the server turns into a 503 so that Argo records an Error and measures again.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { parseSampleValue, Sample } from './queries';

export class PrometheusUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusUnavailableError';
  }
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus:9090` (a path prefix is kept). */
  readonly url: string;
  /** Timeout of one query. */
  readonly queryTimeoutMs: number;
  /** Queries in flight at most; more wait for a slot. */
  readonly maxConcurrentQueries: number;
  /** Called after every query with its duration and outcome (for the gate's own metrics). */
  readonly onQuery?: (seconds: number, outcome: 'success' | 'error') => void;
  /** The `Authorization` header of every request (basic auth read from files), asked for each request. @default - none */
  readonly authorization?: () => string | undefined;
}

/**
 * A counting semaphore with a FIFO queue. The queue is bounded by the server, which keeps at most
 * `--max-pending-verdicts` evaluations (three queries each) in flight, and every waiter leaves it at
 * its verdict's deadline.
 */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  /** Resolves with a release function once a slot is free; rejects at the deadline. */
  acquire(deadline: number): Promise<() => void> {
    const release = () => {
      const next = this.waiting.shift();
      if (next) next(); else this.free++;
    };
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => { clearTimeout(timer); resolve(release); };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new PrometheusUnavailableError('timed out waiting for a free Prometheus query slot'));
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(grant);
    });
  }
}

export class PrometheusClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  /** Readiness checks' own pool: a verdict burst holding every query socket cannot delay them. */
  private readonly readinessAgent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly slots: Slots;

  constructor(private readonly options: PrometheusClientOptions) {
    this.base = new URL(options.url);
    this.transport = this.base.protocol === 'https:' ? https : http;
    const AgentClass = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: options.maxConcurrentQueries });
    this.readinessAgent = new AgentClass({ keepAlive: true, maxSockets: 2 });
    this.slots = new Slots(options.maxConcurrentQueries);
  }

  /** Runs an instant query that must answer a vector; resolves with its samples. */
  public async vector(promql: string, deadline: number): Promise<Sample[]> {
    const release = await this.slots.acquire(deadline);
    const started = process.hrtime.bigint();
    let outcome: 'success' | 'error' = 'error';
    try {
      const timeoutMs = Math.min(this.options.queryTimeoutMs, deadline - Date.now());
      if (timeoutMs <= 0) throw new PrometheusUnavailableError('no time left for the Prometheus query');
      const params = new URLSearchParams({ query: promql, timeout: `${Math.max(1, Math.floor(timeoutMs))}ms` });
      const body = await this.get(`api/v1/query?${params.toString()}`, timeoutMs, this.agent);
      const answer = parse(body);
      if (answer.status !== 'success') {
        throw new PrometheusUnavailableError(`prometheus answered ${answer.errorType ?? 'an error'}: ${answer.error ?? 'no message'}`);
      }
      if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result)) {
        throw new PrometheusUnavailableError(`prometheus answered a ${answer.data?.resultType ?? 'malformed'} result where a vector was expected`);
      }
      outcome = 'success';
      return answer.data.result.map((s) => ({ labels: s.metric ?? {}, value: parseSampleValue(String(s.value?.[1])) }));
    } finally {
      release();
      this.options.onQuery?.(Number(process.hrtime.bigint() - started) / 1e9, outcome);
    }
  }

  /**
   * Whether Prometheus answers its readiness endpoint with 2xx within the timeout, on the readiness
   * pool; undefined when ready, else why not (no URL in it).
   */
  public async notReady(timeoutMs: number): Promise<string | undefined> {
    try {
      await this.get('-/ready', timeoutMs, this.readinessAgent, true);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** Closes idle keep-alive connections. */
  public close(): void {
    this.agent.destroy();
    this.readinessAgent.destroy();
  }

  private get(relative: string, timeoutMs: number, agent: http.Agent, only2xx = false): Promise<string> {
    const basePath = this.base.pathname.endsWith('/') ? this.base.pathname : `${this.base.pathname}/`;
    const url = new URL(basePath + relative, this.base);
    const authorization = this.options.authorization?.();
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', ...(authorization ? { authorization } : {}) };
    return new Promise((resolve, reject) => {
      const req = this.transport.get(url, { agent, headers }, (res) => {
        res.setEncoding('utf8');
        const chunks: string[] = [];
        let size = 0;
        res.on('data', (chunk: string) => {
          size += chunk.length;
          if (size > 8 * 1024 * 1024) {
            req.destroy(new PrometheusUnavailableError('prometheus answer larger than 8 MiB'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = chunks.join('');
          const status = res.statusCode ?? 0;
          // Prometheus answers API errors (400, 422, 503) with a JSON body: let the caller read it.
          if (status >= 200 && status < 300) resolve(text);
          else if (status === 401 || status === 403) reject(new PrometheusUnavailableError(`prometheus refused the gate's credentials: HTTP ${status}`));
          else if (!only2xx && status >= 400 && status < 600 && text.startsWith('{')) resolve(text);
          else reject(new PrometheusUnavailableError(`prometheus answered HTTP ${status}`));
        });
        res.on('error', (err) => { clearTimeout(timer); reject(unavailable(err)); });
      });
      const timer = setTimeout(() => req.destroy(new PrometheusUnavailableError(`prometheus did not answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => { clearTimeout(timer); reject(unavailable(err)); });
    });
  }
}

interface QueryAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> };
}

function parse(text: string): QueryAnswer {
  try {
    return JSON.parse(text) as QueryAnswer;
  } catch {
    throw new PrometheusUnavailableError('prometheus answered something that is not JSON');
  }
}

function unavailable(err: Error): PrometheusUnavailableError {
  if (err instanceof PrometheusUnavailableError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new PrometheusUnavailableError(`prometheus unreachable: ${code ?? err.message}`);
}
