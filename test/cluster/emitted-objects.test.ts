import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { RolloutsControllerChart } from '../../app/amas-prod-gateway';
import { synthPayments } from '../support/payments-chart';
import { ROOT, scratchDir } from '../support/synth';
import { condition, createNamespaces, eventsIn, eventually, Json, k, kJson, kOk, readObjects, ref } from './support';

/**
 * Server-side truth for every object this library emits: dist/ (main.ts, with its Gateway API variant in
 * dist/gateway-api/) and the payments chart of the app tests, sent to a real kube-apiserver with the Argo
 * Rollouts, PodMonitor and Gateway API CRDs installed, in namespaces under the Pod Security Standard "restricted".
 */

const WORKLOADS = ['Rollout', 'Deployment'];
/** A dry run that sends `objects` as they are; returns one line per object the server refused or warned about. */
async function dryRun(objects: readonly Json[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    const r = await k(['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'], { input: JSON.stringify(o) });
    if (r.code !== 0 || r.stderr.trim() !== '') problems.push(`${ref(o)}: ${r.code} ${r.stderr.trim()}`);
  }
  return problems;
}

/** The pods of a workload (by its selector's matchLabels), and the FailedCreate events of its namespace. */
async function podsOf(workload: Json): Promise<Json[]> {
  const selector = Object.entries(workload.spec.selector.matchLabels as Record<string, string>).map(([key, v]) => `${key}=${v}`).join(',');
  return (await kJson<{ items: Json[] }>(['get', 'pods', '-n', workload.metadata.namespace, '-l', selector])).items;
}

