import { Chart, Testing } from 'cdk8s';
import { NetworkPolicy } from 'cdk8s-plus-27';
import { NetworkPeer, NetworkPort } from '../../lib/network/network-peer';

/** Renders a peer and ports the way a NetworkPolicy egress rule emits them. */
function render(peer: NetworkPeer, ports: NetworkPort[] = [NetworkPort.tcp(80)]) {
  const chart = new Chart(Testing.app(), 'test');
  const policy = new NetworkPolicy(chart, 'P');
  policy.addEgressRule(peer._toPlus(chart, 'Peer'), ports.map(p => p._toPlus()));
  return Testing.synth(chart)[0].spec.egress[0];
}

describe('NetworkPeer', () => {
  it('selects labelled pods in a named namespace (namespaceSelector AND podSelector in one peer)', () => {
    // GIVEN / WHEN
    const peer = NetworkPeer.pods({ namespace: 'data', labels: { app: 'db' } });
    // THEN
    expect(peer.description).toBe('pods app=db in namespace data');
    expect(render(peer).to).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } },
      podSelector: { matchLabels: { app: 'db' } },
    }]);
  });

  it('selects labelled pods of the policy namespace when no namespace is given', () => {
    const peer = NetworkPeer.pods({ labels: { app: 'db' } });
    expect(peer.description).toBe('pods app=db in the same namespace');
    expect(render(peer).to).toEqual([{ podSelector: { matchLabels: { app: 'db' } } }]);
  });

  it('selects a workload by its pod selector labels and namespace', () => {
    const workload = { namespace: 'shop', podSelectorLabels: { 'app.kubernetes.io/name': 'shop' }, trafficPort: 8080, metricsPort: 8080 } as any;
    expect(render(NetworkPeer.workload(workload)).to).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'shop' } },
    }]);
  });

  it('selects every pod of a namespace', () => {
    const peer = NetworkPeer.namespace('cache');
    expect(peer.description).toBe('every pod in namespace cache');
    expect(render(peer).to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cache' } }, podSelector: {} }]);
  });

  it('selects a CIDR with exceptions, IPv4 and IPv6', () => {
    expect(render(NetworkPeer.cidr('10.0.0.0/8', ['10.1.0.0/16'])).to).toEqual([{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }]);
    expect(render(NetworkPeer.cidr('2001:db8::/32')).to).toEqual([{ ipBlock: { cidr: '2001:db8::/32' } }]);
    expect(NetworkPeer.cidr('10.0.0.0/8', ['10.1.0.0/16']).description).toBe('addresses 10.0.0.0/8 except 10.1.0.0/16');
  });

  it('fails on empty pod labels', () => {
    expect(() => NetworkPeer.pods({ labels: {} }))
      .toThrow('NetworkPeer.pods labels must not be empty, got {}; use NetworkPeer.namespace to select every pod of a namespace');
  });

  it('fails on an invalid namespace', () => {
    expect(() => NetworkPeer.pods({ labels: { a: 'b' }, namespace: 'Data' }))
      .toThrow("NetworkPeer.pods namespace must be a DNS label (lowercase letters, digits and '-', at most 63), got Data");
    expect(() => NetworkPeer.namespace('-x'))
      .toThrow("NetworkPeer.namespace name must be a DNS label (lowercase letters, digits and '-', at most 63), got -x");
  });

  it('fails on an invalid CIDR', () => {
    expect(() => NetworkPeer.cidr('10.0.0.1')).toThrow('NetworkPeer.cidr cidr must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16, got 10.0.0.1');
    expect(() => NetworkPeer.cidr('10.0.0.0/40')).toThrow('NetworkPeer.cidr cidr must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16, got 10.0.0.0/40');
    expect(() => NetworkPeer.cidr('10.0.0.0/8', ['x'])).toThrow('NetworkPeer.cidr exceptCidrs must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16, got x');
  });

  it('fails on an exception outside the CIDR', () => {
    expect(() => NetworkPeer.cidr('10.0.0.0/8', ['192.168.0.0/16'])).toThrow('NetworkPeer.cidr exceptCidrs must be a strict subnet of 10.0.0.0/8, got 192.168.0.0/16');
    expect(() => NetworkPeer.cidr('10.0.0.0/8', ['10.0.0.0/8'])).toThrow('NetworkPeer.cidr exceptCidrs must be a strict subnet of 10.0.0.0/8, got 10.0.0.0/8');
  });
});

describe('NetworkPort', () => {
  it('renders single ports and ranges with their protocol', () => {
    expect(render(NetworkPeer.namespace('x'), [NetworkPort.tcp(5432), NetworkPort.udp(53), NetworkPort.tcpRange(8000, 8100), NetworkPort.udpRange(6000, 6001)]).ports).toEqual([
      { port: 5432, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
      { port: 8000, endPort: 8100, protocol: 'TCP' },
      { port: 6000, endPort: 6001, protocol: 'UDP' },
    ]);
    expect(NetworkPort.tcpRange(8000, 8100).description).toBe('TCP 8000-8100');
  });

  it('fails on a port out of range', () => {
    expect(() => NetworkPort.tcp(0)).toThrow('port must be an integer between 1 and 65535, got 0');
    expect(() => NetworkPort.udp(65536)).toThrow('port must be an integer between 1 and 65535, got 65536');
    expect(() => NetworkPort.tcpRange(1, 70000)).toThrow('endPort must be an integer between 1 and 65535, got 70000');
  });

  it('fails on a range that does not grow', () => {
    expect(() => NetworkPort.tcpRange(9000, 9000)).toThrow('endPort must be greater than port 9000, got 9000');
  });
});
