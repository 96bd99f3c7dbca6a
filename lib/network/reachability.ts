/**
 * A reachability oracle for Kubernetes NetworkPolicies (networking.k8s.io/v1), written from the
 * Kubernetes documentation (concepts/services-networking/network-policies and the NetworkPolicy
 * API reference). It reads policies as plain JSON (for example the output of `Testing.synth`) and
 * answers whether one endpoint may open a connection to another on a port and protocol.
 *
 * Semantics implemented:
 * - a policy selects the pods of its own namespace that match `spec.podSelector` (`{}` selects all);
 * - `spec.policyTypes` defaults to `Ingress`, plus `Egress` when `spec.egress` has rules;
 * - a pod selected by no policy of a direction is open in that direction; a pod selected by at
 *   least one is isolated and allowed only what the union of those policies' rules allows;
 * - a connection needs both the egress side of the source and the ingress side of the destination;
 * - a rule matches when one of its peers matches and one of its ports matches; a missing or empty
 *   `from`/`to` matches every peer, a missing or empty `ports` matches every port;
 * - a peer with `podSelector` only selects pods of the policy's namespace, with `namespaceSelector`
 *   only all pods of the selected namespaces, with both the selected pods in the selected namespaces
 *   (AND); separate list entries are alternatives (OR);
 * - `ipBlock` matches an address inside `cidr` and outside every `except`;
 * - a port's protocol defaults to TCP, `endPort` makes a range, a named port is resolved against the
 *   destination pod's container ports.
 *
 * Not modelled: traffic from the pod's own node (always allowed by Kubernetes), Service IP
 * translation, and implementation-defined treatment of pod IPs by `ipBlock` (a pod matches an
 * `ipBlock` here only when its `ip` is given).
 */

/** Transport protocols of NetworkPolicy ports. */
export type NetworkProtocolName = 'TCP' | 'UDP' | 'SCTP';

/** A container port of a pod, used to resolve named ports. */
export interface PodContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  /** @default 'TCP' */
  readonly protocol?: NetworkProtocolName;
}

/**
 * One end of a connection: a pod (`namespace` and `labels`) or an address outside the cluster's pods (`ip` only).
 * One struct rather than a union of the two, so that every cdk8s language can pass it.
 */
export interface ConnectionEndpoint {
  /**
   * The pod's namespace.
   * @default - not a pod: give `ip`
   */
  readonly namespace?: string;
  /**
   * The pod's labels.
   * @default - not a pod: give `ip`
   */
  readonly labels?: Record<string, string>;
  /**
   * Labels of the pod's namespace. `kubernetes.io/metadata.name` is always added, as Kubernetes does.
   * @default - only `kubernetes.io/metadata.name`
   */
  readonly namespaceLabels?: Record<string, string>;
  /**
   * The address, or the pod's IP for `ipBlock` peers.
   * @default - a pod that matches no `ipBlock`
   */
  readonly ip?: string;
  /**
   * The pod's container ports, to resolve named ports of rules that target it.
   * @default - named ports never match
   */
  readonly ports?: PodContainerPort[];
}

/** A pod, described by what NetworkPolicies look at: an endpoint with its namespace and labels. */
export type PodEndpoint = ConnectionEndpoint & { readonly namespace: string; readonly labels: Record<string, string> };

/** An address outside the cluster's pods (or a pod known only by its IP). */
export type IpEndpoint = ConnectionEndpoint & { readonly ip: string };

/** A connection attempt. */
export interface ConnectionQuery {
  /** Where the connection starts: a pod, or an address outside the cluster. */
  readonly source: ConnectionEndpoint;
  /** Where it goes. */
  readonly destination: ConnectionEndpoint;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: NetworkProtocolName;
}

/** The verdict of one side (egress of the source or ingress of the destination). */
export interface DirectionVerdict {
  /** True when the connection passes this side. */
  readonly allowed: boolean;
  /** True when at least one policy of this direction selects the endpoint. */
  readonly isolated: boolean;
  /** `namespace/name` of the policies whose rules allow the connection. */
  readonly allowedBy: string[];
}

