import { Chart, Duration, Testing } from 'cdk8s';
import { AnalysisArg, CanaryRollout, CanaryRolloutProps, CanaryScale, CanaryStep, PodTemplateHash, HealthProbe, TrafficRouting } from '../../lib';
import { recordedBudgets } from '../../lib/rollout/plan';
import { metric, TemplateRef } from '../support/fake-template';
import { synthValid } from '../support/schema';

const nginx = () => TrafficRouting.nginx({ host: 'app.example.com' });

function make(props: Partial<CanaryRolloutProps> = {}, chart = Testing.chart()): { chart: Chart; rollout: CanaryRollout } {
  const rollout = new CanaryRollout(chart, 'web', {
    image: 'registry.example.com/web:1.2.3',
    steps: CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
    trafficRouting: nginx(),
    ...props,
  });
  return { chart, rollout };
}

const byKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);
const rolloutOf = (objs: any[]) => byKind(objs, 'Rollout')[0];
const containerOf = (objs: any[]) => rolloutOf(objs).spec.template.spec.containers[0];

describe('CanaryRollout defaults', () => {
  // GIVEN a rollout with only the required props
  const { chart } = make();
  // WHEN synthesized (and validated against the v1.9.1 CRD and Kubernetes schemas)
  const objs = synthValid(chart);
  const rollout = rolloutOf(objs);
  const container = containerOf(objs);
  const pod = rollout.spec.template.spec;

  test('emits a Rollout, two Services, the stable Ingress and a PDB, and no canary Ingress', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Ingress/web', 'PodDisruptionBudget/web', 'Rollout/web', 'Service/web-canary', 'Service/web-stable',
    ]);
  });

  test('pod security context meets the restricted profile', () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('writable /tmp on an emptyDir', () => {
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  test('probes: readiness gates traffic, liveness and startup on /health/live', () => {
    expect(container.readinessProbe).toEqual({
      httpGet: { path: '/health/ready', port: 8080 }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3,
    });
    expect(container.livenessProbe).toEqual({
      httpGet: { path: '/health/live', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3,
    });
    expect(container.startupProbe).toEqual({
      httpGet: { path: '/health/live', port: 8080 }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 30,
    });
  });

  test('preStop sleep drains endpoints before the container stops, within the grace period', () => {
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  test('resources have requests and limits', () => {
    expect(container.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' },
    });
  });

  test('replicas spread across nodes, per revision', () => {
    expect(pod.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, matchLabelKeys: ['rollouts-pod-template-hash'],
    }]);
  });

  test('rollout settings', () => {
    expect(rollout.spec).toMatchObject({
      replicas: 3, revisionHistoryLimit: 3, progressDeadlineSeconds: 600, progressDeadlineAbort: true, minReadySeconds: 5,
    });
    expect(rollout.spec.strategy.canary).toMatchObject({
      stableService: 'web-stable', canaryService: 'web-canary',
      canaryMetadata: { labels: { track: 'canary' } }, stableMetadata: { labels: { track: 'stable' } },
      trafficRouting: { nginx: { stableIngress: 'web' } },
      steps: [{ setWeight: 10 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: { duration: '1m' } }],
    });
  });

  test('services select exactly the pod labels, on the named http port', () => {
    const podLabels = rollout.spec.template.metadata.labels;
    for (const svc of byKind(objs, 'Service')) {
      for (const [k, v] of Object.entries(svc.spec.selector)) expect(podLabels[k]).toBe(v);
      expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    }
    expect(rollout.spec.selector.matchLabels).toEqual(byKind(objs, 'Service')[0].spec.selector);
  });

  test('the stable Ingress routes to the stable Service', () => {
    const ingress = byKind(objs, 'Ingress')[0];
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0].http.paths[0]).toEqual({
      path: '/', pathType: 'Prefix', backend: { service: { name: 'web-stable', port: { number: 80 } } },
    });
  });

  test('the PDB selects the pods and lets one go at a time', () => {
    const pdb = byKind(objs, 'PodDisruptionBudget')[0];
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } });
  });

  // The default output: a canary Rollout through ingress-nginx, its stable and canary Services, Ingress and PDB.
  test('snapshot of the default output', () => {
    // THEN the default output is these objects (the snapshot holds their full text), wired to each other by name
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/web-stable', 'Service/web-canary', 'Ingress/web', 'PodDisruptionBudget/web', 'Rollout/web']);
    expect(rollout.spec.strategy).toEqual({
      canary: {
        stableService: 'web-stable', canaryService: 'web-canary', trafficRouting: { nginx: { stableIngress: 'web' } },
        stableMetadata: { labels: { track: 'stable' } }, canaryMetadata: { labels: { track: 'canary' } },
        steps: [{ setWeight: 10 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: { duration: '1m' } }],
      },
    });
    expect(objs).toMatchSnapshot();
  });
});

