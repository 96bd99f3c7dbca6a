import * as path from 'node:path';
import { binDir, buildBinaries, cacheRoot, repositoryRoot } from '../cluster/binaries';
import { describeControlPlane, readState, runningProcesses, startControlPlane, stopControlPlane } from '../cluster/control-plane';
import { flagValue, parseOrExit, UsageError } from './internal-args';
import type { Command } from './command';

/**
 * `cdk8s-progressive cluster build|up|down|status`: the local control plane of real components
 * (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, the Argo Rollouts controller)
 * built from the Go modules under cluster/go/ of a checkout.
 */

const USAGE = `usage: cdk8s-progressive cluster <build | up | down | status> [--state-dir DIR]

  build    builds the missing binaries from cluster/go/ into the cache folder (needs Go 1.26+)
  up       builds what is missing, starts the control plane on 127.0.0.1 (needs openssl), prints how to reach it
  down     stops every process of the control plane started from --state-dir
  status   lists the processes of the control plane that still run

options:
  --state-dir DIR   kubeconfig, certificates, etcd data and logs (default: .cluster/ of the checkout)
  -h, --help        this text

The binaries are cached in $XDG_CACHE_HOME/cdk8s-progressive/cluster (default ~/.cache/...),
or in $CDK8S_PROGRESSIVE_CLUSTER_CACHE.`;

interface ClusterOptions {
  readonly action: 'build' | 'up' | 'down' | 'status';
  readonly stateDir: string;
}

/** Parses the arguments of `cluster`; throws UsageError on anything it does not know. */
export function parseClusterArgs(args: string[]): ClusterOptions | 'help' {
  let action: ClusterOptions['action'] | undefined;
  let stateDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--state-dir') stateDir = flagValue(args, ++i);
    else if (!action && ['build', 'up', 'down', 'status'].includes(arg)) action = arg as ClusterOptions['action'];
    else throw new UsageError(`unknown argument '${arg}'`);
  }
  if (!action) throw new UsageError('an action is required: build, up, down or status');
  return { action, stateDir: path.resolve(stateDir ?? defaultStateDir()) };
}

/** `.cluster/` of the checkout (ignored by git). */
export function defaultStateDir(): string {
  return path.join(repositoryRoot(), '.cluster');
}

export function clusterCommand(): Command {
  return {
    summary: 'build, start or stop a local control plane with the real Argo Rollouts controller',
    run: async (args) => {
      const options = parseOrExit('cluster', USAGE, parseClusterArgs, args);
      if (typeof options === 'number') return options;
      const log = (line: string) => process.stderr.write(`${line}\n`);
      if (options.action === 'build' || options.action === 'up') {
        const started = Date.now();
        const report = await buildBinaries({ log });
        const built = Object.keys(report.seconds);
        log(built.length > 0
          ? `built ${built.join(', ')} in ${Math.round((Date.now() - started) / 1000)}s into ${report.dir}`
          : `binaries up to date in ${binDir()} (cache ${cacheRoot()})`);
        if (options.action === 'build') return 0;
        const state = await startControlPlane({ stateDir: options.stateDir, log });
        process.stdout.write(`${describeControlPlane(state)}\nstop it with: npm run cluster:down\n`);
        return 0;
      }
      if (options.action === 'down') {
        const stopped = await stopControlPlane(options.stateDir);
        process.stdout.write(stopped.length > 0 ? `stopped ${stopped.join(', ')}\n` : `nothing running from ${options.stateDir}\n`);
        return 0;
      }
      const running = runningProcesses(options.stateDir);
      const state = readState(options.stateDir);
      if (!state || running.length === 0) {
        process.stdout.write(`nothing running from ${options.stateDir}\n`);
        return 1;
      }
      process.stdout.write(`${describeControlPlane(state)}\nrunning: ${running.map((p) => p.name).join(', ')}\n`);
      return running.length === state.processes.length ? 0 : 1;
    },
  };
}
