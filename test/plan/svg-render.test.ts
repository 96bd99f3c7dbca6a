import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadManifests, planRollouts } from '../../tools/cli/src/plan/manifests';
import { renderTimeline, TIMELINE_COLOURS } from '../../tools/cli/src/plan/svg';
import { runChromium } from '../support/chromium';
import { cleanUp, stopAll } from '../support/processes';
import { countColour, countNonWhite, decodePng } from '../support/png';

/**
 * The timeline as a reviewer sees it: rendered by headless Chromium (Debian package chromium).
 * Without chromium these tests fail with the fix; they are never skipped.
 */
describe('SVG timeline in a browser', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-svg-'));
  const [example] = planRollouts(loadManifests([path.resolve(__dirname, '..', '..', 'dist')]));
  const svgFile = path.join(dir, 'amas-prod-amas-orchestrator.svg');
  // A title with every character XML gives a meaning to, so that escaping is proven by a real XML parser.
  fs.writeFileSync(svgFile, renderTimeline(example.plan, {
    title: `Rollout amas-prod/amas-orchestrator (canary) <&>"'`, maxPromotionSeconds: 600, maxAbortSeconds: 120,
  }));
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('is well-formed XML: the browser parses it as an SVG document without a parser error', async () => {
    // WHEN chromium loads the file and prints its DOM
    const run = await runChromium(`file://${svgFile}`, ['--dump-dom']);
    // THEN
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('parsererror');
    expect(run.stdout.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(run.stdout).toContain('Rollout amas-prod/amas-orchestrator (canary) &lt;&amp;&gt;"\'');
  }, 90_000);

  test('the screenshot is not blank and shows the weight line, the analyses and the budget lines', async () => {
    // WHEN chromium takes a 1200x700 screenshot
    const png = path.join(dir, 'timeline.png');
    const run = await runChromium(`file://${svgFile}`, [`--screenshot=${png}`, '--window-size=1200,700']);
    expect(run.code).toBe(0);
    const image = decodePng(fs.readFileSync(png));
    // THEN the picture has the window's size, a fair share of ink, and each colour the plan draws with
    expect([image.width, image.height]).toEqual([1200, 700]);
    const ink = countNonWhite(image);
    expect(ink).toBeGreaterThan(0.03 * 1200 * 700);
    expect(ink).toBeLessThan(0.5 * 1200 * 700);
    expect(countColour(image, TIMELINE_COLOURS.weight, 24)).toBeGreaterThan(2000);
    expect(countColour(image, TIMELINE_COLOURS.promotion, 24)).toBeGreaterThan(200);
    expect(countColour(image, TIMELINE_COLOURS.abort, 24)).toBeGreaterThan(200);
    // Inline analyses: #f59e0b at 20% over white.
    expect(countColour(image, '#fdecce', 10)).toBeGreaterThan(20_000);
  }, 90_000);
});
