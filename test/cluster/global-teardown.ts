/** Stops the control plane of global-setup.ts and removes its state folder (CLUSTER_KEEP_LOGS=1 keeps it, with the logs). */
import * as fs from 'node:fs';
import { NODE_NAME, runningProcesses, stopControlPlane } from '../../tools/cli/src/cluster/control-plane';
import { kubectl } from '../../tools/cli/src/cluster/kubectl';

export default async function globalTeardown(): Promise<void> {
  const stateDir = process.env.CLUSTER_STATE_DIR;
  if (!stateDir) return;
  // Every result assumed a Ready Node: a Node that went NotReady during the run (its pods marked not Ready) voids them.
  const events = process.env.CLUSTER_KUBECONFIG
    ? await kubectl(process.env.CLUSTER_KUBECONFIG, ['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${NODE_NAME},reason=NodeNotReady`, '-o', 'name'])
    : undefined;
  await stopControlPlane(stateDir);
  if (events && (events.code !== 0 || events.stdout.trim() !== '')) {
    throw new Error(`Node ${NODE_NAME} went NotReady during the cluster suite (${events.stdout.trim() || events.stderr.trim()}): the results are void`);
  }
  const left = runningProcesses(stateDir);
  if (left.length > 0) throw new Error(`still running after the cluster suite: ${left.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
  if (process.env.CLUSTER_KEEP_LOGS) process.stderr.write(`cluster logs kept in ${stateDir}/logs\n`);
  else fs.rmSync(stateDir, { recursive: true, force: true });
}
