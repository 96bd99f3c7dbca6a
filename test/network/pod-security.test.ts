import { ApiObject, Chart, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkPodSecurity, PodSecurityLevel, podTemplates } from '../../lib/network/pod-security';
import { CanaryRollout, CanaryStep, TrafficRouting } from '../../lib';

/** A pod spec that satisfies the restricted profile and our own checks. */
function hardenedPodSpec(): any {
  return {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name: 'app',
      image: 'ghcr.io/example/shop:1.4.2',
      ports: [{ name: 'http', containerPort: 8080 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    }],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      { name: 'config', configMap: { name: 'shop' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
    ],
  };
}

function deployment(spec: any, annotations?: Record<string, string>): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: 'prod' },
    spec: { selector: { matchLabels: { app: 'shop' } }, template: { metadata: { labels: { app: 'shop' }, annotations }, spec } },
  };
}

describe('checkPodSecurity', () => {
  it('reports nothing for a hardened pod', () => {
    // GIVEN a hardened Deployment  WHEN checked  THEN no violation
    expect(checkPodSecurity([deployment(hardenedPodSpec())])).toEqual([]);
  });

  it('reports nothing for a hardened cdk8s-plus Deployment once seccomp and capabilities are patched in', () => {
    // GIVEN a Deployment written with cdk8s-plus and hardened through its props
    const build = () => {
      const chart = new Chart(Testing.app(), 'test');
      const d = new kplus.Deployment(chart, 'Web', {
        automountServiceAccountToken: false,
        securityContext: { ensureNonRoot: true, user: 10001, group: 10001 },
        containers: [{
          image: 'ghcr.io/example/shop:1.4.2',
          portNumber: 8080,
          resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, ensureNonRoot: true, user: 10001, group: 10001 },
        }],
      });
      return { chart, d };
    };
    // WHEN synthesized as is, THEN only the two restricted fields cdk8s-plus-27 props cannot express are reported
    const plain = build();
    expect(checkPodSecurity(Testing.synth(plain.chart)).map(v => `${v.rule} ${v.path}`)).toEqual([
      'Capabilities spec.template.spec.containers[0].securityContext.capabilities.drop',
      'Seccomp spec.template.spec.securityContext.seccompProfile.type',
    ]);
    // WHEN patched, THEN nothing is reported
    const patched = build();
    ApiObject.of(patched.d).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }));
    expect(checkPodSecurity(Testing.synth(patched.chart))).toEqual([]);
  });

  type Case = [string, (spec: any) => void, string, string, PodSecurityLevel];
  const B = PodSecurityLevel.BASELINE;
  const R = PodSecurityLevel.RESTRICTED;
  const X = PodSecurityLevel.BEYOND_STANDARD;
  const c0 = 'spec.template.spec.containers[0]';
  const pod = 'spec.template.spec';
  const cases: Case[] = [
    ['pod hostProcess', s => { s.securityContext.windowsOptions = { hostProcess: true }; }, `${pod}.securityContext.windowsOptions.hostProcess`, 'HostProcess', B],
    ['container hostProcess', s => { sc(s).windowsOptions = { hostProcess: true }; }, `${c0}.securityContext.windowsOptions.hostProcess`, 'HostProcess', B],
    ['hostNetwork', s => { s.hostNetwork = true; }, `${pod}.hostNetwork`, 'Host Namespaces', B],
    ['hostPID', s => { s.hostPID = true; }, `${pod}.hostPID`, 'Host Namespaces', B],
    ['hostIPC', s => { s.hostIPC = true; }, `${pod}.hostIPC`, 'Host Namespaces', B],
    ['privileged', s => { sc(s).privileged = true; }, `${c0}.securityContext.privileged`, 'Privileged Containers', B],
    ['capability beyond baseline', s => { sc(s).capabilities.add = ['SYS_ADMIN']; }, `${c0}.securityContext.capabilities.add[0]`, 'Capabilities', B],
    ['baseline capability other than NET_BIND_SERVICE', s => { sc(s).capabilities.add = ['NET_BIND_SERVICE', 'CHOWN']; }, `${c0}.securityContext.capabilities.add[1]`, 'Capabilities', R],
    ['capabilities not dropping ALL', s => { sc(s).capabilities.drop = ['NET_RAW']; }, `${c0}.securityContext.capabilities.drop`, 'Capabilities', R],
    ['hostPath volume', s => { s.volumes.push({ name: 'host', hostPath: { path: '/var/run' } }); }, `${pod}.volumes[3].hostPath`, 'HostPath Volumes', B],
    ['nfs volume', s => { s.volumes.push({ name: 'share', nfs: { server: 'nas', path: '/x' } }); }, `${pod}.volumes[3].nfs`, 'Volume Types', R],
    ['hostPort', s => { s.containers[0].ports[0].hostPort = 80; }, `${c0}.ports[0].hostPort`, 'Host Ports', B],
    ['AppArmor unconfined on the pod', s => { s.securityContext.appArmorProfile = { type: 'Unconfined' }; }, `${pod}.securityContext.appArmorProfile.type`, 'AppArmor', B],
    ['AppArmor unconfined on a container', s => { sc(s).appArmorProfile = { type: 'Unconfined' }; }, `${c0}.securityContext.appArmorProfile.type`, 'AppArmor', B],
    ['SELinux type', s => { s.securityContext.seLinuxOptions = { type: 'spc_t' }; }, `${pod}.securityContext.seLinuxOptions.type`, 'SELinux', B],
    ['SELinux user', s => { sc(s).seLinuxOptions = { user: 'system_u' }; }, `${c0}.securityContext.seLinuxOptions.user`, 'SELinux', B],
    ['SELinux role', s => { sc(s).seLinuxOptions = { role: 'system_r' }; }, `${c0}.securityContext.seLinuxOptions.role`, 'SELinux', B],
    ['/proc mount', s => { sc(s).procMount = 'Unmasked'; }, `${c0}.securityContext.procMount`, '/proc Mount Type', B],
    ['seccomp Unconfined on a container', s => { sc(s).seccompProfile = { type: 'Unconfined' }; }, `${c0}.securityContext.seccompProfile.type`, 'Seccomp', B],
    ['seccomp unset everywhere', s => { delete s.securityContext.seccompProfile; }, `${pod}.securityContext.seccompProfile.type`, 'Seccomp', R],
    ['unsafe sysctl', s => { s.securityContext.sysctls = [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'kernel.msgmax', value: '1' }]; }, `${pod}.securityContext.sysctls[1].name`, 'Sysctls', B],
    ['allowPrivilegeEscalation true', s => { sc(s).allowPrivilegeEscalation = true; }, `${c0}.securityContext.allowPrivilegeEscalation`, 'Privilege Escalation', R],
    ['allowPrivilegeEscalation unset', s => { delete sc(s).allowPrivilegeEscalation; }, `${c0}.securityContext.allowPrivilegeEscalation`, 'Privilege Escalation', R],
    ['runAsNonRoot false on a container', s => { sc(s).runAsNonRoot = false; }, `${c0}.securityContext.runAsNonRoot`, 'Running as Non-root', R],
    ['runAsNonRoot unset everywhere', s => { delete s.securityContext.runAsNonRoot; }, `${pod}.securityContext.runAsNonRoot`, 'Running as Non-root', R],
    ['runAsUser 0 on the pod', s => { s.securityContext.runAsUser = 0; }, `${pod}.securityContext.runAsUser`, 'Running as Non-root user', R],
    ['runAsUser 0 on a container', s => { sc(s).runAsUser = 0; }, `${c0}.securityContext.runAsUser`, 'Running as Non-root user', R],
    ['missing cpu request', s => { delete s.containers[0].resources.requests.cpu; }, `${c0}.resources.requests.cpu`, 'Resource requests and limits', X],
    ['missing memory limit', s => { delete s.containers[0].resources.limits; }, `${c0}.resources.limits.memory`, 'Resource requests and limits', X],
    ['latest image', s => { s.containers[0].image = 'ghcr.io/example/shop:latest'; }, `${c0}.image`, 'Image tag', X],
    ['untagged image', s => { s.containers[0].image = 'localhost:5000/shop'; }, `${c0}.image`, 'Image tag', X],
    ['service account token mounted', s => { delete s.automountServiceAccountToken; }, `${pod}.automountServiceAccountToken`, 'Service account token', X],
  ];

  it.each(cases)('reports %s at the right object and field', (_name, mutate, path, rule, level) => {
    // GIVEN a hardened Deployment with one deliberate fault
    const spec = hardenedPodSpec();
    mutate(spec);
    // WHEN checked
    const violations = checkPodSecurity([deployment(spec)]);
    // THEN exactly one violation, naming the object, the field and the rule
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ object: 'Deployment/prod/shop', kind: 'Deployment', namespace: 'prod', name: 'shop', path, rule, level });
  });

  it('reports an AppArmor annotation that unconfines a container', () => {
    const violations = checkPodSecurity([deployment(hardenedPodSpec(), { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' })]);
    expect(violations.map(v => [v.path, v.rule, v.level])).toEqual([
      ["spec.template.metadata.annotations['container.apparmor.security.beta.kubernetes.io/app']", 'AppArmor', B],
    ]);
    expect(checkPodSecurity([deployment(hardenedPodSpec(), { 'container.apparmor.security.beta.kubernetes.io/app': 'localhost/k8s-app' })])).toEqual([]);
  });

  it('accepts container-level settings in place of pod-level ones', () => {
    // GIVEN runAsNonRoot and seccomp on the container only
    const spec = hardenedPodSpec();
    spec.securityContext = {};
    Object.assign(sc(spec), { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } });
    expect(checkPodSecurity([deployment(spec)])).toEqual([]);
  });

  it('checks init containers as well as containers', () => {
    const spec = hardenedPodSpec();
    spec.initContainers = [{ ...JSON.parse(JSON.stringify(spec.containers[0])), name: 'migrate' }];
    spec.initContainers[0].securityContext.privileged = true;
    expect(checkPodSecurity([deployment(spec)]).map(v => v.path)).toEqual(['spec.template.spec.initContainers[0].securityContext.privileged']);
  });

  it('exempts Windows pods from the Linux-only restricted controls', () => {
    const spec = hardenedPodSpec();
    spec.os = { name: 'windows' };
    delete spec.securityContext.seccompProfile;
    delete sc(spec).allowPrivilegeEscalation;
    delete sc(spec).capabilities;
    expect(checkPodSecurity([deployment(spec)])).toEqual([]);
  });

  it('honours serviceAccountTokenNeeded and can skip the checks beyond the standard', () => {
    const spec = hardenedPodSpec();
    delete spec.automountServiceAccountToken;
    spec.containers[0].image = 'shop';
    expect(checkPodSecurity([deployment(spec)], { serviceAccountTokenNeeded: ['Deployment/prod/shop'] }).map(v => v.rule)).toEqual(['Image tag']);
    expect(checkPodSecurity([deployment(spec)], { serviceAccountTokenNeeded: ['Deployment/shop'] }).map(v => v.rule)).toEqual(['Image tag']);
    expect(checkPodSecurity([deployment(spec)], { beyondStandard: false })).toEqual([]);
  });

  it('notes a writable root filesystem as beyond the standard, set to false or left unset', () => {
    // GIVEN a pod whose container may write to its root filesystem, and one that leaves it unset
    const writable = hardenedPodSpec();
    sc(writable).readOnlyRootFilesystem = false;
    const unset = hardenedPodSpec();
    delete sc(unset).readOnlyRootFilesystem;
    // WHEN checked THEN only our own check reports it, with the field and the fix; the standard's checks do not
    for (const [spec, got] of [[writable, 'false'], [unset, 'unset']] as const) {
      expect(checkPodSecurity([deployment(spec)]).map(v => [v.level, v.rule, v.path, v.message])).toEqual([[
        PodSecurityLevel.BEYOND_STANDARD, 'Read-only root filesystem', 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
        `container app: readOnlyRootFilesystem must be true, got ${got}: the restricted standard allows a writable root filesystem, `
        + 'but a compromised process can then change the files of the image; mount an emptyDir where the image writes',
      ]]);
      expect(checkPodSecurity([deployment(spec)], { beyondStandard: false })).toEqual([]);
    }
  });

  it('accepts an image pinned by digest', () => {
    const spec = hardenedPodSpec();
    spec.containers[0].image = 'ghcr.io/example/shop@sha256:' + 'a'.repeat(64);
    expect(checkPodSecurity([deployment(spec)])).toEqual([]);
  });
});

describe('podTemplates', () => {
  it.each([
    ['v1', 'Pod', '(root)', ''],
    ['apps/v1', 'StatefulSet', 'spec.template', 'spec.template'],
    ['apps/v1', 'DaemonSet', 'spec.template', 'spec.template'],
    ['apps/v1', 'ReplicaSet', 'spec.template', 'spec.template'],
    ['batch/v1', 'Job', 'spec.template', 'spec.template'],
    ['batch/v1', 'CronJob', 'spec.jobTemplate.spec.template', 'spec.jobTemplate.spec.template'],
    ['argoproj.io/v1alpha1', 'Rollout', 'spec.template', 'spec.template'],
  ])('finds the pod template of a %s %s at %s', (apiVersion, kind, _shown, prefix) => {
    // GIVEN a privileged container in the template of each kind
    const spec = hardenedPodSpec();
    sc(spec).privileged = true;
    const object = kind === 'Pod'
      ? { apiVersion, kind, metadata: { name: 'x' }, spec }
      : { apiVersion, kind, metadata: { name: 'x' }, spec: wrap(prefix, spec) };
    // WHEN / THEN the violation is reported with the kind's path
    const violations = checkPodSecurity([object]);
    expect(violations.map(v => [v.object, v.path])).toEqual([[`${kind}/x`, `${prefix ? prefix + '.' : ''}spec.containers[0].securityContext.privileged`]]);
  });

  it('skips a Rollout that references a workload instead of holding a template, and other kinds', () => {
    const objects = [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [] } },
      { apiVersion: 'example.com/v1', kind: 'Rollout', metadata: { name: 'other' }, spec: { template: { spec: { containers: [] } } } },
    ];
    expect(podTemplates(objects)).toEqual([]);
  });
});

