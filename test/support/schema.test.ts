import { schemaErrors } from './schema';

const rollout = (step: object) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'r' },
  spec: {
    selector: { matchLabels: { app: 'r' } },
    template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    strategy: { canary: { steps: [step] } },
  },
});

describe('strict schema validation', () => {
  test('accepts a valid rollout', () => {
    // GIVEN a rollout with a well-formed step / THEN no error
    expect(schemaErrors(rollout({ setWeight: 10 }))).toEqual([]);
  });

  test('fails on an unknown field such as setWeigth', () => {
    // GIVEN a typo in a step / THEN the strict schema names the field
    expect(schemaErrors(rollout({ setWeigth: 10 }))).toEqual([
      "Rollout/r: /spec/strategy/canary/steps/0 must NOT have additional properties 'setWeigth'",
    ]);
  });

  test('fails on a wrong type in an int-or-string field', () => {
    // GIVEN maxSurge as a boolean / THEN rejected
    const r = rollout({ setWeight: 10 }) as any;
    r.spec.strategy.canary.maxSurge = true;
    expect(schemaErrors(r)).toEqual([
      'Rollout/r: /spec/strategy/canary/maxSurge must be integer',
      'Rollout/r: /spec/strategy/canary/maxSurge must be string',
      'Rollout/r: /spec/strategy/canary/maxSurge must match a schema in anyOf',
    ]);
  });

  test('validates core objects against the kubernetes schemas', () => {
    // GIVEN a Service whose port is a string / THEN rejected
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'x' }] } };
    expect(schemaErrors(svc)).toEqual(['Service/s: data/spec/ports/0/port must be integer']);
  });

  test('fails on a kind without a known schema', () => {
    expect(schemaErrors({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } }))
      .toEqual(['Thing/t: no schema known for example.com/v1 Thing']);
  });
});

describe('strict schema validation of Gateway API objects', () => {
  const route = (rule: object) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [rule] },
  });

  test('accepts a valid HTTPRoute', () => {
    // GIVEN a rule with two weighted backends THEN no error
    expect(schemaErrors(route({ backendRefs: [{ name: 'web-stable', port: 80, weight: 100 }, { name: 'web-canary', port: 80, weight: 0 }] }))).toEqual([]);
  });

  test('fails on an unknown field such as weigth in a backendRef', () => {
    // GIVEN a typo THEN the strict schema of the v1.4.0 CRD names the field
    expect(schemaErrors(route({ backendRefs: [{ name: 'web-stable', port: 80, weigth: 100 }] })))
      .toEqual(["HTTPRoute/web: /spec/rules/0/backendRefs/0 must NOT have additional properties 'weigth'"]);
  });

  test('fails on a weight above the CRD maximum', () => {
    expect(schemaErrors(route({ backendRefs: [{ name: 'web-stable', port: 80, weight: 1000001 }] })))
      .toEqual(['HTTPRoute/web: /spec/rules/0/backendRefs/0/weight must be <= 1000000']);
  });
});

describe('strict schema validation of Istio objects', () => {
  const vs = (route: object) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web' },
    spec: { hosts: ['web'], http: [{ name: 'primary', route: [route] }] },
  });

  test('accepts a valid VirtualService, with apiVersion, kind and metadata that the Istio schema does not list', () => {
    expect(schemaErrors(vs({ destination: { host: 'web-stable', port: { number: 80 } }, weight: 100 }))).toEqual([]);
  });

  test('fails on an unknown field such as weigth in a route', () => {
    expect(schemaErrors(vs({ destination: { host: 'web-stable' }, weigth: 100 })))
      .toEqual(["VirtualService/web: /spec/http/0/route/0 must NOT have additional properties 'weigth'"]);
  });

  test('fails on a DestinationRule subset without its required name', () => {
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web' }, spec: { host: 'web', subsets: [{ labels: {} }] } };
    expect(schemaErrors(dr)).toEqual(["DestinationRule/web: /spec/subsets/0 must have required property 'name'"]);
  });
});

describe('schemas beyond Argo Rollouts and core Kubernetes', () => {
  test('validates a PodMonitor against the prometheus-operator schema', () => {
    const pm = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'p' },
      spec: { selector: {}, podMetricsEndpoints: [{ port: 8080 }] } };
    expect(schemaErrors(pm)).toEqual(['PodMonitor/p: data/spec/podMetricsEndpoints/0/port must be string']);
  });
  test('validates an Argo CD Application', () => {
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: { project: 'default' } };
    expect(schemaErrors(app)).toEqual(["Application/a: data/spec must have required property destination"]);
  });
});
