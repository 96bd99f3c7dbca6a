import { Duration, Testing } from 'cdk8s';
import { CanaryPodMonitor } from '../../lib/analysis/pod-monitor';
import '../support/pod-monitor-schema';
import { schemaErrors, synthValid } from '../support/schema';

describe('CanaryPodMonitor', () => {
  test('relabels the pod-template hash, namespace and pod onto the series', () => {
    // GIVEN a PodMonitor for the orders pods
    const chart = Testing.chart();
    const pm = new CanaryPodMonitor(chart, 'pm', { matchLabels: { 'app.kubernetes.io/name': 'orders' } });
    // WHEN synthesized (and validated against the PodMonitor shape)
    const [obj] = synthValid(chart);
    // THEN it is the child Resource, selects the pods and relabels the hash label
    expect(pm.node.findChild('Resource')).toBe(pm.resource);
    expect(obj.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(obj.kind).toBe('PodMonitor');
    expect(obj.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
      podMetricsEndpoints: [{
        port: 'http',
        path: '/metrics',
        interval: '15s',
        relabelings: [
          { sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'rollouts_pod_template_hash', action: 'replace' },
          { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace', action: 'replace' },
          { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod', action: 'replace' },
        ],
      }],
    });
  });

  test('port, path, interval, labels and target label names are configurable', () => {
    const chart = Testing.chart();
    new CanaryPodMonitor(chart, 'pm', {
      matchLabels: { app: 'orders' }, port: 'metrics', path: '/prom', interval: Duration.seconds(5),
      labels: { release: 'kube-prometheus-stack' }, hashLabel: 'hash', namespaceLabel: 'ns',
    });
    const [obj] = synthValid(chart);
    expect(obj.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
    expect(obj.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/prom', interval: '5s' });
    expect(obj.spec.podMetricsEndpoints[0].relabelings.map((r: any) => r.targetLabel)).toEqual(['hash', 'ns', 'pod']);
  });

  test('the shape check rejects a PodMonitor without selector or with an unknown field', () => {
    // GIVEN the schema the tests validate PodMonitors with
    const broken = {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'x' },
      spec: { podMetricsEndpoints: [{ port: 'http', relabellings: [] }] },
    };
    // WHEN validated THEN both faults are reported
    const errors = schemaErrors(broken).join('\n');
    expect(errors).toContain("must have required property 'selector'");
    expect(errors).toContain("must NOT have additional properties 'relabellings'");
  });

  test('fails on a scrape interval below a second', () => {
    expect(() => new CanaryPodMonitor(Testing.chart(), 'pm', { matchLabels: { a: 'b' }, interval: Duration.millis(500) }))
      .toThrow('sliSource.app scrapeInterval must be a positive whole number of seconds, got 500ms');
  });
});
