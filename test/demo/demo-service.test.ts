import { parseDemoOptions, parseDurationMs, startDemoService } from '../../lib/demo/demo-service';

describe('parseDemoOptions', () => {
  test('defaults to a good service on a free port', () => {
    // GIVEN / WHEN / THEN
    expect(parseDemoOptions([], {})).toEqual({ port: 0, host: '127.0.0.1', mode: 'good', errorRate: 0, latencyMs: 0 });
  });

  test('gives failing and slow modes their default fault', () => {
    // GIVEN / WHEN / THEN
    expect(parseDemoOptions(['--mode', 'failing'], {}).errorRate).toBe(0.2);
    expect(parseDemoOptions(['--mode=slow'], {}).latencyMs).toBe(4000);
    expect(parseDemoOptions([], { DEMO_MODE: 'slow', DEMO_LATENCY: '1.5s' }).latencyMs).toBe(1500);
  });

  test.each([
    [['--mode', 'broken'], 'mode must be one of good, failing, slow, got "broken"'],
    [['--error-rate', '2'], 'error-rate must be a number between 0 and 1, got "2"'],
    [['--latency', 'soon'], 'latency must be a duration like 250ms, 4s or 1m, got "soon"'],
    [['--port', '-1'], 'port must be an integer between 0 and 65535, got "-1"'],
    [['--colour', 'red'], 'unknown flag --colour, allowed flags are --port --host --mode --error-rate --latency'],
    [['good'], 'unexpected argument "good", allowed flags are --port --host --mode --error-rate --latency'],
    [['--port'], 'flag --port needs a value'],
  ])('fails on %j', (argv, message) => {
    // GIVEN / WHEN / THEN
    expect(() => parseDemoOptions(argv, {})).toThrow(new Error(message));
  });

  test('parses durations', () => {
    expect(parseDurationMs('latency', '250ms')).toBe(250);
    expect(parseDurationMs('latency', '1m')).toBe(60_000);
    expect(parseDurationMs('latency', '20')).toBe(20);
  });
});

describe('startDemoService', () => {
  test('fails exactly the configured share of requests and exposes the conventional metrics', async () => {
    // GIVEN a failing service with a 25% error rate
    const service = await startDemoService({ port: 0, host: '127.0.0.1', mode: 'failing', errorRate: 0.25, latencyMs: 0 });
    try {
      // WHEN 8 requests are served
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetch(`http://127.0.0.1:${service.port}/`)).status);
      const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();

      // THEN 2 of 8 failed, and the counter and histogram carry status, method and route
      expect(statuses.filter((s) => s === 500)).toHaveLength(2);
      expect(metrics).toContain('http_requests_total{status="500",method="GET",route="/"} 2');
      expect(metrics).toContain('http_requests_total{status="200",method="GET",route="/"} 6');
      expect(metrics).toContain('http_request_duration_seconds_bucket{le="0.05",status="200",method="GET",route="/"} 6');
      expect((await fetch(`http://127.0.0.1:${service.port}/health/ready`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${service.port}/health/live`)).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
