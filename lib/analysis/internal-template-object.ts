import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AnalysisTemplate, ClusterAnalysisTemplate } from '../../imports/argoproj.io';
import { SyncWave } from '../gitops/sync-wave';

/**
 * The AnalysisTemplate (or ClusterAnalysisTemplate) object of a template construct, its spec rendered at synth.
 * A cluster-scoped one has no namespace, even in a chart that gives its objects one; Argo CD syncs either before
 * the Rollouts that reference it.
 */
export function addTemplateObject(scope: Construct, clusterScope: boolean, templateName: string | undefined, spec: () => unknown): ApiObject {
  const Kind = clusterScope ? ClusterAnalysisTemplate : AnalysisTemplate;
  const resource = new Kind(scope, 'Resource', {
    metadata: templateName ? { name: templateName } : {},
    spec: Lazy.any({ produce: spec }),
  });
  if (clusterScope && resource.metadata.namespace !== undefined) resource.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  SyncWave.set(resource, SyncWave.ANALYSIS);
  return resource;
}
