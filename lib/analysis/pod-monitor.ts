import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { promDuration } from './promql';

/** Props of `CanaryPodMonitor`. */
export interface CanaryPodMonitorProps {
  /** Labels selecting the rollout's pods. */
  readonly matchLabels: Record<string, string>;
  /**
   * Name of the container port serving metrics.
   * @default 'http'
   */
  readonly port?: string;
  /**
   * Path of the metrics endpoint.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval.
   * @default 15s
   */
  readonly interval?: Duration;
  /**
   * Labels of the PodMonitor itself (for the Prometheus podMonitorSelector).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Target label that receives the pod label `rollouts-pod-template-hash`.
   * @default 'rollouts_pod_template_hash'
   */
  readonly hashLabel?: string;
  /**
   * Target label that receives the pod's namespace.
   * @default 'namespace'
   */
  readonly namespaceLabel?: string;
}

/**
 * A prometheus-operator PodMonitor (monitoring.coreos.com/v1) that scrapes the rollout's pods and
 * puts the pod label `rollouts-pod-template-hash` on every series (with namespace and pod), so
 * that analysis queries can select the canary's or the stable's series. It lives in the
 * namespace of its chart and watches pods of that namespace.
 */
export class CanaryPodMonitor extends Construct {
  /** The generated PodMonitor. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: CanaryPodMonitorProps) {
    super(scope, id);
    const interval = promDuration('sliSource.app scrapeInterval', props.interval ?? Duration.seconds(15));
    const relabel = (source: string, target: string) => ({ sourceLabels: [source], targetLabel: target, action: 'replace' });
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: props.labels ? { labels: { ...props.labels } } : {},
      spec: Lazy.any({
        produce: () => ({
          selector: { matchLabels: { ...props.matchLabels } },
          podMetricsEndpoints: [{
            port: props.port ?? 'http',
            path: props.path ?? '/metrics',
            interval,
            relabelings: [
              relabel('__meta_kubernetes_pod_label_rollouts_pod_template_hash', props.hashLabel ?? 'rollouts_pod_template_hash'),
              relabel('__meta_kubernetes_namespace', props.namespaceLabel ?? 'namespace'),
              relabel('__meta_kubernetes_pod_name', 'pod'),
            ],
          }],
        }),
      }),
    });
  }
}
