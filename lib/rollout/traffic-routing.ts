import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { GATEWAY_API_PLUGIN_NAME } from './internal-plugins';
import { addService } from '../workload/internal-objects';
import { RouterPods } from '../network/selectable';
import { ownRule, validateDnsLabel } from '../util/internal-validation';
import { RolloutSpecStrategyCanaryTrafficRouting, toJson_RolloutSpecStrategyCanaryTrafficRouting } from '../../imports/argoproj.io';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../../imports/gateway.networking.k8s.io';
import { DestinationRule, VirtualService } from '../../imports/networking.istio.io';

/** What a traffic router needs to know about the rollout it routes. */
export interface TrafficRoutingBindOptions {
  readonly rolloutName: string;
  readonly namespace?: string;
  readonly stableServiceName: string;
  readonly canaryServiceName: string;
  readonly servicePort: number;
  readonly labels: { [key: string]: string };
  /** Labels every pod of the rollout carries (the selector of its Services). */
  readonly selectorLabels: { [key: string]: string };
}

/** What a traffic router contributes to the rollout. */
export interface TrafficRoutingConfig {
  /** The Rollout's strategy.canary.trafficRouting (a RolloutSpecStrategyCanaryTrafficRouting of the generated imports). */
  readonly spec: { [key: string]: any };
  /** The HTTPRoute whose weights the controller sets, when routing through the Gateway API. */
  readonly httpRouteName?: string;
}

/** How the controller splits traffic between stable and canary. More routers can be added as factories. */
export abstract class TrafficRouting {
  /**
   * ingress-nginx: for each stable Ingress the controller creates a canary Ingress
   * (`<rollout>-<stableIngress>-canary`) with the stable one's rules, backend switched to the canary
   * Service, and sets its weight.
   */
  public static nginx(props: NginxTrafficRoutingProps): TrafficRouting {
    return new NginxTrafficRouting(props);
  }

  /**
   * The Gateway API through the Argo Rollouts Gateway API plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi,
   * built and tested against v0.15.0): the plugin sets the weights of the stable and canary Services in one rule of an
   * HTTPRoute. Emits that HTTPRoute, or binds to an existing one by name. The controller loads the plugin from
   * its `argo-rollouts-config` ConfigMap: emit it once per cluster with `ArgoRolloutsConfig` and
   * `TrafficRouterPlugin.gatewayApi(...)`.
   */
  public static gatewayApi(props: GatewayApiTrafficRoutingProps): TrafficRouting {
    return new GatewayApiTrafficRouting(props);
  }

  /**
   * Istio: the controller sets the weights of one HTTP route of a VirtualService. Host-level (the default): the route's
   * two destinations are the stable and canary Services. Subset-level (`subsetLevel`): they are two subsets of one
   * Service, which the controller keeps pointed at the stable and canary pods in a DestinationRule. Emits the
   * VirtualService (and the DestinationRule and that Service), or binds to existing ones by name.
   */
  public static istio(props: IstioTrafficRoutingProps = {}): TrafficRouting {
    return new IstioTrafficRouting(props);
  }

  /**
   * A router this library does not model (SMI, ALB, Ambassador, APISIX, App Mesh, Traefik, a plugin, ...), given as the
   * Rollout's `strategy.canary.trafficRouting` in Argo Rollouts v1.9.1's own words, e.g.
   * `TrafficRouting.custom({ spec: { smi: { rootService: 'web', trafficSplitName: 'web' } } })`. Synth checks every
   * field name against v1.9.1's trafficRouting and the controller's rules on it; the steps' header and mirror routes
   * are checked against what the routers in it support (header routes: istio, alb, apisix or a plugin; mirror routes:
   * istio). The objects the router needs (TrafficSplit, Ingress, Mapping, ...) are yours to emit; a plugin needs the
   * controller to load it (`ArgoRolloutsConfig`). `managedRoutes` is filled from the steps.
   */
  public static custom(props: CustomTrafficRoutingProps): TrafficRouting {
    return new CustomTrafficRouting(props);
  }

