/**
 * One factor that compresses every duration of a rehearsal: pauses, intervals, initialDelay,
 * the 10 s retry after an Error, abortScaleDownDelay, query windows (PromQL range selectors and
 * offsets, the gate's `window`). What cannot shrink is floored, and the floors are reported:
 * Prometheus scrapes every second, so a window holds at least 5 s (rate() needs two samples, the
 * gate accepts no less), a measurement waits at least 2 s after the run starts (two scrapes of
 * the new state) and measurements come at most once a second (no faster than the data changes).
 * Plan time is real time multiplied by the factor.
 */
import { formatSeconds, parseDurationSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';

/** Floors of scaled durations, in seconds. */
export const FLOORS = { window: 5, initialDelay: 2, interval: 1 } as const;

export type ScaledKind = 'pause' | 'interval' | 'initialDelay' | 'errorRetry' | 'scaleDownDelay' | 'window';

export class TimeScale {
  /** Durations floored so far, `what: from -> to`, for the output. */
  public readonly floored: string[] = [];

  constructor(public readonly factor: number) {
    if (!(Number.isFinite(factor) && factor >= 1 && factor <= 1000)) {
      throw new Error(`time-scale must be a number between 1 and 1000, got ${factor}`);
    }
  }

  /** Real milliseconds of a plan duration (a number of seconds or a Go duration string). */
  public ms(duration: string | number, kind: ScaledKind, what: string = kind): number {
    const seconds = parseDurationSeconds(duration);
    return Math.round(this.seconds(seconds, kind, what) * 1000);
  }

  /** Real seconds of `seconds` plan seconds, floored where the kind has a floor. */
  public seconds(seconds: number, kind: ScaledKind, what: string = kind): number {
    const scaled = seconds / this.factor;
    const floor = kind === 'window' ? FLOORS.window : kind === 'initialDelay' ? FLOORS.initialDelay
      : kind === 'interval' || kind === 'errorRetry' ? FLOORS.interval : 0;
    if (seconds > 0 && scaled < floor) {
      this.note(`${what} ${formatSeconds(seconds)} -> ${floor}s (floor; ${scaled.toFixed(2)}s scaled)`);
      return floor;
    }
    return scaled;
  }

  /** A window such as `1m` scaled to whole seconds, e.g. `6s` (at least 5s). */
  public window(window: string, what = 'window'): string {
    const seconds = parseDurationSeconds(window);
    const scaled = Math.max(FLOORS.window, Math.round(seconds / this.factor));
    if (seconds / this.factor < FLOORS.window) this.note(`${what} ${window} -> ${scaled}s (floor)`);
    return `${scaled}s`;
  }

  /**
   * A PromQL query with every range selector, subquery range and resolution, and offset scaled:
   * `rate(x[1m])` -> `rate(x[6s])` at factor 10. Durations inside quoted strings are left alone.
   */
  public promql(query: string): string {
    const duration = /(\d+(?:ms|s|m|h|d|w|y))+/;
    const scale = (d: string) => this.window(d.replace(/(\d+)d/g, (_, n) => `${Number(n) * 24}h`).replace(/(\d+)w/g, (_, n) => `${Number(n) * 168}h`), `query window [${d}]`);
    let out = '';
    let i = 0;
    while (i < query.length) {
      const c = query[i];
      if (c === '"' || c === "'" || c === '`') {
        let j = i + 1;
        while (j < query.length && query[j] !== c) j += query[j] === '\\' ? 2 : 1;
        out += query.slice(i, j + 1);
        i = j + 1;
        continue;
      }
      if (c === '[') {
        const end = query.indexOf(']', i);
        const inner = query.slice(i + 1, end);
        out += `[${inner.split(':').map((part) => (duration.test(part.trim()) && part.trim() !== '' ? scale(part.trim()) : part)).join(':')}]`;
        i = end + 1;
        continue;
      }
      const offset = /^offset\s+((?:\d+(?:ms|s|m|h|d|w|y))+)/.exec(query.slice(i));
      if (offset && (i === 0 || /\W/.test(query[i - 1]))) {
        out += `offset ${scale(offset[1])}`;
        i += offset[0].length;
        continue;
      }
      out += c;
      i++;
    }
    return out;
  }

  private note(text: string): void {
    if (!this.floored.includes(text)) this.floored.push(text);
  }
}
