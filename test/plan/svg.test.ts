import * as path from 'node:path';
import { Duration } from 'cdk8s';
import { blueGreenPlan, canaryPlan } from '../../lib/rollout/plan';
import { loadManifests, planRollouts } from '../../tools/cli/src/plan/manifests';
import { esc, renderTimeline, TIMELINE_COLOURS } from '../../tools/cli/src/plan/svg';
import { metric } from '../support/fake-template';

const [example] = planRollouts(loadManifests([path.resolve(__dirname, '..', '..', 'dist')]));
const options = { title: 'Rollout amas-prod/amas-orchestrator (canary)', maxPromotionSeconds: 600, maxAbortSeconds: 120 };
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('SVG timeline', () => {
  test('the same plan gives the same bytes', () => {
    // GIVEN the example plan, read twice from dist/
    const again = planRollouts(loadManifests([path.resolve(__dirname, '..', '..', 'dist')]))[0];
    // THEN
    expect(renderTimeline(again.plan, options)).toBe(renderTimeline(example.plan, options));
  });

  test('self-contained: no script, style sheet, link, image or font from elsewhere', () => {
    const svg = renderTimeline(example.plan, options);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1200"')).toBe(true);
    expect(svg.match(/https?:\/\/[^"\s<]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(svg).not.toMatch(/<script|<style|<image|<foreignObject|href=|url\(|@import|@font-face/i);
  });

  test('title, totals, pauses, analyses, budgets and the worst-case abort are labelled', () => {
    const labels = texts(renderTimeline(example.plan, options));
    expect(labels).toEqual(expect.arrayContaining([
      'Rollout amas-prod/amas-orchestrator (canary)', 'full promotion: 7m40s (budget 10m)', 'worst-case time to abort: 1m40s (budget 2m)',
      '100% at 7m40s', 'promotion budget 10m', 'worst-case abort 1m40s after canary traffic', 'abort budget 2m',
      'background analysis from step 1 (amas-orchestrator-slo-background): from 10s, until promotion',
      '10%', '25%', '50%', '75%', '100%',
    ]));
    expect(labels.filter((l) => l === 'pause 1m')).toHaveLength(4);
    expect(labels.filter((l) => l === 'analysis')).toHaveLength(3);
  });

  test('the weight line steps 0 -> 10 -> 25 -> 50 -> 75 -> 100 at the end of each setWeight step and at promotion', () => {
    // GIVEN x = 80 + t / span x 1080 with span = 10m x 1.08 (the promotion budget is the last mark); y = 470 - weight x 3.4
    const svg = renderTimeline(example.plan, options);
    const points = /<polyline points="([^"]+)" fill="none" stroke="([^"]+)"/.exec(svg)!;
    const x = (t: number) => Math.round((80 + (t / 648) * 1080) * 100) / 100;
    const y = (w: number) => Math.round((470 - w * 3.4) * 100) / 100;
    const expected = [[0, 0], [10, 0], [10, 10], [70, 10], [70, 25], [200, 25], [200, 50], [330, 50], [330, 75], [460, 75], [460, 100], [648, 100]];
    // THEN
    expect(points[2]).toBe(TIMELINE_COLOURS.weight);
    expect(points[1]).toBe(expected.map(([t, w]) => `${x(t)},${y(w)}`).join(' '));
  });

  test('over budget is said in the totals', () => {
    const labels = texts(renderTimeline(example.plan, { ...options, maxPromotionSeconds: 300, maxAbortSeconds: 60 }));
    expect(labels).toEqual(expect.arrayContaining([
      'full promotion: 7m40s (budget 5m) OVER BUDGET', 'worst-case time to abort: 1m40s (budget 1m) OVER BUDGET',
    ]));
  });

  test('a template of unknown timing: the totals say so and judge no budget', () => {
    // GIVEN an inline analysis whose template the plan does not know
    const spec = { template: {}, strategy: { canary: { steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'smoke' }] } }, { setWeight: 50 }] } } };
    // WHEN drawn with budgets it would meet if the analysis took no time
    const labels = texts(renderTimeline(canaryPlan(spec, () => 'not in the manifests'), { title: 't', maxPromotionSeconds: 600, maxAbortSeconds: 120 }));
    // THEN the promotion is a lower bound, the time to abort unknown, and neither is called within or over budget
    expect(labels).toEqual(expect.arrayContaining(['full promotion: at least 0s (budget 10m)', 'worst-case time to abort: unknown (timing unknown) (budget 2m)']));
  });

  test('an indefinite pause runs the line to the edge, saying what follows', () => {
    const spec = { template: {}, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1m' } }] } } };
    const labels = texts(renderTimeline(canaryPlan(spec, () => undefined), { title: 't' }));
    expect(labels).toEqual(expect.arrayContaining(['full promotion: indefinite', 'worst-case time to abort: never', 'pause indefinite (waits for a human to promote), then 2 more steps']));
  });

  test('a 0s pause gets no label; the timed pause beside it does', () => {
    // GIVEN a 0s pause followed by a 1m pause (the controller accepts both)
    const spec = { template: {}, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '0s' } }, { pause: { duration: '1m' } }] } } };
    // WHEN drawn THEN only the 1m pause is labelled
    const labels = texts(renderTimeline(canaryPlan(spec, () => undefined), { title: 't' }));
    expect(labels.filter((l) => l.startsWith('pause'))).toEqual(['pause 1m']);
  });

  test('blue-green: the new version takes 100% at the switch; pre and post promotion analyses shaded', () => {
    const slo = [metric('success-rate', { initialDelay: Duration.seconds(10), interval: Duration.seconds(20), count: 3 })];
    const plan = blueGreenPlan({ template: {}, strategy: { blueGreen: {
      prePromotionAnalysis: { templates: [{ templateName: 'slo' }] }, postPromotionAnalysis: { templates: [{ templateName: 'slo' }] }, autoPromotionSeconds: 30,
    } } }, () => slo);
    const svg = renderTimeline(plan, { title: 'Rollout shop/web (blue-green)', weightLabel: 'traffic to the new version (%)' });
    expect(texts(svg)).toEqual(expect.arrayContaining(['autoPromotionSeconds 30s', '100%', 'traffic to the new version (%)', '100% at 2m10s']));
    expect(svg.match(/fill="#f59e0b" fill-opacity="0.2"\/>/g)).toHaveLength(3); // two analyses and the legend
  });

  test('text is escaped for XML', () => {
    // GIVEN a title with every character XML gives a meaning to
    const svg = renderTimeline(example.plan, { title: `a<b>&"c'` });
    // THEN
    expect(esc(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(svg).toContain('<title>a&lt;b&gt;&amp;&quot;c&apos;</title>');
    expect(svg).not.toContain('a<b>');
  });
});
