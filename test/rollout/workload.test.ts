import { Chart, Duration, Size, Testing } from 'cdk8s';
import {
  Capability, ConfigMap, ContainerProps, Cpu, Env, EnvValue, ImagePullPolicy, NodeTaintQuery, PersistentVolumeClaim, Secret, TaintEffect, Volume,
} from 'cdk8s-plus-27';
import { BlueGreenRollout, CanaryRollout, CanaryRolloutProps, CanaryStep, PodSecurity, PodSecurityLevel, PodSecurityStandard, HealthProbe, PodSeccompProfile, SloGate, TrafficRouting } from '../../lib';
import { readySeconds } from '../../lib/rollout/plan';
import { synthValid } from '../support/schema';

const IMAGE = 'registry.example.com/web:1.2.3';

let ids = 0;
function canary(props: Partial<CanaryRolloutProps> = {}, chart: Chart = Testing.chart()) {
  // a new construct id each time: a construct that failed stays in its chart
  new CanaryRollout(chart, `web-${ids++}`, {
    name: 'web',
    image: IMAGE,
    steps: CanaryStep.weightsWithPauses([10, 50], Duration.minutes(1)),
    trafficRouting: TrafficRouting.nginx({ host: 'web.example.com' }),
    ...props,
  });
  return chart;
}

const podOf = (objs: any[]) => objs.find((o) => o.kind === 'Rollout')!.spec.template;

const HARDENED = {
  allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, privileged: false, capabilities: { drop: ['ALL'] },
};

