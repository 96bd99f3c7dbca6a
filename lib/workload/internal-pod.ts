/**
 * The parts of the pod template beyond the application container (internal): init containers and
 * sidecars from cdk8s-plus' ContainerProps, env, volumes and mounts, and the checks of the whole pod.
 */
import { Container, ContainerProps, ContainerResources, ContainerSecurityContextProps, k8s, Volume, VolumeMount } from 'cdk8s-plus-27';
import { ownRule, validateDnsLabel, validateDnsSubdomain, validateImage } from '../util/internal-validation';
import type { AppWorkloadProps } from './workload';
import { checkPodSecurity, PodSecurityLevel } from '../network/pod-security';

/** The volume every pod has: a writable /tmp. */
const TMP = 'tmp';

/**
 * The hardened container security context; each field given in `sc` replaces the hardened value.
 * Capabilities: drop ALL unless `sc.capabilities.drop` says otherwise. cdk8s-plus' Capability values
 * carry the CAP_ prefix, which the Pod Security admission does not strip (CAP_NET_BIND_SERVICE breaks
 * restricted where NET_BIND_SERVICE does not): they are written as Kubernetes documents them.
 */
export function hardenedSecurityContext(sc: ContainerSecurityContextProps = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: sc.allowPrivilegeEscalation ?? false,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem ?? true,
    runAsNonRoot: sc.ensureNonRoot ?? true,
    runAsUser: sc.user,
    runAsGroup: sc.group,
    privileged: sc.privileged ?? false,
    capabilities: { add: sc.capabilities?.add?.map(unprefixed), drop: sc.capabilities?.drop?.map(unprefixed) ?? ['ALL'] },
  };
}

function unprefixed(capability: string): string {
  return capability.replace(/^CAP_/, '');
}

export interface ExtraContainers {
  readonly initContainers?: k8s.Container[];
  readonly sidecars: k8s.Container[];
}

/** Init containers and sidecars, rendered by cdk8s-plus and hardened like the application container. */
export function renderExtraContainers(props: AppWorkloadProps, defaultResources: ContainerResources): ExtraContainers {
  const render = (list: string, c: ContainerProps, i: number): k8s.Container => {
    const where = `${list}[${i}]`;
    if (!c.name) throw new Error(`${where}.name must be set: give every container of the pod its own name, e.g. name: 'proxy'`);
    validateDnsLabel(`${where}.name`, c.name);
    validateImage(`${where}.image`, c.image);
    if (list === 'initContainers') {
      for (const probe of ['liveness', 'readiness', 'startup'] as const) {
        if (c[probe]) throw new Error(`${where}.${probe} must not be set, got a probe: an init container runs to completion before the pod starts; remove it`);
      }
    }
    const kube = new Container({ ...c, resources: c.resources ?? defaultResources })._toKube();
    return {
      ...kube,
      imagePullPolicy: c.imagePullPolicy ?? props.imagePullPolicy,
      // cdk8s-plus adds a TCP startup probe on the container's port; only probes the user gave are kept.
      startupProbe: c.startup && list !== 'initContainers' ? kube.startupProbe : undefined,
      securityContext: hardenedSecurityContext(c.securityContext),
    };
  };
  const init = (props.initContainers ?? []).map((c, i) => render('initContainers', c, i));
  return {
    initContainers: init.length ? init : undefined,
    sidecars: (props.sidecars ?? []).map((c, i) => render('sidecars', c, i)),
  };
}

