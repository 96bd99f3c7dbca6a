/**
 * What happened in a rehearsal: the controller's events with real and plan time, the summary
 * (promoted or aborted, time to promote, plan time from canary start to abort, requests and
 * non-2xx responses by phase), printed as text and written as JSON and as an SVG timeline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import type { PlanBudgets } from 'cdk8s-progressive/build/lib/rollout/plan';
import { Clock, REAL_CLOCK } from './internal-clock';
import type { LoadResponse } from './load';
import type { RolloutOutcome } from './rollout-outcome';

export type EventKind = 'rollout' | 'canary' | 'step' | 'weight' | 'analysis' | 'measurement' | 'abort' | 'promote' | 'note';

export interface TimelineEvent {
  /** Milliseconds since the rollout started. */
  readonly realMs: number;
  /** Plan seconds: real time multiplied by the time-scale factor. */
  readonly planSeconds: number;
  readonly kind: EventKind;
  readonly step?: number;
  /** Canary weight in percent when the event happened. */
  readonly weight: number;
  /** Measurement or run phase, when the event is one. */
  readonly phase?: string;
  readonly message: string;
}

export class Timeline {
  public readonly events: TimelineEvent[] = [];
  private startedAt: number;

  /** `clock`: the time of the rollout's events, which the controller emulation also runs on. */
  constructor(public readonly factor: number, private readonly print: (line: string) => void = () => undefined, public readonly clock: Clock = REAL_CLOCK) {
    this.startedAt = clock.now();
  }

  /** Marks time zero: the rollout starts. */
  public start(): void {
    this.startedAt = this.clock.now();
  }

  public elapsedMs(): number {
    return this.clock.now() - this.startedAt;
  }

  /** The load's clock started earlier; converts its send time into timeline time. */
  public offsetOf(loadStartedAt: number): number {
    return loadStartedAt - this.startedAt;
  }

  public record(event: Omit<TimelineEvent, 'realMs' | 'planSeconds'>): void {
    const realMs = this.elapsedMs();
    const e: TimelineEvent = { realMs, planSeconds: (realMs / 1000) * this.factor, ...event };
    this.events.push(e);
    this.print(formatEvent(e));
  }
}

/** `  real   4.2s  plan     42s  step  3  weight  25%  measurement  ...` */
export function formatEvent(e: TimelineEvent): string {
  return `  real ${(e.realMs / 1000).toFixed(1).padStart(6)}s  plan ${formatSeconds(e.planSeconds).padStart(6)}  `
    + `${e.step === undefined ? '       ' : `step ${String(e.step).padStart(2)}`}  weight ${String(e.weight).padStart(3)}%  ${e.kind.padEnd(11)} ${e.message}`;
}

export interface PhaseTraffic {
  readonly phase: string;
  readonly requests: number;
  readonly non2xx: number;
  /** Requests and non-2xx served by the canary upstream. */
  readonly canaryRequests: number;
  readonly canaryNon2xx: number;
}

export interface Duration2 {
  readonly realSeconds: number;
  readonly planSeconds: number;
}

export interface RehearsalSummary {
  readonly chart: string;
  readonly rollout: string;
  readonly canary: string;
  /** Share of requests stable and canary fail at random. */
  readonly baselineErrorRate: number;
  /** Seed of the demo processes' errors and latencies. */
  readonly seed: number;
  readonly timeScale: number;
  /** Durations the time scale could not shrink as far, with the floor used. */
  readonly floors: string[];
  readonly hashes: { readonly stable: string; readonly canary: string };
  readonly result: RolloutOutcome['result'];
  readonly message: string;
  /** The step the rollout was aborted or paused at. */
  readonly step?: number;
  /** The budgets the Rollout records (maxPromotionTime, maxTimeToAbort), else the defaults (10m, 2m). */
  readonly budgets: PlanBudgets;
  /** Rollout start to full promotion. */
  readonly timeToPromote?: Duration2;
  /** First canary traffic to the abort (weight back to 0). */
  readonly canaryStartToAbort?: Duration2;
  readonly load: {
    /** Requests per second of plan time. */
    readonly rate: number;
    /** Requests per second of real time: rate x time-scale. */
    readonly realRate: number;
    /** Requests sent per second of real time, as measured. */
    readonly achievedRealRate: number;
    readonly requests: number;
    readonly non2xx: number;
    readonly skipped: number;
    readonly byPhase: PhaseTraffic[];
  };
}

