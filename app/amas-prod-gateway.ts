import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { AmasProdChart, AmasProdProps } from './amas-prod';
import { ArgoRolloutsConfig, TrafficRouterPlugin, TrafficRouting } from '../lib';

/** The shared Gateway the platform team runs, and its HTTPS listener. */
export const GATEWAY = { name: 'public', namespace: 'gateways', listener: 'https' };

/**
 * The same amas-orchestrator service as AmasProdChart (same image, steps, SLOs, gate and network), in namespace
 * amas-prod-gateway, its canary traffic split by the Gateway API instead of ingress-nginx: an HTTPRoute on the
 * shared Gateway's HTTPS listener (which terminates TLS) holds the stable Service at weight 100 - w and the canary
 * Service at w, set by the Argo Rollouts Gateway API plugin; the NetworkPolicy lets the Gateway's pods in instead
 * of the ingress-nginx controller (in the Gateway's namespace, labelled gateway.networking.k8s.io/gateway-name:
 * public, as GEP-1762 has implementations label what they deploy for a Gateway; check that yours labels its proxy
 * pods so). The controller must load the plugin: see RolloutsControllerChart.
 */
export class AmasProdGatewayChart extends AmasProdChart {
  constructor(scope: Construct, id: string, props: AmasProdProps = {}) {
    super(scope, id, {
      namespace: 'amas-prod-gateway',
      trafficRouting: TrafficRouting.gatewayApi({
        gatewayName: GATEWAY.name, gatewayNamespace: GATEWAY.namespace, sectionName: GATEWAY.listener,
        hostnames: ['orchestrator.amas.example.com'],
      }),
      ...props,
    });
  }
}

/** The plugin release this library is built and tested against. */
export const GATEWAY_API_PLUGIN_VERSION = 'v0.15.0';

/**
 * The cluster-wide part, once per cluster in the chart that manages the Argo Rollouts controller (not in a
 * service's chart, and so not in dist/): the controller's argo-rollouts-config with the Gateway API plugin, and the
 * ClusterRole the plugin needs. Restart the controller after applying it.
 */
export class RolloutsControllerChart extends Chart {
  public readonly config: ArgoRolloutsConfig;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    this.config = new ArgoRolloutsConfig(this, 'argo-rollouts-config', {
      trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi({
        location: 'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/'
          + `${GATEWAY_API_PLUGIN_VERSION}/gatewayapi-plugin-linux-amd64`,
      })],
    });
  }
}
