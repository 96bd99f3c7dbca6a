import { judge, Measurements, ResolvedObjectives } from '../../../tools/slo-gate/src/judge';
import { errorRatioDifference, wilsonBounds } from '../../../lib/gate/statistics';

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

describe('judge at the boundaries', () => {
  const checkOf = (name: string, result: ReturnType<typeof judge>) => result.checks.find((c) => c.name === name)!;

  test('exactly minRequests canary requests are enough to judge; one fewer is not', () => {
    const at = (requests: number) => judge({ canary: { requests, errors: 0, latency: 0.1 } }, objectives);
    expect(at(50)).toMatchObject({ verdict: 'pass', reasons: expect.arrayContaining(['traffic: canary served 50 requests, at least minRequests 50']) });
    expect(checkOf('traffic', at(50))).toMatchObject({ verdict: 'pass', canary: 50, stable: null, objective: 50 });
    expect(at(49.9).verdict).toBe('inconclusive');
  });

  test('a success rate whose upper bound sits exactly on the objective passes; just above it, it fails', () => {
    // GIVEN 3 errors in 100 requests and an objective equal to their upper Wilson bound at 99.9%
    const bound = 1 - wilsonBounds(3, 100, 0.999).lower;
    const at = (successRate: number) => judge({ canary: { requests: 100, errors: 3, latency: 0.1 } }, { ...objectives, errorBudget: undefined, successRate });
    // THEN the bound is consistent with that objective, and not with one a hair higher
    expect(checkOf('successRate', at(bound))).toMatchObject({ verdict: 'pass', canary: 0.97, objective: bound, detail: { upperBound: bound, confidence: 0.999 } });
    expect(checkOf('successRate', at(bound + 1e-9)).verdict).toBe('fail');
  });

  test('a burn rate whose lower bound sits exactly on maxBurnRate passes; just below it, it fails', () => {
    // GIVEN 5 errors in 100 requests against a 99% SLO, maxBurnRate set to their lower bound / the budget
    const lower = wilsonBounds(5, 100, 0.999).lower / (1 - 0.99);
    const at = (maxBurnRate: number) => judge({ canary: { requests: 100, errors: 5, latency: 0.1 } },
      { ...objectives, successRate: undefined, errorBudget: { objective: 0.99, maxBurnRate } });
    expect(checkOf('errorBudget', at(lower))).toMatchObject({
      verdict: 'pass', canary: expect.closeTo(5, 9), objective: lower,
      detail: { errorBudget: expect.closeTo(0.01, 12), burnRateLowerBound: lower, confidence: 0.999 },
    });
    expect(checkOf('errorBudget', at(lower - 1e-9)).verdict).toBe('fail');
  });

  test('z widens every bound: at 99.9% confidence 3 errors in 50 fail neither 0.98 nor a 2x burn rate, at 90% both', () => {
    // success rate at most 0.9879 (99.9%) or 0.9706 (90%); burn rate at least 1.21x or 2.94x
    const at = (confidence: number) => judge({ canary: { requests: 50, errors: 3, latency: 0.1 } },
      { ...objectives, successRate: 0.98, errorBudget: { objective: 0.99, maxBurnRate: 2 }, confidence });
    expect(at(0.999).verdict).toBe('pass');
    expect(at(0.9).checks.map((c) => [c.name, c.verdict])).toEqual([['traffic', 'pass'], ['successRate', 'fail'], ['latency', 'pass'], ['errorBudget', 'fail']]);
  });

  test('a canary worse than stable by exactly the tolerance (at its bound) passes the comparison; by a hair more it fails', () => {
    // GIVEN 10 errors in 200 canary requests against 10 in 10000, and the Agresti-Caffo bound of that difference
    const { lowerBound } = errorRatioDifference(10, 200, 10, 10000, 0.999);
    const at = (errorRatioTolerance: number) => judge({ canary: { requests: 200, errors: 10, latency: 0.2 }, stable: { requests: 10000, errors: 10, latency: 0.2 } },
      { ...objectives, successRate: undefined, errorBudget: undefined, comparison: { ...objectives.comparison, errorRatioTolerance } });
    expect(checkOf('errorRatioVsStable', at(lowerBound))).toMatchObject({
      verdict: 'pass', canary: 0.05, stable: 0.001, objective: lowerBound, detail: { difference: expect.closeTo(0.049, 12), lowerBound, confidence: 0.999 },
      reason: "errorRatioVsStable: canary error ratio 0.05 is not worse than stable's 0.001 by more than 0.004 at 99.9% confidence",
    });
    expect(checkOf('errorRatioVsStable', at(lowerBound - 1e-9))).toMatchObject({
      verdict: 'fail',
      reason: "errorRatioVsStable: canary error ratio 0.05 is worse than stable's 0.001 by at least 0.004 at 99.9% confidence, above the tolerance 0.004",
    });
  });

  test('the comparison uses its own confidence, not the absolute checks\'', () => {
    const measured = { canary: { requests: 200, errors: 10, latency: 0.2 }, stable: { requests: 10000, errors: 10, latency: 0.2 } };
    const at = (confidence: number) => judge(measured, { ...objectives, successRate: undefined, errorBudget: undefined, confidence: 0.999,
      comparison: { ...objectives.comparison, errorRatioTolerance: 0.02, confidence } });
    expect(checkOf('errorRatioVsStable', at(0.999)).verdict).toBe('pass');
    expect(checkOf('errorRatioVsStable', at(0.9))).toMatchObject({ verdict: 'fail', detail: { confidence: 0.9 } });
  });

  test('stable needs minRequests to be a baseline: 49 requests are skipped, 50 compared', () => {
    const at = (requests: number) => judge({ canary: { requests: 1000, errors: 100, latency: 0.2 }, stable: { requests, errors: 0, latency: 0.2 } },
      { ...objectives, successRate: undefined, errorBudget: undefined });
    expect(checkOf('errorRatioVsStable', at(49))).toMatchObject({ verdict: 'skipped', canary: 0.1, stable: 0, objective: 0.01 });
    expect(checkOf('latencyVsStable', at(49))).toMatchObject({ verdict: 'skipped',
      reason: 'latencyVsStable: stable served 49 requests, fewer than minRequests 50: no baseline, judged on absolute objectives only' });
    expect(checkOf('errorRatioVsStable', at(50)).verdict).toBe('fail');
  });

  test('a failed check decides over an inconclusive one, and only the failures are the reasons', () => {
    // GIVEN a canary with enough requests, 20% errors, and no latency data
    const result = judge({ canary: { requests: 1000, errors: 200, latency: NaN } }, { ...objectives, errorBudget: undefined });
    // THEN latency is inconclusive but the verdict is fail, for the success rate
    expect(result.checks.map((c) => [c.name, c.verdict])).toEqual([['traffic', 'pass'], ['successRate', 'fail'], ['latency', 'inconclusive']]);
    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual(['successRate: canary success rate 0.8 is below the objective 0.95: at most 0.8362 at 99.9% confidence']);
  });

  test('an inconclusive check decides over passing ones, and only the inconclusive ones are the reasons', () => {
    const result = judge({ canary: { requests: 1000, errors: 0, latency: NaN } }, { ...objectives, errorBudget: undefined });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons).toEqual(['latency: no latency histogram data for the canary p95']);
  });

  test('below minRequests a skipped comparison stays skipped, and a check with no data says so', () => {
    const result = judge({ canary: { requests: 0, errors: 0, latency: NaN }, stable: { requests: 0, errors: 0, latency: NaN } }, objectives);
    expect(result.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['traffic', 'inconclusive'], ['successRate', 'inconclusive'], ['latency', 'inconclusive'], ['errorBudget', 'inconclusive'],
      ['errorRatioVsStable', 'skipped'], ['latencyVsStable', 'skipped'],
    ]);
    expect(result.reasons).toEqual([
      'traffic: canary served 0 requests in the window, fewer than minRequests 50: cannot judge yet',
      'successRate: no canary requests to compute a success rate (not judged: too few canary requests)',
      'latency: no latency histogram data for the canary p95 (not judged: too few canary requests)',
      'errorBudget: no canary requests to compute a burn rate (not judged: too few canary requests)',
    ]);
    expect(checkOf('errorBudget', result)).toMatchObject({ canary: null, stable: null, detail: { burnRateLowerBound: null } });
  });

  test('a latency ratio exactly at the tolerance passes; the margin decides beyond it, inclusive', () => {
    const stable = { requests: 1000, errors: 0, latency: 0.25 };
    const at = (latency: number, latencyRatioTolerance: number, latencyMarginSeconds: number) => checkOf('latencyVsStable', judge(
      { canary: { requests: 1000, errors: 0, latency }, stable }, { ...objectives, comparison: { ...objectives.comparison, latencyRatioTolerance, latencyMarginSeconds } }));
    // 0.5s against 0.25s: 2x
    expect(at(0.5, 2, 0)).toMatchObject({ verdict: 'pass', objective: 2, detail: { ratio: 2, marginSeconds: 0 },
      reason: "latencyVsStable: canary latency is 2x stable's, within 2x" });
    expect(at(0.5, 1.99, 0.25)).toMatchObject({ verdict: 'pass', detail: { ratio: 2, marginSeconds: 0.25 },
      reason: "latencyVsStable: canary latency is 2x stable's but only 0.25s slower, within the margin 0.25s" });
    expect(at(0.5, 1.99, 0.2499)).toMatchObject({ verdict: 'fail',
      reason: "latencyVsStable: canary latency is 2x stable's and 0.25s slower, above 1.99x and the margin 0.2499s" });
  });

  test('quantiles are compared once both sides served 20 requests beyond them: 400 for a p95, 2000 for a p99', () => {
    const at = (canary: number, stable: number, quantile = 0.95) => checkOf('latencyVsStable', judge(
      { canary: { requests: canary, errors: 0, latency: 2 }, stable: { requests: stable, errors: 0, latency: 0.2 } },
      { ...objectives, latency: { quantile, thresholdSeconds: 3 } }));
    expect(at(400, 400).verdict).toBe('fail');
    expect(at(399, 10000)).toMatchObject({ verdict: 'skipped',
      reason: 'latencyVsStable: canary served 399 and stable 10000 requests, fewer than the 400 a p95 needs to be compared (20 beyond it): judged on the latency objective only' });
    expect(at(10000, 399).verdict).toBe('skipped');
    expect(at(1999, 10000, 0.99).reason).toContain('fewer than the 2000 a p99 needs');
    expect(at(2000, 2000, 0.99).verdict).toBe('fail');
  });

  test('no usable stable quantile (none, zero, NaN or +Inf) skips the latency comparison', () => {
    for (const latency of [undefined, 0, NaN, Infinity]) {
      const result = judge({ canary: { requests: 1000, errors: 0, latency: 0.2 }, stable: { requests: 1000, errors: 0, latency } }, objectives);
      expect(checkOf('latencyVsStable', result)).toMatchObject({ verdict: 'skipped',
        reason: 'latencyVsStable: no latency histogram data for stable: no baseline, judged on absolute objectives only' });
      expect(result.verdict).toBe('pass');
    }
  });

  test('a latency exactly at the threshold passes', () => {
    const at = (latency: number) => checkOf('latency', judge({ canary: { requests: 100, errors: 0, latency } }, objectives));
    expect(at(3)).toMatchObject({ verdict: 'pass', canary: 3, objective: 3, reason: 'latency: canary p95 3s is within 3s' });
    expect(at(3.00001).verdict).toBe('fail');
  });

  test('figures: requests are rounded, errors clamped to requests on both sides, percentages without trailing zeros', () => {
    const result = judge({ canary: { requests: 99.6, errors: 0 }, stable: { requests: 200.4, errors: 300 } },
      { ...objectives, latency: undefined, confidence: 0.9995 });
    expect(result.requests).toEqual({ canary: 100, stable: 200 });
    expect(checkOf('successRate', result)).toMatchObject({ canary: 1, stable: 0 });
    expect(checkOf('traffic', result).reason).toBe('traffic: canary served 99.6 requests, at least minRequests 50');
    expect(checkOf('successRate', result).reason).toContain('at 99.95% confidence');
  });
});

