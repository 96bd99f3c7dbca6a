import { parseAllDocuments } from 'yaml';
import { canConnect, checkConnection, cidrContains, effectivePolicyTypes, PodEndpoint, selectorMatches } from '../../lib/network/reachability';

/** Parses YAML documents as they appear in the Kubernetes documentation. */
function policies(text: string): unknown[] {
  return parseAllDocuments(text).map(d => d.toJSON());
}

function pod(namespace: string, labels: Record<string, string> = {}, extra: Partial<PodEndpoint> = {}): PodEndpoint {
  return { namespace, labels, ...extra };
}

// The default policies of the documentation (network-policy-default-deny-ingress.yaml and friends).
const DEFAULT_DENY_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
spec:
  podSelector: {}
  policyTypes:
  - Ingress
`;
const ALLOW_ALL_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-ingress
spec:
  podSelector: {}
  ingress:
  - {}
  policyTypes:
  - Ingress
`;
const DEFAULT_DENY_EGRESS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
spec:
  podSelector: {}
  policyTypes:
  - Egress
`;
const ALLOW_ALL_EGRESS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-egress
spec:
  podSelector: {}
  egress:
  - {}
  policyTypes:
  - Egress
`;
const DEFAULT_DENY_ALL = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  - Egress
`;

// The documented example NetworkPolicy ("test-network-policy").
const TEST_NETWORK_POLICY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
`;

// The documented AND and OR forms of namespaceSelector and podSelector.
const AND_FORM = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: and-form
  namespace: default
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          user: alice
      podSelector:
        matchLabels:
          role: client
`;
const OR_FORM = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: or-form
  namespace: default
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          user: alice
    - podSelector:
        matchLabels:
          role: client
`;

// The documented port range example (endPort).
const PORT_RANGE = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: multi-port-egress
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
    - Egress
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/24
      ports:
        - protocol: TCP
          port: 32000
          endPort: 32768
