import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OC_COLOURS, renderOperatingCharacteristic } from '../../tools/cli/src/simulate/svg';
import { runChromium } from '../support/chromium';
import { cleanUp, stopAll } from '../support/processes';
import { countColour, countNonWhite, decodePng } from '../support/png';
import { fakeSimulation } from './fixtures';

/** The chart as a reviewer sees it, rendered by headless Chromium (Debian package chromium); never skipped. */
describe('operating-characteristic chart in a browser', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simulate-svg-'));
  const file = path.join(dir, 'oc.svg');
  fs.writeFileSync(file, renderOperatingCharacteristic(fakeSimulation(`shop/web <&>"'`)));
  afterAll(() => cleanUp(stopAll, () => fs.rmSync(dir, { recursive: true, force: true })));

  test('is well-formed XML: the browser parses it as an SVG document', async () => {
    const run = await runChromium(`file://${file}`, ['--dump-dom']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('parsererror');
    expect(run.stdout.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(run.stdout).toContain('Rollout shop/web &lt;&amp;&gt;"\'');
  }, 90_000);

  test('the screenshot shows a line in each traffic level\'s colour', async () => {
    const png = path.join(dir, 'oc.png');
    const run = await runChromium(`file://${file}`, [`--screenshot=${png}`, '--window-size=900,400']);
    expect(run.code).toBe(0);
    const image = decodePng(fs.readFileSync(png));
    expect([image.width, image.height]).toEqual([900, 400]);
    const ink = countNonWhite(image);
    expect(ink).toBeGreaterThan(0.02 * 900 * 400);
    expect(ink).toBeLessThan(0.5 * 900 * 400);
    expect(countColour(image, OC_COLOURS[0], 24)).toBeGreaterThan(300);
    expect(countColour(image, OC_COLOURS[1], 24)).toBeGreaterThan(300);
  }, 90_000);
});
