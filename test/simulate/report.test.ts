import { formatMarkdownSummary, formatRolloutTable, simulationJson } from '../../tools/cli/src/simulate/report';
import { fakeSimulation } from './fixtures';

describe('the report', () => {
  test('one table row per scenario with shares, abort times and aborts within budget', () => {
    // GIVEN made-up results WHEN formatted
    const table = formatRolloutTable(fakeSimulation()).split('\n');
    // THEN a header names the source and budget, and rows carry the figures
    expect(table[0]).toBe('Rollout shop/web: app series scraped every 15s, latency objective 3s, abort budget 2m');
    expect(table[1]).toMatch(/req\/s\s+baseline\s+canary\s+trials\s+promoted\s+aborted\s+paused\s+abort p50\s+abort p95\s+in budget/);
    expect(table).toContain('      5      0.0%  good                 100      100%       0%      0%          -          -          -');
    expect(table).toContain('      5      0.5%  +10% errors          100     50.0%    50.0%      0%        20s        42s       100%');
    expect(table).toHaveLength(2 + 24 + 1);
  });

  test('the JSON: an array of per-scenario objects with the documented keys', () => {
    const json = simulationJson({ rollouts: [fakeSimulation('a/x'), fakeSimulation('b/y')], stats: {} as never });
    expect(json).toHaveLength(48);
    expect(Object.keys(json[0])).toEqual(['rollout', 'rps', 'baselineErrorRate', 'canary', 'extraErrorRate', 'canaryP95Seconds', 'trials', 'promoted',
      'aborted', 'paused', 'abortP50Seconds', 'abortP95Seconds', 'abortsWithinBudget', 'abortBudgetSeconds']);
    expect(JSON.parse(JSON.stringify(json[3]))).toEqual({
      rollout: 'a/x', rps: 5, baselineErrorRate: 0, canary: '+10% errors', extraErrorRate: 0.1, canaryP95Seconds: null, trials: 100,
      promoted: 50, aborted: 50, paused: 0, abortP50Seconds: 20, abortP95Seconds: 41.5, abortsWithinBudget: 50, abortBudgetSeconds: 120,
    });
  });

  test('the Markdown summary: one row per traffic level and baseline', () => {
    const md = formatMarkdownSummary(fakeSimulation()).split('\n');
    expect(md[0]).toBe('| req/s | baseline errors | good canary: promoted / aborted / paused | +5% errors: promoted | +10% errors: aborted (within budget) | p95 2x objective: aborted |');
    expect(md).toContain('| 5 | 0.5% | 100% / 0% / 0% | 75.0% | 50.0% (100%) | 90.0% |');
    expect(md).toContain('| 100 | 0.0% | 70.0% / 30.0% / 0% | 45.0% | 80.0% (100%) | 100% |');
    expect(md.length).toBe(2 + 24 / 6);
  });
});