describe('judge: what each check reports besides its verdict', () => {
  test('negative counts from Prometheus count as 0: a canary cannot do better than no errors', () => {
    const result = judge({ canary: { requests: 1000, errors: -3, latency: 0.2 }, stable: { requests: -5, errors: -1, latency: 0.2 } }, objectives);
    const success = result.checks.find((c) => c.name === 'successRate')!;
    expect(success.canary).toBe(1);
    expect(result.requests).toEqual({ canary: 1000, stable: 0 });
  });

  test('the error budget check reports stable\'s burn rate beside the canary\'s, whatever the verdict', () => {
    const stable = { requests: 9000, errors: 18, latency: 0.2 }; // 0.2% errors: 0.2x the 1% budget
    const burnOf = (canary: Measurements['canary']) => judge({ canary, stable }, objectives).checks.find((c) => c.name === 'errorBudget')!;
    for (const [canary, verdict] of [
      [{ requests: 1000, errors: 1, latency: 0.2 }, 'pass'],
      [{ requests: 1000, errors: 200, latency: 0.2 }, 'fail'],
      [{ requests: 0, errors: 0, latency: 0.2 }, 'inconclusive'],
    ] as const) {
      const check = burnOf(canary);
      expect([check.verdict, check.stable]).toEqual([verdict, expect.any(Number)]);
      expect(check.stable).toBeCloseTo(0.2, 10);
    }
  });

  test('below minRequests a skipped comparison stays skipped; only judged checks turn inconclusive', () => {
    // GIVEN too few canary requests and a stable below minRequests too (no baseline)
    const result = judge({ canary: { requests: 10, errors: 0, latency: 0.2 }, stable: { requests: 20, errors: 0, latency: 0.2 } }, objectives);
    expect(result.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['traffic', 'inconclusive'], ['successRate', 'inconclusive'], ['latency', 'inconclusive'], ['errorBudget', 'inconclusive'],
      ['errorRatioVsStable', 'skipped'], ['latencyVsStable', 'skipped'],
    ]);
    expect(result.checks.find((c) => c.name === 'errorRatioVsStable')!.reason).not.toMatch(/not judged/);
  });

  test('a pass gives the reasons of the checks that passed, not of those skipped', () => {
    // GIVEN a good canary beside a stable with too little traffic to compare with
    const result = judge({ canary: { requests: 1000, errors: 1, latency: 0.2 }, stable: { requests: 20, errors: 0, latency: 0.2 } }, objectives);
    expect(result.verdict).toBe('pass');
    expect(result.reasons.map((r) => r.split(':')[0])).toEqual(['traffic', 'successRate', 'latency', 'errorBudget']);
  });

  test('a NaN quantile (no histogram data) with enough requests is inconclusive, never a fail or a pass', () => {
    const result = judge({ canary: { requests: 1000, errors: 0, latency: NaN }, stable: healthyStable }, objectives);
    expect(result.checks.filter((c) => c.name.startsWith('latency')).map((c) => c.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(result.verdict).toBe('inconclusive');
  });

  test('figures the judge cannot compute read "no data"; a quantile in the +Inf bucket reads +Inf; -Inf is no latency', () => {
    // GIVEN no canary request beside a stable baseline: the canary's error ratio has no value
    const none = judge({ canary: { requests: 0, errors: 0, latency: NaN }, stable: healthyStable }, objectives);
    expect(none.checks.find((c) => c.name === 'errorRatioVsStable')!.reason).toMatch(/^errorRatioVsStable: canary error ratio no data is not worse/);
    // AND quantiles in the +Inf bucket, or below every bound of a malformed histogram
    const high = judge({ canary: { requests: 1000, errors: 0, latency: Infinity } }, objectives);
    expect(high.checks.find((c) => c.name === 'latency')!.reason).toBe('latency: canary p95 +Inf exceeds 3s');
    // AND -Inf (histogram_quantile's answer below quantile 0) is no evidence of a fast canary: inconclusive, never a pass
    const low = judge({ canary: { requests: 1000, errors: 0, latency: -Infinity }, stable: healthyStable }, objectives);
    expect(low.verdict).toBe('inconclusive');
    expect(low.checks.filter((c) => c.name.startsWith('latency')).map((c) => [c.verdict, c.reason])).toEqual([
      ['inconclusive', 'latency: no latency histogram data for the canary p95'],
      ['inconclusive', 'latencyVsStable: no latency histogram data for the canary'],
    ]);
  });
});
