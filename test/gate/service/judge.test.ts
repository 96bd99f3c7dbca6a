import { judge, Measurements, ResolvedObjectives } from '../../../lib/gate/service/judge';

const objectives: ResolvedObjectives = {
  successRate: 0.95,
  latency: { quantile: 0.95, thresholdSeconds: 3 },
  minRequests: 50,
  confidence: 0.999,
  comparison: { errorRatioTolerance: 0.01, confidence: 0.999, latencyRatioTolerance: 1.5, latencyMarginSeconds: 0.05 },
  errorBudget: { objective: 0.99, maxBurnRate: 2 },
};

const healthyStable = { requests: 9000, errors: 9, latency: 0.2 };

function verdictOf(name: string, result: ReturnType<typeof judge>) {
  return result.checks.find((c) => c.name === name)?.verdict;
}

describe('judge', () => {
  test('passes a canary as good as stable', () => {
    // GIVEN a canary with stable's error ratio and latency
    const measured: Measurements = { canary: { requests: 1000, errors: 1, latency: 0.21 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN every check passes and the reasons explain the pass
    expect(result.verdict).toBe('pass');
    expect(result.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['traffic', 'pass'], ['successRate', 'pass'], ['latency', 'pass'], ['errorBudget', 'pass'],
      ['errorRatioVsStable', 'pass'], ['latencyVsStable', 'pass'],
    ]);
    expect(result.reasons).toHaveLength(6);
    expect(result.requests).toEqual({ canary: 1000, stable: 9000 });
  });

  test('fails a canary with 20% errors at 10% of the traffic, which a mixed query would pass', () => {
    // GIVEN 1000 canary requests with 200 errors beside 9000 healthy stable requests (97.9% overall)
    const measured: Measurements = { canary: { requests: 1000, errors: 200, latency: 0.2 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN success rate, burn rate and the comparison fail, each with its figures
    expect(result.verdict).toBe('fail');
    expect(verdictOf('successRate', result)).toBe('fail');
    expect(verdictOf('errorBudget', result)).toBe('fail');
    expect(verdictOf('errorRatioVsStable', result)).toBe('fail');
    const success = result.checks.find((c) => c.name === 'successRate')!;
    expect(success.canary).toBeCloseTo(0.8);
    expect(success.objective).toBe(0.95);
    expect(result.reasons).toContain('successRate: canary success rate 0.8 is below the objective 0.95: at most 0.8362 at 99.9% confidence');
    expect(result.reasons).toContain("errorBudget: canary burns the 0.99 SLO's error budget at 20x, at least 16.3831x at 99.9% confidence, above 2x");
    expect(result.checks.find((c) => c.name === 'errorBudget')!.canary).toBeCloseTo(20);
  });

  test('fails a slow canary on the latency objective and against stable', () => {
    // GIVEN a canary whose p95 is 4.9s while stable's is 0.2s
    const measured: Measurements = { canary: { requests: 500, errors: 0, latency: 4.9 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN it fails on latency and on the latency ratio
    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual([
      'latency: canary p95 4.9s exceeds 3s',
      "latencyVsStable: canary latency is 24.5x stable's and 4.7s slower, above 1.5x and the margin 0.05s",
    ]);
  });

  test('does not fail a canary whose latency ratio is high only because both are a few milliseconds', () => {
    // GIVEN stable p95 4ms and canary p95 9ms: 2.25x, but 5ms slower
    const measured: Measurements = { canary: { requests: 500, errors: 0, latency: 0.009 }, stable: { ...healthyStable, latency: 0.004 } };
    // WHEN judged
    const result = judge(measured, objectives);
    // THEN the comparison passes within the margin
    expect(result.verdict).toBe('pass');
    expect(result.checks.find((c) => c.name === 'latencyVsStable')?.reason)
      .toBe("latencyVsStable: canary latency is 2.25x stable's but only 0.005s slower, within the margin 0.05s");
  });

  test('does not compare quantiles of a small sample: a p95 of 100 requests rests on its 5 slowest', () => {
    // GIVEN 100 canary requests whose p95 lands in a higher bucket than stable's (2x and 150ms slower)
    const measured: Measurements = { canary: { requests: 100, errors: 0, latency: 0.3 }, stable: { ...healthyStable, latency: 0.15 } };
    // WHEN judged, THEN the comparison is skipped, not failed, and the latency objective decides
    const result = judge(measured, objectives);
    expect(result.verdict).toBe('pass');
    expect(result.checks.find((c) => c.name === 'latencyVsStable')).toMatchObject({ verdict: 'skipped',
      reason: 'latencyVsStable: canary served 100 and stable 9000 requests, fewer than the 400 a p95 needs to be compared (20 beyond it): judged on the latency objective only' });
    // AND with 400 requests the same figures fail
    expect(verdictOf('latencyVsStable', judge({ ...measured, canary: { ...measured.canary, requests: 400 } }, objectives))).toBe('fail');
  });

  test('is inconclusive, never pass, below minRequests', () => {
    // GIVEN a healthy-looking canary with 49 requests
    const measured: Measurements = { canary: { requests: 49, errors: 0, latency: 0.1 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN the verdict is inconclusive and names the shortfall
    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons[0]).toBe('traffic: canary served 49 requests in the window, fewer than minRequests 50: cannot judge yet');
    expect(result.checks.filter((c) => c.verdict === 'pass')).toEqual([]);
  });

  test('is inconclusive rather than failing a bad canary below minRequests', () => {
    // GIVEN a canary failing every one of its 10 requests
    const measured: Measurements = { canary: { requests: 10, errors: 10, latency: 0.1 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN it waits for enough traffic, showing the figures it saw
    expect(result.verdict).toBe('inconclusive');
    expect(result.checks.find((c) => c.name === 'successRate')).toMatchObject({
      verdict: 'inconclusive', canary: 0,
      reason: 'successRate: canary success rate 0 is below the objective 0.95: at most 0.4885 at 99.9% confidence (not judged: too few canary requests)',
    });
  });

  test('is inconclusive with no canary traffic at all (NaN and missing series)', () => {
    // GIVEN Prometheus answered NaN for the requests and no series for errors or latency
    const measured: Measurements = { canary: { requests: NaN, errors: undefined, latency: NaN }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN inconclusive, and NaN becomes null in the JSON figures
    expect(result.verdict).toBe('inconclusive');
    expect(result.requests.canary).toBe(0);
    const latency = result.checks.find((c) => c.name === 'latency')!;
    expect(latency.canary).toBeNull();
    expect(latency.verdict).toBe('inconclusive');
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  test('judges on absolute objectives only when stable has no traffic', () => {
    // GIVEN a healthy canary and a stable side with zero requests (canary at 100% weight)
    const measured: Measurements = { canary: { requests: 1000, errors: 0, latency: 0.2 }, stable: { requests: 0, errors: 0, latency: NaN } };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN the comparisons are skipped, not failed, and the canary passes on its SLOs
    expect(result.verdict).toBe('pass');
    expect(verdictOf('errorRatioVsStable', result)).toBe('skipped');
    expect(verdictOf('latencyVsStable', result)).toBe('skipped');
    expect(result.checks.find((c) => c.name === 'errorRatioVsStable')!.reason)
      .toBe('errorRatioVsStable: stable served 0 requests, fewer than minRequests 50: no baseline, judged on absolute objectives only');
  });

  test('is inconclusive when the canary has requests but no histogram buckets', () => {
    // GIVEN enough canary requests but no latency data (buckets missing)
    const measured: Measurements = { canary: { requests: 1000, errors: 0, latency: NaN }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN the latency checks are inconclusive and so is the verdict
    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons).toEqual([
      'latency: no latency histogram data for the canary p95',
      'latencyVsStable: no latency histogram data for the canary',
    ]);
  });

  test('fails a canary whose quantile falls in the +Inf bucket', () => {
    // GIVEN histogram_quantile answered +Inf for the canary
    const measured: Measurements = { canary: { requests: 1000, errors: 0, latency: Infinity }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, objectives);

    // THEN latency fails and the JSON figure is null
    expect(verdictOf('latency', result)).toBe('fail');
    expect(result.checks.find((c) => c.name === 'latency')!.canary).toBeNull();
    expect(result.reasons[0]).toBe('latency: canary p95 +Inf exceeds 3s');
  });

  test('does not fail a good canary for one error in a small sample', () => {
    // GIVEN 1 error in 60 canary requests (1.7%) against stable at 0.1%, with no absolute success objective
    const lenient: ResolvedObjectives = { ...objectives, successRate: undefined, errorBudget: undefined };
    const measured: Measurements = { canary: { requests: 60, errors: 1, latency: 0.2 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, lenient);

    // THEN the comparison cannot tell it from stable and passes
    expect(verdictOf('errorRatioVsStable', result)).toBe('pass');
    expect(result.verdict).toBe('pass');
  });

  test('fails a clearly worse canary fast on the comparison', () => {
    // GIVEN 12 errors in the first 60 canary requests (20%)
    const compareOnly: ResolvedObjectives = { ...objectives, successRate: undefined, errorBudget: undefined };
    const measured: Measurements = { canary: { requests: 60, errors: 12, latency: 0.2 }, stable: healthyStable };

    // WHEN judged
    const result = judge(measured, compareOnly);

    // THEN the comparison already fails it
    expect(verdictOf('errorRatioVsStable', result)).toBe('fail');
    expect(result.verdict).toBe('fail');
  });

  test('does not fail a good canary for one error in 60 requests: the bounds carry the sample size', () => {
    // GIVEN 1 error in 60 canary requests (1.7%, a point estimate 1.7x the budget of a 99% SLO)
    const measured: Measurements = { canary: { requests: 60, errors: 1, latency: 0.2 }, stable: healthyStable };
    // WHEN judged against a burn rate of at most 1x, THEN every check passes: 1 in 60 is no evidence
    const result = judge(measured, { ...objectives, errorBudget: { objective: 0.99, maxBurnRate: 1 } });
    expect(result.verdict).toBe('pass');
    expect(result.checks.find((c) => c.name === 'errorBudget')).toMatchObject({
      verdict: 'pass',
      reason: "errorBudget: canary burns the 0.99 SLO's error budget at 1.6667x (at least 0.1456x at 99.9% confidence), not confidently above 1x",
    });
    expect(result.checks.find((c) => c.name === 'errorBudget')!.detail!.burnRateLowerBound).toBeCloseTo(0.14558, 5);
  });

  test('fails 12 errors in 120 requests against a 99% SLO: the burn rate is confidently above 2x', () => {
    const result = judge({ canary: { requests: 120, errors: 12, latency: 0.2 } }, { ...objectives, successRate: undefined });
    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual(["errorBudget: canary burns the 0.99 SLO's error budget at 10x, at least 4.2862x at 99.9% confidence, above 2x"]);
  });

  test('the success rate fails only beyond its bound: 7 errors in 100 against 0.95 passes, 14 fail', () => {
    const at = (errors: number) => judge({ canary: { requests: 100, errors, latency: 0.2 } }, { ...objectives, errorBudget: undefined });
    expect(verdictOf('successRate', at(7))).toBe('pass');
    expect(verdictOf('successRate', at(14))).toBe('fail');
  });

  test('a lower confidence makes the bounds tighter', () => {
    const at = (confidence: number) => judge({ canary: { requests: 100, errors: 9, latency: 0.2 } },
      { ...objectives, errorBudget: undefined, confidence });
    expect(verdictOf('successRate', at(0.999))).toBe('pass');
    expect(verdictOf('successRate', at(0.9))).toBe('fail');
  });

  test('skips the comparisons when the request names no stable baseline', () => {
    // GIVEN only canary measurements
    const result = judge({ canary: { requests: 100, errors: 0, latency: 0.1 } }, objectives);

    // THEN no comparison check appears
    expect(result.checks.map((c) => c.name)).toEqual(['traffic', 'successRate', 'latency', 'errorBudget']);
    expect(result.requests.stable).toBeNull();
    expect(result.verdict).toBe('pass');
  });

  test('clamps errors to requests and ignores negative counts', () => {
    // GIVEN extrapolated counts where errors exceed requests and stable is negative
    const result = judge({ canary: { requests: 100, errors: 100.4 }, stable: { requests: -3, errors: 0 } }, { ...objectives, latency: undefined });

    // THEN the success rate is 0, not negative, and the comparison is skipped
    expect(result.checks.find((c) => c.name === 'successRate')!.canary).toBe(0);
    expect(verdictOf('errorRatioVsStable', result)).toBe('skipped');
  });
});
