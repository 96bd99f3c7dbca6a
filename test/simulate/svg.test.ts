import { OC_COLOURS, renderOperatingCharacteristic } from '../../tools/cli/src/simulate/svg';
import { fakeSimulation } from './fixtures';

describe('the operating-characteristic chart', () => {
  test('deterministic: the same results give the same bytes', () => {
    expect(renderOperatingCharacteristic(fakeSimulation())).toBe(renderOperatingCharacteristic(fakeSimulation()));
  });

  test('one panel per baseline, one line per traffic level over the error faults only', () => {
    const svg = renderOperatingCharacteristic(fakeSimulation());
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('baseline error rate 0%');
    expect(svg).toContain('baseline error rate 0.5%');
    expect(svg).toContain('>5 req/s</text>');
    expect(svg).toContain(`stroke="${OC_COLOURS[1]}"`);
    // 5 points per line (good and the 4 error faults), the latency fault left out
    expect(svg.match(/<circle /g)).toHaveLength(4 * 5);
  });

  test('escaped and self-contained: no scripts, styles, links or images', () => {
    const svg = renderOperatingCharacteristic(fakeSimulation('shop/<web>&"x"'));
    expect(svg).toContain('Rollout shop/&lt;web&gt;&amp;&quot;x&quot;');
    expect(svg).not.toMatch(/<script|<style|href=|<image|url\(/);
  });
});
