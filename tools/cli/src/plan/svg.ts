import { formatSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import { PlanTiming, unknownTimings } from 'cdk8s-progressive/build/lib/rollout/plan';

/**
 * A rollout plan as an SVG timeline, pure and deterministic (same plan, same bytes): the traffic
 * weight of the new version over time as a step line, analyses shaded (inline over the plot,
 * background in lanes below it), pauses labelled, the budgets and the worst-case time to abort as
 * vertical lines. Self-contained: no fonts, scripts, styles or images from elsewhere.
 */

/** What the timeline shows besides the plan. */
export interface TimelineOptions {
  /** The heading, e.g. `Rollout amas-prod/amas-orchestrator (canary)`. */
  readonly title: string;
  /** Promotion budget (maxPromotionTime) in seconds. @default - no promotion budget line */
  readonly maxPromotionSeconds?: number;
  /** Budget for the time to abort (maxTimeToAbort) in seconds, counted from the canary taking traffic. @default - no abort budget line */
  readonly maxAbortSeconds?: number;
  /** What the y axis measures. @default canary traffic weight (%) */
  readonly weightLabel?: string;
}

/** Colours of the timeline, exported for tests that look at a rendering. */
export const TIMELINE_COLOURS = {
  weight: '#1f5fbf',
  inlineAnalysis: '#f59e0b',
  backgroundAnalysis: '#10a37f',
  promotion: '#dc2626',
  abort: '#7c3aed',
  grid: '#e5e7eb',
  text: '#111827',
  muted: '#4b5563',
} as const;

const WIDTH = 1200;
const LEFT = 80;
const RIGHT = 40;
const PLOT_TOP = 130;
const PLOT_BOTTOM = 470;
const LANE_TOP = 528;
const LANE_HEIGHT = 28;
const CHAR_WIDTH = 6.6;
const C = TIMELINE_COLOURS;

/** Renders the timeline of a plan. */
export function renderTimeline(plan: PlanTiming, options: TimelineOptions): string {
  const out: string[] = [];
  const promotion = plan.promotionSeconds;
  const abortAt = plan.abort ? plan.canaryStartSeconds + plan.abort.seconds : undefined;
  const abortBudgetAt = options.maxAbortSeconds !== undefined ? plan.canaryStartSeconds + options.maxAbortSeconds : undefined;
  // The first step that never ends on its own (an indefinite pause or an endless analysis).
  const indefinite = plan.steps.find((s) => !Number.isFinite(s.seconds));
  const finiteEnd = Number.isFinite(promotion) ? promotion : indefinite!.startSeconds;
  const marks = [finiteEnd, options.maxPromotionSeconds, abortAt, abortBudgetAt]
    .filter((t): t is number => t !== undefined && Number.isFinite(t));
  const span = Math.max(60, ...marks) * (Number.isFinite(promotion) ? 1.08 : 1.3);
  const x = (t: number) => LEFT + (Math.min(t, span) / span) * (WIDTH - LEFT - RIGHT);
  const y = (weight: number) => PLOT_BOTTOM - (weight / 100) * (PLOT_BOTTOM - PLOT_TOP);
  const right = WIDTH - RIGHT;
  // Above the line where it rises, below it at 100% where the marker labels are.
  const weightLabel = (at: number, w: number) => text(at + 5, w >= 100 ? y(w) + 16 : y(w) - 6, `${w}%`, { fill: C.weight, weight: 'bold' });

  const background = plan.analyses.filter((a) => a.background);
  const height = LANE_TOP + background.length * LANE_HEIGHT + 56;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" `
    + `font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${esc(options.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);

  // Title and totals.
  const over = (value: number, budget?: number) => budget !== undefined && value > budget;
  // A template of unknown timing: the promotion time is a lower bound when an inline analysis has one, the time to abort unknown.
  const promotionUnknown = unknownTimings(plan, true).length > 0;
  const abortUnknown = unknownTimings(plan).length > 0;
  const promotionOver = !promotionUnknown && over(promotion, options.maxPromotionSeconds);
  const abortOver = !abortUnknown && over(plan.abort?.seconds ?? Infinity, options.maxAbortSeconds);
  out.push(text(LEFT, 32, options.title, { size: 20, weight: 'bold' }));
  const budget = (b?: number) => (b === undefined ? '' : ` (budget ${formatSeconds(b)})`);
  out.push(text(LEFT, 56, `full promotion: ${promotionUnknown ? 'at least ' : ''}${formatSeconds(promotion)}${budget(options.maxPromotionSeconds)}${promotionOver ? ' OVER BUDGET' : ''}`,
    { size: 14, fill: promotionOver ? C.promotion : C.text }));
  out.push(text(LEFT + 520, 56, `worst-case time to abort: ${plan.abort ? formatSeconds(plan.abort.seconds) : abortUnknown ? 'unknown (timing unknown)' : 'never'}`
    + `${budget(options.maxAbortSeconds)}${abortOver ? ' OVER BUDGET' : ''}`, { size: 14, fill: abortOver ? C.promotion : C.text }));

  // Grid and axes.
  for (const w of [0, 25, 50, 75, 100]) {
    out.push(line(LEFT, y(w), right, y(w), C.grid, 1));
    out.push(text(LEFT - 8, y(w) + 4, `${w}%`, { anchor: 'end', fill: C.muted }));
  }
  const tick = tickStep(span);
  for (let t = 0; t <= span + 1e-9; t += tick) {
    out.push(line(x(t), PLOT_BOTTOM, x(t), PLOT_BOTTOM + 5, C.muted, 1));
    out.push(text(x(t), PLOT_BOTTOM + 19, num(t / 60), { anchor: 'middle', fill: C.muted }));
  }
  out.push(line(LEFT, PLOT_TOP, LEFT, PLOT_BOTTOM, C.muted, 1), line(LEFT, PLOT_BOTTOM, right, PLOT_BOTTOM, C.muted, 1));
  out.push(text((LEFT + right) / 2, PLOT_BOTTOM + 38, 'minutes since the rollout started', { anchor: 'middle', fill: C.muted }));
  out.push(`<text x="22" y="${num((PLOT_TOP + PLOT_BOTTOM) / 2)}" transform="rotate(-90 22 ${num((PLOT_TOP + PLOT_BOTTOM) / 2)})" `
    + `text-anchor="middle" fill="${C.muted}">${esc(options.weightLabel ?? 'canary traffic weight (%)')}</text>`);

  // Inline analyses, shaded over the plot.
  for (const a of plan.analyses.filter((b) => !b.background)) {
    const end = Number.isFinite(a.seconds) ? a.startSeconds + a.seconds : span;
    out.push(`<rect x="${num(x(a.startSeconds))}" y="${PLOT_TOP}" width="${num(x(end) - x(a.startSeconds))}" height="${PLOT_BOTTOM - PLOT_TOP}" `
      + `fill="${C.inlineAnalysis}" fill-opacity="0.2"/>`);
    const mid = (x(a.startSeconds) + x(end)) / 2;
    out.push(text(mid, PLOT_TOP + 16, 'analysis', { anchor: 'middle', fill: '#92400e' }));
    out.push(text(mid, PLOT_TOP + 30, formatSeconds(a.seconds), { anchor: 'middle', fill: '#92400e' }));
  }

  // Background analyses, one lane each below the plot.
  background.forEach((a, i) => {
    const top = LANE_TOP + i * LANE_HEIGHT;
    const end = Number.isFinite(a.seconds) ? a.startSeconds + a.seconds : (Number.isFinite(promotion) ? promotion : span);
    out.push(`<rect x="${num(x(a.startSeconds))}" y="${top}" width="${num(x(end) - x(a.startSeconds))}" height="${LANE_HEIGHT - 6}" `
      + `fill="${C.backgroundAnalysis}" fill-opacity="0.25" stroke="${C.backgroundAnalysis}"/>`);
    const until = Number.isFinite(a.seconds) ? `runs ${formatSeconds(a.seconds)}` : 'until promotion';
    out.push(text(x(a.startSeconds) + 6, top + 15, `${a.description}: from ${formatSeconds(a.startSeconds)}, ${until}`, { fill: '#065f46' }));
  });

  // The weight line, pause and weight labels.
  const points: Array<[number, number]> = [[0, 0]];
  let weight = 0;
  for (const s of plan.steps) {
    if (!Number.isFinite(s.seconds)) break;
    if (s.weight !== weight) {
      points.push([s.cumulativeSeconds, weight], [s.cumulativeSeconds, s.weight]);
      out.push(weightLabel(x(s.cumulativeSeconds), s.weight));
      weight = s.weight;
    }
    // A 0s pause (the controller accepts it) takes no room on the line: no label to overlap its neighbours.
    if ((s.description.startsWith('pause') || s.description.startsWith('autoPromotionSeconds')) && s.seconds > 0) {
      out.push(text((x(s.startSeconds) + x(s.cumulativeSeconds)) / 2, y(weight) - 22, s.description, { anchor: 'middle', fill: C.text }));
    }
  }
  if (indefinite) {
    const w = indefinite.weight;
    if (w !== weight) points.push([indefinite.startSeconds, weight], [indefinite.startSeconds, w]);
    points.push([span, w]);
    const rest = plan.steps.length - indefinite.index - 1;
    out.push(text(x(indefinite.startSeconds) + 6, y(w) - 22, `${indefinite.description} (${indefinite.terms.join(', ')})`
      + (rest > 0 ? `, then ${rest} more step${rest > 1 ? 's' : ''}` : ''), { fill: C.text }));
  } else {
    if (weight !== 100) {
      points.push([promotion, weight], [promotion, 100]);
      out.push(weightLabel(x(promotion), 100));
    }
    points.push([span, 100]);
  }
  out.push(`<polyline points="${points.map(([t, w]) => `${num(x(t))},${num(y(w))}`).join(' ')}" fill="none" stroke="${C.weight}" `
    + 'stroke-width="3" stroke-linejoin="round"/>');

  // Vertical markers, labels on rows above the plot so that close lines stay readable.
  const markers: Array<{ t: number; label: string; colour: string; dash?: string }> = [];
  if (Number.isFinite(promotion)) markers.push({ t: promotion, label: `100% at ${formatSeconds(promotion)}`, colour: C.weight, dash: '2 3' });
  if (options.maxPromotionSeconds !== undefined) {
    markers.push({ t: options.maxPromotionSeconds, label: `promotion budget ${formatSeconds(options.maxPromotionSeconds)}`, colour: C.promotion, dash: '8 4' });
  }
  if (abortAt !== undefined) markers.push({ t: abortAt, label: `worst-case abort ${formatSeconds(plan.abort!.seconds)} after canary traffic`, colour: C.abort });
  if (abortBudgetAt !== undefined) {
    markers.push({ t: abortBudgetAt, label: `abort budget ${formatSeconds(options.maxAbortSeconds!)}`, colour: C.abort, dash: '8 4' });
  }
  const rowEnds: number[] = [];
  for (const m of markers.sort((a, b) => a.t - b.t || a.label.localeCompare(b.label))) {
    const mx = x(m.t);
    const width = m.label.length * CHAR_WIDTH;
    const leftward = mx + 4 + width > WIDTH - 4;
    const from = leftward ? mx - 4 - width : mx + 4;
    let row = rowEnds.findIndex((end) => end < from);
    if (row < 0) { row = rowEnds.length; rowEnds.push(0); }
    rowEnds[row] = from + width + 8;
    const ly = PLOT_TOP - 8 - row * 15;
    out.push(`<line x1="${num(mx)}" y1="${ly + 3}" x2="${num(mx)}" y2="${PLOT_BOTTOM}" stroke="${m.colour}" stroke-width="2"`
      + `${m.dash ? ` stroke-dasharray="${m.dash}"` : ''}/>`);
    out.push(text(leftward ? mx - 4 : mx + 4, ly, m.label, { anchor: leftward ? 'end' : 'start', fill: m.colour }));
  }

  // Legend.
  const ly = height - 22;
  const legend: Array<[string, string]> = [
    [`<line x1="0" y1="0" x2="22" y2="0" stroke="${C.weight}" stroke-width="3"/>`, options.weightLabel ?? 'canary traffic weight'],
    [`<rect x="0" y="-7" width="22" height="14" fill="${C.inlineAnalysis}" fill-opacity="0.2"/>`, 'inline analysis'],
    [`<rect x="0" y="-7" width="22" height="14" fill="${C.backgroundAnalysis}" fill-opacity="0.25" stroke="${C.backgroundAnalysis}"/>`, 'background analysis'],
    [`<line x1="0" y1="0" x2="22" y2="0" stroke="${C.promotion}" stroke-width="2" stroke-dasharray="8 4"/>`, 'budget'],
    [`<line x1="0" y1="0" x2="22" y2="0" stroke="${C.abort}" stroke-width="2"/>`, 'worst-case time to abort'],
  ];
  let lx = LEFT;
  for (const [swatch, label] of legend) {
    out.push(`<g transform="translate(${num(lx)} ${ly})">${swatch}</g>`, text(lx + 28, ly + 4, label, { fill: C.muted }));
    lx += 28 + label.length * CHAR_WIDTH + 24;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Escapes text for XML content and attribute values. */
export function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function text(x: number, y: number, value: string, o: { anchor?: string; fill?: string; size?: number; weight?: string } = {}): string {
  return `<text x="${num(x)}" y="${num(y)}"${o.anchor && o.anchor !== 'start' ? ` text-anchor="${o.anchor}"` : ''}`
    + `${o.size ? ` font-size="${o.size}"` : ''}${o.weight ? ` font-weight="${o.weight}"` : ''} fill="${o.fill ?? C.text}">${esc(value)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width: number): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}" stroke-width="${width}"/>`;
}

/** A tick step in seconds giving at most about 16 ticks. */
function tickStep(span: number): number {
  const steps = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  return steps.find((s) => span / s <= 16) ?? Math.ceil(span / 16 / 86400) * 86400;
}

/** A number with at most two decimals, the same text on every machine. */
function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}
