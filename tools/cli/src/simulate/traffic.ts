/**
 * The series a simulation writes, pure: user traffic split between stable and canary by the
 * canary's weight on the plan's timeline, errors at random, latencies from the traffic model, all
 * counted the way an instrumented service counts them and sampled the way Prometheus scrapes them.
 *
 * Layout of a scenario in time: stable traffic from the layout's start (so that the first trial has
 * history behind it), then one rollout every `periodMs`; trial i's rollout starts at
 * `firstTrialMs + i * periodMs`, its canary pods start with it and serve traffic from
 * `canaryStartMs` until `durationMs` (the plan's promotion), then nothing until the next trial.
 *
 * Scrapes: every `scrapeIntervalMs`, with a random phase drawn again for each trial (the stable
 * series' phase changes halfway through the gap between two trials, the canary's at its start).
 * Counts of one scrape interval: requests Poisson with the expected number of the interval
 * (R x the side's share of traffic x the interval), errors binomial with the side's error rate,
 * latency buckets by sequential conditional binomials from the latency model's CDF.
 */
import { LatencyModel, SeededRandom } from '../demo/traffic-model';

/** How one side (stable or canary) behaves. */
export interface SideBehaviour {
  /** Probability that a request fails with a 5xx. */
  readonly errorRate: number;
  readonly latency: LatencyModel;
}

/** Where trials sit in time; all times in ms from the layout's start. */
export interface TrialLayout {
  readonly trials: number;
  readonly firstTrialMs: number;
  readonly periodMs: number;
  /** Ms from a rollout's start until its canary stops taking traffic (the plan's promotion). */
  readonly durationMs: number;
  /** Canary weight (%) from `atMs` (since the rollout's start) on, in time order; 0 before the first. */
  readonly weights: ReadonlyArray<{ readonly atMs: number; readonly weight: number }>;
  readonly scrapeIntervalMs: number;
}

/** One scrape of one side: cumulative counters at `atMs`. */
export interface Scrape {
  readonly atMs: number;
  readonly requests: number;
  readonly errors: number;
  /** Cumulative latency bucket counts, one per bound, then +Inf (= requests). */
  readonly buckets: readonly number[];
  /** Sum of the latencies (the expected sum of the requests counted: the model's mean times the count). */
  readonly latencySum: number;
}

/** End of the layout: the last trial's period. */
export function layoutEndMs(layout: TrialLayout): number {
  return layout.firstTrialMs + layout.trials * layout.periodMs;
}

/** The canary's weight (%) at `ms` since a rollout's start. */
export function weightAt(layout: TrialLayout, ms: number): number {
  if (ms < 0 || ms >= layout.durationMs) return 0;
  let weight = 0;
  for (const w of layout.weights) if (w.atMs <= ms) weight = w.weight;
  return weight;
}

/** The integral of the canary's share of traffic (0..1) over [a, b] in layout time, in ms. */
export function canaryShareMs(layout: TrialLayout, a: number, b: number): number {
  let total = 0;
  const first = Math.max(0, Math.floor((a - layout.firstTrialMs) / layout.periodMs));
  for (let i = first; i < layout.trials; i++) {
    const start = layout.firstTrialMs + i * layout.periodMs;
    if (start >= b) break;
    // Breakpoints of the weight inside [a, b] for this trial.
    const cuts = [a, b, start, start + layout.durationMs, ...layout.weights.map((w) => start + w.atMs)]
      .filter((c) => c >= a && c <= b).sort((x, y) => x - y);
    for (let j = 0; j + 1 < cuts.length; j++) {
      const lo = cuts[j];
      const hi = cuts[j + 1];
      if (hi > lo) total += (weightAt(layout, lo - start) / 100) * (hi - lo);
    }
  }
  return total;
}

/** The share of each bucket (non-cumulative, one per bound then the rest up to +Inf) under a latency model. */
export function bucketShares(latency: LatencyModel, bounds: readonly number[]): number[] {
  const cdf = bounds.map((b) => latency.cdf(b));
  return [...cdf.map((c, i) => c - (i === 0 ? 0 : cdf[i - 1])), 1 - (cdf[cdf.length - 1] ?? 0)];
}

