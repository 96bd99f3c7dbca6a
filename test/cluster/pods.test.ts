import { Duration, Testing } from 'cdk8s';
import { ConfigMap, Env, EnvValue, ImagePullPolicy, NodeTaintQuery, Secret, Volume } from 'cdk8s-plus-27';
import { CanaryRollout, CanaryRolloutProps, CanaryStep, PodSecurityStandard } from '../../lib';
import { condition, createNamespaces, eventsIn, eventually, Json, k, kJson, kOk, ref } from './support';

/**
 * A pod as users write it (env from a Secret and a ConfigMap, volumes, an init container, a sidecar,
 * annotations, pull secrets, tolerations, a priority class) on a real API server, in a namespace that
 * enforces the Pod Security Standard "restricted", reconciled by the real Argo Rollouts controller.
 */

const NAMESPACE = 'pods';

/** The Rollout of a chart whose pod uses every part of the pod API that a kwok node can run. */
function rolloutWith(name: string, extra: Partial<CanaryRolloutProps> = {}): Json[] {
  const chart = Testing.chart();
  const db = Secret.fromSecretName(chart, 'Db', 'web-db');
  const settings = ConfigMap.fromConfigMapName(chart, 'Settings', 'web-settings');
  const certs = Volume.fromSecret(chart, 'Certs', db, { name: 'certs' });
  new CanaryRollout(chart, 'Rollout', {
    name,
    namespace: NAMESPACE,
    image: 'registry.example.com/web:1.2.3',
    replicas: 2,
    steps: CanaryStep.weightsWithPauses([50], Duration.seconds(10)),
    envVariables: {
      DB_PASSWORD: EnvValue.fromSecretValue({ secret: db, key: 'password' }),
      LOG_LEVEL: EnvValue.fromConfigMap(settings, 'log-level'),
    },
    envFrom: [Env.fromConfigMap(settings, 'WEB_')],
    volumeMounts: [
      { path: '/etc/web', volume: Volume.fromConfigMap(chart, 'Config', settings, { name: 'config' }), readOnly: true },
      { path: '/var/cache/web', volume: Volume.fromEmptyDir(chart, 'Cache', 'cache') },
    ],
    initContainers: [{ name: 'migrate', image: 'registry.example.com/web-migrate:1.2.3' }],
    sidecars: [{ name: 'proxy', image: 'registry.example.com/proxy:2.0.1', portNumber: 15001, volumeMounts: [{ path: '/etc/tls', volume: certs, readOnly: true }] }],
    podAnnotations: { 'linkerd.io/inject': 'enabled' },
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    imagePullSecrets: [Secret.fromSecretName(chart, 'Pull', 'registry-pull')],
    tolerations: [NodeTaintQuery.exists('dedicated')],
    priorityClassName: 'web-critical',
    ...extra,
  });
  return Testing.synth(chart);
}

/** What the pods read: the Secret, the ConfigMap, the pull secret and the priority class. */
const SUPPORT: Json[] = [
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-db', namespace: NAMESPACE }, stringData: { password: 'not-a-real-one' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace: NAMESPACE }, data: { 'log-level': 'info' } },
  {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'registry-pull', namespace: NAMESPACE },
    stringData: { '.dockerconfigjson': '{"auths":{}}' },
  },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'web-critical' }, value: 1000 },
];

const apply = (objects: Json[], validate = true) =>
  kOk(['apply', '--server-side', ...(validate ? ['--validate=strict'] : []), '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n'), timeoutMs: 60_000 });

const failedCreates = async (): Promise<string[]> =>
  (await eventsIn(NAMESPACE)).filter((e) => e.reason === 'FailedCreate').map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`);

const podsOf = async (name: string): Promise<Json[]> =>
  (await kJson<{ items: Json[] }>(['get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/name=${name}`])).items;

describe('a pod as users write it, on a real API server and controller', () => {
  beforeAll(async () => {
    // GIVEN a namespace under "restricted", with what the pods read
    await createNamespaces([NAMESPACE]);
    await apply(SUPPORT);
  }, 120_000);

  test('a server-side dry run with strict field validation accepts every object, with no warning', async () => {
    // WHEN each object is dry-run applied THEN none is refused or warned about
    const problems: string[] = [];
    for (const o of rolloutWith('web')) {
      const r = await k(['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'], { input: JSON.stringify(o) });
      if (r.code !== 0 || r.stderr.trim() !== '') problems.push(`${ref(o)}: ${r.code} ${r.stderr.trim()}`);
    }
    expect(problems).toEqual([]);
  });

  test('applied, the controller reconciles it Healthy and every pod is admitted under "restricted" and Ready', async () => {
    // WHEN applied
    await apply(rolloutWith('web'));
    // THEN the controller calls the Rollout Healthy (no InvalidSpec)
    const status = await eventually('Rollout web Healthy', async () => {
      const live = await kJson(['get', 'rollout', 'web', '-n', NAMESPACE]);
      const seen = live.status?.observedGeneration === String(live.metadata.generation);
      return seen && (live.status?.phase === 'Healthy' || condition(live, 'InvalidSpec')) ? live.status : undefined;
    }, 90_000);
    expect({ invalidSpec: condition({ status }, 'InvalidSpec')?.message, phase: status.phase }).toEqual({ invalidSpec: undefined, phase: 'Healthy' });
    // AND both pods run, with the init container, the sidecar and the annotation, and no pod was refused
    const pods = await eventually('2 Ready pods of web', async () => {
      const found = await podsOf('web');
      return found.length === 2 && found.every((p) => condition(p, 'Ready')?.status === 'True') ? found : undefined;
    }, 90_000);
    expect(pods.map((p) => [p.spec.initContainers.map((c: Json) => c.name), p.spec.containers.map((c: Json) => c.name), p.metadata.annotations['linkerd.io/inject']]))
      .toEqual([[['migrate'], ['web', 'proxy'], 'enabled'], [['migrate'], ['web', 'proxy'], 'enabled']]);
    expect((await failedCreates()).filter((e) => e.includes('web-'))).toEqual([]);
  }, 240_000);

  test('a relaxation that breaks "restricted", allowed by saying the namespace is baseline, is refused by the real admission (the check above can fail)', async () => {
    // GIVEN the same pod whose sidecar may escalate privileges, synthesized with podSecurityStandard BASELINE
    const objects = rolloutWith('escalates', {
      podSecurityStandard: PodSecurityStandard.BASELINE,
      sidecars: [{ name: 'proxy', image: 'registry.example.com/proxy:2.0.1', securityContext: { allowPrivilegeEscalation: true } }],
    });
    // WHEN applied to the namespace that in fact enforces restricted
    await apply(objects, false);
    // THEN the controller's ReplicaSet reports FailedCreate naming the field synth named, and no pod runs
    const refused = await eventually('FailedCreate of escalates', async () => {
      const found = (await failedCreates()).filter((e) => e.includes('escalates'));
      return found.length > 0 ? found : undefined;
    }, 90_000);
    expect(refused[0]).toMatch(/^ReplicaSet\/escalates-\w+: .*violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "proxy"/);
    expect(await podsOf('escalates')).toEqual([]);
    await kOk(['delete', 'rollout', 'escalates', '-n', NAMESPACE, '--wait=false']);
  }, 180_000);
});