`;

const web = pod('default', { app: 'web' });
const other = pod('default', { app: 'other' });
const external = { ip: '203.0.113.7' };

describe('reachability oracle: the documented default policies', () => {
  it('allows everything when no policy exists', () => {
    // GIVEN no policy  WHEN a pod connects  THEN it is allowed on both sides, neither isolated
    const verdict = checkConnection([], { source: web, destination: other, port: 80 });
    expect(verdict).toEqual({
      allowed: true,
      egress: { allowed: true, isolated: false, allowedBy: [] },
      ingress: { allowed: true, isolated: false, allowedBy: [] },
    });
  });

  it('default deny ingress isolates every pod of the namespace for ingress only', () => {
    // GIVEN default-deny-ingress in namespace default
    const objs = policies(DEFAULT_DENY_INGRESS);
    // THEN nothing reaches a pod of default, while its egress stays open
    expect(canConnect(objs, { source: web, destination: other, port: 80 })).toBe(false);
    expect(canConnect(objs, { source: pod('elsewhere'), destination: other, port: 80 })).toBe(false);
    expect(canConnect(objs, { source: web, destination: external, port: 443 })).toBe(true);
    // AND pods of other namespaces are unaffected
    expect(canConnect(objs, { source: web, destination: pod('elsewhere'), port: 80 })).toBe(true);
  });

  it('allow all ingress wins over default deny ingress (policies are additive)', () => {
    const objs = policies(DEFAULT_DENY_INGRESS + '---' + ALLOW_ALL_INGRESS);
    const verdict = checkConnection(objs, { source: pod('elsewhere'), destination: other, port: 1234, protocol: 'UDP' });
    expect(verdict.allowed).toBe(true);
    expect(verdict.ingress.allowedBy).toEqual(['default/allow-all-ingress']);
  });

  it('default deny egress isolates for egress only', () => {
    const objs = policies(DEFAULT_DENY_EGRESS);
    expect(canConnect(objs, { source: web, destination: external, port: 443 })).toBe(false);
    expect(canConnect(objs, { source: web, destination: other, port: 80 })).toBe(false);
    expect(canConnect(objs, { source: pod('elsewhere'), destination: other, port: 80 })).toBe(true);
  });

  it('allow all egress wins over default deny egress', () => {
    const objs = policies(DEFAULT_DENY_EGRESS + '---' + ALLOW_ALL_EGRESS);
    expect(canConnect(objs, { source: web, destination: external, port: 443 })).toBe(true);
  });

  it('default deny all isolates both directions', () => {
    const objs = policies(DEFAULT_DENY_ALL);
    const verdict = checkConnection(objs, { source: web, destination: other, port: 80 });
    expect(verdict.egress).toEqual({ allowed: false, isolated: true, allowedBy: [] });
    expect(verdict.ingress).toEqual({ allowed: false, isolated: true, allowedBy: [] });
  });
});

describe('reachability oracle: the documented example policy', () => {
  const objs = policies(TEST_NETWORK_POLICY);
  const db = pod('default', { role: 'db' });

  it.each([
    ['frontend pod of default -> db 6379/TCP', true, pod('default', { role: 'frontend' }), 6379, 'TCP'],
    ['frontend pod of default -> db 6380/TCP', false, pod('default', { role: 'frontend' }), 6380, 'TCP'],
    ['frontend pod of default -> db 6379/UDP', false, pod('default', { role: 'frontend' }), 6379, 'UDP'],
    ['any pod of a project=myproject namespace -> db 6379', true, pod('team', {}, { namespaceLabels: { project: 'myproject' } }), 6379, 'TCP'],
    ['frontend pod of another namespace -> db 6379', false, pod('team', { role: 'frontend' }), 6379, 'TCP'],
    ['172.17.0.5 -> db 6379', true, { ip: '172.17.0.5' }, 6379, 'TCP'],
    ['172.17.2.9 -> db 6379', true, { ip: '172.17.2.9' }, 6379, 'TCP'],
    ['172.17.1.5 (except) -> db 6379', false, { ip: '172.17.1.5' }, 6379, 'TCP'],
    ['172.18.0.1 -> db 6379', false, { ip: '172.18.0.1' }, 6379, 'TCP'],
  ] as const)('ingress: %s allowed=%s', (_name, expected, from, port, protocol) => {
    expect(canConnect(objs, { source: from, destination: db, port, protocol })).toBe(expected);
  });

  it.each([
    ['db -> 10.0.0.5:5978', true, { ip: '10.0.0.5' }, 5978],
    ['db -> 10.0.0.5:5979', false, { ip: '10.0.0.5' }, 5979],
    ['db -> 10.0.1.5:5978', false, { ip: '10.0.1.5' }, 5978],
    ['db -> a pod of default', false, pod('default', { app: 'x' }), 5978],
  ] as const)('egress: %s allowed=%s', (_name, expected, to, port) => {
    expect(canConnect(objs, { source: db, destination: to, port })).toBe(expected);
  });

  it('leaves pods it does not select open', () => {
    expect(canConnect(objs, { source: web, destination: other, port: 9 })).toBe(true);
    expect(canConnect(objs, { source: web, destination: external, port: 9 })).toBe(true);
  });
});

describe('reachability oracle: the documented AND and OR selector forms', () => {
  const target = pod('default', { app: 'target' });
  const aliceClient = pod('alice-ns', { role: 'client' }, { namespaceLabels: { user: 'alice' } });
  const aliceOther = pod('alice-ns', { role: 'server' }, { namespaceLabels: { user: 'alice' } });
  const localClient = pod('default', { role: 'client' });
  const bobClient = pod('bob-ns', { role: 'client' }, { namespaceLabels: { user: 'bob' } });

  it.each([
    ['client pod in an alice namespace', true, true, aliceClient],
    ['other pod in an alice namespace', false, true, aliceOther],
    ['client pod in the local namespace', false, true, localClient],
    ['client pod in a bob namespace', false, false, bobClient],
  ])('%s: AND allows=%s, OR allows=%s', (_name, andAllows, orAllows, from) => {
    expect(canConnect(policies(AND_FORM), { source: from, destination: target, port: 80 })).toBe(andAllows);
    expect(canConnect(policies(OR_FORM), { source: from, destination: target, port: 80 })).toBe(orAllows);
  });
});

describe('reachability oracle: ports', () => {
  it.each([
    [31999, false], [32000, true], [32500, true], [32768, true], [32769, false],
  ])('endPort range 32000-32768 on port %s allowed=%s', (port, expected) => {
    expect(canConnect(policies(PORT_RANGE), { source: pod('default', { role: 'db' }), destination: { ip: '10.0.0.1' }, port })).toBe(expected);
  });

  const named = policies(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: named, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  ingress:
  - ports:
    - port: http
`);
  const api = pod('shop', { app: 'api' }, { ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] });

  it.each([
    ['the named port number', true, api, 8080, 'TCP'],
    ['another port', false, api, 9090, 'TCP'],
    ['the named port with another protocol', false, api, 8080, 'UDP'],
    ['a pod that does not declare the name', false, pod('shop', { app: 'api' }), 8080, 'TCP'],
  ] as const)('named port "http" resolved on the destination: %s allowed=%s', (_name, expected, to, port, protocol) => {
    expect(canConnect(named, { source: web, destination: to, port, protocol })).toBe(expected);
  });

  it('a port entry without port number matches every port of its protocol', () => {
    const objs = policies(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: udp-only, namespace: default }
spec:
  podSelector: {}
  ingress:
  - ports:
    - protocol: UDP
`);
    expect(canConnect(objs, { source: web, destination: other, port: 53, protocol: 'UDP' })).toBe(true);
    expect(canConnect(objs, { source: web, destination: other, port: 53, protocol: 'TCP' })).toBe(false);
  });
});

describe('reachability oracle: semantics', () => {
  it('takes an endpoint that is a pod (namespace and labels) or an address (ip only), and names the fix for anything else', () => {
    // GIVEN a pod, an address, and endpoints that are neither
    const pod = { namespace: 'shop', labels: { app: 'web' } };
    expect(canConnect([], { source: pod, destination: { ip: '203.0.113.9' }, port: 443 })).toBe(true);
    for (const bad of [{ namespace: 'shop' }, { labels: { app: 'web' } }, {}, { namespace: 'shop', ip: '10.0.0.1' }]) {
      // WHEN asked THEN it fails, naming what an endpoint needs
      expect(() => canConnect([], { source: pod, destination: bad, port: 80 })).toThrow(
        `connection endpoint ${JSON.stringify(bad)} is neither a pod nor an address: give namespace and labels (a pod), or only ip (an address outside the pods)`);
    }
  });

  it('defaults policyTypes to Ingress, plus Egress when egress rules exist', () => {
    expect(effectivePolicyTypes({ spec: { podSelector: {} } })).toEqual(['Ingress']);
    expect(effectivePolicyTypes({ spec: { podSelector: {}, egress: [{}] } })).toEqual(['Ingress', 'Egress']);
    expect(effectivePolicyTypes({ spec: { podSelector: {}, egress: [] } })).toEqual(['Ingress']);
    expect(effectivePolicyTypes({ spec: { podSelector: {}, policyTypes: ['Egress'] } })).toEqual(['Egress']);
  });

  it('a policy with only egress rules and no policyTypes also denies all ingress', () => {
    // GIVEN egress rules without policyTypes: both types apply, and no ingress rule exists
    const objs = policies(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: egress-only, namespace: default }
spec:
  podSelector: { matchLabels: { app: other } }
  egress:
  - to: [{ ipBlock: { cidr: 0.0.0.0/0 } }]
`);
    expect(canConnect(objs, { source: web, destination: other, port: 80 })).toBe(false);
    expect(canConnect(objs, { source: other, destination: external, port: 80 })).toBe(true);
  });

  it('requires the egress of the source and the ingress of the destination', () => {
    // GIVEN the source may send anywhere, the destination accepts only role=friend
    const objs = policies(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-egress, namespace: default }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Egress]
  egress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: other-ingress, namespace: default }
