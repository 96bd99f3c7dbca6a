import { formatSummary, RehearsalSummary } from '../../tools/cli/src/rehearsal/timeline';

const summary = (over: Partial<RehearsalSummary>): RehearsalSummary => ({
  chart: 'dist/payments.k8s.yaml', rollout: 'payments/payments-api', canary: 'good', baselineErrorRate: 0.003, seed: 1, timeScale: 10, floors: [],
  hashes: { stable: 'stable1', canary: 'canary1' }, result: 'promoted', message: 'promoted to 100%',
  budgets: { promotionSeconds: 720, abortSeconds: 180 },
  load: { rate: 20, realRate: 200, achievedRealRate: 199.5, requests: 100, non2xx: 0, skipped: 0, byPhase: [] },
  ...over,
});

describe('rehearsal summary', () => {
  test('judges the time to promote against the budget the Rollout records', () => {
    const text = formatSummary(summary({ timeToPromote: { realSeconds: 69, planSeconds: 690 } }));
    expect(text.split('\n')[1]).toBe('  time to promote: 11m30s plan time (69.0s real), within the 12m budget');
  });

  test('judges the time from canary start to abort against the abort budget', () => {
    const text = formatSummary(summary({ result: 'aborted', message: 'aborted', canaryStartToAbort: { realSeconds: 19, planSeconds: 190 } }));
    expect(text.split('\n')[1]).toBe('  canary start to abort: 3m10s plan time (19.0s real), OVER the 3m budget');
  });

  test('says there is no budget when the Rollout turns it off', () => {
    const text = formatSummary(summary({ budgets: { promotionSeconds: Infinity, abortSeconds: 180 }, timeToPromote: { realSeconds: 69, planSeconds: 690 } }));
    expect(text.split('\n')[1]).toBe('  time to promote: 11m30s plan time (69.0s real), no budget');
  });
});
