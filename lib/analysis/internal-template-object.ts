import { ApiObject, JsonPatch } from 'cdk8s';

/** A ClusterAnalysisTemplate is cluster-scoped: it has no namespace, even in a chart that gives its objects one. */
export function dropNamespaceIfClusterScoped(resource: ApiObject, clusterScope: boolean): void {
  if (clusterScope && resource.metadata.namespace !== undefined) resource.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}
