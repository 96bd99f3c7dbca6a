/**
 * A checker of the Kubernetes Pod Security Standards (concepts/security/pod-security-standards),
 * profile "restricted" (which includes "baseline"), over synthesized manifests as plain JSON,
 * plus a few checks of our own, reported at level `beyond-standard`.
 *
 * Usable in a user's tests: `expect(checkPodSecurity(Testing.synth(chart))).toEqual([])`.
 */

/** Which profile a rule belongs to. */
export enum PodSecurityLevel {
  /** A Baseline control (so also part of Restricted). */
  BASELINE = 'baseline',
  /** A control Restricted adds to Baseline. */
  RESTRICTED = 'restricted',
  /** Our own check, beyond the Pod Security Standards. */
  BEYOND_STANDARD = 'beyond-standard',
}

/** Rules, named after the controls of the Pod Security Standards page, plus our own. */
export class PodSecurityRule {
  public static readonly HOST_PROCESS = 'HostProcess';
  public static readonly HOST_NAMESPACES = 'Host Namespaces';
  public static readonly PRIVILEGED = 'Privileged Containers';
  public static readonly CAPABILITIES = 'Capabilities';
  public static readonly HOST_PATH = 'HostPath Volumes';
  public static readonly HOST_PORTS = 'Host Ports';
  public static readonly APPARMOR = 'AppArmor';
  public static readonly SELINUX = 'SELinux';
  public static readonly PROC_MOUNT = '/proc Mount Type';
  public static readonly SECCOMP = 'Seccomp';
  public static readonly SYSCTLS = 'Sysctls';
  public static readonly VOLUME_TYPES = 'Volume Types';
  public static readonly PRIVILEGE_ESCALATION = 'Privilege Escalation';
  public static readonly RUN_AS_NON_ROOT = 'Running as Non-root';
  public static readonly RUN_AS_USER = 'Running as Non-root user';
  public static readonly RESOURCES = 'Resource requests and limits';
  public static readonly IMAGE_TAG = 'Image tag';
  public static readonly SERVICE_ACCOUNT_TOKEN = 'Service account token';
  public static readonly READ_ONLY_ROOT_FILESYSTEM = 'Read-only root filesystem';

  private constructor() {}
}

export interface PodSecurityViolation {
  /** `Kind/namespace/name`, or `Kind/name` without namespace. */
  readonly object: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Path of the offending field from the object's root, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path: string;
  readonly rule: string;
  readonly level: PodSecurityLevel;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

export interface PodSecurityCheckOptions {
  /**
   * Objects whose pods need the service account token mounted (they call the Kubernetes API), as
   * `Kind/name` or `Kind/namespace/name`. Others must set `automountServiceAccountToken: false`.
   * @default - none
   */
  readonly serviceAccountTokenNeeded?: string[];
  /**
   * Run our own checks (resources, image tag, service account token, read-only root filesystem) as well as the standard's.
   * @default true
   */
  readonly beyondStandard?: boolean;
}

/** A pod template found in a manifest. */
export interface PodTemplateLocation {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Path of the template from the object's root, `''` for a Pod, `spec.template` for a Deployment. */
  readonly path: string;
  /** The template: `{ metadata, spec }`. */
  readonly template: any;
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  'Pod': [],
  'PodTemplate': ['template'],
  'Deployment': ['spec', 'template'],
  'StatefulSet': ['spec', 'template'],
  'DaemonSet': ['spec', 'template'],
  'ReplicaSet': ['spec', 'template'],
  'ReplicationController': ['spec', 'template'],
  'Job': ['spec', 'template'],
  'CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
  'Rollout': ['spec', 'template'],
};

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const CONFINED_PROFILES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/**
 * Pod Security Standards checks of synthesized objects, for tests of your own charts:
 * `PodSecurity.check(Testing.synth(chart))` lists each violation of the restricted standard and of this library's own rules.
 */
export class PodSecurity {
  /** Every violation in the pod templates of the objects (Pods, workloads, CronJobs, Argo Rollouts); empty when none. */
  public static check(objects: any[], options: PodSecurityCheckOptions = {}): PodSecurityViolation[] {
    return checkPodSecurity(objects, options);
  }