spec:
  podSelector: { matchLabels: { app: other } }
  ingress:
  - from: [{ podSelector: { matchLabels: { role: friend } } }]
`);
    const verdict = checkConnection(objs, { source: web, destination: other, port: 80 });
    expect(verdict.egress).toEqual({ allowed: true, isolated: true, allowedBy: ['default/web-egress'] });
    expect(verdict.ingress).toEqual({ allowed: false, isolated: true, allowedBy: [] });
    expect(verdict.allowed).toBe(false);
    expect(canConnect(objs, { source: pod('default', { app: 'web', role: 'friend' }), destination: other, port: 80 })).toBe(true);
  });

  it('selects namespaces by the automatic kubernetes.io/metadata.name label, and {} selects all namespaces', () => {
    const objs = policies(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: by-name, namespace: default }
spec:
  podSelector: { matchLabels: { app: other } }
  ingress:
  - from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } } }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: all-namespaces, namespace: default }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
  - from: [{ namespaceSelector: {} }]
`);
    expect(canConnect(objs, { source: pod('monitoring'), destination: other, port: 80 })).toBe(true);
    expect(canConnect(objs, { source: pod('kube-system'), destination: other, port: 80 })).toBe(false);
    expect(canConnect(objs, { source: pod('kube-system'), destination: web, port: 80 })).toBe(true);
    expect(canConnect(objs, { source: external, destination: web, port: 80 })).toBe(false);
  });

  it('puts policies without namespace in the default namespace, or the one given', () => {
    const objs = policies(DEFAULT_DENY_INGRESS);
    expect(canConnect(objs, { source: web, destination: pod('shop'), port: 80 })).toBe(true);
    expect(canConnect(objs, { source: web, destination: pod('shop'), port: 80 }, { defaultNamespace: 'shop' })).toBe(false);
  });

  it('ignores objects that are not NetworkPolicies', () => {
    const objs = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec: { podSelector: {} } }];
    expect(canConnect(objs, { source: web, destination: other, port: 80 })).toBe(true);
  });

  it('evaluates matchExpressions as Kubernetes does (NotIn matches an absent label)', () => {
    const notCanary = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] };
    expect(selectorMatches(notCanary, { app: 'web' })).toBe(true);
    expect(selectorMatches(notCanary, { app: 'web', track: 'stable' })).toBe(true);
    expect(selectorMatches(notCanary, { app: 'web', track: 'canary' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {})).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' })).toBe(false);
    expect(selectorMatches({}, { any: 'thing' })).toBe(true);
  });

  it('matches IPv4 and IPv6 CIDRs', () => {
    expect(cidrContains('10.0.0.0/8', '10.255.1.2')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '192.0.2.1')).toBe(true);
    expect(cidrContains('2001:db8::/32', '2001:db8:1::5')).toBe(true);
    expect(cidrContains('2001:db8::/32', '2001:db9::5')).toBe(false);
    expect(cidrContains('::/0', '10.0.0.1')).toBe(false);
    expect(cidrContains('10.1.2.3/32', '10.1.2.3')).toBe(true);
  });

  it('fails on a peer that selects nothing', () => {
    const objs = [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bad' }, spec: { podSelector: {}, ingress: [{ from: [{}] }] } }];
    expect(() => canConnect(objs, { source: web, destination: other, port: 80 }))
      .toThrow('a NetworkPolicy peer must set at least one of ipBlock, podSelector, namespaceSelector, got {}');
  });

  it('fails on an ipBlock peer combined with a selector', () => {
    const objs = [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bad' }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] } }];
    expect(() => canConnect(objs, { source: web, destination: other, port: 80 }))
      .toThrow('a NetworkPolicy peer with ipBlock must not also set podSelector or namespaceSelector');
  });

  it('fails on an unknown matchExpressions operator', () => {
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['1'] }] }, {}))
      .toThrow('matchExpressions operator must be one of In, NotIn, Exists, DoesNotExist, got Equals');
  });

  it('fails on an invalid ip', () => {
    expect(() => cidrContains('10.0.0.0/8', '10.0.0.300')).toThrow('ip must be a valid IPv4 or IPv6 address, got 10.0.0.300');
    expect(() => cidrContains('10.0.0.0/8', 'localhost')).toThrow('ip must be a valid IPv4 or IPv6 address, got localhost');
  });

  it('fails on an invalid prefix length', () => {
    expect(() => cidrContains('10.0.0.0/33', '10.0.0.1')).toThrow('cidr prefix length must be between 0 and 32, got 10.0.0.0/33');
  });
});
