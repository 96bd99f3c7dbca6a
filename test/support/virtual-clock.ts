/**
 * A clock for tests of the controller emulation: time stands still while anything else can happen,
 * and jumps to the next sleep that is due once nothing can. What a test sees then follows the
 * emulation's own schedule, whatever the machine's speed.
 */
import { Clock } from '../../tools/cli/src/rehearsal/internal-clock';

interface Sleeper {
  readonly at: number;
  readonly order: number;
  readonly wake: () => void;
}

export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  private sleepers: Sleeper[] = [];

  public now(): number {
    return this.time;
  }

  public sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const sleeper: Sleeper = { at: this.time + Math.max(0, ms), order: this.order++, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      }, { once: true });
    });
  }

  /**
   * Runs `work` to its end: each time nothing else can happen (the event loop's pending callbacks have
   * run), time moves to the earliest sleep due, which ends. Throws when `work` waits on something this
   * clock does not schedule, or runs past `limitMs`.
   */
  public async run<T>(work: Promise<T>, limitMs = 24 * 3600_000): Promise<T> {
    let ended = false;
    const watched = work.finally(() => { ended = true; });
    watched.catch(() => undefined);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (ended) return watched;
      this.sleepers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.sleepers.shift();
      if (!next) throw new Error(`the work waits at ${this.time} ms on something the virtual clock does not schedule`);
      if (next.at > limitMs) throw new Error(`the work runs past ${limitMs} ms on the virtual clock`);
      this.time = next.at;
      next.wake();
    }
  }
}
