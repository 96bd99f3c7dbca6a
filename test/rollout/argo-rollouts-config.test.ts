import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ArgoRolloutsConfig, TrafficRouterPlugin } from '../../lib';
import { synthValid } from '../support/schema';

const LOCATION = 'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.15.0/gatewayapi-plugin-linux-amd64';
const SHA = 'a'.repeat(64);

describe('ArgoRolloutsConfig', () => {
  test('without plugins: an empty argo-rollouts-config in argo-rollouts, and no ClusterRole', () => {
    // GIVEN the defaults WHEN synthesized THEN only the ConfigMap, as the controller's install ships it
    const chart = Testing.chart();
    const config = new ArgoRolloutsConfig(chart, 'rollouts');
    const objs = synthValid(chart);
    expect(objs).toEqual([{
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'argo-rollouts-config', namespace: 'argo-rollouts', labels: { 'app.kubernetes.io/part-of': 'argo-rollouts', 'app.kubernetes.io/managed-by': 'cdk8s-progressive' } },
    }]);
    expect([config.namespace, config.serviceAccountName, config.trafficRouterPlugins]).toEqual(['argo-rollouts', 'argo-rollouts', []]);
  });

  test('the Gateway API plugin: its trafficRouterPlugins entry with the controller\'s keys, and the ClusterRole the plugin needs', () => {
    // GIVEN the plugin from its release, with a checksum and an argument
    const chart = Testing.chart();
    const config = new ArgoRolloutsConfig(chart, 'rollouts', { namespace: 'rollouts', serviceAccountName: 'rollouts-controller' });
    const plugin = config.addTrafficRouterPlugin(TrafficRouterPlugin.gatewayApi({ location: LOCATION, sha256: SHA, args: ['-logformat=json'] }));
    // WHEN synthesized
    const objs = synthValid(chart);
    // THEN the ConfigMap holds one plugin item, named as the Rollout's trafficRouting.plugins key, in the controller's YAML keys
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    expect(cm.metadata).toMatchObject({ name: 'argo-rollouts-config', namespace: 'rollouts' });
    expect(Object.keys(cm.data)).toEqual(['trafficRouterPlugins']);
    expect(parse(cm.data.trafficRouterPlugins)).toEqual([{ name: 'argoproj-labs/gatewayAPI', location: LOCATION, sha256: SHA, args: ['-logformat=json'] }]);
    expect(plugin.name).toBe('argoproj-labs/gatewayAPI');
    // AND a ClusterRole with what the plugin calls (get and update HTTPRoutes, get Services), bound to the controller's ServiceAccount
    const role = objs.find((o) => o.kind === 'ClusterRole')!;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['services'], verbs: ['get'] },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'update'] },
    ]);
    const binding = objs.find((o) => o.kind === 'ClusterRoleBinding')!;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rollouts-controller', namespace: 'rollouts' }]);
  });

  test('sha256 and args are optional, and a file:// location is taken', () => {
    const chart = Testing.chart();
    new ArgoRolloutsConfig(chart, 'rollouts', { trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi({ location: 'file:///plugins/gatewayapi' })] });
    const cm = synthValid(chart).find((o) => o.kind === 'ConfigMap')!;
    expect(parse(cm.data.trafficRouterPlugins)).toEqual([{ name: 'argoproj-labs/gatewayAPI', location: 'file:///plugins/gatewayapi' }]);
  });

  test('fails on the same plugin twice', () => {
    const config = new ArgoRolloutsConfig(Testing.chart(), 'rollouts', { trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi({ location: LOCATION })] });
    expect(() => config.addTrafficRouterPlugin(TrafficRouterPlugin.gatewayApi({ location: LOCATION }))).toThrow(new Error(
      'trafficRouterPlugins already has argoproj-labs/gatewayAPI: the controller loads one plugin per name; add it once'));
  });

  test('fails on a location the controller cannot load', () => {
    for (const location of ['gatewayapi-plugin', 'ftp://example.com/p', 'file://plugins/p', 'https:///p']) {
      expect(() => TrafficRouterPlugin.gatewayApi({ location })).toThrow(new Error(
        `trafficRouterPlugin argoproj-labs/gatewayAPI location must be an https:// (or http://) URL or a file:///absolute/path, got '${location}'`));
    }
  });

  test('fails on a sha256 that is not 64 lowercase hexadecimal digits', () => {
    expect(() => TrafficRouterPlugin.gatewayApi({ location: LOCATION, sha256: 'A'.repeat(64) })).toThrow(new Error(
      `trafficRouterPlugin argoproj-labs/gatewayAPI sha256 must be 64 lowercase hexadecimal digits (the output of sha256sum), got '${'A'.repeat(64)}': `
      + 'the controller compares it with the lowercase hexadecimal digest of the download'));
  });

  test('fails on a sha256 with a file:// location, which the controller does not check', () => {
    expect(() => TrafficRouterPlugin.gatewayApi({ location: 'file:///plugins/p', sha256: SHA })).toThrow(new Error(
      "trafficRouterPlugin argoproj-labs/gatewayAPI sha256 is set but location 'file:///plugins/p' is a file: remove sha256, or download the plugin from an "
      + 'https:// location (a rule of cdk8s-progressive, not of Argo Rollouts: the controller checks sha256 only after an http(s) download and ignores it for a file:// location)'));
  });

  test('fails on an invalid namespace', () => {
    expect(() => new ArgoRolloutsConfig(Testing.chart(), 'rollouts', { namespace: 'Argo' }))
      .toThrow("ArgoRolloutsConfig namespace must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got 'Argo'");
  });
});
