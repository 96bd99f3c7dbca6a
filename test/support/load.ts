/**
 * A bounded request loop for tests: sends GET requests at a fixed rate, splitting them between
 * a stable and a canary URL by share, and counts responses by target and status.
 * Bounded in time (`durationMs`), in count (`maxRequests`) and in requests in flight.
 */
import * as http from 'node:http';

export interface LoadOptions {
  /** URL of the stable version, e.g. `http://127.0.0.1:1234/`. */
  readonly stableUrl: string;
  /** URL of the canary version; omit to send everything to stable. */
  readonly canaryUrl?: string;
  /** Share of requests sent to the canary, 0..1. @default 0 */
  readonly canaryShare?: number;
  /** Requests per second. @default 50 */
  readonly rate?: number;
  /** Stop after this long. @default 10000 */
  readonly durationMs?: number;
  /** Stop after this many requests. @default rate * durationMs / 1000 */
  readonly maxRequests?: number;
  /** Requests beyond this many in flight are skipped (counted as `skipped`). @default 200 */
  readonly maxInFlight?: number;
  /** Per-request timeout. @default 10000 */
  readonly requestTimeoutMs?: number;
}

export interface LoadCounts {
  /** Responses by status code ('error' for a connection error or timeout). */
  readonly stable: Record<string, number>;
  readonly canary: Record<string, number>;
  sent: number;
  skipped: number;
}

export interface RunningLoad {
  /** Resolves when the loop has ended and every request in flight has settled. */
  readonly done: Promise<LoadCounts>;
  /** Ends the loop early; resolves like `done`. */
  stop(): Promise<LoadCounts>;
  /** The counts so far. */
  readonly counts: LoadCounts;
}

/** Starts the load in the background. */
export function startLoad(options: LoadOptions): RunningLoad {
  const rate = options.rate ?? 50;
  const durationMs = options.durationMs ?? 10_000;
  const maxRequests = options.maxRequests ?? Math.ceil((rate * durationMs) / 1000);
  const maxInFlight = options.maxInFlight ?? 200;
  const share = options.canaryUrl ? options.canaryShare ?? 0 : 0;
  if (share < 0 || share > 1) throw new Error(`canaryShare must be between 0 and 1, got ${share}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const counts: LoadCounts = { stable: {}, canary: {}, sent: 0, skipped: 0 };
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let stopped = false;
  let tick = 0;

  const send = (target: 'stable' | 'canary') => {
    const url = target === 'canary' ? options.canaryUrl! : options.stableUrl;
    const record = (status: string) => {
      counts[target][status] = (counts[target][status] ?? 0) + 1;
    };
    const p = new Promise<void>((resolve) => {
      const req = http.get(url, { agent, timeout: options.requestTimeoutMs ?? 10_000 }, (res) => {
        res.resume();
        res.on('end', () => { record(String(res.statusCode)); resolve(); });
        res.on('error', () => { record('error'); resolve(); });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { record('error'); resolve(); });
    });
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  };

  let stopLoop: () => void = () => undefined;
  const loopEnded = new Promise<void>((resolve) => {
    const interval = 1000 / rate;
    const timer = setInterval(() => {
      // Catch up on ticks missed by timer lag, so the rate holds on a busy machine.
      const due = Math.min(Math.floor((Date.now() - started) / interval) + 1, maxRequests);
      while (tick < due && !stopped) {
        const n = tick++;
        // Deterministic split: request n goes to the canary when floor((n+1)*share) > floor(n*share).
        const target = Math.floor((n + 1) * share) > Math.floor(n * share) ? 'canary' : 'stable';
        if (inFlight.size >= maxInFlight) {
          counts.skipped++;
          continue;
        }
        counts.sent++;
        send(target);
      }
      if (stopped || tick >= maxRequests || Date.now() - started >= durationMs) finish();
    }, Math.max(1, Math.floor(interval)));
    const finish = () => {
      stopped = true;
      clearInterval(timer);
      resolve();
    };
    stopLoop = finish;
  });

  const done = loopEnded.then(async () => {
    await Promise.all([...inFlight]);
    agent.destroy();
    return counts;
  });
  return {
    done,
    counts,
    stop: () => { stopLoop(); return done; },
  };
}

/** Runs the load to its end and returns the counts. */
export function runLoad(options: LoadOptions): Promise<LoadCounts> {
  return startLoad(options).done;
}

/** Total responses with the given status class ('2', '5', ...) or exact status in a count map. */
export function countStatus(byStatus: Record<string, number>, prefix: string): number {
  return Object.entries(byStatus).filter(([s]) => s.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
}