export interface ConnectionVerdict {
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

export interface ReachabilityOptions {
  /**
   * Namespace of policies that have no `metadata.namespace` (where `kubectl apply` would put them).
   * @default 'default'
   */
  readonly defaultNamespace?: string;
}

/**
 * What the NetworkPolicies among synthesized objects let through, for tests of your own charts:
 * `Reachability.canConnect(Testing.synth(chart), { source, destination, port })`.
 */
export class Reachability {
  /**
   * Answers whether `query.source` may open a connection to `query.destination`, given every NetworkPolicy among
   * `objects` (objects of other kinds are ignored, so a whole synthesized chart can be passed).
   */
  public static canConnect(objects: any[], query: ConnectionQuery, options: ReachabilityOptions = {}): boolean {
    return checkConnection(objects, query, options).allowed;
  }

  /** The verdict of each side of a connection (egress of the source, ingress of the destination), with the policies that allow it. */
  public static check(objects: any[], query: ConnectionQuery, options: ReachabilityOptions = {}): ConnectionVerdict {
    return checkConnection(objects, query, options);
  }

  private constructor() {}
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Answers whether `query.source` may open a connection to `query.destination`, given every NetworkPolicy among
 * `objects` (objects of other kinds are ignored, so a whole synthesized chart can be passed).
 */
export function checkConnection(objects: readonly unknown[], query: ConnectionQuery, options: ReachabilityOptions = {}): ConnectionVerdict {
  const policies = objects.filter(isNetworkPolicy);
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const protocol = query.protocol ?? 'TCP';
  const egress = isPod(query.source)
    ? side(policies, defaultNamespace, 'Egress', query.source, query.destination, query.destination, query.port, protocol)
    : open();
  const ingress = isPod(query.destination)
    ? side(policies, defaultNamespace, 'Ingress', query.destination, query.source, query.destination, query.port, protocol)
    : open();
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

/** Shorthand for `checkConnection(...).allowed`. */
export function canConnect(objects: readonly unknown[], query: ConnectionQuery, options: ReachabilityOptions = {}): boolean {
  return checkConnection(objects, query, options).allowed;
}

/** The effective policyTypes of a policy, with the documented defaulting. */
export function effectivePolicyTypes(policy: any): ('Ingress' | 'Egress')[] {
  const spec = policy.spec ?? {};
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) {
    return spec.policyTypes;
  }
  return Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** True when a Kubernetes label selector matches the labels (`{}` matches everything). */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const values: string[] = expression.values ?? [];
    switch (expression.operator) {
      case 'In': if (!has || !values.includes(labels[expression.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[expression.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`matchExpressions operator must be one of In, NotIn, Exists, DoesNotExist, got ${expression.operator}`);
    }
  }
  return true;
}

/** True when `ip` lies inside `cidr` (IPv4 or IPv6; families never match each other). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const net = parseIp(base);
  const addr = parseIp(ip);
  if (net.family !== addr.family) return false;
  const width = net.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) {
    throw new Error(`cidr prefix length must be between 0 and ${width}, got ${cidr}`);
  }
  const shift = BigInt(width - bits);
  return (net.value >> shift) === (addr.value >> shift);
}

function side(policies: any[], defaultNamespace: string, direction: 'Ingress' | 'Egress',
  subject: PodEndpoint, peer: ConnectionEndpoint, destination: ConnectionEndpoint, port: number, protocol: NetworkProtocolName): DirectionVerdict {
  const applying = policies.filter(p =>
    policyNamespace(p, defaultNamespace) === subject.namespace
    && selectorMatches(p.spec?.podSelector ?? {}, subject.labels)
    && effectivePolicyTypes(p).includes(direction));
  if (applying.length === 0) return open();
  const allowedBy: string[] = [];
  for (const policy of applying) {
    const namespace = policyNamespace(policy, defaultNamespace);
    const rules: any[] = (direction === 'Ingress' ? policy.spec?.ingress : policy.spec?.egress) ?? [];
    const allows = rules.some(rule => {
      const peers: any[] = (direction === 'Ingress' ? rule.from : rule.to) ?? [];
      const peerOk = peers.length === 0 || peers.some(p => peerMatches(p, namespace, peer));
      const ports: any[] = rule.ports ?? [];
      const portOk = ports.length === 0 || ports.some(p => portMatches(p, destination, port, protocol));
      return peerOk && portOk;
    });
    if (allows) allowedBy.push(`${namespace}/${policy.metadata?.name ?? ''}`);
  }
  return { allowed: allowedBy.length > 0, isolated: true, allowedBy };
}

function peerMatches(peer: any, policyNs: string, endpoint: ConnectionEndpoint): boolean {
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) {
      throw new Error('a NetworkPolicy peer with ipBlock must not also set podSelector or namespaceSelector');
    }
    const ip = endpoint.ip;
    if (ip === undefined) return false;
    return cidrContains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((e: string) => cidrContains(e, ip));
  }
  if (!peer.podSelector && !peer.namespaceSelector) {
    throw new Error('a NetworkPolicy peer must set at least one of ipBlock, podSelector, namespaceSelector, got {}');
  }
  if (!isPod(endpoint)) return false;
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, { ...endpoint.namespaceLabels, [NAMESPACE_NAME_LABEL]: endpoint.namespace })
    : endpoint.namespace === policyNs;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, endpoint.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(rulePort: any, destination: ConnectionEndpoint, port: number, protocol: NetworkProtocolName): boolean {
  if ((rulePort.protocol ?? 'TCP') !== protocol) return false;
  if (rulePort.port === undefined || rulePort.port === null) return true;
  if (typeof rulePort.port === 'string') {
    if (!isPod(destination)) return false;
    return (destination.ports ?? []).some(cp =>
      cp.name === rulePort.port && cp.containerPort === port && (cp.protocol ?? 'TCP') === protocol);
  }
  const end = rulePort.endPort ?? rulePort.port;
  return port >= rulePort.port && port <= end;
}

function policyNamespace(policy: any, defaultNamespace: string): string {
  return policy.metadata?.namespace ?? defaultNamespace;
}

function isNetworkPolicy(o: unknown): o is any {
  const obj = o as any;
  return obj?.kind === 'NetworkPolicy' && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('networking.k8s.io/');
}

/** A pod when it has a namespace and labels; an address when it has only an IP; else an error that names the fix. */
function isPod(e: ConnectionEndpoint): e is PodEndpoint {
  if (e.namespace !== undefined && e.labels !== undefined) return true;
  if (e.namespace === undefined && e.labels === undefined && e.ip !== undefined) return false;
  throw new Error(`connection endpoint ${JSON.stringify(e)} is neither a pod nor an address: give namespace and labels (a pod), or only ip (an address outside the pods)`);
}

function open(): DirectionVerdict {
  return { allowed: true, isolated: false, allowedBy: [] };
}

function parseIp(text: string): { family: 4 | 6; value: bigint } {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some(p => p > 255)) throw new Error(`ip must be a valid IPv4 or IPv6 address, got ${text}`);
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (text.includes(':')) {
    const halves = text.split('::');
    if (halves.length > 2) throw new Error(`ip must be a valid IPv4 or IPv6 address, got ${text}`);
    const head = halves[0] ? halves[0].split(':') : [];
    const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
    const missing = 8 - head.length - tail.length;
    if ((halves.length === 1 && missing !== 0) || missing < 0) throw new Error(`ip must be a valid IPv4 or IPv6 address, got ${text}`);
    const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
    if (groups.some(g => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new Error(`ip must be a valid IPv4 or IPv6 address, got ${text}`);
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  throw new Error(`ip must be a valid IPv4 or IPv6 address, got ${text}`);
}