  private constructor() {}
}

/** Every pod template among the objects (Pod, workloads, CronJob, Argo Rollout with an inline template). */
export function podTemplates(objects: readonly unknown[]): PodTemplateLocation[] {
  const found: PodTemplateLocation[] = [];
  for (const o of objects as any[]) {
    const steps = o && typeof o === 'object' ? TEMPLATE_PATHS[o.kind] : undefined;
    if (!steps) continue;
    if (o.kind === 'Rollout' && !String(o.apiVersion ?? '').startsWith('argoproj.io/')) continue;
    const template = steps.reduce((acc: any, k) => acc?.[k], o);
    if (!template?.spec) continue; // e.g. a Rollout with workloadRef: the referenced Deployment is checked itself
    found.push({ kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name ?? '', path: steps.join('.'), template });
  }
  return found;
}

/** Reports each violation of the restricted profile (and of our own checks) in every pod template. */
export function checkPodSecurity(objects: readonly unknown[], options: PodSecurityCheckOptions = {}): PodSecurityViolation[] {
  const needsToken = new Set(options.serviceAccountTokenNeeded ?? []);
  const violations: PodSecurityViolation[] = [];
  for (const location of podTemplates(objects)) {
    const object = location.namespace ? `${location.kind}/${location.namespace}/${location.name}` : `${location.kind}/${location.name}`;
    const seen = new Set<string>();
    const report = (path: string, rule: string, level: PodSecurityLevel, message: string) => {
      const full = location.path ? `${location.path}.${path}` : path;
      if (seen.has(`${full} ${rule}`)) return;
      seen.add(`${full} ${rule}`);
      violations.push({ object, kind: location.kind, namespace: location.namespace, name: location.name, path: full, rule, level, message });
    };
    checkTemplate(location.template, report);
    if (options.beyondStandard ?? true) {
      const tokenNeeded = needsToken.has(object) || needsToken.has(`${location.kind}/${location.name}`);
      checkBeyondStandard(location.template, tokenNeeded, report);
    }
  }
  return violations;
}

type Report = (path: string, rule: string, level: PodSecurityLevel, message: string) => void;

interface ContainerRef { readonly path: string; readonly container: any }

function containersOf(spec: any): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    (spec[list] ?? []).forEach((container: any, i: number) => refs.push({ path: `spec.${list}[${i}]`, container }));
  }
  return refs;
}

