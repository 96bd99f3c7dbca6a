import { Testing } from 'cdk8s';
import { ArgoCdApplication, ArgoCdApplicationProps } from '../../lib';
import { synthValid } from '../support/schema';

const props: ArgoCdApplicationProps = { repoURL: 'https://github.com/acme/gitops.git', path: 'dist', destinationNamespace: 'amas-prod' };

describe('ArgoCdApplication', () => {
  test('defaults: automated sync with prune and self-heal, the ignoreDifferences Rollouts need', () => {
    // GIVEN / WHEN
    const chart = Testing.chart();
    new ArgoCdApplication(chart, 'amas-prod', props);
    const [app] = synthValid(chart);
    // THEN
    expect(app.metadata).toEqual({ name: 'amas-prod', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] });
    expect(app.spec.source).toEqual({ repoURL: 'https://github.com/acme/gitops.git', targetRevision: 'HEAD', path: 'dist' });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'amas-prod' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual(['RespectIgnoreDifferences=true', 'CreateNamespace=true']);
    expect(app.spec.ignoreDifferences).toEqual([{
      group: '', kind: 'Service',
      jsonPointers: ['/spec/selector/rollouts-pod-template-hash', '/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts'],
    }, {
      // the weights the Gateway API plugin sets while its in-progress label is on the route (the plugin's v0.15.0
      // label key and value, internal/defaults/defaults.go)
      group: 'gateway.networking.k8s.io', kind: 'HTTPRoute',
      jqPathExpressions: ['select(.metadata.labels["rollouts.argoproj.io/gatewayapi-canary"] == "in-progress") | .spec.rules'],
    }]);
    expect(app).toMatchSnapshot();
  });

  test('manual sync when automated is off', () => {
    const chart = Testing.chart();
    new ArgoCdApplication(chart, 'app', { ...props, automated: false, project: 'amas', targetRevision: 'main', namespace: 'gitops' });
    const [app] = synthValid(chart);
    expect(app.spec.syncPolicy.automated).toBeUndefined();
    expect([app.spec.project, app.spec.source.targetRevision, app.metadata.namespace]).toEqual(['amas', 'main', 'gitops']);
  });

  test('fails on a repoURL that is not a Git URL', () => {
    expect(() => new ArgoCdApplication(Testing.chart(), 'app', { ...props, repoURL: 'acme/gitops' }))
      .toThrow("repoURL must be a Git URL (https://, ssh:// or git@), got 'acme/gitops'");
  });
  test('fails on a path outside the repository', () => {
    expect(() => new ArgoCdApplication(Testing.chart(), 'app', { ...props, path: '../dist' }))
      .toThrow("path must be a folder relative to the repository root, got '../dist'");
  });
  test('fails on a destination namespace that is not DNS-1123', () => {
    expect(() => new ArgoCdApplication(Testing.chart(), 'app', { ...props, destinationNamespace: 'Amas' }))
      .toThrow("destinationNamespace must be a DNS-1123 label");
  });
});