  /** @internal The router's name (`nginx`, `gatewayApi`, `istio`, `custom`), for the rules that depend on it. */
  public abstract readonly _router: string;

  /**
   * @internal The pods that send the routed traffic to the rollout's pods; empty when the router does not tell
   * (a bound route, whose Gateway is unknown).
   */
  public _routerPods(_namespace: string | undefined): RouterPods[] { return []; }

  /** @internal The router supports setHeaderRoute steps. */
  public get _headerRoutes(): boolean { return this._router === 'istio' || this._router === 'gatewayApi'; }

  /** @internal The router supports setMirrorRoute steps. */
  public get _mirrorRoutes(): boolean { return this._router === 'istio'; }

  /** @internal Names of the routes whose weights the controller sets, which a managed route must not take. */
  public get _weightedRouteNames(): string[] { return []; }

  /** @internal The router gives experiment templates their weight (validation.go: ALB, SMI, Istio and plugins). */
  public get _experimentWeights(): boolean { return this._router === 'istio' || this._router === 'gatewayApi'; }

  /** @internal */
  public abstract _bind(scope: Construct, options: TrafficRoutingBindOptions): TrafficRoutingConfig;
}

/** One Ingress through ingress-nginx: the host and path it serves, its class, TLS and annotations. */
export interface NginxIngressOptions {
  /**
   * Host the Ingress serves, e.g. `orchestrator.example.com`.
   * @default - every host: a rule without a host, for requests that match no other Ingress' host
   */
  readonly host?: string;
  /** @default '/' */
  readonly path?: string;
  /** @default 'nginx' */
  readonly ingressClassName?: string;
  /**
   * Secret holding the TLS certificate for `host` (without a host: the certificate for every host the Ingress serves).
   * @default - no TLS on the Ingress
   */
  readonly tlsSecretName?: string;
  /**
   * Annotations of the stable Ingress. They stay on the stable Ingress only: of its annotations the controller
   * copies only `kubernetes.io/ingress.class` to the canary Ingress (with the rules, TLS and `ingressClassName`),
   * and ingress-nginx takes the rest of a canary's configuration from the stable Ingress of the same host and
   * path. Use `additionalIngressAnnotations` for what the canary Ingress itself must carry.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Another stable Ingress of the same rollout (Argo's `trafficRouting.nginx.stableIngresses`). */
export interface NginxAdditionalIngress extends NginxIngressOptions {
  /** metadata.name of the Ingress, e.g. `web-internal`. */
  readonly name: string;
}

/** Settings of NGINX traffic routing and of the stable Ingress(es) it needs. */
export interface NginxTrafficRoutingProps extends NginxIngressOptions {
  /**
   * Extra `nginx.ingress.kubernetes.io/` annotations the controller puts on the canary Ingress, keys with or
   * without the prefix, e.g. `{ 'canary-by-header': 'X-Canary' }` to reach the canary on demand. Besides the
   * `canary-*` annotations, ingress-nginx honours a few others on a canary Ingress (`load-balance`,
   * `upstream-hash-by`, session affinity); it ignores the rest.
   * @default - none
   */
  readonly additionalIngressAnnotations?: { [key: string]: string };
  /**
   * More stable Ingresses routed to the same rollout, e.g. an internal host on another ingress class. With any,
   * the Rollout names all of them, the first (named like the rollout) included, in `stableIngresses` instead of
   * `stableIngress`, and the controller keeps one canary Ingress per stable Ingress at the same weight.
   * `CanaryRollout.stableIngressName` and the ingress-nginx SLI source keep reading the first one.
   * @default - none: one stable Ingress
   */
  readonly additionalIngresses?: NginxAdditionalIngress[];
}

/** The ingress-nginx controller's pods as its install manifests deploy them. */
const INGRESS_NGINX_PODS: RouterPods = {
  namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
};

const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';
/** The name part of a Kubernetes annotation key (the API server's rule). */
const ANNOTATION_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** Annotations of the canary Ingress the controller sets itself (canary-weight-total with maxTrafficWeight). */
const CONTROLLER_ANNOTATIONS = ['canary', 'canary-weight', 'canary-weight-total'];

/** A host name as Ingress and Gateway API hostnames take it: lowercase DNS labels, optionally behind `*.`. */
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless the settings of one Ingress are valid; `prop` names it in messages. */
function validateIngressOptions(prop: string, o: NginxIngressOptions): void {
  if (o.host !== undefined && !HOSTNAME.test(o.host)) {
    throw new Error(`${prop} host must be a lowercase DNS name such as app.example.com, got '${o.host}'`);
  }
  if (o.path !== undefined && !o.path.startsWith('/')) {
    throw new Error(`${prop} path must start with '/', got '${o.path}'`);
  }
  if (o.ingressClassName !== undefined) validateDnsLabel(`${prop} ingressClassName`, o.ingressClassName);
  if (o.tlsSecretName !== undefined) validateDnsLabel(`${prop} tlsSecretName`, o.tlsSecretName);
}

class NginxTrafficRouting extends TrafficRouting {
  public readonly _router = 'nginx';