/**
 * Counts of one side's requests, scraped: `scrape(atMs, expected)` adds the requests of the
 * interval since the previous scrape (their expected number given) and returns the cumulative
 * counters. The first scrape is the series' birth, at zero.
 */
export class SideCounter {
  private requests = 0;
  private errors = 0;
  private latencySum = 0;
  private readonly buckets: number[];
  private readonly shares: number[];
  private readonly mean: number;
  private born = false;

  constructor(private readonly random: SeededRandom, private readonly behaviour: SideBehaviour, bounds: readonly number[]) {
    this.shares = bucketShares(behaviour.latency, bounds);
    this.buckets = new Array(bounds.length + 1).fill(0);
    this.mean = Math.exp(Math.log(behaviour.latency.medianSeconds) + (behaviour.latency.sigma ** 2) / 2);
  }

  public scrape(atMs: number, expected: number): Scrape {
    if (this.born) {
      const n = this.random.poisson(expected);
      this.requests += n;
      this.errors += this.random.binomial(n, Math.min(1, this.behaviour.errorRate));
      this.latencySum += n * this.mean;
      // Sequential conditional binomials: bucket j gets Binomial(rest, share_j / remaining share).
      let rest = n;
      let remaining = 1;
      let cumulative = 0;
      for (let j = 0; j < this.shares.length; j++) {
        const k = j === this.shares.length - 1 ? rest : this.random.binomial(rest, remaining > 0 ? Math.min(1, this.shares[j] / remaining) : 0);
        rest -= k;
        remaining -= this.shares[j];
        cumulative += k;
        this.buckets[j] += cumulative;
      }
    }
    this.born = true;
    return { atMs, requests: this.requests, errors: this.errors, buckets: [...this.buckets], latencySum: this.latencySum };
  }
}

/** Scrape times in [fromMs, toMs) with the given phase: fromMs + phase + k * interval. */
export function scrapeTimes(fromMs: number, toMs: number, phaseMs: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs + phaseMs; t < toMs; t += intervalMs) out.push(t);
  return out;
}

/** The series a scenario writes: names as the chart's queries select them. */
export interface SeriesNames {
  /** Request counter with a `status` label (`200` or `500`), e.g. `http_requests_total`. */
  readonly requests?: string;
  /** Latency histogram base name, e.g. `http_request_duration_seconds`: `_bucket` series with `le`. */
  readonly histogram?: string;
  /** Also `<histogram>_count` and `<histogram>_sum` (only when a query selects them). */
  readonly histogramCountAndSum?: boolean;
  /** Bucket bounds in seconds, without +Inf. */
  readonly bounds: readonly number[];
}

/** The label text (inside `{}`) of each side's series; `canaryPerTrial` gives each trial's canary its own series, born at the rollout's start. */
export interface ScenarioLabels {
  readonly stable: string;
  readonly canary: (trial: number) => string;
  readonly canaryPerTrial: boolean;
}

interface Track {
  readonly labels: string;
  readonly counter: SideCounter;
  /** Expected requests in (a, b]. */
  readonly expected: (a: number, b: number) => number;
  /** Scrape times, in order. */
  readonly times: Iterator<number>;
  next: IteratorResult<number>;
  lastAt?: number;
}

/** A number of ms since the epoch as OpenMetrics seconds with 3 decimals. */
function seconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  return `${whole}.${String(ms - whole * 1000).padStart(3, '0')}`;
}

/**
 * All the series of one scenario (one traffic level, baseline and canary behaviour, many trials),
 * written window by window as OpenMetrics text, each series' samples in time order.
 */
export class ScenarioSeries {
  private readonly tracks: Track[] = [];
  private readonly canaryRandoms: SeededRandom[];
  private readonly canaryPhases: SeededRandom;
  private nextCanaryTrial = 0;
  private readonly bounds: string[];