const failedCreates = async (namespace: string): Promise<string[]> =>
  (await eventsIn(namespace)).filter((e) => e.reason === 'FailedCreate').map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`);

const ready = (pod: Json) => condition(pod, 'Ready')?.status === 'True';

describe('every object of dist/ and of the payments chart on a real API server', () => {
  let scratch: string;
  let objects: Json[];
  /** The objects of the Gateway API variant: dry-run only, as the controller here does not load the Gateway API plugin. */
  let viaPlugin: Json[];
  let namespaces: string[];

  beforeAll(async () => {
    // GIVEN dist/ as committed and the payments chart synthesized afresh
    scratch = scratchDir('cluster-payments');
    const payments = await synthPayments(scratch);
    expect({ status: payments.status, output: payments.status === 0 ? '' : payments.output }).toEqual({ status: 0, output: '' });
    const yamlIn = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith('.yaml')).map((f) => path.join(d, f));
    viaPlugin = readObjects(yamlIn(path.join(ROOT, 'dist', 'gateway-api')));
    objects = [...readObjects([path.join(ROOT, 'dist'), payments.out].flatMap(yamlIn)), ...viaPlugin];
    namespaces = [...new Set(objects.map((o) => o.metadata.namespace as string))].sort();
    // AND their namespaces under "restricted"
    await createNamespaces(namespaces);
  }, 180_000);
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test('they cover the three charts, every kind and every namespace', () => {
    expect(namespaces).toEqual(['amas-prod', 'amas-prod-gateway', 'payments']);
    expect([...new Set(objects.map((o) => o.kind))].sort()).toEqual(
      ['AnalysisTemplate', 'Deployment', 'HTTPRoute', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'Rollout', 'Service']);
    expect(objects.filter((o) => o.kind === 'Rollout').map(ref).sort()).toEqual([
      'Rollout/amas-prod-gateway/amas-orchestrator', 'Rollout/amas-prod/amas-orchestrator', 'Rollout/payments/payments-api', 'Rollout/payments/payments-ledger']);
    expect(viaPlugin.filter((o) => o.kind === 'HTTPRoute').map(ref)).toEqual(['HTTPRoute/amas-prod-gateway/amas-orchestrator']);
  });

  test('a server-side dry run with strict field validation accepts every object, with no warning', async () => {
    // WHEN each object is applied with dryRun=All and fieldValidation=Strict
    // THEN none is refused, and the server warns about none (PodSecurity warns about pod templates of Deployments here)
    expect(await dryRun(objects)).toEqual([]);
  });

  test('the cluster-wide part of the Gateway API example (argo-rollouts-config, the plugin\'s ClusterRole and binding) passes the same dry run', async () => {
    // GIVEN the objects of RolloutsControllerChart, and the controller's namespace
    const controllerConfig = Testing.synth(new RolloutsControllerChart(Testing.app(), 'argo-rollouts'));
    expect(controllerConfig.map(ref)).toEqual(['ConfigMap/argo-rollouts/argo-rollouts-config',
      'ClusterRole//argo-rollouts-traffic-router-plugins', 'ClusterRoleBinding//argo-rollouts-traffic-router-plugins']);
    await createNamespaces(['argo-rollouts'], {});
    // WHEN dry-run applied THEN none is refused or warned about
    expect(await dryRun(controllerConfig)).toEqual([]);
  });

  test('the same dry run refuses an unknown field of an HTTPRoute (the Gateway API CRDs are installed, not merely tolerated)', async () => {
    // GIVEN the HTTPRoute of dist/gateway-api/ with a misspelt weight
    const route = structuredClone(viaPlugin.find((o) => o.kind === 'HTTPRoute')!);
    route.spec.rules[0].backendRefs[1].weigth = 5;
    // WHEN dry-run applied THEN the server names the field
    const problems = await dryRun([route]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('.spec.rules[0].backendRefs[1].weigth: field not declared in schema');
  });

  test('the same dry run refuses an unknown field and warns about a pod template that breaks "restricted"', async () => {
    // GIVEN the Rollout of main.ts with a misspelt field, and the slo-gate Deployment allowed to escalate privileges
    const rollout = structuredClone(objects.find((o) => o.kind === 'Rollout' && o.metadata.name === 'amas-orchestrator')!);
    rollout.spec.strategy.canary.maxSurgee = 1;
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment' && o.metadata.namespace === 'amas-prod')!);
    deployment.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    // WHEN dry-run applied THEN both are reported, each for its own reason
    const problems = await dryRun([rollout, deployment]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('.spec.strategy.canary.maxSurgee: field not declared in schema');
    expect(problems[1]).toContain('would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
  });

  describe('applied for real', () => {
    beforeAll(async () => {
      // WHEN every object is applied, but those of the Gateway API variant: this controller has no Gateway API plugin to
      // load, so it could not reconcile that Rollout (the plugin built from its Go module and loaded here is the step to come)
      const applied = objects.filter((o) => !viaPlugin.includes(o));
      await kOk(['apply', '--server-side', '--validate=strict', '-f', '-'], { input: applied.map((o) => JSON.stringify(o)).join('\n'), timeoutMs: 120_000 });
    }, 180_000);

    test('every pod of every workload is admitted and Ready, and no ReplicaSet reports FailedCreate', async () => {
      const workloads = objects.filter((o) => WORKLOADS.includes(o.kind) && !viaPlugin.includes(o));
      expect(workloads).toHaveLength(5);
      // THEN each workload gets as many Ready pods as it asks for (kwok's fake kubelet makes admitted pods Ready)
      for (const w of workloads) {
        const want = w.spec.replicas ?? 1;
        await eventually(`${want} Ready pods of ${ref(w)}`, async () => {
          const pods = await podsOf(w);
          return pods.length === want && pods.every(ready) ? pods : undefined;
        }, 90_000);
      }
      // AND no pod was refused on the way
      for (const ns of namespaces) expect(await failedCreates(ns)).toEqual([]);
    }, 240_000);

    test('a workload whose pods break "restricted" gets FailedCreate on its ReplicaSet and no pod (the check above can fail)', async () => {
      // GIVEN the slo-gate Deployment renamed, its pods allowed to run as root
      const gate = structuredClone(objects.find((o) => o.kind === 'Deployment' && o.metadata.namespace === 'amas-prod')!);
      gate.metadata = { name: 'runs-as-root', namespace: 'amas-prod' };
      gate.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'runs-as-root' };
      gate.spec.template.metadata.labels = { 'app.kubernetes.io/name': 'runs-as-root' };
      gate.spec.template.spec.securityContext.runAsNonRoot = false;
      // WHEN created (without the warning check: a user applying it sees a warning and goes on)
      await kOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(gate) });
      // THEN its ReplicaSet reports FailedCreate naming PodSecurity, and it has no pod
      const refused = await eventually('FailedCreate of runs-as-root', async () => {
        const found = (await failedCreates('amas-prod')).filter((e) => e.includes('runs-as-root'));
        return found.length > 0 ? found : undefined;
      });
      expect(refused[0]).toMatch(/^ReplicaSet\/runs-as-root-\w+: .*violates PodSecurity "restricted:latest": runAsNonRoot != true/);
      expect(await podsOf(gate)).toEqual([]);
      await kOk(['delete', 'deployment', 'runs-as-root', '-n', 'amas-prod', '--wait=false']);
    });

    test('the Argo Rollouts controller reconciles every Rollout: no InvalidSpec, Healthy', async () => {
      for (const r of objects.filter((o) => o.kind === 'Rollout' && !viaPlugin.includes(o))) {
        // THEN the controller has seen the current generation and calls it Healthy
        const status = await eventually(`${ref(r)} Healthy`, async () => {
          const live = await kJson(['get', 'rollout', r.metadata.name, '-n', r.metadata.namespace]);
          const seen = live.status?.observedGeneration === String(live.metadata.generation);
          return seen && (live.status?.phase === 'Healthy' || condition(live, 'InvalidSpec')) ? live.status : undefined;
        }, 90_000);
        expect({ rollout: ref(r), invalidSpec: condition({ status }, 'InvalidSpec')?.message, phase: status.phase })
          .toEqual({ rollout: ref(r), invalidSpec: undefined, phase: 'Healthy' });
      }
    }, 240_000);
  });
});