  public _routerPods(): RouterPods[] { return [INGRESS_NGINX_PODS]; }

  constructor(private readonly props: NginxTrafficRoutingProps) {
    super();
    validateIngressOptions('nginx', props);
    const names = new Set<string>();
    (props.additionalIngresses ?? []).forEach((ing, i) => {
      validateDnsLabel(`nginx additionalIngresses[${i}] name`, ing.name);
      if (names.has(ing.name)) {
        throw new Error(`nginx additionalIngresses names must be unique, '${ing.name}' is given twice: rename one`);
      }
      names.add(ing.name);
      validateIngressOptions(`nginx additionalIngresses[${i}]`, ing);
    });
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
    const additional = p.additionalIngresses ?? [];
    const clash = additional.find((ing) => ing.name === options.rolloutName);
    if (clash) {
      throw new Error(`nginx additionalIngresses name '${clash.name}' is the name of the first stable Ingress (the rollout's name): rename it`);
    }
    const first = addIngress(scope, 'Ingress', options.rolloutName, p, options);
    const names = [first, ...additional.map((ing) => addIngress(scope, `Ingress-${ing.name}`, ing.name, ing, options))];
    return {
      spec: {
        nginx: {
          ...(names.length === 1 ? { stableIngress: first } : { stableIngresses: names }),
          additionalIngressAnnotations: p.additionalIngressAnnotations,
        },
      },
    };
  }
}

/** Adds a stable Ingress that routes `o.host` and `o.path` to the stable Service; returns its name. */
function addIngress(scope: Construct, id: string, name: string, o: NginxIngressOptions, options: TrafficRoutingBindOptions): string {
  return new k8s.KubeIngress(scope, id, {
    metadata: { name, namespace: options.namespace, labels: options.labels, annotations: o.annotations },
    spec: {
      ingressClassName: o.ingressClassName ?? 'nginx',
      tls: o.tlsSecretName ? [{ hosts: o.host === undefined ? undefined : [o.host], secretName: o.tlsSecretName }] : undefined,
      rules: [{
        host: o.host,
        http: {
          paths: [{
            path: o.path ?? '/',
            pathType: 'Prefix',
            backend: { service: { name: options.stableServiceName, port: { number: options.servicePort } } },
          }],
        },
      }],
    },
  }).name;
}

/** Settings of Gateway API traffic routing: the HTTPRoute to emit, or the existing one to bind to. */
export interface GatewayApiTrafficRoutingProps {
  /**
   * The Gateway the emitted HTTPRoute attaches to (its `parentRefs`). A Gateway in another namespace must allow
   * routes from the rollout's namespace (`allowedRoutes` of its listener).
   * @default - none: give either gatewayName or httpRouteName
   */
  readonly gatewayName?: string;
  /** @default - the rollout's namespace */
  readonly gatewayNamespace?: string;
  /**
   * The listener of the Gateway to attach to.
   * @default - every listener that allows the route
   */
  readonly sectionName?: string;
  /**
   * Host names the HTTPRoute serves, e.g. `['orchestrator.example.com']`.
   * @default - the hosts of the Gateway's listeners
   */
  readonly hostnames?: string[];
  /** @default '/' */
  readonly path?: string;
  /**
   * Bind to an existing HTTPRoute in the rollout's namespace instead of emitting one. Its rules must include
   * one with backendRefs to both the stable and the canary Service (the plugin fails with `backendRef was not found
   * in httpRoute` otherwise); the plugin sets their weights in every such rule. Excludes the other props.
   * @default - an HTTPRoute named like the rollout is emitted
   */
  readonly httpRouteName?: string;
}


const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateSubdomain(prop: string, value: string): void {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new Error(`${prop} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters), got '${value}'`);
  }
}