describe('CanaryRollout props', () => {
  test('container settings, probes, ports and scale-down settings are passed through', () => {
    // GIVEN every optional prop set
    const { chart } = make({
      name: 'api', namespace: 'shop', port: 9000, metricsPort: 9100, servicePort: 8080, replicas: 5,
      env: { B: '2', A: '1' }, command: ['/app'], args: ['--serve'], serviceAccountName: 'api',
      readiness: HealthProbe.tcpSocket({ period: Duration.seconds(3) }), liveness: HealthProbe.exec(['/app', 'check']),
      startup: HealthProbe.httpGet('/started', { failureThreshold: 10 }),
      preStopDelay: Duration.seconds(5), terminationGracePeriod: Duration.seconds(20), minReady: Duration.seconds(10),
      revisionHistoryLimit: 5, scaleDownDelayRevisionLimit: 2, rollbackWindow: 2, progressDeadline: Duration.minutes(5), progressDeadlineAbort: false,
      scaleDownDelay: Duration.seconds(60), abortScaleDownDelay: Duration.seconds(10), maxUnavailable: 2, runAsUser: 2000,
      trafficRouting: TrafficRouting.nginx({
        host: 'api.example.com', path: '/v1', ingressClassName: 'public', tlsSecretName: 'api-tls',
        annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' },
        additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
      }),
    });
    // WHEN synthesized
    const objs = synthValid(chart);
    const r = rolloutOf(objs);
    const c = containerOf(objs);
    // THEN
    expect(objs.every((o) => o.metadata.namespace === 'shop')).toBe(true);
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 9000, protocol: 'TCP' }, { name: 'metrics', containerPort: 9100, protocol: 'TCP' },
    ]);
    expect(c.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect([c.command, c.args]).toEqual([['/app'], ['--serve']]);
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 9000 });
    expect(c.livenessProbe.exec).toEqual({ command: ['/app', 'check'] });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/started', port: 9000 }, failureThreshold: 10 });
    expect(c.lifecycle.preStop.sleep.seconds).toBe(5);
    expect(r.spec.template.spec).toMatchObject({ terminationGracePeriodSeconds: 20, serviceAccountName: 'api', securityContext: { runAsUser: 2000 } });
    expect(r.spec.rollbackWindow).toEqual({ revisions: 2 });
    expect(r.spec).toMatchObject({ replicas: 5, minReadySeconds: 10, revisionHistoryLimit: 5, progressDeadlineSeconds: 300, progressDeadlineAbort: false });
    expect(r.spec.strategy.canary).toMatchObject({
      scaleDownDelaySeconds: 60, scaleDownDelayRevisionLimit: 2, abortScaleDownDelaySeconds: 10,
      trafficRouting: { nginx: { stableIngress: 'api', additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' } } },
    });
    const ingress = byKind(objs, 'Ingress')[0];
    expect(ingress.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' });
    expect(ingress.spec).toMatchObject({ ingressClassName: 'public', tls: [{ hosts: ['api.example.com'], secretName: 'api-tls' }] });
    expect(ingress.spec.rules[0].http.paths[0].backend.service.port.number).toBe(8080);
    expect(byKind(objs, 'PodDisruptionBudget')[0].spec.maxUnavailable).toBe(2);
  });

  test('several stable Ingresses: each routes to the stable Service, and the Rollout names them all in stableIngresses', () => {
    // GIVEN nginx routing with a public Ingress and an internal one
    const { chart, rollout } = make({
      trafficRouting: TrafficRouting.nginx({
        host: 'app.example.com', ingressClassName: 'public',
        additionalIngresses: [{ name: 'web-internal', host: 'web.internal', path: '/api', tlsSecretName: 'internal-tls', annotations: { a: 'b' } }],
      }),
    });
    // WHEN synthesized (and validated against the CRD: stableIngresses is an array of names)
    const objs = synthValid(chart);
    // THEN the Rollout names both, and no stableIngress (the controller refuses both together)
    expect(rolloutOf(objs).spec.strategy.canary.trafficRouting).toEqual({ nginx: { stableIngresses: ['web', 'web-internal'] } });
    const [main, internal] = byKind(objs, 'Ingress');
    expect(main.metadata.name).toBe('web');
    expect(main.spec.ingressClassName).toBe('public');
    expect(internal.metadata).toMatchObject({ name: 'web-internal', annotations: { a: 'b' } });
    expect(internal.spec).toEqual({
      ingressClassName: 'nginx', tls: [{ hosts: ['web.internal'], secretName: 'internal-tls' }],
      rules: [{ host: 'web.internal', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'web-stable', port: { number: 80 } } } }] } }],
    });
    expect([rollout.stableIngressName, rollout.stableIngressNames]).toEqual(['web', ['web', 'web-internal']]);
  });

  test('one stable Ingress: stableIngress, and stableIngressNames holds it', () => {
    const { chart, rollout } = make();
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.trafficRouting).toEqual({ nginx: { stableIngress: 'web' } });
    expect(rollout.stableIngressNames).toEqual(['web']);
    expect(make({ trafficRouting: undefined }).rollout.stableIngressNames).toEqual([]);
  });

  test('setCanaryScale, indefinite pause and custom service names', () => {
    const { chart, rollout } = make({
      stableServiceName: 'web-main', canaryServiceName: 'web-next',
      steps: [CanaryStep.canaryScale(CanaryScale.replicas(1)), CanaryStep.weight(20), CanaryStep.pause(),
        CanaryStep.canaryScale(CanaryScale.weight(50)), CanaryStep.canaryScale(CanaryScale.matchTrafficWeight())],
    });
    const r = rolloutOf(synthValid(chart));
    expect(r.spec.strategy.canary.steps).toEqual([
      { setCanaryScale: { replicas: 1 } }, { setWeight: 20 }, { pause: {} }, { setCanaryScale: { weight: 50 } },
      { setCanaryScale: { matchTrafficWeight: true } },
    ]);
    expect(r.spec.strategy.canary).toMatchObject({ stableService: 'web-main', canaryService: 'web-next' });
    // the pause without duration waits for a human: the plan says so with a flag (other languages cannot receive Infinity)
    expect([rollout.plan.indefinite, rollout.plan.promotionSeconds]).toEqual([true, undefined]);
    expect(rollout.plan.steps.filter((s) => s.indefinite).map((s) => [s.description, s.seconds])).toEqual([['pause indefinite', undefined]]);
  });

  test('addAnalysis inserts inline steps after the chosen weights and sets the background analysis', () => {
    // GIVEN a template that needs the canary hash
    const { chart, rollout } = make({ steps: CanaryStep.weightsWithPauses([10, 25, 50], Duration.minutes(1)) });
    const tpl = new TemplateRef(chart, 'slo', [{ name: 'canary-hash', hasDefault: false }, { name: 'window', hasDefault: true }]);
    const args = [AnalysisArg.podTemplateHash('canary-hash', PodTemplateHash.LATEST), AnalysisArg.value('namespace', 'default'),
      AnalysisArg.fieldRef('rollout', 'metadata.name')];
    // WHEN
    const added = rollout.addAnalysis({ templates: [tpl], args }, { atWeights: [25, 50], background: true });
    // THEN
    expect(added).toHaveLength(2);
    const canary = rolloutOf(synthValid(chart)).spec.strategy.canary;
    const analysis = {
      templates: [{ templateName: 'slo' }],
      args: [
        { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
        { name: 'namespace', value: 'default' },
        { name: 'rollout', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    };
    expect(canary.steps.map((s: any) => Object.keys(s)[0])).toEqual(
      ['setWeight', 'pause', 'setWeight', 'analysis', 'pause', 'setWeight', 'analysis', 'pause']);
    expect(canary.steps[3]).toEqual({ analysis });
    expect(canary.analysis).toEqual({ ...analysis, startingStep: 1 });
  });

  test('plan: pauses, pod readiness and inline analyses add up', () => {
    const { chart, rollout } = make({ steps: CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)) });
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo')] }, { atWeights: [50] });
    // readiness = 5s period + 5s minReady = 10s each time the 3 replicas need more canary pods (1 at 10%, 2 at 50%,
    // 3 before promotion); analysis = 3 x 30s
    expect(rollout.plan.steps.map((s) => [s.description, s.weight, s.seconds, s.cumulativeSeconds])).toEqual([
      ['setWeight 10', 10, 10, 10], ['pause 1m', 10, 60, 70], ['setWeight 50', 50, 10, 80],
      ['analysis slo', 50, 90, 170], ['pause 1m', 50, 60, 230], ['promote: canary scaled to 3 pods', 100, 10, 240],
    ]);
  });
});