describe('a pod as users write it: env from Secrets and ConfigMaps, volumes, init containers, sidecars, scheduling', () => {
  // GIVEN a canary whose pod reads a Secret and a ConfigMap, mounts four kinds of volume, runs a migration
  // first and a proxy next to it, and is placed on dedicated nodes
  const chart = Testing.chart();
  const db = Secret.fromSecretName(chart, 'Db', 'web-db');
  const settings = ConfigMap.fromConfigMapName(chart, 'Settings', 'web-settings');
  const certs = Volume.fromSecret(chart, 'CertsVolume', Secret.fromSecretName(chart, 'Certs', 'web-tls'), { name: 'certs' });
  const config = Volume.fromConfigMap(chart, 'ConfigVolume', settings, { name: 'config' });
  const cache = Volume.fromEmptyDir(chart, 'CacheVolume', 'cache', { sizeLimit: Size.mebibytes(128) });
  const data = Volume.fromPersistentVolumeClaim(chart, 'DataVolume', PersistentVolumeClaim.fromClaimName(chart, 'Data', 'web-data'), { name: 'data' });
  const proxy: ContainerProps = {
    name: 'proxy', image: 'registry.example.com/proxy:2.0.1', portNumber: 15001,
    volumeMounts: [{ path: '/etc/tls', volume: certs, readOnly: true }],
  };
  canary({
    envVariables: {
      DB_PASSWORD: EnvValue.fromSecretValue({ secret: db, key: 'password' }),
      LOG_LEVEL: EnvValue.fromConfigMap(settings, 'log-level'),
    },
    env: { MODE: 'live' },
    envFrom: [Env.fromConfigMap(settings, 'WEB_'), Env.fromSecret(db)],
    volumeMounts: [
      { path: '/etc/web', volume: config, readOnly: true },
      { path: '/var/cache/web', volume: cache },
      { path: '/data', volume: data },
    ],
    initContainers: [{ name: 'migrate', image: 'registry.example.com/web-migrate:1.2.3', volumeMounts: [{ path: '/data', volume: data }] }],
    sidecars: [proxy],
    podAnnotations: { 'linkerd.io/inject': 'enabled' },
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    imagePullSecrets: [Secret.fromSecretName(chart, 'Pull', 'registry-pull')],
    nodeSelector: { 'example.com/pool': 'web' },
    tolerations: [NodeTaintQuery.is('dedicated', 'web', { effect: TaintEffect.NO_SCHEDULE })],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }] } } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }],
    priorityClassName: 'business-critical',
  }, chart);
  // WHEN synthesized (and validated against the v1.9.1 Rollout CRD, strictly)
  const objs = synthValid(chart);
  const template = podOf(objs);
  const pod = template.spec;
  const [main, sidecar] = pod.containers;

  test('env from literals, Secret and ConfigMap keys, sorted by name; envFrom whole Secrets and ConfigMaps', () => {
    expect(main.env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } },
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'web-settings', key: 'log-level' } } },
      { name: 'MODE', value: 'live' },
    ]);
    expect(main.envFrom).toEqual([{ configMapRef: { name: 'web-settings' }, prefix: 'WEB_' }, { secretRef: { name: 'web-db' } }]);
  });

  test('every mounted volume is declared once, after the writable /tmp', () => {
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'config', configMap: { name: 'web-settings' } },
      { name: 'cache', emptyDir: { sizeLimit: '128Mi' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'web-data', readOnly: false } },
      { name: 'certs', secret: { secretName: 'web-tls' } },
    ]);
    expect(main.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'config', mountPath: '/etc/web', readOnly: true },
      { name: 'cache', mountPath: '/var/cache/web' },
      { name: 'data', mountPath: '/data' },
    ]);
    expect(sidecar.volumeMounts).toEqual([{ name: 'certs', mountPath: '/etc/tls', readOnly: true }]);
  });

  test('init containers and sidecars are hardened like the application container, with its default resources', () => {
    expect(pod.containers.map((c: any) => c.name)).toEqual(['web', 'proxy']);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['migrate']);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.securityContext).toEqual(HARDENED);
      expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    }
    // no probe was given to the proxy: cdk8s-plus' default TCP startup probe is not added
    expect(sidecar.startupProbe).toBeUndefined();
    expect(sidecar.ports).toEqual([{ containerPort: 15001 }]);
  });

  test('pull policy and secrets, annotations, node selection, tolerations, affinity, spread, priority', () => {
    expect(template.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled' });
    expect(pod.containers.map((c: any) => c.imagePullPolicy)).toEqual(['IfNotPresent', 'IfNotPresent']);
    expect(pod.initContainers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-pull' }]);
    expect(pod.nodeSelector).toEqual({ 'example.com/pool': 'web' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', value: 'web', operator: 'Equal', effect: 'NoSchedule' }]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['arm64']);
    expect(pod.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    }]);
    expect(pod.priorityClassName).toBe('business-critical');
  });

  test('the pod meets the restricted Pod Security Standard and our own checks', () => {
    expect(PodSecurity.check(objs)).toEqual([]);
  });
});

describe('defaults stay as they were', () => {
  const pod = podOf(synthValid(canary())).spec;
  test('no init containers, no pull policy, annotations or scheduling fields; the spread across nodes', () => {
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].imagePullPolicy).toBeUndefined();
    expect(pod.containers[0].envFrom).toBeUndefined();
    for (const field of ['imagePullSecrets', 'nodeSelector', 'tolerations', 'affinity', 'priorityClassName']) expect(pod[field]).toBeUndefined();
    expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['kubernetes.io/hostname']);
  });
});

