import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { validateDnsLabel } from './internal-validation';
import { RolloutSpecStrategyCanaryTrafficRouting } from '../../imports/argoproj.io';

/** What a traffic router needs to know about the rollout it routes. */
export interface TrafficRoutingBindOptions {
  readonly rolloutName: string;
  readonly namespace?: string;
  readonly stableServiceName: string;
  readonly servicePort: number;
  readonly labels: { [key: string]: string };
}

/** What a traffic router contributes to the rollout. */
export interface TrafficRoutingConfig {
  /** The Rollout's strategy.canary.trafficRouting. */
  readonly spec: RolloutSpecStrategyCanaryTrafficRouting;
}

/** How the controller splits traffic between stable and canary. More routers can be added as factories. */
export abstract class TrafficRouting {
  /** ingress-nginx: the controller clones the stable Ingress into a canary Ingress and sets its weight. */
  public static nginx(props: NginxTrafficRoutingProps): TrafficRouting {
    return new NginxTrafficRouting(props);
  }

  /** @internal */
  public abstract _bind(scope: Construct, options: TrafficRoutingBindOptions): TrafficRoutingConfig;
}

/** Settings of NGINX traffic routing and of the stable Ingress it needs. */
export interface NginxTrafficRoutingProps {
  /** Host the Ingress serves, e.g. `orchestrator.example.com`. */
  readonly host: string;
  /** @default '/' */
  readonly path?: string;
  /** @default 'nginx' */
  readonly ingressClassName?: string;
  /**
   * Secret holding the TLS certificate for `host`.
   * @default - no TLS on the Ingress
   */
  readonly tlsSecretName?: string;
  /**
   * Annotations of the stable Ingress (the controller copies them to the canary Ingress).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Extra `nginx.ingress.kubernetes.io/` annotations the controller puts on the canary Ingress, keys without
   * the prefix, e.g. `{ 'canary-by-header': 'X-Canary' }` to reach the canary on demand.
   * @default - none
   */
  readonly additionalIngressAnnotations?: { [key: string]: string };
}

const CANARY_ANNOTATION_KEY = /^canary-[a-z-]+$/;

class NginxTrafficRouting extends TrafficRouting {
  constructor(private readonly props: NginxTrafficRoutingProps) {
    super();
    if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(props.host)) {
      throw new Error(`nginx host must be a lowercase DNS name such as app.example.com, got '${props.host}'`);
    }
    if (props.path !== undefined && !props.path.startsWith('/')) {
      throw new Error(`nginx path must start with '/', got '${props.path}'`);
    }
    if (props.ingressClassName !== undefined) validateDnsLabel('nginx ingressClassName', props.ingressClassName);
    if (props.tlsSecretName !== undefined) validateDnsLabel('nginx tlsSecretName', props.tlsSecretName);
    for (const key of Object.keys(props.additionalIngressAnnotations ?? {})) {
      if (!CANARY_ANNOTATION_KEY.test(key)) {
        throw new Error(`nginx additionalIngressAnnotations key must be an ingress-nginx canary annotation without its prefix, `
          + `such as 'canary-by-header', got '${key}'`);
      }
      if (key === 'canary-weight' || key === 'canary') {
        throw new Error(`nginx additionalIngressAnnotations must not set '${key}': the controller manages it`);
      }
    }
  }

  public _bind(scope: Construct, options: TrafficRoutingBindOptions): TrafficRoutingConfig {
    const p = this.props;
    const ingress = new k8s.KubeIngress(scope, 'Ingress', {
      metadata: { name: options.rolloutName, namespace: options.namespace, labels: options.labels, annotations: p.annotations },
      spec: {
        ingressClassName: p.ingressClassName ?? 'nginx',
        tls: p.tlsSecretName ? [{ hosts: [p.host], secretName: p.tlsSecretName }] : undefined,
        rules: [{
          host: p.host,
          http: {
            paths: [{
              path: p.path ?? '/',
              pathType: 'Prefix',
              backend: { service: { name: options.stableServiceName, port: { number: options.servicePort } } },
            }],
          },
        }],
      },
    });
    return {
      spec: {
        nginx: {
          stableIngress: ingress.name,
          additionalIngressAnnotations: p.additionalIngressAnnotations,
        },
      },
    };
  }
}