describe('CanaryRollout validation', () => {
  const fails = (props: Partial<CanaryRolloutProps>, message: string) => expect(() => make(props)).toThrow(message);
  const failsExactly = (props: Partial<CanaryRolloutProps>, message: string) => expect(() => make(props)).toThrow(new Error(message));
  const failsAtSynth = (chart: Chart, message: string) => expect(() => Testing.synth(chart)).toThrow(message);

  test('fails on a weight above 100', () => {
    expect(() => CanaryStep.weight(120)).toThrow('setWeight must be an integer between 0 and 100, got 120');
  });
  test('fails on a negative weight', () => {
    expect(() => CanaryStep.weight(-1)).toThrow('setWeight must be an integer between 0 and 100, got -1');
  });
  test('accepts a pause of 0s, as the controller does', () => {
    // GIVEN a 0s pause between two weights (the controller marks the rollout paused and goes on at its next reconcile)
    const { chart, rollout } = make({ steps: [CanaryStep.weight(10), CanaryStep.pause(Duration.seconds(0)), CanaryStep.weight(50)] });
    // WHEN synthesized THEN the pause is rendered as 0s and the plan counts it as no time
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.steps[1]).toEqual({ pause: { duration: '0s' } });
    expect(rollout.steps[1].description).toBe('pause 0s');
    expect(rollout.plan.steps.map((s) => [s.description, s.seconds])).toEqual([['setWeight 10', 10], ['pause 0s', 0], ['setWeight 50', 10], ['promote: canary scaled to 3 pods', 10]]);
  });
  test('fails on a fractional pause', () => {
    // GIVEN a pause of 1.5s WHEN the step is made THEN it fails, as this library's rule
    expect(() => CanaryStep.pause(Duration.millis(1500))).toThrow(new Error('pause duration must be a whole number of seconds, got 1.5s: round it '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: the controller counts a pause in whole seconds and drops the fraction)'));
  });
  test('fails on identical canary and stable services', () => {
    fails({ stableServiceName: 'web', canaryServiceName: 'web' },
      "canaryServiceName and stableServiceName must differ, both are 'web': the controller points each Service at a different ReplicaSet");
  });
  test('fails on setCanaryScale without traffic routing', () => {
    fails({ trafficRouting: undefined, steps: [CanaryStep.canaryScale(CanaryScale.replicas(1))] },
      "step 0 (setCanaryScale) needs trafficRouting: without a traffic router the canary's scale is its weight");
  });
  test('fails on scaleDownDelay together with dynamicStableScale', () => {
    fails({ dynamicStableScale: true, scaleDownDelay: Duration.seconds(30) },
      'scaleDownDelay (30s) cannot be used with dynamicStableScale: the stable pods are already scaled down as the canary grows; remove one of them');
  });
  test('fails on scaleDownDelay without traffic routing', () => {
    fails({ trafficRouting: undefined, scaleDownDelay: Duration.seconds(30) },
      'scaleDownDelay needs trafficRouting: without a traffic router the controller scales pods by weight; remove scaleDownDelay or set trafficRouting');
  });
  test('fails on dynamicStableScale without traffic routing', () => {
    fails({ trafficRouting: undefined, dynamicStableScale: true }, 'dynamicStableScale needs trafficRouting: set trafficRouting or remove dynamicStableScale');
  });
  test('fails on abortScaleDownDelay without traffic routing', () => {
    // GIVEN a basic canary (no router) with abortScaleDownDelay WHEN made THEN it fails, as this library's rule
    failsExactly({ trafficRouting: undefined, abortScaleDownDelay: Duration.seconds(5) }, 'abortScaleDownDelay (5s) needs trafficRouting: remove it or set trafficRouting '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: the controller ignores it without a traffic router and scales an aborted canary back like a rolling update)');
  });
  test('fails when progressDeadline is not above minReady', () => {
    fails({ progressDeadline: Duration.seconds(30), minReady: Duration.seconds(30) },
      'progressDeadline must be longer than minReady (30s), got 30s: raise progressDeadline or shorten minReady');
  });
  test('accepts a rollbackWindow beyond the kept revisions, as the controller does', () => {
    // GIVEN rollbackWindow 4 with the default revisionHistoryLimit 3 WHEN synthesized THEN the window is emitted as given
    const { chart } = make({ rollbackWindow: 4 });
    expect(rolloutOf(synthValid(chart)).spec.rollbackWindow).toEqual({ revisions: 4 });
  });
  test('fails on a rollbackWindow of 0', () => {
    // GIVEN rollbackWindow 0 WHEN made THEN it fails, as this library's rule
    failsExactly({ rollbackWindow: 0 }, 'rollbackWindow must be an integer >= 1, got 0 '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: the controller reads 0 or less as no window, which leaving rollbackWindow unset already says)');
  });
  test('fails on a negative revisionHistoryLimit', () => {
    fails({ revisionHistoryLimit: -1 }, 'revisionHistoryLimit must be an integer >= 0, got -1');
  });
  test('accepts scaleDownDelayRevisionLimit above revisionHistoryLimit, as the controller does for a canary', () => {
    // GIVEN a canary keeping 2 revisions and 3 in scale-down delay WHEN synthesized THEN both are emitted as given
    const { chart } = make({ revisionHistoryLimit: 2, scaleDownDelayRevisionLimit: 3 });
    const spec = rolloutOf(synthValid(chart)).spec;
    expect([spec.revisionHistoryLimit, spec.strategy.canary.scaleDownDelayRevisionLimit]).toEqual([2, 3]);
  });
  test('fails on a name that is not DNS-1123', () => {
    fails({ name: 'Web_App' }, "name must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got 'Web_App'");
  });
  test('fails on a service name that is not DNS-1123', () => {
    fails({ canaryServiceName: 'web.canary' }, "canaryServiceName must be a DNS-1123 label");
  });
  test('fails on weights that go down', () => {
    failsExactly({ steps: [CanaryStep.weight(50), CanaryStep.weight(25)] },
      'step 1 lowers setWeight from 50 to 25: weights must rise step by step; set allowWeightDecrease to lower them on purpose '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: a lower weight is most often steps in the wrong order)');
  });
  test('allows weights that go down when asked', () => {
    expect(() => make({ allowWeightDecrease: true, steps: [CanaryStep.weight(50), CanaryStep.weight(25)] })).not.toThrow();
  });
  test('accepts a repeated weight, as the controller does', () => {
    // GIVEN setWeight 25 twice (e.g. to restate the weight after a setCanaryScale)
    const { chart, rollout } = make({ steps: [CanaryStep.weight(25), CanaryStep.pause(Duration.seconds(10)), CanaryStep.weight(25)] });
    // WHEN synthesized THEN both steps are emitted, and the second takes no pod readiness time in the plan
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.steps).toEqual([{ setWeight: 25 }, { pause: { duration: '10s' } }, { setWeight: 25 }]);
    expect(rollout.plan.steps.map((s) => [s.description, s.weight, s.seconds])).toEqual([
      ['setWeight 25', 25, 10], ['pause 10s', 25, 10], ['setWeight 25', 25, 0], ['promote: canary scaled to 3 pods', 100, 10],
    ]);
  });
  test('accepts two pauses in a row, as the controller does', () => {
    // GIVEN a pause for a human followed by a timed pause
    const { chart, rollout } = make({ steps: [CanaryStep.weight(25), CanaryStep.pause(), CanaryStep.pause(Duration.seconds(30))] });
    // WHEN synthesized THEN both pauses are emitted and the plan waits for the human
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.steps).toEqual([{ setWeight: 25 }, { pause: {} }, { pause: { duration: '30s' } }]);
    expect(rollout.plan.steps.map((s) => s.description)).toEqual(['setWeight 25', 'pause indefinite', 'pause 30s', 'promote: canary scaled to 3 pods']);
    expect([rollout.plan.indefinite, rollout.plan.promotionSeconds]).toEqual([true, undefined]);
  });
  test('fails on no steps', () => {
    // GIVEN no steps WHEN made THEN it fails, as this library's rule
    failsExactly({ steps: [] }, 'steps must not be empty: use CanaryStep.weightsWithPauses(...) '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: a canary with no steps promotes at once, with no canary phase)');
  });
  test('fails on an untagged image', () => {
    failsExactly({ image: 'registry.example.com:5000/web' },
      "image must be pinned to a tag or digest, got 'registry.example.com:5000/web': add a version tag (e.g. 'registry.example.com:5000/web:1.4.2') or a digest (@sha256:...) "
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: a moving tag changes what runs without a new revision, so no canary step or analysis sees the change)');
  });
  test('fails on a latest image', () => {
    failsExactly({ image: 'web:latest' }, "image must not use the 'latest' tag, got 'web:latest': pin a version tag or a digest "
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: a moving tag changes what runs without a new revision, so no canary step or analysis sees the change)');
  });
  test('accepts an image pinned by digest', () => {
    expect(() => make({ image: `web@sha256:${'a'.repeat(64)}` })).not.toThrow();
  });
  test('fails when the grace period does not cover the preStop delay', () => {
    failsExactly({ preStopDelay: Duration.seconds(30) },
      'terminationGracePeriod must be longer than preStopDelay (30s), got 30s: raise terminationGracePeriod or shorten preStopDelay '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: otherwise the container is killed before it has stopped after draining)');
  });
  test('fails on a port out of range', () => {
    fails({ port: 70000 }, 'port must be an integer between 1 and 65535, got 70000');
  });
  test('fails on a probe path without a slash', () => {
    expect(() => HealthProbe.httpGet('health')).toThrow("probe path must start with '/', got 'health'");
  });
  test('fails on an nginx host that is not a DNS name', () => {
    expect(() => TrafficRouting.nginx({ host: 'https://app' })).toThrow("nginx host must be a lowercase DNS name such as app.example.com, got 'https://app'");
  });
  test('fails on dynamicStableScale with nginx routing, naming the issue', () => {
    // GIVEN nginx routing and dynamicStableScale WHEN made THEN it fails, as this library's rule
    failsExactly({ dynamicStableScale: true }, 'dynamicStableScale cannot be used with TrafficRouting.nginx, got dynamicStableScale: true: '
      + 'remove dynamicStableScale (or route with TrafficRouting.gatewayApi) (a rule of cdk8s-progressive, not of Argo Rollouts: it scales the stable '
      + 'pods to 0 at weight 100, and ingress-nginx then answers 503 although the canary has endpoints (argo-rollouts issue #1820))');
  });
  test('fails on additional nginx Ingresses with the same name', () => {
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngresses: [{ name: 'web-int', host: 'a.internal' }, { name: 'web-int', host: 'b.internal' }] }))
      .toThrow(new Error("nginx additionalIngresses names must be unique, 'web-int' is given twice: rename one"));
  });
  test('fails on an additional nginx Ingress named like the rollout', () => {
    // GIVEN an additional Ingress named 'web', the name of the first stable Ingress WHEN bound to rollout web THEN it fails
    failsExactly({ trafficRouting: TrafficRouting.nginx({ host: 'a.example.com', additionalIngresses: [{ name: 'web', host: 'a.internal' }] }) },
      "nginx additionalIngresses name 'web' is the name of the first stable Ingress (the rollout's name): rename it");
  });
  test('fails on an additional nginx Ingress with an invalid name or host', () => {
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngresses: [{ name: 'Web_Int', host: 'a.internal' }] }))
      .toThrow("nginx additionalIngresses[0] name must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got 'Web_Int'");
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngresses: [{ name: 'web-int', host: 'A.internal' }] }))
      .toThrow(new Error("nginx additionalIngresses[0] host must be a lowercase DNS name such as app.example.com, got 'A.internal'"));
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngresses: [{ name: 'web-int', host: 'a.internal', path: 'api' }] }))
      .toThrow(new Error("nginx additionalIngresses[0] path must start with '/', got 'api'"));
  });
  test('fails on an additional ingress annotation the controller owns', () => {
    // GIVEN canary-weight among the additional annotations WHEN the router is made THEN it fails, as this library's rule
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngressAnnotations: { 'canary-weight': '5' } }))
      .toThrow(new Error("nginx additionalIngressAnnotations must not set 'canary-weight': remove it "
        + '(a rule of cdk8s-progressive, not of Argo Rollouts: the controller overwrites it on the canary Ingress)'));
  });
  test('fails on canary-weight-total among the additional ingress annotations', () => {
    // GIVEN canary-weight-total (with its prefix) WHEN the router is made THEN it fails, as this library's rule
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngressAnnotations: { 'nginx.ingress.kubernetes.io/canary-weight-total': '1000' } }))
      .toThrow(new Error("nginx additionalIngressAnnotations must not set 'nginx.ingress.kubernetes.io/canary-weight-total': remove it "
        + '(a rule of cdk8s-progressive, not of Argo Rollouts: the controller writes canary-weight in percent, another total would change every weight)'));
  });
  test('accepts additional ingress annotations other than canary-*, with or without the prefix, as the controller does', () => {
    // GIVEN a load-balance and a prefixed canary-by-header annotation
    const { chart } = make({
      trafficRouting: TrafficRouting.nginx({
        host: 'app.example.com',
        additionalIngressAnnotations: { 'load-balance': 'ewma', 'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary' },
      }),
    });
    // WHEN synthesized THEN both are passed to the controller as given
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations)
      .toEqual({ 'load-balance': 'ewma', 'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary' });
  });
  test('fails on an additional ingress annotation key that is not an annotation name', () => {
    // GIVEN a key with a second slash (the controller would prefix it into an invalid key) WHEN the router is made THEN it fails
    expect(() => TrafficRouting.nginx({ host: 'a.example.com', additionalIngressAnnotations: { 'example.com/canary-by-header': 'x' } }))
      .toThrow(new Error("nginx additionalIngressAnnotations key must be an annotation name (letters, digits, '-', '_' or '.', at most 63 characters) "
        + "with or without the 'nginx.ingress.kubernetes.io/' prefix, such as 'canary-by-header', got 'example.com/canary-by-header'"));
  });
  test('fails when a template arg without a value is not supplied', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo', [{ name: 'canary-hash', hasDefault: false }])] }, { atWeights: [50] });
    failsAtSynth(chart, "step 3 (analysis) references template 'slo' whose arg 'canary-hash' has no value: "
      + "pass it with AnalysisArg.value('canary-hash', ...), AnalysisArg.podTemplateHash(...) or AnalysisArg.fieldRef(...)");
  });
  test('fails when an inline analysis never ends', () => {
    const { chart, rollout } = make();
    const endless = new TemplateRef(chart, 'endless', [], [metric('errors', { count: undefined })]);
    rollout.addAnalysis({ templates: [endless] }, { atWeights: [10] });
    failsAtSynth(chart, "step 1 (analysis) uses metric 'errors' of template 'endless' which runs until stopped (interval without count): "
      + 'inline analysis steps need a finite count; set count, or run it as background analysis');
  });
  test('fails when merged templates share a metric name', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a'), new TemplateRef(chart, 'b')] }, { background: true });
    failsAtSynth(chart, "backgroundAnalysis merges templates 'a' and 'b' that both define metric 'success-rate': metric names must be unique within a run");
  });
  test('fails on an arg passed twice', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a')], args: [AnalysisArg.value('x', '1'), AnalysisArg.value('x', '2')] }, { background: true });
    failsAtSynth(chart, "backgroundAnalysis passes arg 'x' twice: pass each arg once (a rule of cdk8s-progressive, not of Argo Rollouts: the controller silently keeps the last value)");
  });
  test('fails on a background startingStep past the last step', () => {
    const { chart, rollout } = make();
    expect(() => rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a')] }, { backgroundStartingStep: 9 }))
      .toThrow(new Error('backgroundAnalysis startingStep must be an integer between 0 and 3, got 9 (a rule of cdk8s-progressive, not of Argo Rollouts: '
        + 'the controller accepts any step, but from a step past the last one the background analysis never runs)'));
  });
  test('fails on background false with a backgroundStartingStep', () => {
    const { chart, rollout } = make();
    expect(() => rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a')] }, { background: false, backgroundStartingStep: 1 }))
      .toThrow(new Error('addAnalysis: background is false but backgroundStartingStep is 1: drop one of them'));
  });
  test('fails on a second background analysis', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a')] }, { background: true });
    expect(() => rollout.addAnalysis({ templates: [new TemplateRef(chart, 'b')] }, { background: true }))
      .toThrow('backgroundAnalysis is already set: a rollout has one background analysis; merge the templates into it');
  });
  test('fails on analysis at a weight the plan does not set', () => {
    const { chart, rollout } = make();
    expect(() => rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a')] }, { atWeights: [30] }))
      .toThrow("addAnalysis atWeights has 30 but no setWeight step sets it; the plan's weights are [10, 50]");
  });
  test('fails on two analyses at the same weight', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'a')] }, { atWeights: [10] });
    expect(() => rollout.addAnalysis({ templates: [new TemplateRef(chart, 'b')] }, { atWeights: [10] }))
      .toThrow('addAnalysis atWeights has 10 but the step after setWeight 10 is already an analysis: pass all templates of that step in one addAnalysis call');
  });
  test('fails on an analysis with no templates', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [] }, { atWeights: [10] });
    failsAtSynth(chart, 'step 1 (analysis) must reference at least one analysis template: add one or remove the analysis '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: an analysis without templates judges nothing)');
  });
  test('fails when the plan exceeds maxPromotionTime, showing the plan', () => {
    const { chart } = make({ maxPromotionTime: Duration.minutes(1) });
    failsAtSynth(chart, 'maxPromotionTime is 1m but the plan takes 2m30s to reach 100%: shorten pauses or analyses, use fewer steps, or raise maxPromotionTime. The plan:\n'
      + '   0  setWeight 10                       weight  10%  +10s       = 10s       pod readiness 10s (1 canary pod)\n');
  });
  test('fails when the plan has an indefinite pause and a maxPromotionTime', () => {
    const { chart } = make({ maxPromotionTime: Duration.minutes(10), steps: [CanaryStep.weight(10), CanaryStep.pause()] });
    failsAtSynth(chart, 'maxPromotionTime is 10m but the plan takes indefinite to reach 100%');
  });
});

