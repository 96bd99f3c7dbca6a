/**
 * The time the controller emulation and its timeline run on: the machine's clock in a rehearsal,
 * or one a test moves itself (so that the emulation's schedule, not the machine's speed, decides
 * what a test sees).
 */
export interface Clock {
  /** Milliseconds on this clock. */
  now(): number;
  /** Resolves `ms` later on this clock, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The machine's clock. */
export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  }),
};