function checkTemplate(template: any, report: Report) {
  const spec = template.spec;
  const podSc = spec.securityContext ?? {};
  const containers = containersOf(spec);
  const linux = spec.os?.name !== 'windows';
  const B = PodSecurityLevel.BASELINE;
  const R = PodSecurityLevel.RESTRICTED;
  const R_ = PodSecurityRule;

  // Baseline: HostProcess
  if (podSc.windowsOptions?.hostProcess === true) {
    report('spec.securityContext.windowsOptions.hostProcess', R_.HOST_PROCESS, B, 'hostProcess must be false or unset, got true');
  }
  // Baseline: Host Namespaces
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true) report(`spec.${field}`, R_.HOST_NAMESPACES, B, `${field} must be false or unset, got true`);
  }
  // Baseline: HostPath Volumes; Restricted: Volume Types
  (spec.volumes ?? []).forEach((volume: any, i: number) => {
    for (const type of Object.keys(volume).filter(k => k !== 'name')) {
      if (type === 'hostPath') {
        report(`spec.volumes[${i}].hostPath`, R_.HOST_PATH, B, `volume ${volume.name} must not be a hostPath volume`);
      } else if (!RESTRICTED_VOLUME_TYPES.has(type)) {
        report(`spec.volumes[${i}].${type}`, R_.VOLUME_TYPES, R, `volume ${volume.name} is of type ${type}; allowed: ${[...RESTRICTED_VOLUME_TYPES].join(', ')}`);
      }
    }
  });
  // Baseline: Sysctls
  (podSc.sysctls ?? []).forEach((sysctl: any, i: number) => {
    if (!SAFE_SYSCTLS.has(sysctl.name)) {
      report(`spec.securityContext.sysctls[${i}].name`, R_.SYSCTLS, B, `sysctl ${sysctl.name} is not in the safe set; allowed: ${[...SAFE_SYSCTLS].join(', ')}`);
    }
  });
  // Baseline: AppArmor annotations (pre-1.30 form)
  for (const [key, value] of Object.entries<string>(template.metadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      report(`metadata.annotations['${key}']`, R_.APPARMOR, B, `AppArmor annotation must be runtime/default or localhost/*, got ${value}`);
    }
  }
  // Pod-level fields shared with containers: AppArmor, SELinux, Seccomp, runAsNonRoot, runAsUser
  checkSharedFields('spec.securityContext', podSc, linux, report);

  for (const { path, container } of containers) {
    const sc = container.securityContext ?? {};
    const scPath = `${path}.securityContext`;
    if (sc.windowsOptions?.hostProcess === true) {
      report(`${scPath}.windowsOptions.hostProcess`, R_.HOST_PROCESS, B, `container ${container.name}: hostProcess must be false or unset, got true`);
    }
    if (sc.privileged === true) {
      report(`${scPath}.privileged`, R_.PRIVILEGED, B, `container ${container.name}: privileged must be false or unset, got true`);
    }
    (container.ports ?? []).forEach((port: any, j: number) => {
      if (port.hostPort !== undefined && port.hostPort !== 0) {
        report(`${path}.ports[${j}].hostPort`, R_.HOST_PORTS, B, `container ${container.name}: hostPort must be 0 or unset, got ${port.hostPort}`);
      }
    });
    if (sc.procMount !== undefined && sc.procMount !== 'Default') {
      report(`${scPath}.procMount`, R_.PROC_MOUNT, B, `container ${container.name}: procMount must be Default or unset, got ${sc.procMount}`);
    }
    (sc.capabilities?.add ?? []).forEach((cap: string, j: number) => {
      if (cap === 'NET_BIND_SERVICE') return;
      if (!BASELINE_CAPABILITIES.has(cap)) {
        report(`${scPath}.capabilities.add[${j}]`, R_.CAPABILITIES, B, `container ${container.name}: capability ${cap} must not be added; restricted allows only NET_BIND_SERVICE`);
      } else if (linux) {
        report(`${scPath}.capabilities.add[${j}]`, R_.CAPABILITIES, R, `container ${container.name}: capability ${cap} must not be added; restricted allows only NET_BIND_SERVICE`);
      }
    });
    if (linux && !(sc.capabilities?.drop ?? []).includes('ALL')) {
      report(`${scPath}.capabilities.drop`, R_.CAPABILITIES, R, `container ${container.name}: capabilities.drop must include ALL`);
    }
    if (linux && sc.allowPrivilegeEscalation !== false) {
      report(`${scPath}.allowPrivilegeEscalation`, R_.PRIVILEGE_ESCALATION, R,
        `container ${container.name}: allowPrivilegeEscalation must be false, got ${sc.allowPrivilegeEscalation ?? 'unset'}`);
    }
    checkSharedFields(scPath, sc, linux, report, container.name);
    // Restricted: effective runAsNonRoot and seccomp profile, container value or else pod value
    if (sc.runAsNonRoot === undefined && podSc.runAsNonRoot !== true) {
      report('spec.securityContext.runAsNonRoot', R_.RUN_AS_NON_ROOT, R,
        `runAsNonRoot must be true on the pod or on every container, got ${podSc.runAsNonRoot ?? 'unset'} (container ${container.name} does not set it)`);
    }
    if (linux && sc.seccompProfile?.type === undefined && podSc.seccompProfile?.type === undefined) {
      report('spec.securityContext.seccompProfile.type', R_.SECCOMP, R,
        `seccompProfile.type must be RuntimeDefault or Localhost on the pod or on every container, got unset (container ${container.name} does not set it)`);
    }
  }
}