describe('relaxing the hardening', () => {
  test('a writable root filesystem and a given user, group and fsGroup are allowed; PodSecurity.check notes the writable root', () => {
    // GIVEN an image that writes to its root filesystem and runs as a fixed user
    const objs = synthValid(canary({
      securityContext: { readOnlyRootFilesystem: false }, runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000,
      sidecars: [{ name: 'proxy', image: 'registry.example.com/proxy:2.0.1', securityContext: { user: 1337 } }],
    }));
    const pod = podOf(objs).spec;
    // THEN each relaxation is emitted, the rest stays hardened
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ ...HARDENED, readOnlyRootFilesystem: false });
    expect(pod.containers[1].securityContext).toEqual({ ...HARDENED, runAsUser: 1337 });
    // AND the restricted standard holds; only our own check notes the writable root filesystem
    expect(PodSecurity.check(objs).map((v) => [v.level, v.path, v.message])).toEqual([[
      PodSecurityLevel.BEYOND_STANDARD, 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'container web: readOnlyRootFilesystem must be true, got false: the restricted standard allows a writable root filesystem, '
      + 'but a compromised process can then change the files of the image; mount an emptyDir where the image writes',
    ]]);
  });

  test('fails when a relaxation breaks the restricted standard, naming the field, the value and the fix', () => {
    expect(() => canary({ securityContext: { allowPrivilegeEscalation: true } })).toThrow(
      'the pod breaks the Pod Security Standard \'restricted\' at spec.containers[0].securityContext.allowPrivilegeEscalation (Privilege Escalation): '
      + 'container web: allowPrivilegeEscalation must be false, got true: undo the relaxation, or, if the namespace enforces a laxer standard, '
      + 'say so with podSecurityStandard: PodSecurityStandard.BASELINE (a rule of cdk8s-progressive, not of Argo Rollouts: a namespace that enforces the standard rejects the pods only when the ReplicaSet creates them, after the apply has succeeded)');
  });

  test('a seccomp profile of the node keeps "restricted"; none at all breaks baseline', () => {
    const pod = podOf(synthValid(canary({ seccompProfile: PodSeccompProfile.localhost('profiles/web.json') }))).spec;
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'profiles/web.json' });
    expect(() => canary({ seccompProfile: PodSeccompProfile.unconfined(), podSecurityStandard: PodSecurityStandard.BASELINE })).toThrow(
      /^the pod breaks the Pod Security Standard 'baseline' at spec\.securityContext\.seccompProfile\.type \(Seccomp\): seccompProfile\.type must not be Unconfined: /);
    const objs = synthValid(canary({ seccompProfile: PodSeccompProfile.unconfined(), podSecurityStandard: PodSecurityStandard.PRIVILEGED }));
    expect(PodSecurity.check(objs).map((v) => `${v.level} ${v.path}`)).toEqual(['baseline spec.template.spec.securityContext.seccompProfile.type']);
    expect(() => PodSeccompProfile.localhost('/var/lib/kubelet/seccomp/web.json')).toThrow(
      'seccomp localhostProfile must be a path relative to the kubelet\'s seccomp folder, got \'/var/lib/kubelet/seccomp/web.json\': e.g. \'profiles/web.json\'');
  });

  test('fails naming every field when several relaxations break the standard', () => {
    expect(() => canary({ securityContext: { allowPrivilegeEscalation: true, ensureNonRoot: false } })).toThrow(
      /^the pod breaks the Pod Security Standard 'restricted' at spec\.containers\[0\]\.securityContext\.allowPrivilegeEscalation .* \(and 1 more: spec\.containers\[0\]\.securityContext\.runAsNonRoot\) \(a rule of cdk8s-progressive/);
  });

  test('fails when a sidecar adds a capability beyond baseline, even for a baseline namespace', () => {
    const sidecars = [{ name: 'net', image: 'registry.example.com/net:1.0.0', securityContext: { capabilities: { add: [Capability.NET_ADMIN] } } }];
    expect(() => canary({ sidecars, podSecurityStandard: PodSecurityStandard.BASELINE })).toThrow(
      'the pod breaks the Pod Security Standard \'baseline\' at spec.containers[1].securityContext.capabilities.add[0] (Capabilities): '
      + 'container net: capability NET_ADMIN must not be added; restricted allows only NET_BIND_SERVICE: undo the relaxation, or, '
      + 'if the namespace enforces a laxer standard, say so with podSecurityStandard: PodSecurityStandard.PRIVILEGED (a rule of cdk8s-progressive, not of Argo Rollouts: a namespace that enforces the standard rejects the pods only when the ReplicaSet creates them, after the apply has succeeded)');
    // WHEN the namespace is privileged THEN it synthesizes, and PodSecurity.check reports the cost
    const objs = synthValid(canary({ sidecars, podSecurityStandard: PodSecurityStandard.PRIVILEGED }));
    expect(podOf(objs).spec.containers[1].securityContext.capabilities).toEqual({ add: ['NET_ADMIN'], drop: ['ALL'] });
    expect(PodSecurity.check(objs).map((v) => `${v.level} ${v.path}`)).toEqual([
      'baseline spec.template.spec.containers[1].securityContext.capabilities.add[0]',
    ]);
  });

  test('cdk8s-plus capabilities are written without their CAP_ prefix, so NET_BIND_SERVICE keeps the restricted standard', () => {
    const objs = synthValid(canary({ securityContext: { capabilities: { add: [Capability.NET_BIND_SERVICE] } } }));
    expect(podOf(objs).spec.containers[0].securityContext.capabilities).toEqual({ add: ['NET_BIND_SERVICE'], drop: ['ALL'] });
    expect(PodSecurity.check(objs)).toEqual([]);
  });

  test('a baseline namespace accepts a relaxation that breaks only restricted; PodSecurity.check reports it', () => {
    const objs = synthValid(canary({ securityContext: { allowPrivilegeEscalation: true }, podSecurityStandard: PodSecurityStandard.BASELINE }));
    expect(PodSecurity.check(objs).map((v) => `${v.level} ${v.rule}`)).toEqual(['restricted Privilege Escalation']);
  });
});