class GatewayApiTrafficRouting extends TrafficRouting {
  public readonly _router = 'gatewayApi';

  /**
   * The Gateway's own pods: GEP-1762 (standard in the Gateway API) requires an implementation that deploys a Gateway to
   * put what it generates in the Gateway's namespace, labelled `gateway.networking.k8s.io/gateway-name: <gateway>`.
   */
  public _routerPods(namespace: string | undefined): RouterPods[] {
    const p = this.props;
    if (p.gatewayName === undefined) return [];
    return [{ namespace: p.gatewayNamespace ?? namespace, podLabels: { 'gateway.networking.k8s.io/gateway-name': p.gatewayName } }];
  }

  constructor(private readonly props: GatewayApiTrafficRoutingProps) {
    super();
    const routeProps = (['gatewayName', 'gatewayNamespace', 'sectionName', 'hostnames', 'path'] as const).filter((k) => props[k] !== undefined);
    if (props.httpRouteName !== undefined) {
      validateSubdomain('gatewayApi httpRouteName', props.httpRouteName);
      if (routeProps.length > 0) {
        throw new Error(`gatewayApi httpRouteName '${props.httpRouteName}' binds to an existing HTTPRoute, so ${routeProps.join(', ')} would not be used: `
          + 'remove them, or remove httpRouteName to emit the HTTPRoute');
      }
      return;
    }
    if (props.gatewayName === undefined) {
      throw new Error('gatewayApi needs gatewayName (the Gateway the HTTPRoute attaches to) or httpRouteName (an existing HTTPRoute), got neither');
    }
    validateSubdomain('gatewayApi gatewayName', props.gatewayName);
    if (props.gatewayNamespace !== undefined) validateDnsLabel('gatewayApi gatewayNamespace', props.gatewayNamespace);
    if (props.sectionName !== undefined) validateSubdomain('gatewayApi sectionName', props.sectionName);
    for (const host of props.hostnames ?? []) {
      if (!HOSTNAME.test(host) || host.length > 253) {
        throw new Error(`gatewayApi hostnames must be lowercase DNS names such as app.example.com, got '${host}'`);
      }
    }
    if (props.path !== undefined && !props.path.startsWith('/')) {
      throw new Error(`gatewayApi path must start with '/', got '${props.path}'`);
    }
  }

  public _bind(scope: Construct, options: TrafficRoutingBindOptions): TrafficRoutingConfig {
    const p = this.props;
    const name = p.httpRouteName ?? new HttpRoute(scope, 'HTTPRoute', {
      metadata: { name: options.rolloutName, namespace: options.namespace, labels: options.labels },
      spec: {
        parentRefs: [{ name: p.gatewayName!, namespace: p.gatewayNamespace, sectionName: p.sectionName }],
        hostnames: p.hostnames,
        rules: [{
          matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: p.path ?? '/' } }],
          // The plugin sets both weights in each rule that names both Services: stable 100 - w, canary w.
          backendRefs: [
            { name: options.stableServiceName, port: options.servicePort, weight: 100 },
            { name: options.canaryServiceName, port: options.servicePort, weight: 0 },
          ],
        }],
      },
    }).name;
    return { spec: { plugins: { [GATEWAY_API_PLUGIN_NAME]: { httpRoute: name } } }, httpRouteName: name };
  }
}