/** Requests and non-2xx responses by phase, phases in the order they first appear. */
export function trafficByPhase(responses: readonly LoadResponse[]): PhaseTraffic[] {
  const byPhase = new Map<string, { requests: number; non2xx: number; canaryRequests: number; canaryNon2xx: number }>();
  for (const r of [...responses].sort((a, b) => a.sentMs - b.sentMs)) {
    const p = byPhase.get(r.phase) ?? { requests: 0, non2xx: 0, canaryRequests: 0, canaryNon2xx: 0 };
    const bad = r.status < 200 || r.status > 299;
    p.requests++;
    if (bad) p.non2xx++;
    if (r.upstream === 'canary') {
      p.canaryRequests++;
      if (bad) p.canaryNon2xx++;
    }
    byPhase.set(r.phase, p);
  }
  return [...byPhase].map(([phase, t]) => ({ phase, ...t }));
}

export function durationOf(ms: number | undefined, factor: number): Duration2 | undefined {
  return ms === undefined ? undefined : { realSeconds: Math.round(ms) / 1000, planSeconds: Math.round((ms / 1000) * factor * 10) / 10 };
}

/** The summary as text. */
export function formatSummary(s: RehearsalSummary): string {
  const d = (x: Duration2, budget: number) => `${formatSeconds(x.planSeconds)} plan time (${x.realSeconds.toFixed(1)}s real), `
    + (Number.isFinite(budget) ? `${x.planSeconds <= budget ? 'within' : 'OVER'} the ${formatSeconds(budget)} budget` : 'no budget');
  const rows = s.load.byPhase.map((p) => `    ${p.phase.padEnd(44)} ${String(p.requests).padStart(6)} ${String(p.non2xx).padStart(7)}`
    + `   (canary ${p.canaryRequests}, canary non-2xx ${p.canaryNon2xx})`);
  return [
    `summary: ${s.result.toUpperCase()} - ${s.message}`,
    ...(s.step !== undefined ? [`  ${s.result} at step ${s.step}`] : []),
    ...(s.timeToPromote ? [`  time to promote: ${d(s.timeToPromote, s.budgets.promotionSeconds)}`] : []),
    ...(s.canaryStartToAbort ? [`  canary start to abort: ${d(s.canaryStartToAbort, s.budgets.abortSeconds)}`] : []),
    `  load: ${s.load.requests} requests through nginx at ${s.load.rate}/s of plan time = ${s.load.realRate}/s real (${s.load.achievedRealRate}/s sent), `
      + `${s.load.non2xx} non-2xx, ${s.load.skipped} skipped (too many in flight)`,
    `  demo processes: baseline error rate ${s.baselineErrorRate}, seed ${s.seed}`,
    `    ${'phase'.padEnd(44)} ${'served'.padStart(6)} ${'non-2xx'.padStart(7)}`,
    ...rows,
  ].join('\n');
}

