import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BlueGreenRollout, CanaryRollout, CanaryStep, PodSecurity, PodSecurityStandard, HealthProbe, RolloutWorkload, TrafficRouting, WorkloadScaleDown } from '../../lib';
import { synthValid } from '../support/schema';

const byKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);
const rolloutOf = (objs: any[]) => byKind(objs, 'Rollout')[0];
const steps = [CanaryStep.weight(20), CanaryStep.pause(Duration.seconds(10))];

/** A cdk8s-plus Deployment as a migration starts from; `hardened` adds what "restricted" needs and cdk8s-plus 27 does not model. */
function deployment(chart: Chart, hardened = true, props: Partial<kplus.DeploymentProps> = {}): kplus.Deployment {
  const d = new kplus.Deployment(chart, 'legacy', {
    metadata: { name: 'web' },
    replicas: 0,
    containers: [{
      image: 'registry.example.com/web:1.2.3', portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(7) }),
    }],
    ...props,
  });
  if (hardened) {
    ApiObject.of(d).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }));
  }
  return d;
}

describe('CanaryRollout from a Deployment of the chart (workloadRef)', () => {
  // GIVEN a hardened Deployment and a canary rollout built from it, scaling it down once healthy
  const chart = Testing.chart();
  const d = deployment(chart);
  const rollout = new CanaryRollout(chart, 'web', {
    workload: RolloutWorkload.fromDeployment(d, { scaleDown: WorkloadScaleDown.ON_SUCCESS }),
    steps,
    trafficRouting: TrafficRouting.nginx({ host: 'web.example.com' }),
  });
  // WHEN synthesized (strict schemas)
  const objs = synthValid(chart);
  const r = rolloutOf(objs);

  test('the Rollout references the Deployment instead of holding a pod template', () => {
    expect(r.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', scaleDown: 'onsuccess' });
    expect(r.spec.template).toBeUndefined();
  });

  test("the Rollout's selector, Services and PDB select the Deployment's pod labels", () => {
    const labels = d.matchLabels;
    expect(Object.keys(labels)).toHaveLength(1);
    const template = byKind(objs, 'Deployment')[0].spec.template.metadata.labels;
    expect(r.spec.selector).toEqual({ matchLabels: labels });
    expect(template).toMatchObject(labels);
    expect(rollout.podSelectorLabels).toEqual(labels);
    for (const s of byKind(objs, 'Service')) expect(s.spec.selector).toEqual(labels);
    expect(byKind(objs, 'PodDisruptionBudget')[0].spec.selector).toEqual({ matchLabels: labels });
  });

  test("the Services target the Deployment's container port by number (its port has no name)", () => {
    expect(rollout.trafficPort).toBe(8080);
    for (const s of byKind(objs, 'Service')) expect(s.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
  });

  test("the plan counts the Deployment's readiness probe", () => {
    // 7s readiness period + 5s minReady per new canary pod
    expect(rollout.plan.steps[0].terms).toEqual(['pod readiness 12s (1 canary pod)']);
  });

  test("PodSecurity.check sees the Deployment's pod", () => {
    expect(PodSecurity.check(objs, { beyondStandard: false })).toEqual([]);
  });
});

describe('RolloutWorkload', () => {
  test('scaleDown defaults to never, the controller\'s default', () => {
    const chart = Testing.chart();
    new CanaryRollout(chart, 'web', { workload: RolloutWorkload.fromDeployment(deployment(chart)), steps });
    expect(rolloutOf(synthValid(chart)).spec.workloadRef.scaleDown).toBe('never');
  });

  test('a Deployment referenced by name: the selector labels given, port 8080 unless set', () => {
    // GIVEN a blue-green rollout over an existing Deployment, scaled down progressively
    const chart = Testing.chart();
    const rollout = new BlueGreenRollout(chart, 'shop', {
      workload: RolloutWorkload.fromDeploymentName('shop-v1', { selectorLabels: { app: 'shop' }, scaleDown: WorkloadScaleDown.PROGRESSIVELY }),
      port: 9000,
    });
    // WHEN
    const objs = synthValid(chart);
    // THEN
    const r = rolloutOf(objs);
    expect(r.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-v1', scaleDown: 'progressively' });
    expect(r.spec.selector).toEqual({ matchLabels: { app: 'shop' } });
    expect(r.spec.template).toBeUndefined();
    expect(rollout.podSelectorLabels).toEqual({ app: 'shop' });
    expect(byKind(objs, 'Service').map((s) => [s.metadata.name, s.spec.selector, s.spec.ports[0].targetPort]))
      .toEqual([['shop-active', { app: 'shop' }, 9000], ['shop-preview', { app: 'shop' }, 9000]]);
  });

  test('fails when the rollout also describes a pod', () => {
    const chart = Testing.chart();
    expect(() => new CanaryRollout(chart, 'web', {
      workload: RolloutWorkload.fromDeployment(deployment(chart)), image: 'registry.example.com/web:2.0.0', liveness: HealthProbe.none(), steps,
    })).toThrow("workload takes the pod from Deployment 'web', so image, liveness would not be used: set them on the Deployment, "
      + 'or remove workload to describe the pod here');
  });

  test('fails without image and without workload, naming both ways', () => {
    expect(() => new CanaryRollout(Testing.chart(), 'web', { steps })).toThrow(
      "image must be set: give the container image pinned by a tag or digest, e.g. image: 'registry.example.com/app:1.4.2', "
      + 'or take the pod from a Deployment with workload: RolloutWorkload.fromDeployment(deployment)');
  });

  test('fails on empty selector labels', () => {
    expect(() => RolloutWorkload.fromDeploymentName('web', { selectorLabels: {} })).toThrow(
      "workload: Deployment 'web' has no selector labels: the controller refuses an empty selector; give the labels its pods carry");
  });

  test('fails on an invalid Deployment name', () => {
    expect(() => RolloutWorkload.fromDeploymentName('Web_1', { selectorLabels: { app: 'web' } })).toThrow(
      "workload Deployment name must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters), got 'Web_1'");
  });

  test("fails at synth when the Deployment's pod breaks the Pod Security Standard, naming the fields and the fix", () => {
    // GIVEN a Deployment as cdk8s-plus 27 renders it (no seccomp profile, capabilities not dropped)
    const chart = Testing.chart();
    new CanaryRollout(chart, 'web', { workload: RolloutWorkload.fromDeployment(deployment(chart, false)), steps });
    // WHEN synthesized / THEN
    expect(() => Testing.synth(chart)).toThrow("workload: the pod of Deployment 'web' breaks the Pod Security Standard 'restricted' at "
      + 'spec.template.spec.containers[0].securityContext.capabilities.drop (Capabilities), spec.template.spec.securityContext.seccompProfile.type '
      + '(Seccomp): container main: capabilities.drop must include ALL; the rollout runs this pod: fix it on the Deployment');
    expect(() => Testing.synth(chart)).toThrow('or, if the namespace enforces a laxer standard, say so with podSecurityStandard');
  });

  test('a laxer podSecurityStandard lets that Deployment through; PodSecurity.check still reports it', () => {
    const chart = Testing.chart();
    new CanaryRollout(chart, 'web', {
      workload: RolloutWorkload.fromDeployment(deployment(chart, false)), steps, podSecurityStandard: PodSecurityStandard.BASELINE,
    });
    const objs = synthValid(chart);
    expect(PodSecurity.check(objs, { beyondStandard: false }).map((v) => `${v.object} ${v.path}`)).toEqual([
      'Deployment/web spec.template.spec.containers[0].securityContext.capabilities.drop',
      'Deployment/web spec.template.spec.securityContext.seccompProfile.type',
    ]);
  });

  test("fails at synth when the Deployment's selector changed after the rollout was built", () => {
    const chart = Testing.chart();
    const d = deployment(chart);
    new CanaryRollout(chart, 'web', { workload: RolloutWorkload.fromDeployment(d), steps });
    d.select(kplus.LabelSelector.of({ labels: { tier: 'web' } }));
    expect(() => Testing.synth(chart)).toThrow("workload: Deployment 'web' selects ");
    expect(() => Testing.synth(chart)).toThrow("change the Deployment's selector before building the rollout from it");
  });

  test('fails at synth when the Deployment is in another namespace', () => {
    const chart = Testing.chart();
    const d = deployment(chart, true, { metadata: { name: 'web', namespace: 'legacy' } });
    new CanaryRollout(chart, 'web', { namespace: 'shop', workload: RolloutWorkload.fromDeployment(d), steps });
    expect(() => Testing.synth(chart)).toThrow("workload: Deployment 'web' is in namespace 'legacy' but the rollout in 'shop': "
      + "the controller looks the Deployment up in the rollout's namespace; put both in the same one");
  });

  test('fails on a Deployment that selects by expressions', () => {
    const chart = Testing.chart();
    const d = deployment(chart, true, { select: false });
    d.select(kplus.LabelSelector.of({ expressions: [kplus.LabelExpression.exists('app')] }));
    expect(() => RolloutWorkload.fromDeployment(d)).toThrow("selects its pods with matchExpressions: select by labels only");
  });
});