describe('probes', () => {
  test('removable on purpose with HealthProbe.none(): no probe is emitted', () => {
    const pod = podOf(synthValid(canary({ readiness: HealthProbe.none(), liveness: HealthProbe.none(), startup: HealthProbe.none() }))).spec;
    const main = pod.containers[0];
    expect([main.readinessProbe, main.livenessProbe, main.startupProbe]).toEqual([undefined, undefined, undefined]);
  });

  test('without readiness, the plan counts a new pod as ready once minReady has passed, with no probe period', () => {
    const rolloutOf = (objs: any[]) => objs.find((o) => o.kind === 'Rollout')!;
    expect(readySeconds(rolloutOf(synthValid(canary())).spec)).toBe(5 + 5);
    expect(readySeconds(rolloutOf(synthValid(canary({ readiness: HealthProbe.none() }))).spec)).toBe(5);
  });

  test('removing one keeps the others', () => {
    const main = podOf(synthValid(canary({ readiness: HealthProbe.none() }))).spec.containers[0];
    expect(main.readinessProbe).toBeUndefined();
    expect(main.livenessProbe.httpGet.path).toBe('/health/live');
  });
});

describe('other workloads take the same pod', () => {
  test('a blue-green rollout and the gate emit sidecars, env from Secrets and annotations', () => {
    const chart = Testing.chart();
    const sidecars = [{ name: 'proxy', image: 'registry.example.com/proxy:2.0.1' }];
    const envVariables = { TOKEN: EnvValue.fromSecretValue({ secret: Secret.fromSecretName(chart, 'T', 'token'), key: 'token' }) };
    new BlueGreenRollout(chart, 'bg', { image: IMAGE, sidecars, envVariables, podAnnotations: { a: 'b' } });
    new SloGate(chart, 'gate', { image: 'registry.example.com/slo-gate:0.1.0', sidecars, envVariables, podAnnotations: { a: 'b' } });
    const objs = synthValid(chart);
    for (const kind of ['Rollout', 'Deployment']) {
      const template = objs.find((o) => o.kind === kind)!.spec.template;
      expect(template.metadata.annotations).toEqual({ a: 'b' });
      expect(template.spec.containers.map((c: any) => c.name)).toEqual([kind === 'Rollout' ? 'bg' : 'slo-gate', 'proxy']);
      expect(template.spec.containers[0].env).toContainEqual({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 'token' } } });
    }
    expect(PodSecurity.check(objs)).toEqual([]);
  });
});