describe('CanaryRollout time to abort', () => {
  test('fails when the analysis cannot abort a bad canary within maxTimeToAbort (default 2m)', () => {
    // GIVEN an analysis only at 50%, after a 1m pause at 10%
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo')] }, { atWeights: [50] });
    // WHEN synthesized / THEN the figure and its terms are shown
    expect(() => Testing.synth(chart)).toThrow('maxTimeToAbort is 2m (the default once a rollout has an analysis) but the worst-case time from a bad canary to abort is '
      + '2m40s by the analysis at step 3 (slo): 1m10s until it starts + success-rate: 90s = 60s window + 30s interval: '
      + 'shorten the window, interval or initialDelay, lower failureLimit, start the analysis earlier, or raise maxTimeToAbort');
  });

  test('a background analysis from the first step meets the default', () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo')] }, { atWeights: [50], background: true });
    expect(() => Testing.synth(chart)).not.toThrow();
    expect(rollout.plan.abort?.seconds).toBe(90);
  });

  test('fails on maxTimeToAbort without any analysis, saying how to turn the budget off', () => {
    const { chart } = make({ maxTimeToAbort: Duration.hours(24) });
    expect(() => Testing.synth(chart)).toThrow('maxTimeToAbort is 24h but no analysis can abort the rollout, so the time to abort is never: '
      + 'give it an analysis that can fail (not dry-run), or, if it is meant to run without one, turn the budget off with disableMaxTimeToAbort: true (no maxTimeToAbort)');
  });

  test('fails on the default budget with an analysis that cannot abort (dry-run), saying how to turn it off', () => {
    // GIVEN a background analysis whose only metric is dry-run
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'dry', [], [metric('observe', { dryRun: true })])] }, { background: true });
    // WHEN synthesized / THEN
    expect(() => Testing.synth(chart)).toThrow('maxTimeToAbort is 2m (the default once a rollout has an analysis) but no analysis can abort the rollout, '
      + 'so the time to abort is never: give it an analysis that can fail (not dry-run), or, if it is meant to run without one, turn the budget off '
      + 'with disableMaxTimeToAbort: true (no maxTimeToAbort)');
  });

  test('disableMaxTimeToAbort turns the budget off at synth and records it for plan and rehearse', () => {
    // GIVEN the same rollout with the budget turned off
    const { chart, rollout } = make({ disableMaxTimeToAbort: true });
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'dry', [], [metric('observe', { dryRun: true })])] }, { background: true });
    // WHEN synthesized (strict schemas) / THEN no budget error, and 'none' recorded
    const metadata = rolloutOf(synthValid(chart)).metadata;
    expect(metadata.annotations).toEqual({ 'cdk8s-progressive/max-time-to-abort': 'none' });
    expect(recordedBudgets(metadata, 'Rollout web')).toEqual({ promotionSeconds: 600, abortSeconds: Infinity });
  });

  test('disableMaxPromotionTime records no promotion budget', () => {
    const { chart } = make({ disableMaxPromotionTime: true, steps: [CanaryStep.weight(10), CanaryStep.pause()] });
    const metadata = rolloutOf(synthValid(chart)).metadata;
    expect(metadata.annotations).toEqual({ 'cdk8s-progressive/max-promotion-time': 'none' });
    expect(recordedBudgets(metadata, 'Rollout web').promotionSeconds).toBe(Infinity);
  });

  test('fails on a budget both set and turned off', () => {
    expect(() => make({ disableMaxTimeToAbort: true, maxTimeToAbort: Duration.minutes(3) })).toThrow(
      'disableMaxTimeToAbort turns off the abort budget that maxTimeToAbort (3m) sets: keep one of them');
    expect(() => make({ disableMaxPromotionTime: true, maxPromotionTime: Duration.minutes(3) })).toThrow(
      'disableMaxPromotionTime turns off the promotion budget that maxPromotionTime (3m) sets: keep one of them');
  });
});

