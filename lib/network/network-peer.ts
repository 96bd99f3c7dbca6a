import { LabelExpression, Namespaces, NetworkPolicyIpBlock, NetworkPolicyPort, NetworkProtocol, Pods, INetworkPolicyPeer } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { cidrContains } from './reachability';
import { INetworkWorkload } from './selectable';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Options of NetworkPeer.pods. */
export interface PodsPeerOptions {
  /** Labels the pods carry (all of them). */
  readonly labels: Record<string, string>;
  /** @default - the policy's own namespace */
  readonly namespace?: string;
  /** Pods whose label takes one of the listed values are left out (a `NotIn` expression). @default - none */
  readonly excludedLabels?: Record<string, string[]>;
}

/** The other end of an allowed connection: pods, a namespace, or a CIDR. */
export class NetworkPeer {
  /** Every pod of a workload (stable and canary), in the workload's namespace. */
  public static workload(workload: INetworkWorkload): NetworkPeer {
    return NetworkPeer.pods({ labels: workload.podSelectorLabels, namespace: workload.namespace });
  }

  /**
   * The pods carrying `labels`, in `namespace`, except those whose label takes one of the values
   * listed for it in `excludedLabels` (a `NotIn` expression; pods without that label are kept).
   * Without namespace: the pods of the policy's own namespace.
   */
  public static pods(options: PodsPeerOptions): NetworkPeer {
    if (Object.keys(options.labels).length === 0) {
      throw new Error('NetworkPeer.pods labels must not be empty, got {}; use NetworkPeer.namespace to select every pod of a namespace');
    }
    if (options.namespace !== undefined) validateNamespace('NetworkPeer.pods namespace', options.namespace);
    const labels = { ...options.labels };
    const excluded = Object.entries(options.excludedLabels ?? {}).filter(([, values]) => values.length > 0);
    const where = options.namespace === undefined ? 'the same namespace' : `namespace ${options.namespace}`;
    const except = excluded.map(([k, values]) => `, ${k} notin (${values.join(', ')})`).join('');
    return new NetworkPeer(`pods ${formatLabels(labels)}${except} in ${where}`, (scope, id) => Pods.select(scope, id, {
      labels,
      expressions: excluded.length ? excluded.map(([k, values]) => LabelExpression.notIn(k, [...values])) : undefined,
      namespaces: options.namespace === undefined ? undefined : Namespaces.select(scope, `${id}Namespace`, { names: [options.namespace] }),
    }));
  }

  /** Every pod of a namespace, selected by its `kubernetes.io/metadata.name` label. */
  public static namespace(name: string): NetworkPeer {
    validateNamespace('NetworkPeer.namespace name', name);
    return new NetworkPeer(`every pod in namespace ${name}`, (scope, id) => Namespaces.select(scope, id, { names: [name] }));
  }

  /** The addresses of `cidr` except those of `exceptCidrs` (each inside `cidr`). */
  public static cidr(cidr: string, exceptCidrs: string[] = []): NetworkPeer {
    validateCidr('NetworkPeer.cidr cidr', cidr);
    for (const e of exceptCidrs) {
      validateCidr('NetworkPeer.cidr exceptCidrs', e);
      if (!cidrContains(cidr, e.split('/')[0]) || prefixOf(e) <= prefixOf(cidr)) {
        throw new Error(`NetworkPeer.cidr exceptCidrs must be a strict subnet of ${cidr}, got ${e}`);
      }
    }
    const text = exceptCidrs.length ? `${cidr} except ${exceptCidrs.join(', ')}` : cidr;
    return new NetworkPeer(`addresses ${text}`, (scope, id) => {
      const exceptions = exceptCidrs.length ? [...exceptCidrs] : undefined;
      return cidr.includes(':') ? NetworkPolicyIpBlock.ipv6(scope, id, cidr, exceptions) : NetworkPolicyIpBlock.ipv4(scope, id, cidr, exceptions);
    });
  }

  private constructor(
    /** A readable, canonical description, also used to detect duplicate rules. */
    public readonly description: string,
    private readonly factory: (scope: Construct, id: string) => INetworkPolicyPeer) {}

  /** @internal */
  public _toPlus(scope: Construct, id: string): INetworkPolicyPeer {
    return this.factory(scope, id);
  }
}

/** A port, or range of ports, of one protocol. */
export class NetworkPort {
  public static tcp(port: number): NetworkPort { return new NetworkPort(NetworkProtocol.TCP, port); }
  public static udp(port: number): NetworkPort { return new NetworkPort(NetworkProtocol.UDP, port); }
  /** TCP ports `first` to `last`, both included. */
  public static tcpRange(first: number, last: number): NetworkPort { return new NetworkPort(NetworkProtocol.TCP, first, last); }
  /** UDP ports `first` to `last`, both included. */
  public static udpRange(first: number, last: number): NetworkPort { return new NetworkPort(NetworkProtocol.UDP, first, last); }

  private constructor(public readonly protocol: NetworkProtocol, public readonly port: number, public readonly endPort?: number) {
    validatePort('port', port);
    if (endPort !== undefined) {
      validatePort('endPort', endPort);
      if (endPort <= port) throw new Error(`endPort must be greater than port ${port}, got ${endPort}`);
    }
  }

  /** e.g. `TCP 5432` or `TCP 8000-8100`. */
  public get description(): string {
    return `${this.protocol} ${this.port}${this.endPort === undefined ? '' : `-${this.endPort}`}`;
  }

  /** @internal */
  public _toPlus(): NetworkPolicyPort {
    return NetworkPolicyPort.of({ port: this.port, endPort: this.endPort, protocol: this.protocol });
  }
}

/** Formats labels as `k=v,k2=v2`. */
export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

/** The `track NotIn [canary]` expression that keeps canary pods out of a selector. */
export function notCanary(canaryLabels: Record<string, string>): LabelExpression[] {
  return Object.entries(canaryLabels).map(([k, v]) => LabelExpression.notIn(k, [v]));
}

function validatePort(prop: string, port: number) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${prop} must be an integer between 1 and 65535, got ${port}`);
  }
}

function validateNamespace(prop: string, name: string) {
  if (!DNS_LABEL.test(name) || name.length > 63) {
    throw new Error(`${prop} must be a DNS label (lowercase letters, digits and '-', at most 63), got ${name}`);
  }
}

function validateCidr(prop: string, cidr: string) {
  const [ip, prefix] = cidr.split('/');
  let ok = prefix !== undefined && /^\d+$/.test(prefix);
  if (ok) {
    try { cidrContains(cidr, ip); } catch { ok = false; }
  }
  if (!ok) throw new Error(`${prop} must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16, got ${cidr}`);
}

function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1]);
}