/** Fields that exist both on the pod security context and on container security contexts. */
function checkSharedFields(scPath: string, sc: any, linux: boolean, report: Report, containerName?: string) {
  const who = containerName ? `container ${containerName}: ` : '';
  const B = PodSecurityLevel.BASELINE;
  const R = PodSecurityLevel.RESTRICTED;
  const apparmor = sc.appArmorProfile?.type;
  if (apparmor !== undefined && !CONFINED_PROFILES.has(apparmor)) {
    report(`${scPath}.appArmorProfile.type`, PodSecurityRule.APPARMOR, B, `${who}appArmorProfile.type must be RuntimeDefault or Localhost, got ${apparmor}`);
  }
  const se = sc.seLinuxOptions ?? {};
  if (se.type !== undefined && !SELINUX_TYPES.has(se.type)) {
    report(`${scPath}.seLinuxOptions.type`, PodSecurityRule.SELINUX, B, `${who}seLinuxOptions.type must be container_t, container_init_t, container_kvm_t or container_engine_t, got ${se.type}`);
  }
  for (const field of ['user', 'role']) {
    if (se[field] !== undefined && se[field] !== '') {
      report(`${scPath}.seLinuxOptions.${field}`, PodSecurityRule.SELINUX, B, `${who}seLinuxOptions.${field} must be unset, got ${se[field]}`);
    }
  }
  const seccomp = sc.seccompProfile?.type;
  if (seccomp === 'Unconfined') {
    report(`${scPath}.seccompProfile.type`, PodSecurityRule.SECCOMP, B, `${who}seccompProfile.type must not be Unconfined`);
  } else if (seccomp !== undefined && linux && !CONFINED_PROFILES.has(seccomp)) {
    report(`${scPath}.seccompProfile.type`, PodSecurityRule.SECCOMP, R, `${who}seccompProfile.type must be RuntimeDefault or Localhost, got ${seccomp}`);
  }
  if (sc.runAsNonRoot === false) {
    report(`${scPath}.runAsNonRoot`, PodSecurityRule.RUN_AS_NON_ROOT, R, `${who}runAsNonRoot must be true, got false`);
  }
  if (sc.runAsUser === 0) {
    report(`${scPath}.runAsUser`, PodSecurityRule.RUN_AS_USER, R, `${who}runAsUser must not be 0 (root)`);
  }
}

function checkBeyondStandard(template: any, tokenNeeded: boolean, report: Report) {
  const spec = template.spec;
  const X = PodSecurityLevel.BEYOND_STANDARD;
  for (const { path, container } of containersOf(spec)) {
    if (path.startsWith('spec.ephemeralContainers')) continue; // ephemeral containers take no resources
    for (const field of ['requests.cpu', 'requests.memory', 'limits.memory']) {
      const [group, resource] = field.split('.');
      if (container.resources?.[group]?.[resource] === undefined) {
        report(`${path}.resources.${field}`, PodSecurityRule.RESOURCES, X, `container ${container.name}: resources.${field} must be set`);
      }
    }
    const readOnly = container.securityContext?.readOnlyRootFilesystem;
    if (readOnly !== true) {
      report(`${path}.securityContext.readOnlyRootFilesystem`, PodSecurityRule.READ_ONLY_ROOT_FILESYSTEM, X,
        `container ${container.name}: readOnlyRootFilesystem must be true, got ${readOnly ?? 'unset'}: the restricted standard allows a writable `
        + 'root filesystem, but a compromised process can then change the files of the image; mount an emptyDir where the image writes');
    }
    const image: string | undefined = container.image;
    const problem = imageProblem(image);
    if (problem) report(`${path}.image`, PodSecurityRule.IMAGE_TAG, X, `container ${container.name}: image ${problem}, got ${image ?? 'unset'}`);
  }
  if (!tokenNeeded && spec.automountServiceAccountToken !== false) {
    report('spec.automountServiceAccountToken', PodSecurityRule.SERVICE_ACCOUNT_TOKEN, X,
      `automountServiceAccountToken must be false unless the pod calls the Kubernetes API (list it in serviceAccountTokenNeeded), got ${spec.automountServiceAccountToken ?? 'unset'}`);
  }
}

/** Why an image reference is not pinned, or undefined when it carries a tag other than latest or a digest. */
function imageProblem(image: string | undefined): string | undefined {
  if (!image) return 'must be set';
  if (image.includes('@')) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return 'must carry a tag or digest (untagged means latest)';
  if (lastSegment.slice(colon + 1) === 'latest') return 'must not use the latest tag';
  return undefined;
}