describe('CanaryRollout budgets recorded on the Rollout', () => {
  test('maxPromotionTime and maxTimeToAbort become annotations that the plan reads back', () => {
    // GIVEN budgets of 12m and 1m30s
    const { chart, rollout } = make({ maxPromotionTime: Duration.minutes(12), maxTimeToAbort: Duration.seconds(90) });
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo')] }, { background: true });
    // WHEN synthesized
    const metadata = rolloutOf(synthValid(chart)).metadata;
    // THEN
    expect(metadata.annotations).toEqual({ 'cdk8s-progressive/max-promotion-time': '12m', 'cdk8s-progressive/max-time-to-abort': '1m30s' });
    expect(recordedBudgets(metadata, 'Rollout web')).toEqual({ promotionSeconds: 720, abortSeconds: 90 });
  });

  test('without budgets there is no annotation, and the plan falls back to 10m and 2m', () => {
    const metadata = rolloutOf(synthValid(make().chart)).metadata;
    expect(metadata.annotations).toBeUndefined();
    expect(recordedBudgets(metadata, 'Rollout web')).toEqual({ promotionSeconds: 600, abortSeconds: 120 });
  });

  test('fails to read a malformed recorded budget', () => {
    expect(() => recordedBudgets({ annotations: { 'cdk8s-progressive/max-time-to-abort': 'soon' } }, 'Rollout shop/web')).toThrow(
      "Rollout shop/web: annotation cdk8s-progressive/max-time-to-abort must be a positive duration such as 12m or 1m30s, or 'none', got 'soon': fix or remove it");
  });
});

