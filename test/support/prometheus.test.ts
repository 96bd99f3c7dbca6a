import { countStatus, runLoad } from './load';
import { cleanUp, startAll, startDemo, StartedProcess, stopAll } from './processes';
import { PrometheusServer } from './prometheus';

describe('test harness: real Prometheus scraping real demo services', () => {
  let stable: StartedProcess;
  let canary: StartedProcess;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    // GIVEN a stable and a failing canary demo service (errors spread evenly, so counts are exact), scraped by a real Prometheus
    [stable, canary] = await startAll([startDemo(), startDemo(['--mode', 'failing', '--error-rate', '0.5', '--errors', 'even'])]);
    prometheus = await PrometheusServer.start({
      targets: [
        { port: stable.port, labels: { namespace: 'shop', pod: 'web-stable-1', rollouts_pod_template_hash: 'aaa111' } },
        { port: canary.port, labels: { namespace: 'shop', pod: 'web-canary-1', rollouts_pod_template_hash: 'bbb222' } },
      ],
    });
  }, 40_000);

  afterAll(() => cleanUp(() => prometheus?.dispose(), stopAll));

  test('sees both instances with their pod-template-hash labels', async () => {
    // WHEN asking for the up series
    const up = await prometheus!.vector('up{namespace="shop"}');

    // THEN both targets are up with their hash and pod labels
    const byHash = Object.fromEntries(up.map((s) => [s.metric.rollouts_pod_template_hash, s]));
    expect(Object.keys(byHash).sort()).toEqual(['aaa111', 'bbb222']);
    expect(byHash.aaa111.value).toBe(1);
    expect(byHash.aaa111.metric.pod).toBe('web-stable-1');
    expect(byHash.bbb222.metric.pod).toBe('web-canary-1');
  });

  test('counts requests per version as the load split them', async () => {
    // WHEN a bounded load sends 20% of 200 requests to the canary
    const counts = await runLoad({
      stableUrl: `http://127.0.0.1:${stable.port}/`,
      canaryUrl: `http://127.0.0.1:${canary.port}/`,
      canaryShare: 0.2,
      rate: 100,
      maxRequests: 200,
      durationMs: 5000,
    });

    // THEN the load saw the canary's injected failures and none from stable
    expect(counts.sent).toBe(200);
    expect(countStatus(counts.canary, '')).toBe(40);
    expect(countStatus(counts.canary, '5')).toBe(20);
    expect(countStatus(counts.stable, '5')).toBe(0);

    // AND Prometheus shows the same totals per pod-template hash once scraped
    const totals = await prometheus!.waitFor(
      () => prometheus!.vector('sum by (rollouts_pod_template_hash, status) (http_requests_total{namespace="shop", route="/"})'),
      (v) => v.reduce((sum, s) => sum + s.value, 0) >= 200,
      10_000,
      'all 200 requests scraped',
    );
    const key = (s: { metric: Record<string, string> }) => `${s.metric.rollouts_pod_template_hash}/${s.metric.status}`;
    expect(Object.fromEntries(totals.map((s) => [key(s), s.value]))).toEqual({
      'aaa111/200': 160,
      'aaa111/500': 0,
      'bbb222/200': 20,
      'bbb222/500': 20,
    });
  });

  test('serves queries again after a restart', async () => {
    // WHEN Prometheus is stopped
    await prometheus!.stop();

    // THEN queries fail
    await expect(prometheus!.query('up')).rejects.toThrow();

    // WHEN it restarts on the same port and data directory
    await prometheus!.restart();

    // THEN both targets are up again
    const up = await prometheus!.vector('up{namespace="shop"} == 1');
    expect(up).toHaveLength(2);
  }, 40_000);
});