function sc(spec: any) { return spec.containers[0].securityContext; }

/** Nests a pod spec at `prefix` (e.g. spec.jobTemplate.spec.template) and returns the object's spec. */
function wrap(prefix: string, podSpec: any): any {
  const steps = prefix.split('.').slice(1); // drop the leading "spec"
  const root: any = {};
  let at = root;
  for (const step of steps) { at = at[step] = {}; }
  at.spec = podSpec;
  return root;
}

describe('a rollout\'s pod as Istio\'s sidecar injector leaves it', () => {
  // GIVEN the Rollout of a rollout routed by Istio, as synthesized (restricted)
  const rolloutObject = () => {
    const chart = new Chart(Testing.app(), 'mesh', { namespace: 'shop' });
    new CanaryRollout(chart, 'shop', {
      namespace: 'shop', image: 'registry.example.com/shop:1.0.0', steps: [CanaryStep.weight(10), CanaryStep.pause()], trafficRouting: TrafficRouting.istio(),
    });
    return Testing.synth(chart).find((o: any) => o.kind === 'Rollout');
  };
  const resources = { requests: { cpu: '10m', memory: '40Mi' }, limits: { cpu: '2', memory: '1Gi' } };
  /** The sidecar as injected: UID 1337, every capability dropped, a read-only root filesystem. */
  const proxy = {
    name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0', resources, ports: [{ name: 'http-envoy-prom', containerPort: 15090 }],
    securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337, capabilities: { drop: ['ALL'] } },
  };
  /** Without the CNI node agent: istio-init sets up the redirection itself, as root with NET_ADMIN and NET_RAW. */
  const istioInit = {
    name: 'istio-init', image: 'docker.io/istio/proxyv2:1.28.0', resources,
    securityContext: {
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: false, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
  /** With the CNI node agent: istio-validation only checks the redirection, as the sidecar's user with nothing added. */
  const istioValidation = { ...istioInit, name: 'istio-validation', securityContext: proxy.securityContext };
  const inject = (init: any) => {
    const rollout = rolloutObject();
    const spec = rollout.spec.template.spec;
    spec.initContainers = [...spec.initContainers ?? [], init];
    spec.containers = [...spec.containers, proxy];
    spec.volumes = [...spec.volumes ?? [], { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
      { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } }];
    return rollout;
  };

  it('without the CNI node agent, istio-init breaks "baseline" (NET_ADMIN, NET_RAW) and "restricted" (root)', () => {
    const violations = checkPodSecurity([inject(istioInit)]).filter((v) => v.path.includes('initContainers'));
    expect(violations.map((v) => [v.level, v.rule, v.path.replace('spec.template.spec.initContainers[0].securityContext.', '')])).toEqual([
      [PodSecurityLevel.BASELINE, 'Capabilities', 'capabilities.add[0]'],
      [PodSecurityLevel.BASELINE, 'Capabilities', 'capabilities.add[1]'],
      [PodSecurityLevel.RESTRICTED, 'Running as Non-root', 'runAsNonRoot'],
      [PodSecurityLevel.RESTRICTED, 'Running as Non-root user', 'runAsUser'],
      [PodSecurityLevel.BEYOND_STANDARD, 'Read-only root filesystem', 'readOnlyRootFilesystem'],
    ]);
  });

  it('with the CNI node agent, the injected pod still meets "restricted" and our own checks', () => {
    expect(checkPodSecurity([inject(istioValidation)])).toEqual([]);
  });
});