describe('CanaryRollout frictions', () => {
  test("background analysis starts once the canary takes traffic, not at Argo's step 0, and the step is always written", () => {
    // GIVEN a pause before the first weight, and a background analysis without startingStep
    const { chart, rollout } = make({ steps: [CanaryStep.pause(Duration.seconds(30)), CanaryStep.weight(10), CanaryStep.pause(Duration.minutes(1))] });
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo')] }, { background: true });
    // WHEN synthesized / THEN it starts after setWeight 10 (step 1), written as startingStep 2
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.analysis.startingStep).toBe(2);
  });

  test("startingStep 0 gives Argo's default start", () => {
    const { chart, rollout } = make();
    rollout.addAnalysis({ templates: [new TemplateRef(chart, 'slo')] }, { backgroundStartingStep: 0 });
    expect(rolloutOf(synthValid(chart)).spec.strategy.canary.analysis.startingStep).toBe(0);
  });

  test('annotations and labels on the Rollout object, e.g. a notifications subscription, beside the budgets', () => {
    // GIVEN
    const { chart } = make({
      annotations: { 'notifications.argoproj.io/subscribe.on-rollout-aborted.slack': 'deploys' },
      labels: { team: 'payments' },
      maxPromotionTime: Duration.minutes(10),
    });
    // WHEN
    const r = rolloutOf(synthValid(chart));
    // THEN on the Rollout only, not on its pods
    expect(r.metadata.annotations).toEqual({
      'notifications.argoproj.io/subscribe.on-rollout-aborted.slack': 'deploys', 'cdk8s-progressive/max-promotion-time': '10m',
    });
    expect(r.metadata.labels).toEqual({ 'team': 'payments', 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'cdk8s-progressive' });
    expect(r.spec.template.metadata.annotations).toBeUndefined();
    expect(r.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'web' });
  });

  test('fails on Rollout annotations or labels the rollout sets itself', () => {
    expect(() => make({ annotations: { 'cdk8s-progressive/max-time-to-abort': '1h' } })).toThrow(
      "annotations must not set 'cdk8s-progressive/max-time-to-abort': the rollout sets it itself (budgets are maxPromotionTime and maxTimeToAbort, the name is name); remove it");
    expect(() => make({ labels: { 'app.kubernetes.io/name': 'other' } })).toThrow("labels must not set 'app.kubernetes.io/name'");
  });

  test('pdbMaxUnavailable sets the PodDisruptionBudget, not the strategy', () => {
    const objs = synthValid(make({ pdbMaxUnavailable: 2 }).chart);
    expect(byKind(objs, 'PodDisruptionBudget')[0].spec.maxUnavailable).toBe(2);
    expect(rolloutOf(objs).spec.strategy.canary.maxUnavailable).toBeUndefined();
  });

  test('fails on pdbMaxUnavailable 0, and on it with its deprecated name', () => {
    expect(() => make({ pdbMaxUnavailable: 0 })).toThrow('pdbMaxUnavailable must be an integer >= 1, got 0');
    expect(() => make({ pdbMaxUnavailable: 2, maxUnavailable: 1 })).toThrow(
      'maxUnavailable (1) is the deprecated name of pdbMaxUnavailable (2): keep pdbMaxUnavailable only');
  });

  test('an nginx Ingress without host: a rule for every host, TLS without hosts', () => {
    // GIVEN
    const { chart } = make({ trafficRouting: TrafficRouting.nginx({ tlsSecretName: 'web-tls' }) });
    // WHEN synthesized (strict schemas)
    const ingress = byKind(synthValid(chart), 'Ingress')[0];
    // THEN
    expect(ingress.spec.rules).toEqual([{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-stable', port: { number: 80 } } } }] } }]);
    expect(ingress.spec.tls).toEqual([{ secretName: 'web-tls' }]);
  });
});
