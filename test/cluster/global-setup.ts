/**
 * Starts the local control plane for the cluster suite in a fresh state folder under the system's
 * temporary folder, and hands its kubeconfig to the tests (CLUSTER_KUBECONFIG). Every process it
 * starts is stopped by global-teardown.ts, or killed at once if the run is interrupted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { killControlPlaneNow, startControlPlane } from '../../tools/cli/src/cluster/control-plane';

export default async function globalSetup(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-progressive-cluster-'));
  process.env.CLUSTER_STATE_DIR = stateDir;
  const interrupted = (signal: NodeJS.Signals) => {
    killControlPlaneNow(stateDir);
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', () => killControlPlaneNow(stateDir));
  const started = Date.now();
  const state = await startControlPlane({ stateDir, log: () => undefined, readyTimeoutMs: 90_000 });
  process.env.CLUSTER_KUBECONFIG = state.kubeconfig;
  process.stderr.write(`\nlocal control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${stateDir})\n`);
}