/** Settings of Istio traffic routing: the VirtualService (and DestinationRule) to emit, or the existing ones to bind to. */
export interface IstioTrafficRoutingProps {
  /**
   * Hosts of the emitted VirtualService, e.g. `['orchestrator.example.com']` for traffic through an Istio ingress gateway.
   * @default - the name of the Service it routes to (the stable Service; with subsetLevel, the rollout's Service): traffic inside the mesh
   */
  readonly hosts?: string[];
  /**
   * The Istio Gateways (`<namespace>/<name>`) the emitted VirtualService applies to; include `mesh` to route the
   * sidecars' traffic too.
   * @default - none: the mesh's sidecars only
   */
  readonly gateways?: string[];
  /**
   * Split by subsets of one Service instead of by the stable and canary Services: emits a Service named like the
   * rollout that selects every pod, and a DestinationRule whose `stable` and `canary` subsets the controller points at
   * the stable and canary pods (label `rollouts-pod-template-hash`).
   * @default false
   */
  readonly subsetLevel?: boolean;
  /**
   * Bind to an existing VirtualService in the rollout's namespace instead of emitting one. The routes the controller
   * sets weights in must have the stable and canary Services (with subsetLevel, the stable and canary subsets) as
   * destinations. Excludes hosts and gateways.
   * @default - a VirtualService named like the rollout is emitted
   */
  readonly virtualServiceName?: string;
  /**
   * The HTTP routes of the existing VirtualService the controller sets weights in, by name.
   * @default - its only HTTP route (the controller refuses a VirtualService with several)
   */
  readonly routes?: string[];
  /**
   * With subsetLevel and virtualServiceName: the existing DestinationRule whose subsets the controller updates.
   * @default - none; required then
   */
  readonly destinationRuleName?: string;
  /** With subsetLevel and an existing DestinationRule: @default 'stable' */
  readonly stableSubsetName?: string;
  /** With subsetLevel and an existing DestinationRule: @default 'canary' */
  readonly canarySubsetName?: string;
  /**
   * Where the pods of the ingress gateway named in `gateways` run: `LockedDownNetwork.forRollout` lets them call the
   * rollout's pods when the VirtualService applies to a gateway other than `mesh` (or is an existing one).
   * @default - Istio's default ingress gateway: namespace istio-system, label istio: ingressgateway
   */
  readonly ingressGateway?: RouterPods;
  /**
   * The pods that call the rollout through their own sidecars, when the VirtualService applies to the mesh (`gateways`
   * unset or naming `mesh`, or an existing VirtualService): `LockedDownNetwork.forRollout` lets them in. `[]` for none.
   * @default - the pods of the rollout's namespace that have a sidecar (label security.istio.io/tlsMode: istio, set by sidecar injection)
   */
  readonly meshCallers?: RouterPods[];
  /**
   * Where istiod runs, which the sidecar in each of the rollout's pods must reach (port 15012) to start.
   * @default - namespace istio-system, label app: istiod
   */
  readonly istiod?: RouterPods;
}

/** Istio's default ingress gateway, as its installation profiles deploy it. */
const ISTIO_INGRESS_GATEWAY: RouterPods = { namespace: 'istio-system', podLabels: { istio: 'ingressgateway' } };
/** istiod, as Istio's installation profiles deploy it. */
const ISTIOD: RouterPods = { namespace: 'istio-system', podLabels: { app: 'istiod' } };
/** The label sidecar injection puts on every pod it gives a sidecar. */
const ISTIO_SIDECAR_LABELS = { 'security.istio.io/tlsMode': 'istio' };

function validateRouterPods(prop: string, pods: RouterPods): void {
  if (Object.keys(pods.podLabels).length === 0) {
    throw new Error(`${prop} podLabels must select the pods, got {}: give the labels the pods carry`);
  }
  if (pods.namespace !== undefined) validateDnsLabel(`${prop} namespace`, pods.namespace);
}

/** The name of the HTTP route of an emitted VirtualService. */
const ISTIO_ROUTE = 'primary';

