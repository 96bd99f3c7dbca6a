/**
 * The rehearsal's user traffic: GET requests through NGINX at a fixed rate for the whole
 * rehearsal, every response recorded with the phase it was sent in and the upstream that served it.
 * Bounded in time, in count and in requests in flight; a fresh connection per request
 * (`Connection: close`), so a graceful NGINX reload never catches a request on a closing connection.
 */
import * as http from 'node:http';

export interface LoadOptions {
  /** NGINX's URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** Requests per second. */
  readonly rate: number;
  /** The phase a request is sent in, read at each send (e.g. `step 2 setWeight 25`). */
  readonly phase: () => string;
  /** Hard bound on the load's duration. */
  readonly maxDurationMs: number;
  /** Requests beyond this many in flight are skipped and counted. @default 500 */
  readonly maxInFlight?: number;
  /** @default 30000 */
  readonly requestTimeoutMs?: number;
}

/** One user request. */
export interface LoadResponse {
  /** Milliseconds since the load started, when it was sent. */
  readonly sentMs: number;
  readonly phase: string;
  /** HTTP status, or 0 for a connection error or timeout. */
  readonly status: number;
  /** `stable`, `canary` (from NGINX's X-Upstream) or `none` when there was no response. */
  readonly upstream: string;
  readonly latencyMs: number;
}

export interface RunningLoad {
  readonly responses: LoadResponse[];
  /** Requests not sent because too many were in flight. */
  skipped(): number;
  /** Ends the loop; resolves once every request in flight has settled. */
  stop(): Promise<LoadResponse[]>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  if (!(options.rate > 0 && options.rate <= 2000)) throw new Error(`rate must be between 1 and 2000 requests per second, got ${options.rate}`);
  const maxInFlight = options.maxInFlight ?? 500;
  const maxRequests = Math.ceil((options.rate * options.maxDurationMs) / 1000);
  const responses: LoadResponse[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const interval = 1000 / options.rate;
  let sent = 0;
  let skipped = 0;
  let stopped = false;

  const send = () => {
    const sentMs = Date.now() - started;
    const phase = options.phase();
    const t0 = process.hrtime.bigint();
    const record = (status: number, upstream: string) => {
      responses.push({ sentMs, phase, status, upstream, latencyMs: Number(process.hrtime.bigint() - t0) / 1e6 });
    };
    const p = new Promise<void>((resolve) => {
      const req = http.get(options.url, { agent: false, headers: { connection: 'close' }, timeout: options.requestTimeoutMs ?? 30_000 }, (res) => {
        res.resume();
        const upstream = String(res.headers['x-upstream'] ?? 'none');
        res.on('end', () => { record(res.statusCode ?? 0, upstream); resolve(); });
        res.on('error', () => { record(0, upstream); resolve(); });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { record(0, 'none'); resolve(); });
    });
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  };

  let finish: () => void = () => undefined;
  const loopEnded = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up on ticks missed by timer lag, so the rate holds on a busy machine.
      const due = Math.min(Math.floor((Date.now() - started) / interval) + 1, maxRequests);
      while (sent + skipped < due && !stopped) {
        if (inFlight.size >= maxInFlight) { skipped++; continue; }
        sent++;
        send();
      }
      if (sent + skipped >= maxRequests || Date.now() - started >= options.maxDurationMs) finish();
    }, Math.max(1, Math.floor(interval)));
    finish = () => {
      stopped = true;
      clearInterval(timer);
      resolve();
    };
  });
  const done = loopEnded.then(async () => {
    await Promise.all([...inFlight]);
    return responses;
  });
  return { responses, skipped: () => skipped, stop: () => { finish(); return done; } };
}
