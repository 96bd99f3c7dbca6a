import * as os from 'node:os';
import * as path from 'node:path';
import { parseClusterArgs } from '../../tools/cli/src/cli/cluster-command';
import { UsageError } from '../../tools/cli/src/cli/internal-args';
import { cacheRoot, COMPONENTS, repositoryRoot } from '../../tools/cli/src/cluster/binaries';
import { REPO_ROOT } from '../support/processes';

/** What of the local control plane runs without Go: arguments, the cache folder, the component list. The cluster suite runs the rest. */
describe('cdk8s-progressive cluster', () => {
  test('takes one action and a state folder, .cluster/ of the checkout by default', () => {
    expect(parseClusterArgs(['up'])).toEqual({ action: 'up', stateDir: path.join(REPO_ROOT, '.cluster') });
    expect(parseClusterArgs(['down', '--state-dir', 'x'])).toEqual({ action: 'down', stateDir: path.resolve('x') });
    expect(parseClusterArgs(['--help'])).toBe('help');
    expect(() => parseClusterArgs([])).toThrow(new UsageError('an action is required: build, up, down or status'));
    expect(() => parseClusterArgs(['up', 'down'])).toThrow(new UsageError("unknown argument 'down'"));
  });

  test('caches the binaries in the user\'s cache folder, never in the checkout', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/cdk8s-progressive/cluster');
    expect(cacheRoot({})).toBe(path.join(os.homedir(), '.cache', 'cdk8s-progressive', 'cluster'));
    expect(cacheRoot({ CDK8S_PROGRESSIVE_CLUSTER_CACHE: '/srv/c', XDG_CACHE_HOME: '/var/cache/u' })).toBe('/srv/c');
    expect(repositoryRoot()).toBe(REPO_ROOT);
  });

  test('builds the real components, one Go module per upstream project', () => {
    expect(COMPONENTS.map((c) => `${c.name} ${c.module} ${c.pkg}`)).toEqual([
      'etcd etcd go.etcd.io/etcd/server/v3',
      'kwok kwok sigs.k8s.io/kwok/cmd/kwok',
      'kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler',
      'kubectl kubernetes k8s.io/kubernetes/cmd/kubectl',
      'rollouts-controller argo-rollouts github.com/argoproj/argo-rollouts/cmd/rollouts-controller',
    ]);
  });
});