class IstioTrafficRouting extends TrafficRouting {
  public readonly _router = 'istio';

  public get _weightedRouteNames(): string[] {
    return this.props.virtualServiceName === undefined ? [ISTIO_ROUTE] : [...this.props.routes ?? []];
  }

  /**
   * The ingress gateway's pods when a gateway other than `mesh` routes, the mesh callers when the mesh routes (both for an
   * existing VirtualService, whose gateways are not known), each reaching the rollout through the rollout's own sidecar.
   */
  public _routerPods(namespace: string | undefined): RouterPods[] {
    const p = this.props;
    const bound = p.virtualServiceName !== undefined;
    const viaGateway = bound || (p.gateways ?? []).some((g) => g !== 'mesh');
    const viaMesh = bound || p.gateways === undefined || p.gateways.includes('mesh');
    const istiod = p.istiod ?? ISTIOD;
    const sidecar = { controlPlane: { namespace: istiod.namespace ?? 'istio-system', podLabels: { ...istiod.podLabels } }, controlPlanePort: 15012, metricsPort: 15090 };
    const pods = [
      ...(viaGateway ? [p.ingressGateway ?? ISTIO_INGRESS_GATEWAY] : []),
      ...(viaMesh ? p.meshCallers ?? [{ namespace, podLabels: ISTIO_SIDECAR_LABELS }] : []),
    ];
    return pods.map((pod) => ({ namespace: pod.namespace ?? namespace, podLabels: { ...pod.podLabels }, sidecar }));
  }

  constructor(private readonly props: IstioTrafficRoutingProps) {
    super();
    for (const host of props.hosts ?? []) {
      if (!HOSTNAME.test(host) || host.length > 253) throw new Error(`istio hosts must be lowercase DNS names such as app.example.com, got '${host}'`);
    }
    for (const gateway of props.gateways ?? []) {
      const [ns, name, rest] = gateway.split('/');
      if (rest !== undefined || !DNS_SUBDOMAIN.test(name ?? ns) || (name !== undefined && !DNS_SUBDOMAIN.test(ns))) {
        throw new Error(`istio gateways must be '<namespace>/<name>', '<name>' or 'mesh', got '${gateway}'`);
      }
    }
    const bound = props.virtualServiceName !== undefined;
    if (bound) {
      validateSubdomain('istio virtualServiceName', props.virtualServiceName!);
      const unused = (['hosts', 'gateways'] as const).filter((k) => props[k] !== undefined);
      if (unused.length > 0) {
        throw new Error(`istio virtualServiceName '${props.virtualServiceName}' binds to an existing VirtualService, so ${unused.join(', ')} would not be used: `
          + 'remove them, or remove virtualServiceName to emit the VirtualService');
      }
      if (props.subsetLevel && props.destinationRuleName === undefined) {
        throw new Error(`istio subsetLevel with virtualServiceName '${props.virtualServiceName}' needs destinationRuleName: name the existing `
          + 'DestinationRule whose subsets the controller updates');
      }
    } else {
      const unused = (['routes', 'destinationRuleName', 'stableSubsetName', 'canarySubsetName'] as const).filter((k) => props[k] !== undefined);
      if (unused.length > 0) {
        throw new Error(`istio ${unused.join(', ')} name parts of an existing VirtualService or DestinationRule: set virtualServiceName `
          + `to bind to them, or remove ${unused.join(', ')} to emit the VirtualService (route '${ISTIO_ROUTE}')`);
      }
    }
    if (!props.subsetLevel) {
      const unused = (['destinationRuleName', 'stableSubsetName', 'canarySubsetName'] as const).filter((k) => props[k] !== undefined);
      if (unused.length > 0) {
        throw new Error(`istio ${unused.join(', ')} only apply to subset-level routing: set subsetLevel, or remove them`);
      }
    }
    if (props.ingressGateway !== undefined) validateRouterPods('istio ingressGateway', props.ingressGateway);
    (props.meshCallers ?? []).forEach((pods, i) => validateRouterPods(`istio meshCallers[${i}]`, pods));
    if (props.istiod !== undefined) validateRouterPods('istio istiod', props.istiod);
    for (const route of props.routes ?? []) validateDnsLabel('istio routes', route);
    if (props.destinationRuleName !== undefined) validateSubdomain('istio destinationRuleName', props.destinationRuleName);
    if (props.stableSubsetName !== undefined) validateDnsLabel('istio stableSubsetName', props.stableSubsetName);
    if (props.canarySubsetName !== undefined) validateDnsLabel('istio canarySubsetName', props.canarySubsetName);
    if ((props.stableSubsetName ?? 'stable') === (props.canarySubsetName ?? 'canary')) {
      throw new Error(`istio stableSubsetName and canarySubsetName must differ, both are '${props.stableSubsetName ?? 'stable'}': `
        + 'the controller points each at different pods');
    }
  }

