/**
 * Helpers of the cluster suite: kubectl against the control plane that global-setup.ts started,
 * namespaces under the Pod Security Standard "restricted", and bounded waits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubectl, KubectlOptions, KubectlResult, kubectlOk } from '../../tools/cli/src/cluster/kubectl';
import { spawnLocal, waitUntil } from '../../tools/cli/src/rehearsal/internal-processes';
import { REPO_ROOT } from '../support/processes';

export type Json = { [key: string]: any };

/** The kubeconfig of the suite's control plane. */
export function kubeconfig(): string {
  const file = process.env.CLUSTER_KUBECONFIG;
  if (!file) throw new Error('CLUSTER_KUBECONFIG is not set: run the cluster suite with npm run test:cluster');
  return file;
}

export const k = (args: readonly string[], options?: KubectlOptions): Promise<KubectlResult> => kubectl(kubeconfig(), args, options);
export const kOk = (args: readonly string[], options?: KubectlOptions): Promise<string> => kubectlOk(kubeconfig(), args, options);
export const kJson = async <T = Json>(args: readonly string[]): Promise<T> => JSON.parse(await kOk([...args, '-o', 'json'])) as T;

/** The labels that put a namespace under the Pod Security Standard "restricted": enforced, and warned about for workloads. */
export const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
};

/** Creates (or updates) namespaces with `labels`, then waits for the controller manager to give each its default ServiceAccount. */
export async function createNamespaces(names: readonly string[], labels: Record<string, string> = RESTRICTED): Promise<void> {
  const docs = names.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
  await kOk(['apply', '--server-side', '-f', '-'], { input: docs.map((d) => JSON.stringify(d)).join('\n') });
  // Without its ServiceAccount a namespace refuses pods for a moment: a FailedCreate that says nothing about the pod.
  for (const name of names) {
    await waitUntil(async () => (await k(['get', 'serviceaccount', 'default', '-n', name])).code === 0, 30_000, `ServiceAccount ${name}/default`, 200);
  }
}

/** The objects of the YAML files, in order. */
export function readObjects(files: readonly string[]): Json[] {
  return files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJSON() as Json).filter((o) => o));
}

/** `kind/namespace/name` of an object, for messages. */
export const ref = (o: Json): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/** Polls `read` until it returns a value that is not undefined, for at most `timeoutMs`; throws saying what it waited for. */
export async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  let value: T | undefined;
  await waitUntil(async () => (value = await read()) !== undefined, timeoutMs, what, everyMs);
  return value as T;
}

/** Events of a namespace (core/v1), oldest first. */
export async function eventsIn(namespace: string): Promise<Json[]> {
  const list = await kJson<{ items: Json[] }>(['get', 'events', '-n', namespace]);
  return list.items;
}

/** A condition of an object's status by type, or undefined. */
export const condition = (o: Json, type: string): Json | undefined => (o.status?.conditions ?? []).find((c: Json) => c.type === type);

/** The example chart of dist/. */
export const EXAMPLE_CHART = path.join(REPO_ROOT, 'dist', 'amas-prod.k8s.yaml');

/** Runs `cdk8s-progressive rehearse` with `args` to its end (stopped at `timeoutMs`); resolves with its exit code and output. */
export async function rehearse(args: readonly string[], timeoutMs: number): Promise<{ code: number | string; output: string }> {
  const p = await spawnLocal({
    name: 'cdk8s-progressive rehearse', command: process.execPath, cwd: REPO_ROOT,
    args: [path.join(REPO_ROOT, 'bin', 'cdk8s-progressive'), 'rehearse', ...args],
  });
  const timer = setTimeout(() => void p.stop(10_000), timeoutMs);
  try {
    const code = await p.exited;
    return { code, output: p.output() };
  } finally {
    clearTimeout(timer);
    await p.stop(10_000);
  }
}

/** `rehearse --engine argo` of `chart` on the suite's control plane, in its own namespace (deleted by the command). */
export function rehearseArgo(namespace: string, args: readonly string[], timeoutMs = 150_000, chart = EXAMPLE_CHART): Promise<{ code: number | string; output: string }> {
  return rehearse(['--engine', 'argo', '--kubeconfig', kubeconfig(), '--chart', chart, '--namespace', namespace, ...args], timeoutMs);
}
