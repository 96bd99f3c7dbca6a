/**
 * An HTTP proxy on 127.0.0.1 in front of a real Prometheus that can stall its query API: held
 * requests to `/api/` wait (forever, or `delayMs`) while everything else, such as `/-/ready`, passes
 * straight through. It stands for a Prometheus that is alive but slow to answer queries (overloaded
 * by an expensive query, a long GC pause), which a frozen process cannot show.
 *
 * `waitForHeld(n)` resolves once n requests are held, so a test can act on an event instead of a clock.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Held {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
}

export class StallingProxy {
  /** Starts the proxy on a free port, forwarding to `upstream` (e.g. `http://127.0.0.1:9090`). */
  public static async start(upstream: string): Promise<StallingProxy> {
    const proxy = new StallingProxy(new URL(upstream));
    await new Promise<void>((resolve, reject) => proxy.server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** Hold every query until `release()`. */
  public holdQueries = false;
  /** Delay every query by this much before forwarding it. */
  public delayMs = 0;
  /** Requests received so far, by kind. */
  public readonly counts = { queries: 0, other: 0 };
  private readonly held: Held[] = [];
  private readonly events = new EventEmitter();
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly upstream: URL) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests held right now. */
  public get heldCount(): number {
    return this.held.length;
  }

  /** Resolves once at least `n` requests are held; rejects after `timeoutMs`. */
  public waitForHeld(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.held.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.held.length < n) return;
        this.events.off('held', check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('held', check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n} held requests, ${this.held.length} held`));
      }, timeoutMs);
      this.events.on('held', check);
    });
  }

  /** Stops holding and forwards every held request. */
  public release(): void {
    this.holdQueries = false;
    for (const h of this.held.splice(0)) this.forward(h.req, h.res);
  }

  /** Answers held requests with nothing (their connections are dropped), stops listening. */
  public async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const h of this.held.splice(0)) h.res.destroy();
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const query = (req.url ?? '').startsWith('/api/');
    if (!query) {
      this.counts.other++;
      this.forward(req, res);
      return;
    }
    this.counts.queries++;
    if (this.holdQueries) {
      this.held.push({ req, res });
      this.events.emit('held');
      return;
    }
    if (this.delayMs > 0) {
      const timer = setTimeout(() => { this.timers.delete(timer); this.forward(req, res); }, this.delayMs);
      this.timers.add(timer);
      return;
    }
    this.forward(req, res);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (res.destroyed) return;
    const upstream = http.request({
      host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent,
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    // An upstream that is down looks, to the client, like a connection dropped without an answer.
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
