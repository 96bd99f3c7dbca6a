import { rehearseArgo } from './support';

/**
 * The example's full plan in real time (time-scale 1): the controller runs its 1m pauses, its analyses and
 * its 1m query windows as written, about 8 minutes. A good canary is promoted through every weight, with no
 * non-2xx through NGINX, within the 10m promotion budget the plan promises.
 */
describe('the example at time-scale 1 on the real controller', () => {
  test('a good canary is promoted within the promotion budget', async () => {
    const { code, output } = await rehearseArgo('rehearse-full-plan', ['--canary', 'good', '--time-scale', '1', '--expect', 'promoted'], 900_000);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('result: promoted') });
    expect(output).toMatch(/step 11\/11, phase Healthy/);
    expect(output).toMatch(/traffic through nginx: \d+ requests, 0 non-2xx/);
    const promoted = /update to promoted: ([\d.]+)s real/.exec(output);
    expect(Number(promoted?.[1])).toBeLessThanOrEqual(600);
  }, 960_000);
});
