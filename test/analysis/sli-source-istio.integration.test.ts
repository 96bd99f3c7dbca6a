/**
 * SliSource.istio against a real Prometheus scraping Istio-shaped sidecars on 127.0.0.1.
 *
 * Each scenario is one namespace with a stable and a canary pod of the same Rollout. Each pod's sidecar is a small
 * HTTP exporter serving what istio-proxy serves at /stats/prometheus: `istio_requests_total` and
 * `istio_request_duration_milliseconds` for the requests the pod served (reporter="destination") and for the calls it
 * made (reporter="source"), with the labels Istio gives both ReplicaSets alike (destination_workload is the Rollout's
 * name, destination_canonical_revision the value read at injection). Requests accrue at a fixed rate between scrapes,
 * each an error with the pod's probability, each with a random duration. Prometheus puts the pod-template hash on the
 * series as the emitted PodMonitor would. The synthesized template's queries (windows scaled from 2m to 20s) are judged
 * by their own conditions, as Argo would.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { Chart, Duration, Testing } from 'cdk8s';
import { evaluateMeasurement, MeasurementPhase, prometheusResult } from '../../lib/analysis/expr-eval';
import { substituteArgs } from '../../lib/analysis/promql';
import { SliSource } from '../../lib/analysis/sli-source';
import { SloAnalysis } from '../../lib/analysis/slo-analysis';
import { SloObjective } from '../../lib/analysis/slo-objective';
import { cleanUp } from '../support/processes';
import { PrometheusServer } from '../support/prometheus';
import { synthValid } from '../support/schema';

const WINDOW = Duration.seconds(20);
/** Istio's default buckets of istio_request_duration_milliseconds, up to a minute. */
const BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A duration around `medianMs`, log-normal with a spread of about a factor 1.6. */
function duration(medianMs: number): number {
  const u = 1 - Math.random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  return medianMs * Math.exp(0.5 * normal);
}

interface Traffic {
  /** Requests per second. */
  readonly rate: number;
  readonly errorRate: number;
  readonly medianMs: number;
}

interface Series { count: number; sumMs: number; buckets: number[] }

/** One pod's istio-proxy: the requests it served (destination) and the calls it made (source), as Envoy exposes them. */
class SidecarExporter {
  private readonly series = new Map<string, Series>();
  private last = Date.now();
  private carry = { destination: 0, source: 0 };
  private server?: http.Server;

  constructor(private readonly labels: string, private readonly served: Traffic, private readonly calls: Traffic) {}