  constructor(
    private readonly layout: TrialLayout,
    private readonly rps: number,
    stable: SideBehaviour,
    private readonly canary: SideBehaviour,
    private readonly labels: ScenarioLabels,
    private readonly names: SeriesNames,
    random: SeededRandom,
  ) {
    this.bounds = [...names.bounds.map(String), '+Inf'];
    // Independent streams: stable counts, stable phases, canary phases, then each trial's canary counts.
    const stableRandom = random.fork(0);
    const stablePhases = random.fork(1);
    this.canaryPhases = random.fork(2);
    this.canaryRandoms = Array.from({ length: layout.trials }, (_, i) => random.fork(3 + i));
    const end = layoutEndMs(layout);
    const share = (a: number, b: number) => canaryShareMs(layout, a, b);
    this.tracks.push(this.track(labels.stable, new SideCounter(stableRandom, stable, names.bounds),
      (a, b) => (rps * ((b - a) - share(a, b))) / 1000, this.continuousTimes(end, stablePhases)));
    if (!labels.canaryPerTrial) {
      this.tracks.push(this.track(labels.canary(0), new SideCounter(this.canaryRandoms[0], canary, names.bounds),
        (a, b) => (rps * share(a, b)) / 1000, this.continuousTimes(end, this.canaryPhases)));
    }
  }

  /**
   * Appends the lines of every scrape in [fromMs, toMs) (layout time) to `out`, timestamps shifted
   * by `epochMs`; returns the number of samples written.
   */
  public write(fromMs: number, toMs: number, epochMs: number, out: string[]): number {
    const { layout, names } = this;
    if (this.labels.canaryPerTrial) {
      for (; this.nextCanaryTrial < layout.trials; this.nextCanaryTrial++) {
        const i = this.nextCanaryTrial;
        const start = layout.firstTrialMs + i * layout.periodMs;
        if (start >= toMs) break;
        const phase = Math.floor(this.canaryPhases.next() * layout.scrapeIntervalMs);
        this.tracks.push(this.track(this.labels.canary(i), new SideCounter(this.canaryRandoms[i], this.canary, names.bounds),
          (a, b) => (this.rps * canaryShareMs(layout, a, b)) / 1000,
          scrapeTimes(start, start + layout.durationMs + layout.scrapeIntervalMs, phase, layout.scrapeIntervalMs)[Symbol.iterator]()));
      }
    }
    let samples = 0;
    for (const track of this.tracks) {
      const scrapes: Scrape[] = [];
      while (!track.next.done && track.next.value < toMs) {
        const at = track.next.value;
        const scrape = track.counter.scrape(at, track.expected(track.lastAt ?? at, at));
        if (at >= fromMs) scrapes.push(scrape);
        track.lastAt = at;
        track.next = track.times.next();
      }
      if (scrapes.length === 0) continue;
      const ts = scrapes.map((s) => seconds(epochMs + s.atMs));
      const series = (name: string, value: (s: Scrape) => number) => {
        for (let k = 0; k < scrapes.length; k++) out.push(`${name} ${value(scrapes[k])} ${ts[k]}`);
        samples += scrapes.length;
      };
      if (names.requests) {
        series(`${names.requests}{${track.labels},status="200"}`, (s) => s.requests - s.errors);
        series(`${names.requests}{${track.labels},status="500"}`, (s) => s.errors);
      }
      if (names.histogram) {
        this.bounds.forEach((le, j) => series(`${names.histogram}_bucket{${track.labels},le="${le}"}`, (s) => s.buckets[j]));
        if (names.histogramCountAndSum) {
          series(`${names.histogram}_count{${track.labels}}`, (s) => s.requests);
          series(`${names.histogram}_sum{${track.labels}}`, (s) => Math.round(s.latencySum * 1000) / 1000);
        }
      }
    }
    return samples;
  }

  private track(labels: string, counter: SideCounter, expected: Track['expected'], times: Iterator<number>): Track {
    return { labels, counter, expected, times, next: times.next() };
  }

  /**
   * Scrape times of a series that lives through the whole layout: a new random phase from the
   * middle of each gap between trials.
   */
  private *continuousTimes(toMs: number, phases: SeededRandom): Generator<number> {
    const { layout } = this;
    const halfGap = Math.floor((layout.periodMs - layout.durationMs) / 2);
    const cuts = [0, ...Array.from({ length: layout.trials }, (_, i) => layout.firstTrialMs + i * layout.periodMs - halfGap), toMs];
    for (let j = 0; j + 1 < cuts.length; j++) {
      const phase = Math.floor(phases.next() * layout.scrapeIntervalMs);
      for (let t = cuts[j] + phase; t < cuts[j + 1]; t += layout.scrapeIntervalMs) yield t;
    }
  }
}