export interface PodPlumbing {
  readonly env?: k8s.EnvVar[];
  readonly envFrom?: k8s.EnvFromSource[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly volumes: k8s.Volume[];
}

/** The application container's env and mounts, and the pod's volumes (every volume a container mounts, /tmp first). */
export function renderPodPlumbing(props: AppWorkloadProps): PodPlumbing {
  const env: k8s.EnvVar[] = Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value }));
  for (const [name, value] of Object.entries(props.envVariables ?? {})) {
    if (props.env?.[name] !== undefined) {
      throw new Error(`envVariables.${name} is also set in env: a variable has one value; keep it in one of env and envVariables`);
    }
    env.push({ name, value: value.value, valueFrom: value.valueFrom });
  }
  env.sort((a, b) => a.name.localeCompare(b.name));
  const envFrom = props.envFrom?.map((e) => e._toKube());

  const volumes = new Map<string, { volume?: Volume; where: string }>([[TMP, { where: 'the writable /tmp of every pod' }]]);
  // `prefix`: where the mounts are in the props ('' for the application container's volumeMounts)
  const collect = (mounts: VolumeMount[] | undefined, prefix: string) => (mounts ?? []).forEach((m, i) => {
    const seen = volumes.get(m.volume.name);
    if (seen && seen.volume !== m.volume) {
      throw new Error(`${prefix}volumeMounts[${i}] mounts a volume named '${m.volume.name}', a name already taken by ${seen.where}: `
        + 'volume names are unique in a pod; give one of the volumes another name');
    }
    if (!seen) volumes.set(m.volume.name, { volume: m.volume, where: `the volume of ${prefix}volumeMounts[${i}]` });
  });
  collect(props.volumeMounts, '');
  (props.initContainers ?? []).forEach((c, i) => collect(c.volumeMounts, `initContainers[${i}].`));
  (props.sidecars ?? []).forEach((c, i) => collect(c.volumeMounts, `sidecars[${i}].`));

  return {
    env: env.length ? env : undefined,
    envFrom: envFrom?.length ? envFrom : undefined,
    volumeMounts: [
      { name: TMP, mountPath: '/tmp' },
      ...(props.volumeMounts ?? []).map((m) => ({
        name: m.volume.name, mountPath: m.path, readOnly: m.readOnly, mountPropagation: m.propagation, subPath: m.subPath, subPathExpr: m.subPathExpr,
      })),
    ],
    volumes: [
      { name: TMP, emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
      ...[...volumes.values()].filter((v) => v.volume).map((v) => v.volume!._toKube()),
    ],
  };
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const KEY_NAME = /^[-._a-zA-Z0-9]+$/;

/**
 * Checks the rendered pod (spec as JSON): volume and container names, mounts at distinct paths, env
 * names, names of Secrets, ConfigMaps and claims; then the Pod Security Standard the namespace
 * enforces ('restricted', 'baseline' or 'privileged').
 */
export function validatePod(template: { [key: string]: any }, standard: string): void {
  const spec = template.spec;
  (spec.volumes ?? []).forEach((v: any) => {
    try {
      validateDnsLabel('volume name', v.name);
    } catch (e) {
      // cdk8s-plus names a Secret or ConfigMap volume after the object ('secret-db.creds'), which may not be a label
      throw new Error(`${(e as Error).message}: name the volume in its options, e.g. Volume.fromSecret(scope, id, secret, { name: 'creds' })`);
    }
    if (v.secret) validateDnsSubdomain(`volume ${v.name}: secret name`, v.secret.secretName);
    if (v.configMap) validateDnsSubdomain(`volume ${v.name}: configMap name`, v.configMap.name);
    if (v.persistentVolumeClaim) validateDnsSubdomain(`volume ${v.name}: persistentVolumeClaim claimName`, v.persistentVolumeClaim.claimName);
  });
  (spec.imagePullSecrets ?? []).forEach((s: any, i: number) => validateDnsSubdomain(`imagePullSecrets[${i}] name`, s.name));

  const containerNames = new Map<string, string>();
  const lists: [string, any[]][] = [['initContainers', spec.initContainers ?? []], ['containers', spec.containers ?? []]];
  for (const [list, containers] of lists) {
    containers.forEach((c: any, i: number) => {
      const where = list === 'containers' && i > 0 ? `sidecars[${i - 1}]` : list === 'containers' ? 'the application container' : `${list}[${i}]`;
      const other = containerNames.get(c.name);
      if (other) {
        throw new Error(`${where} is named '${c.name}', like ${other}: container names are unique in a pod (the application container `
          + 'takes the workload name); rename one');
      }
      containerNames.set(c.name, where);
      const paths = new Set<string>();
      for (const m of c.volumeMounts ?? []) {
        if (paths.has(m.mountPath)) {
          throw new Error(`${where} mounts two volumes at ${m.mountPath}: a path takes one mount; mount one elsewhere`);
        }
        paths.add(m.mountPath);
      }
      for (const e of c.env ?? []) {
        if (!ENV_NAME.test(e.name)) {
          throw new Error(`${where}: env name must be letters, digits, '_', '-' or '.', not starting with a digit, got '${e.name}': rename the variable `
            + ownRule('Kubernetes before 1.32 rejects other names, so a chart that keeps to these applies on every cluster'));
        }
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (ref) {
          const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
          validateDnsSubdomain(`${where}: env ${e.name}: ${kind} name`, ref.name);
          if (!KEY_NAME.test(ref.key)) {
            throw new Error(`${where}: env ${e.name}: ${kind} key must be letters, digits, '-', '_' or '.', got '${ref.key}': use the key as the ${kind} holds it`);
          }
        }
      }
      for (const source of c.envFrom ?? []) {
        if (source.secretRef) validateDnsSubdomain(`${where}: envFrom Secret name`, source.secretRef.name);
        if (source.configMapRef) validateDnsSubdomain(`${where}: envFrom ConfigMap name`, source.configMapRef.name);
      }
    });
  }

  if (standard === 'privileged') return;
  const breaking = checkPodSecurity([{ kind: 'Pod', metadata: template.metadata ?? {}, spec }], { beyondStandard: false })
    .filter((v) => standard === 'restricted' || v.level === PodSecurityLevel.BASELINE);
  if (breaking.length > 0) {
    const v = breaking[0];
    const lower = v.level === PodSecurityLevel.RESTRICTED ? 'podSecurityStandard: PodSecurityStandard.BASELINE'
      : 'podSecurityStandard: PodSecurityStandard.PRIVILEGED';
    throw new Error(`the pod breaks the Pod Security Standard '${standard}' at ${v.path} (${v.rule}): ${v.message}: `
      + `undo the relaxation, or, if the namespace enforces a laxer standard, say so with ${lower}`
      + (breaking.length > 1 ? ` (and ${breaking.length - 1} more: ${breaking.slice(1).map((b) => b.path).join(', ')})` : '')
      + ` ${ownRule('a namespace that enforces the standard rejects the pods only when the ReplicaSet creates them, after the apply has succeeded')}`);
  }
}