describe('validation at synth', () => {
  const sidecar = (props: Partial<ContainerProps> = {}): ContainerProps => ({ name: 'proxy', image: 'registry.example.com/proxy:2.0.1', ...props });

  test('fails on a name taken from an invalid construct id, saying so and how to set name', () => {
    const chart = Testing.chart();
    expect(() => new CanaryRollout(chart, 'Echo_Rollout', { image: IMAGE, steps: [CanaryStep.weight(50)] })).toThrow(
      'name must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters), '
      + 'got \'Echo_Rollout\', taken from the construct id because name is not set: set name in the props, e.g. name: \'echo-rollout\' '
      + '(the construct id can stay as it is)');
    // AND with name set, the same id is fine
    expect(() => new CanaryRollout(Testing.chart(), 'Echo_Rollout', { name: 'echo', image: IMAGE, steps: [CanaryStep.weight(50)] })).not.toThrow();
  });

  test('fails on an invalid name the user set, without mentioning the id', () => {
    expect(() => canary({ name: 'Web' })).toThrow(/^name must be a DNS-1123 label .*, got 'Web'$/);
  });

  test('fails on a container named like another', () => {
    expect(() => canary({ sidecars: [sidecar({ name: 'web' })] })).toThrow(
      'sidecars[0] is named \'web\', like the application container: container names are unique in a pod (the application container takes the workload name); rename one');
    expect(() => canary({ sidecars: [sidecar()], initContainers: [sidecar()] })).toThrow(
      'sidecars[0] is named \'proxy\', like initContainers[0]: container names are unique in a pod (the application container takes the workload name); rename one');
  });

  test('fails on a container without a name, or with an invalid name or image', () => {
    expect(() => canary({ sidecars: [{ image: 'registry.example.com/proxy:2.0.1' }] })).toThrow(
      'sidecars[0].name must be set: give every container of the pod its own name, e.g. name: \'proxy\'');
    expect(() => canary({ initContainers: [sidecar({ name: 'Migrate' })] })).toThrow(/^initContainers\[0\]\.name must be a DNS-1123 label .*, got 'Migrate'$/);
    expect(() => canary({ sidecars: [sidecar({ image: 'proxy' })] })).toThrow(/^sidecars\[0\]\.image must be pinned to a tag or digest, got 'proxy'/);
  });

  test('fails on a probe on an init container', () => {
    expect(() => canary({ initContainers: [sidecar({ readiness: undefined, liveness: require('cdk8s-plus-27').Probe.fromCommand(['true']) })] })).toThrow(
      'initContainers[0].liveness must not be set, got a probe: an init container runs to completion before the pod starts; remove it');
  });

  test('fails on two different volumes with one name, or a volume named tmp', () => {
    const chart = Testing.chart();
    const a = Volume.fromEmptyDir(chart, 'A', 'scratch');
    const b = Volume.fromEmptyDir(chart, 'B', 'scratch');
    expect(() => canary({ volumeMounts: [{ path: '/a', volume: a }], sidecars: [sidecar({ volumeMounts: [{ path: '/b', volume: b }] })] }, chart)).toThrow(
      'sidecars[0].volumeMounts[0] mounts a volume named \'scratch\', a name already taken by the volume of volumeMounts[0]: '
      + 'volume names are unique in a pod; give one of the volumes another name');
    expect(() => canary({ volumeMounts: [{ path: '/work', volume: Volume.fromEmptyDir(chart, 'T', 'tmp') }] }, chart)).toThrow(
      'volumeMounts[0] mounts a volume named \'tmp\', a name already taken by the writable /tmp of every pod: '
      + 'volume names are unique in a pod; give one of the volumes another name');
  });

  test('fails on a volume name that is not a DNS label, saying how to name the volume', () => {
    const chart = Testing.chart();
    const volume = Volume.fromSecret(chart, 'V', Secret.fromSecretName(chart, 'S', 'db.creds'));
    expect(() => canary({ volumeMounts: [{ path: '/creds', volume }] }, chart)).toThrow(
      'volume name must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters), '
      + 'got \'secret-db.creds\': name the volume in its options, e.g. Volume.fromSecret(scope, id, secret, { name: \'creds\' })');
  });

  test('one volume mounted by two containers is declared once', () => {
    const chart = Testing.chart();
    const shared = Volume.fromEmptyDir(chart, 'S', 'shared');
    const pod = podOf(synthValid(canary({ volumeMounts: [{ path: '/shared', volume: shared }], sidecars: [sidecar({ volumeMounts: [{ path: '/shared', volume: shared }] })] }, chart))).spec;
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['tmp', 'shared']);
  });

  test('fails on two mounts at one path', () => {
    const chart = Testing.chart();
    expect(() => canary({ volumeMounts: [{ path: '/tmp', volume: Volume.fromEmptyDir(chart, 'C', 'cache') }] }, chart)).toThrow(
      'the application container mounts two volumes at /tmp: a path takes one mount; mount one elsewhere');
  });

  test('fails on env names, a name in both env and envVariables, and keys that Kubernetes rejects', () => {
    const chart = Testing.chart();
    const secret = Secret.fromSecretName(chart, 'S', 'db');
    expect(() => canary({ env: { '1ST': 'x' } }, chart)).toThrow(
      'the application container: env name must be letters, digits, \'_\', \'-\' or \'.\', not starting with a digit, got \'1ST\': rename the variable '
      + '(a rule of cdk8s-progressive, not of Argo Rollouts: Kubernetes before 1.32 rejects other names, so a chart that keeps to these applies on every cluster)');
    expect(() => canary({ env: { A: 'x' }, envVariables: { A: EnvValue.fromValue('y') } }, chart)).toThrow(
      'envVariables.A is also set in env: a variable has one value; keep it in one of env and envVariables');
    expect(() => canary({ envVariables: { A: EnvValue.fromSecretValue({ secret, key: 'pass word' }) } }, chart)).toThrow(
      'the application container: env A: Secret key must be letters, digits, \'-\', \'_\' or \'.\', got \'pass word\': use the key as the Secret holds it');
  });

  test('fails on Secret, ConfigMap and claim names that are not DNS subdomains', () => {
    const chart = Testing.chart();
    const bad = Secret.fromSecretName(chart, 'Bad', 'DB_Creds');
    const badMap = ConfigMap.fromConfigMapName(chart, 'BadMap', 'Web_Settings');
    const subdomain = '(lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit, at most 253 characters)';
    expect(() => canary({ envVariables: { P: EnvValue.fromSecretValue({ secret: bad, key: 'p' }) } }, chart)).toThrow(
      `the application container: env P: Secret name must be a DNS-1123 subdomain ${subdomain}, got 'DB_Creds'`);
    expect(() => canary({ envFrom: [Env.fromConfigMap(badMap)] }, chart)).toThrow(
      `the application container: envFrom ConfigMap name must be a DNS-1123 subdomain ${subdomain}, got 'Web_Settings'`);
    expect(() => canary({ sidecars: [sidecar({ volumeMounts: [{ path: '/s', volume: Volume.fromSecret(chart, 'V', bad, { name: 'creds' }) }] })] }, chart)).toThrow(
      `volume creds: secret name must be a DNS-1123 subdomain ${subdomain}, got 'DB_Creds'`);
    const claim = PersistentVolumeClaim.fromClaimName(chart, 'C', 'Data');
    expect(() => canary({ volumeMounts: [{ path: '/d', volume: Volume.fromPersistentVolumeClaim(chart, 'D', claim, { name: 'data' }) }] }, chart)).toThrow(
      `volume data: persistentVolumeClaim claimName must be a DNS-1123 subdomain ${subdomain}, got 'Data'`);
    expect(() => canary({ imagePullSecrets: [bad] }, chart)).toThrow(`imagePullSecrets[0] name must be a DNS-1123 subdomain ${subdomain}, got 'DB_Creds'`);
  });

  test('sidecar resources given are kept', () => {
    const pod = podOf(synthValid(canary({ sidecars: [sidecar({ resources: { cpu: { request: Cpu.millis(10) }, memory: { limit: Size.mebibytes(64) } } })] }))).spec;
    expect(pod.containers[1].resources).toEqual({ requests: { cpu: '10m' }, limits: { memory: '64Mi' } });
  });
});