  public _bind(scope: Construct, options: TrafficRoutingBindOptions): TrafficRoutingConfig {
    const p = this.props;
    const stableSubset = p.stableSubsetName ?? 'stable';
    const canarySubset = p.canarySubsetName ?? 'canary';
    let destinationRule = p.destinationRuleName;
    if (p.subsetLevel && destinationRule === undefined) {
      if ([options.stableServiceName, options.canaryServiceName].includes(options.rolloutName)) {
        throw new Error(`istio subsetLevel emits a Service named like the rollout, '${options.rolloutName}', which is already the stable or canary Service: `
          + 'give stableServiceName and canaryServiceName other names');
      }
      addService(scope, 'Service', { ...options, name: options.rolloutName });
      destinationRule = new DestinationRule(scope, 'DestinationRule', {
        metadata: { name: options.rolloutName, namespace: options.namespace, labels: options.labels },
        spec: {
          host: options.rolloutName,
          // The controller adds rollouts-pod-template-hash to each subset's labels.
          subsets: [{ name: stableSubset, labels: options.selectorLabels }, { name: canarySubset, labels: options.selectorLabels }],
        },
      }).name;
    }
    const port = { number: options.servicePort };
    const destinations = p.subsetLevel
      ? [{ host: options.rolloutName, subset: stableSubset, port }, { host: options.rolloutName, subset: canarySubset, port }]
      : [{ host: options.stableServiceName, port }, { host: options.canaryServiceName, port }];
    const virtualService = p.virtualServiceName ?? new VirtualService(scope, 'VirtualService', {
      metadata: { name: options.rolloutName, namespace: options.namespace, labels: options.labels },
      spec: {
        hosts: p.hosts ?? [destinations[0].host],
        gateways: p.gateways,
        http: [{ name: ISTIO_ROUTE, route: [{ destination: destinations[0], weight: 100 }, { destination: destinations[1], weight: 0 }] }],
      },
    }).name;
    const routes = p.virtualServiceName === undefined ? [ISTIO_ROUTE] : p.routes;
    return {
      spec: {
        istio: {
          virtualService: { name: virtualService, routes },
          destinationRule: destinationRule === undefined ? undefined
            : { name: destinationRule, stableSubsetName: stableSubset, canarySubsetName: canarySubset },
        },
      },
    };
  }
}

/** A traffic router given as the Rollout's trafficRouting JSON. */
export interface CustomTrafficRoutingProps {
  /**
   * The Rollout's `strategy.canary.trafficRouting` without `managedRoutes`, e.g.
   * `{ alb: { ingress: 'web', servicePort: 80 } }` or `{ plugins: { 'argoproj-labs/contour': { trafficRouteName: 'web' } } }`.
   */
  readonly spec: { [key: string]: any };
  /**
   * The pods that send the routed traffic to the rollout (the router's data plane), which
   * `LockedDownNetwork.forRollout` lets in.
   * @default - none known: let the router's pods in yourself
   */
  readonly routerPods?: RouterPods[];
}

/** The fields of trafficRouting in Argo Rollouts v1.9.1 (its Rollout CRD). */
const TRAFFIC_ROUTING_FIELDS = ['alb', 'ambassador', 'apisix', 'appMesh', 'istio', 'managedRoutes', 'maxTrafficWeight', 'nginx', 'plugins', 'smi', 'traefik'];

