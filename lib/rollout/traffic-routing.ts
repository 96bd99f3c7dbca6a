import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ownRule, validateDnsLabel } from './internal-validation';
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
   * Extra `nginx.ingress.kubernetes.io/` annotations the controller puts on the canary Ingress, keys with or
   * without the prefix, e.g. `{ 'canary-by-header': 'X-Canary' }` to reach the canary on demand. Besides the
   * `canary-*` annotations, ingress-nginx honours a few others on a canary Ingress (`load-balance`,
   * `upstream-hash-by`, session affinity); it ignores the rest.
   * @default - none
   */
  readonly additionalIngressAnnotations?: { [key: string]: string };
}

const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';
/** The name part of a Kubernetes annotation key (the API server's rule). */
const ANNOTATION_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** Annotations of the canary Ingress the controller sets itself (canary-weight-total with maxTrafficWeight). */
const CONTROLLER_ANNOTATIONS = ['canary', 'canary-weight', 'canary-weight-total'];

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
      const name = key.startsWith(NGINX_ANNOTATION_PREFIX) ? key.slice(NGINX_ANNOTATION_PREFIX.length) : key;
      if (name.length > 63 || !ANNOTATION_NAME.test(name)) {
        throw new Error(`nginx additionalIngressAnnotations key must be an annotation name (letters, digits, '-', '_' or '.', `
          + `at most 63 characters) with or without the '${NGINX_ANNOTATION_PREFIX}' prefix, such as 'canary-by-header', got '${key}'`);
      }
      if (CONTROLLER_ANNOTATIONS.includes(name)) {
        throw new Error(`nginx additionalIngressAnnotations must not set '${key}': remove it `
          + ownRule(name === 'canary-weight-total'
            ? 'the controller writes canary-weight in percent, another total would change every weight'
            : 'the controller overwrites it on the canary Ingress'));
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