  public async start(): Promise<number> {
    this.server = http.createServer((req, res) => {
      this.advance();
      res.writeHead(req.url === '/stats/prometheus' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(req.url === '/stats/prometheus' ? this.render() : '');
    });
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  public stop(): Promise<void> {
    return new Promise(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private advance(): void {
    const now = Date.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    for (const [reporter, traffic] of [['destination', this.served], ['source', this.calls]] as const) {
      const due = traffic.rate * seconds + this.carry[reporter];
      const n = Math.floor(due);
      this.carry[reporter] = due - n;
      for (let i = 0; i < n; i++) {
        const code = Math.random() < traffic.errorRate ? '503' : '200';
        const key = `reporter="${reporter}",${reporter === 'destination' ? this.labels : 'destination_workload="payments"'},response_code="${code}"`;
        const s = this.series.get(key) ?? { count: 0, sumMs: 0, buckets: BUCKETS_MS.map(() => 0) };
        const ms = duration(traffic.medianMs);
        s.count++;
        s.sumMs += ms;
        BUCKETS_MS.forEach((le, b) => { if (ms <= le) s.buckets[b]++; });
        this.series.set(key, s);
      }
    }
  }

  private render(): string {
    const lines = ['# TYPE istio_requests_total counter'];
    for (const [key, s] of this.series) lines.push(`istio_requests_total{${key}} ${s.count}`);
    lines.push('# TYPE istio_request_duration_milliseconds histogram');
    for (const [key, s] of this.series) {
      BUCKETS_MS.forEach((le, b) => lines.push(`istio_request_duration_milliseconds_bucket{${key},le="${le}"} ${s.buckets[b]}`));
      lines.push(`istio_request_duration_milliseconds_bucket{${key},le="+Inf"} ${s.count}`);
      lines.push(`istio_request_duration_milliseconds_sum{${key}} ${s.sumMs}`);
      lines.push(`istio_request_duration_milliseconds_count{${key}} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

// GIVEN the template the construct synthesizes for the Istio source, windows scaled down
const chart = new Chart(Testing.app(), 'orders');
new SloAnalysis(chart, 'slo', {
  sli: SliSource.istio({ podMonitor: false }),
  measurement: { interval: Duration.seconds(5), initialDelay: Duration.seconds(5), count: 0 },
  objectives: [
    SloObjective.successRate({ window: WINDOW }),
    SloObjective.latency({ window: WINDOW }),
    SloObjective.errorBudget({ window: WINDOW }),
    SloObjective.stableComparison({ window: WINDOW }),
  ],
});
const metrics: Array<{ name: string; successCondition: string; failureCondition: string; provider: { prometheus: { query: string } } }> =
  synthValid(chart)[0].spec.metrics;

/** What Istio labels both ReplicaSets' requests with: nothing that tells the canary apart. */
const ISTIO_LABELS = 'destination_workload="orders-api",destination_workload_namespace="orders",destination_canonical_revision="latest",'
  + 'destination_service="orders-api.orders.svc.cluster.local",source_workload="istio-ingressgateway",request_protocol="http"';
const TOTAL_RATE = 100;
const SHARE = 0.1;
/** The calls each pod makes, failing half the time: reported by its sidecar with reporter="source". */
const FAILING_CALLS: Traffic = { rate: 20, errorRate: 0.5, medianMs: 30 };

describe('SliSource.istio against a real Prometheus', () => {
  let prometheus: PrometheusServer | undefined;
  const exporters: SidecarExporter[] = [];
  let start = 0;

  beforeAll(async () => {
    // GIVEN per scenario a stable and a canary pod (~10% of the traffic), each with its sidecar
    const scenarios: Record<string, { stable: Omit<Traffic, 'rate'>; canary: Omit<Traffic, 'rate'> }> = {
      // a canary failing 30% behind a healthy stable
      failing: { stable: { errorRate: 0.002, medianMs: 40 }, canary: { errorRate: 0.3, medianMs: 40 } },
      // a healthy canary behind a stable failing 20%: the canary must not be blamed for stable's errors
      healthy: { stable: { errorRate: 0.2, medianMs: 40 }, canary: { errorRate: 0, medianMs: 40 } },
      // a canary taking about 4s per request, without errors
      slow: { stable: { errorRate: 0, medianMs: 40 }, canary: { errorRate: 0, medianMs: 4000 } },
    };
    const targets = [];
    for (const [namespace, s] of Object.entries(scenarios)) {
      for (const [track, traffic] of [['stable', s.stable], ['canary', s.canary]] as const) {
        const rate = TOTAL_RATE * (track === 'canary' ? SHARE : 1 - SHARE);
        const exporter = new SidecarExporter(ISTIO_LABELS, { ...traffic, rate }, FAILING_CALLS);
        exporters.push(exporter);
        const port = await exporter.start();
        targets.push({
          port, metricsPath: '/stats/prometheus',
          labels: { namespace, pod: `orders-api-${namespace}-${track}-0`, rollouts_pod_template_hash: `${namespace}-${track}` },
        });
      }
    }
    // AND a real Prometheus scraping them with the labels the PodMonitor sets
    prometheus = await PrometheusServer.start({ targets, timeoutMs: 30_000 });
    start = Date.now();
  }, 60_000);

  afterAll(() => cleanUp(() => prometheus?.dispose(), () => Promise.all(exporters.map(e => e.stop()))), 30_000);

  async function windowFull(): Promise<void> {
    const wait = start + WINDOW.toMilliseconds() + 3000 - Date.now();
    if (wait > 0) await sleep(wait);
  }

  async function measure(metric: string, namespace: string): Promise<{ phase: MeasurementPhase; value: number | undefined }> {
    const m = metrics.find(x => x.name === metric)!;
    const query = substituteArgs(m.provider.prometheus.query, { 'namespace': namespace, 'canary-hash': `${namespace}-canary`, 'stable-hash': `${namespace}-stable` });
    const result = prometheusResult(await prometheus!.query(query));
    return { phase: evaluateMeasurement(result, m), value: (result as number[])[0] };
  }

  /** The success ratio by Istio's own labels alone: both ReplicaSets' traffic mixed. */
  async function mixedSuccess(namespace: string): Promise<number> {
    const sel = `namespace="${namespace}",reporter="destination",destination_workload="orders-api"`;
    const q = `sum(rate(istio_requests_total{${sel},response_code!~"5.."}[20s])) / sum(rate(istio_requests_total{${sel}}[20s]))`;
    return (prometheusResult(await prometheus!.query(q)) as number[])[0];
  }

  test('a canary failing 30% at 10% of the traffic is Failed, where Istio\'s labels alone see the mix pass 0.95', async () => {
    await windowFull();
    const sr = await measure('success-rate', 'failing');
    expect(sr.phase).toBe('Failed');
    expect(sr.value).toBeLessThan(0.85);
    expect((await measure('burn-rate', 'failing')).phase).toBe('Failed');
    expect((await measure('error-ratio-vs-stable', 'failing')).phase).toBe('Failed');
    expect(await mixedSuccess('failing')).toBeGreaterThan(0.95);
  }, 60_000);

  test('a healthy canary behind a failing stable is Successful: stable\'s errors and the pods\' failing calls are not its own', async () => {
    await windowFull();
    for (const m of ['success-rate', 'latency-p95', 'burn-rate', 'error-ratio-vs-stable']) {
      const { phase, value } = await measure(m, 'healthy');
      expect({ m, phase, value }).toEqual({ m, phase: 'Successful', value: expect.any(Number) });
    }
    // AND the mix, what destination_workload selects, would have failed it
    expect(await mixedSuccess('healthy')).toBeLessThan(0.9);
  }, 60_000);

  test('a slow canary is Failed on latency, its p95 read in seconds from Istio\'s milliseconds', async () => {
    await windowFull();
    const latency = await measure('latency-p95', 'slow');
    expect(latency.phase).toBe('Failed');
    expect(latency.value).toBeGreaterThan(3);
    expect(latency.value).toBeLessThan(30);
    expect((await measure('success-rate', 'slow')).phase).toBe('Successful');
    // AND the stable pods of the same scenario are fast: the canary's latency is its own
    const stableQuery = substituteArgs(SliSource.istio({ podMonitor: false }).latencyQuantile('stable', 0.95, WINDOW), { 'namespace': 'slow', 'stable-hash': 'slow-stable' });
    const stableP95 = prometheusResult(await prometheus!.query(stableQuery)) as number[];
    expect(stableP95[0]).toBeLessThan(0.25);
  }, 60_000);
});