/** The paths of `given` that `known` (its v1.9.1-typed rendering) lost: fields v1.9.1 does not know. */
function unknownPaths(given: any, known: any, path: string): string[] {
  if (given === null || typeof given !== 'object') return [];
  if (Array.isArray(given)) return given.flatMap((g, i) => unknownPaths(g, Array.isArray(known) ? known[i] : undefined, `${path}[${i}]`));
  return Object.entries(given).flatMap(([k, v]) => {
    if (v === undefined) return [];
    if (known === null || typeof known !== 'object' || !(k in known)) return [`${path}.${k}`];
    return unknownPaths(v, known[k], `${path}.${k}`);
  });
}

class CustomTrafficRouting extends TrafficRouting {
  public readonly _router = 'custom';
  private readonly spec: RolloutSpecStrategyCanaryTrafficRouting;

  constructor(private readonly props: CustomTrafficRoutingProps) {
    super();
    const spec = props.spec;
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new Error(`custom traffic routing spec must be the trafficRouting object, got ${JSON.stringify(spec)}`);
    }
    for (const key of Object.keys(spec)) {
      if (!TRAFFIC_ROUTING_FIELDS.includes(key)) {
        throw new Error(`custom traffic routing spec has '${key}', which is not a trafficRouting field of Argo Rollouts v1.9.1: use one of `
          + `${TRAFFIC_ROUTING_FIELDS.filter((f) => f !== 'managedRoutes').join(', ')}`);
      }
    }
    if (spec.managedRoutes !== undefined) {
      throw new Error('custom traffic routing spec must not set managedRoutes: the rollout fills it from the names of its setHeaderRoute and setMirrorRoute steps; remove it');
    }
    const all = TRAFFIC_ROUTING_FIELDS.filter((f) => !['managedRoutes', 'maxTrafficWeight'].includes(f));
    const routers = all.filter((f) => spec[f] !== undefined);
    if (routers.length === 0) throw new Error(`custom traffic routing spec names no router: set one of ${all.join(', ')}`);
    const unknown = unknownPaths(spec, toJson_RolloutSpecStrategyCanaryTrafficRouting(spec as RolloutSpecStrategyCanaryTrafficRouting), 'trafficRouting')
      .filter((p) => !p.startsWith('trafficRouting.plugins.'));
    if (unknown.length > 0) {
      throw new Error(`custom traffic routing spec has ${unknown.join(', ')}, not a field of Argo Rollouts v1.9.1's trafficRouting: `
        + 'fix the name (the API server would drop it silently)');
    }
    if (spec.maxTrafficWeight !== undefined) {
      if (!Number.isInteger(spec.maxTrafficWeight) || spec.maxTrafficWeight < 1) {
        throw new Error(`custom traffic routing maxTrafficWeight must be an integer >= 1, got ${JSON.stringify(spec.maxTrafficWeight)}`);
      }
      if (spec.nginx === undefined && spec.plugins === undefined) {
        throw new Error(`custom traffic routing maxTrafficWeight (${spec.maxTrafficWeight}) needs nginx or plugins, got ${routers.join(', ')}: `
          + 'the controller supports it with those only; remove it');
      }
    }
    this.spec = spec as RolloutSpecStrategyCanaryTrafficRouting;
  }

  public get _headerRoutes(): boolean {
    return ['istio', 'alb', 'apisix', 'plugins'].some((k) => (this.spec as any)[k] !== undefined);
  }

  public get _mirrorRoutes(): boolean { return this.spec.istio !== undefined; }

  public get _experimentWeights(): boolean {
    return ['alb', 'smi', 'istio', 'plugins'].some((k) => (this.spec as any)[k] !== undefined);
  }

  public _routerPods(): RouterPods[] { return [...this.props.routerPods ?? []]; }

  public _bind(): TrafficRoutingConfig {
    return { spec: this.spec };
  }
}
