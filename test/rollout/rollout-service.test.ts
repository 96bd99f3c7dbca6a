import { Duration, Testing } from 'cdk8s';
import { Protocol, ServiceType } from 'cdk8s-plus-27';
import { BlueGreenRollout, CanaryRollout, CanaryRolloutProps, CanaryStep, RolloutServiceProps } from '../../lib';
import { synthValid } from '../support/schema';

const IMAGE = 'registry.example.com/web:1.2.3';
const servicesOf = (objs: any[]) => objs.filter((o) => o.kind === 'Service');

function canary(service: RolloutServiceProps, props: Partial<CanaryRolloutProps> = {}) {
  const chart = Testing.chart();
  new CanaryRollout(chart, 'web', { image: IMAGE, steps: [CanaryStep.weight(20), CanaryStep.pause(Duration.seconds(10))], service, ...props });
  return chart;
}

describe('RolloutServiceProps', () => {
  test('LoadBalancer stable and canary Services, the node port on the stable one, annotations, labels and an extra port', () => {
    // GIVEN
    const chart = canary({
      type: ServiceType.LOAD_BALANCER,
      nodePort: 30080,
      annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
      labels: { team: 'web' },
      extraPorts: [{ name: 'grpc', port: 9090, targetPort: 9091 }, { name: 'dns', port: 53, protocol: Protocol.UDP }],
    });
    // WHEN synthesized (strict schemas)
    const [stable, canaryService] = servicesOf(synthValid(chart));
    // THEN
    expect([stable.metadata.name, canaryService.metadata.name]).toEqual(['web-stable', 'web-canary']);
    for (const s of [stable, canaryService]) {
      expect(s.spec.type).toBe('LoadBalancer');
      expect(s.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
      expect(s.metadata.labels).toEqual({ 'team': 'web', 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'cdk8s-progressive' });
      expect(s.spec.ports.slice(1)).toEqual([
        { name: 'grpc', port: 9090, targetPort: 9091, protocol: 'TCP' }, { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
      ]);
    }
    expect(stable.spec.ports[0]).toEqual({ name: 'http', port: 80, nodePort: 30080, targetPort: 'http', protocol: 'TCP' });
    expect(canaryService.spec.ports[0]).toEqual({ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' });
  });

  test('blue-green: NodePort active and preview Services, the node port on the active one', () => {
    const chart = Testing.chart();
    new BlueGreenRollout(chart, 'web', { image: IMAGE, service: { type: ServiceType.NODE_PORT, nodePort: 30081 } });
    const services = servicesOf(synthValid(chart));
    expect(services.map((s) => [s.metadata.name, s.spec.type, s.spec.ports[0].nodePort])).toEqual([
      ['web-active', 'NodePort', 30081], ['web-preview', 'NodePort', undefined],
    ]);
  });

  test('default: ClusterIP with the http port only', () => {
    const services = servicesOf(synthValid(canary({})));
    expect(services.map((s) => [s.spec.type, s.spec.ports.length, s.metadata.annotations])).toEqual([['ClusterIP', 1, undefined], ['ClusterIP', 1, undefined]]);
  });

  test('headless: both Services with clusterIP None', () => {
    const services = servicesOf(synthValid(canary({ headless: true })));
    expect(services.map((s) => [s.spec.type, s.spec.clusterIP])).toEqual([['ClusterIP', 'None'], ['ClusterIP', 'None']]);
  });

  test.each<[string, RolloutServiceProps, string]>([
    ['headless with LoadBalancer', { type: ServiceType.LOAD_BALANCER, headless: true }, 'service headless needs type ServiceType.CLUSTER_IP, got LoadBalancer: '
      + 'remove headless or type (Kubernetes refuses clusterIP None on a NodePort or LoadBalancer Service)'],
    ['ExternalName', { type: ServiceType.EXTERNAL_NAME }, 'service type must be ClusterIP, NodePort or LoadBalancer, got ExternalName: an ExternalName Service '
      + 'selects no pod, so the controller could not switch it between versions'],
    ['a node port on ClusterIP', { nodePort: 30080 }, 'service nodePort (30080) needs type ServiceType.NODE_PORT or ServiceType.LOAD_BALANCER, got ClusterIP: set type or remove nodePort'],
    ['a reserved label', { labels: { 'app.kubernetes.io/name': 'x' } }, "service labels must not set 'app.kubernetes.io/name': the rollout sets it on every object it emits; remove it"],
    ['an unnamed extra port', { extraPorts: [{ port: 9090 }] }, "service extraPorts[0].name must be set: a Service with several ports names each, e.g. name: 'grpc'"],
    ['an extra port named http', { extraPorts: [{ name: 'http', port: 9090 }] }, "service extraPorts[0].name 'http' is taken by the traffic port: give each port its own name"],
    ['an extra port on the http port', { extraPorts: [{ name: 'alt', port: 80 }] }, 'service extraPorts[0].port 80 is taken by another port of the Service: give each port its own number'],
    ['a node port on an extra port', { type: ServiceType.NODE_PORT, extraPorts: [{ name: 'grpc', port: 9090, nodePort: 30090 }] },
      'service extraPorts[0].nodePort must not be set, got 30090: both Services of the strategy carry the extra ports and a node port belongs to one Service; leave it to the cluster'],
  ])('fails on %s', (_what, service, message) => {
    expect(() => canary(service)).toThrow(new Error(message));
  });
});