const PHASE_COLOURS: Record<string, string> = {
  Successful: '#2e7d32', Failed: '#c62828', Error: '#6d4c41', Inconclusive: '#ef6c00',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An SVG timeline over plan time: the canary weight as a step line, each measurement as a dot
 * coloured by its phase (one row per analysis), non-2xx user responses as red ticks, and the
 * abort or promotion as a vertical line.
 */
export function timelineSvg(summary: RehearsalSummary, events: readonly TimelineEvent[], responses: readonly LoadResponse[], loadOffsetMs: number): string {
  const width = 960;
  const left = 60;
  const right = 20;
  const top = 40;
  const plot = 200;
  const endPlan = Math.max(1, ...events.map((e) => e.planSeconds));
  const x = (plan: number) => left + (Math.max(0, plan) / endPlan) * (width - left - right);
  const y = (weight: number) => top + plot - (weight / 100) * plot;
  const runs = [...new Set(events.filter((e) => e.kind === 'measurement').map((e) => e.message.split(': ')[0]))];
  const height = top + plot + 40 + runs.length * 18 + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="13">${esc(`${summary.rollout}: ${summary.canary} canary, ${summary.result} (time-scale ${summary.timeScale}, plan time)`)}</text>`,
  ];
  for (const w of [0, 25, 50, 75, 100]) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(w)}" y2="${y(w)}" stroke="#eee"/>`,
      `<text x="${left - 8}" y="${y(w) + 4}" text-anchor="end">${w}%</text>`);
  }
  const ticks = Math.min(12, Math.ceil(endPlan / 30));
  for (let i = 0; i <= ticks; i++) {
    const t = (endPlan / ticks) * i;
    out.push(`<text x="${x(t)}" y="${top + plot + 16}" text-anchor="middle">${formatSeconds(t)}</text>`);
  }
  let points = `${x(0)},${y(0)}`;
  let weight = 0;
  for (const e of events.filter((ev) => ev.kind === 'weight' || ev.kind === 'abort' || ev.kind === 'promote')) {
    const next = e.kind === 'promote' ? 100 : e.weight;
    points += ` ${x(e.planSeconds)},${y(weight)} ${x(e.planSeconds)},${y(next)}`;
    weight = next;
  }
  points += ` ${x(endPlan)},${y(weight)}`;
  out.push(`<polyline points="${points}" fill="none" stroke="#1565c0" stroke-width="2"/>`);
  for (const e of events.filter((ev) => ev.kind === 'abort' || ev.kind === 'promote')) {
    const colour = e.kind === 'abort' ? '#c62828' : '#2e7d32';
    out.push(`<line x1="${x(e.planSeconds)}" x2="${x(e.planSeconds)}" y1="${top}" y2="${top + plot}" stroke="${colour}" stroke-dasharray="4 3"/>`,
      `<text x="${x(e.planSeconds) + 4}" y="${top + 12}" fill="${colour}">${e.kind === 'abort' ? 'abort' : 'promoted'} ${formatSeconds(e.planSeconds)}</text>`);
  }
  for (const r of responses) {
    if (r.status >= 200 && r.status <= 299) continue;
    const plan = ((r.sentMs + loadOffsetMs) / 1000) * summary.timeScale;
    out.push(`<line x1="${x(plan).toFixed(1)}" x2="${x(plan).toFixed(1)}" y1="${top + plot - 8}" y2="${top + plot}" stroke="#c62828" stroke-opacity="0.5"/>`);
  }
  runs.forEach((run, i) => {
    const rowY = top + plot + 40 + i * 18;
    out.push(`<text x="${left}" y="${rowY - 4}" fill="#555">${esc(run)}</text>`);
    for (const e of events.filter((ev) => ev.kind === 'measurement' && ev.message.startsWith(`${run}: `))) {
      out.push(`<circle cx="${x(e.planSeconds).toFixed(1)}" cy="${rowY + 4}" r="4" fill="${PHASE_COLOURS[e.phase ?? ''] ?? '#999'}"><title>${esc(e.message)}</title></circle>`);
    }
  });
  const legendY = height - 10;
  out.push(`<text x="${left}" y="${legendY}" fill="#555">blue: canary weight; dots: measurements (green Successful, red Failed, orange Inconclusive, brown Error); red ticks: non-2xx user responses</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Writes `<dir>/rehearsal.json` and `<dir>/rehearsal.svg`; returns their paths. */
export function writeReports(dir: string, summary: RehearsalSummary, events: readonly TimelineEvent[], responses: readonly LoadResponse[], loadOffsetMs: number): { json: string; svg: string } {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'rehearsal.json');
  const svg = path.join(dir, 'rehearsal.svg');
  fs.writeFileSync(json, JSON.stringify({ summary, events }, null, 2) + '\n');
  fs.writeFileSync(svg, timelineSvg(summary, events, responses, loadOffsetMs) + '\n');
  return { json, svg };
}
