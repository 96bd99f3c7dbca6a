/**
 * The operating characteristic of a rollout's analysis as an SVG: the share of trials aborted
 * against the canary's extra error rate (0 = a good canary, up to 20 points), one line per traffic
 * level, one panel per baseline error rate. Pure and deterministic (same results, same bytes) and
 * self-contained: no fonts, scripts, styles or images from elsewhere.
 */
import { esc } from '../plan/svg';
import type { RolloutSimulation } from './simulate';

/** Line colours by traffic level, in the order the levels are given (exported for tests that look at a rendering). */
export const OC_COLOURS = ['#1f5fbf', '#dc2626', '#10a37f', '#7c3aed', '#f59e0b', '#0e7490', '#be185d', '#4d7c0f'] as const;

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 220;
const LEFT = 70;
const TOP = 90;
const GAP = 40;
const MAX_EXTRA = 0.2;

const num = (v: number) => String(Math.round(v * 10) / 10);

function text(x: number, y: number, value: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${esc(value)}</text>`;
}

/** Renders the chart of one rollout's error-rate scenarios. */
export function renderOperatingCharacteristic(sim: RolloutSimulation): string {
  const errorScenarios = sim.scenarios.filter((s) => s.canaryP95Seconds === null);
  const baselines = [...new Set(errorScenarios.map((s) => s.baselineErrorRate))];
  const levels = [...new Set(errorScenarios.map((s) => s.rps))];
  const width = LEFT + baselines.length * (PANEL_WIDTH + GAP) + 140;
  const height = TOP + PANEL_HEIGHT + 80;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" `
      + 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12">',
    `<title>${esc(`Rollout ${sim.rollout}: share of canaries aborted`)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(LEFT, 30, `Rollout ${sim.rollout}: share of canaries aborted by the analysis`, 'font-size="18" font-weight="bold" fill="#111827"'),
    text(LEFT, 52, `${errorScenarios[0]?.trials ?? 0} trials per point; x: the canary's errors on top of the baseline (0 = a good canary); one line per traffic level`,
      'fill="#4b5563"'),
  ];
  baselines.forEach((baseline, p) => {
    const x0 = LEFT + p * (PANEL_WIDTH + GAP);
    const x = (extra: number) => x0 + (extra / MAX_EXTRA) * PANEL_WIDTH;
    const y = (share: number) => TOP + PANEL_HEIGHT - share * PANEL_HEIGHT;
    out.push(text(x0, TOP - 12, `baseline error rate ${num(baseline * 100)}%`, 'font-weight="bold" fill="#111827"'));
    for (const share of [0, 0.25, 0.5, 0.75, 1]) {
      out.push(`<line x1="${num(x0)}" y1="${num(y(share))}" x2="${num(x0 + PANEL_WIDTH)}" y2="${num(y(share))}" stroke="#e5e7eb"/>`);
      out.push(text(x0 - 6, y(share) + 4, `${share * 100}%`, 'text-anchor="end" fill="#4b5563"'));
    }
    for (const extra of [0, 0.05, 0.1, 0.15, 0.2]) {
      out.push(text(x(extra), TOP + PANEL_HEIGHT + 18, `${Math.round(extra * 100)}%`, 'text-anchor="middle" fill="#4b5563"'));
    }
    out.push(`<rect x="${num(x0)}" y="${TOP}" width="${PANEL_WIDTH}" height="${PANEL_HEIGHT}" fill="none" stroke="#4b5563"/>`);
    levels.forEach((rps, l) => {
      const points = errorScenarios.filter((s) => s.baselineErrorRate === baseline && s.rps === rps)
        .sort((a, b) => a.extraErrorRate - b.extraErrorRate)
        .map((s) => [x(s.extraErrorRate), y(s.trials > 0 ? s.aborted / s.trials : 0)] as const);
      const colour = OC_COLOURS[l % OC_COLOURS.length];
      out.push(`<polyline points="${points.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2.5"/>`);
      for (const [px, py] of points) out.push(`<circle cx="${num(px)}" cy="${num(py)}" r="3.5" fill="${colour}"/>`);
    });
    out.push(text(x0 + PANEL_WIDTH / 2, TOP + PANEL_HEIGHT + 38, 'extra error rate of the canary', 'text-anchor="middle" fill="#4b5563"'));
  });
  const legendX = LEFT + baselines.length * (PANEL_WIDTH + GAP);
  levels.forEach((rps, l) => {
    const ly = TOP + 10 + l * 20;
    out.push(`<line x1="${legendX}" y1="${ly}" x2="${legendX + 22}" y2="${ly}" stroke="${OC_COLOURS[l % OC_COLOURS.length]}" stroke-width="2.5"/>`);
    out.push(text(legendX + 28, ly + 4, `${rps} req/s`, 'fill="#111827"'));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
