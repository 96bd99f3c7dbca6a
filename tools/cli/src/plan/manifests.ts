import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AnalysisMetricTiming } from 'cdk8s-progressive';
import { metricTimings } from 'cdk8s-progressive/build/lib/analysis/timing';
import { blueGreenPlan, BUDGET_ANNOTATIONS, canaryPlan, PlanBudgets, PlanTiming, recordedBudgets, TemplateTimingLookup } from 'cdk8s-progressive/build/lib/rollout/plan';

/**
 * Plans read from manifests, pure (no constructs): load the YAML a chart synthesized (a dist/
 * folder or files), find each Argo Rollout and resolve the AnalysisTemplates and
 * ClusterAnalysisTemplates it references among the objects beside it. The arithmetic is the plan's
 * (lib/rollout/plan.ts, from the Rollout's spec and the templates' timings) and the analysis
 * timing's (lib/analysis/timing.ts); this module only reads. What the plan command and a reviewer
 * see is what the cluster gets.
 */

type Json = { [key: string]: any };

/** One object of a manifest file. */
export interface ManifestObject {
  /** The file it was read from, as given. */
  readonly source: string;
  readonly object: Json;
}

/** The plan of one Rollout found in manifests. */
export interface ManifestRolloutPlan {
  readonly name: string;
  /** metadata.namespace, when the manifest sets one. */
  readonly namespace?: string;
  readonly strategy: 'canary' | 'blueGreen';
  /** The file the Rollout was read from. */
  readonly source: string;
  readonly plan: PlanTiming;
  /** The budgets recorded on the Rollout (maxPromotionTime, maxTimeToAbort), else the defaults (10m, 2m). */
  readonly budgets: PlanBudgets;
  /** Which budgets the Rollout records itself (its budget annotations), as opposed to the defaults. */
  readonly statedBudgets: { readonly promotion: boolean; readonly abort: boolean };
}

const ARGO_GROUP = 'argoproj.io/';

/**
 * Reads every object of the given paths: a folder contributes its `*.yaml` and `*.yml` files
 * (not its sub-folders), in name order; a file is read as it is.
 */
export function loadManifests(paths: string[]): ManifestObject[] {
  const files = paths.flatMap((p) => {
    let stat: fs.Stats;
    try { stat = fs.statSync(p); } catch {
      throw new Error(`cannot read ${p}: no such file or folder, pass a dist/ folder or YAML files`);
    }
    if (!stat.isDirectory()) return [p];
    const inside = fs.readdirSync(p, { withFileTypes: true }).filter((f) => f.isFile() && /\.ya?ml$/.test(f.name))
      .map((f) => path.join(p, f.name)).sort();
    if (inside.length === 0) throw new Error(`${p} has no .yaml or .yml file: run cdk8s synth first, or pass the files`);
    return inside;
  });
  return files.flatMap((file) => parseManifest(file, fs.readFileSync(file, 'utf8')));
}

/** The objects of one YAML text (several documents separated by `---`); empty documents are skipped. */
export function parseManifest(source: string, text: string): ManifestObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source} is not valid YAML: ${doc.errors[0].message}`);
    const object = doc.toJS();
    return object && typeof object === 'object' ? [{ source, object }] : [];
  });
}

/** The plan of every argoproj.io Rollout among `objects`, in the order they appear. */
export function planRollouts(objects: ManifestObject[]): ManifestRolloutPlan[] {
  const templates = objects.filter((o) => isArgo(o.object, 'AnalysisTemplate') || isArgo(o.object, 'ClusterAnalysisTemplate'));
  return objects.filter((o) => isArgo(o.object, 'Rollout')).map(({ source, object }) => {
    const name: string = object.metadata?.name ?? '';
    const namespace: string | undefined = object.metadata?.namespace;
    const what = `Rollout ${qualified(namespace, name)}`;
    const spec: Json = object.spec ?? {};
    const lookup = manifestTemplatesLookup(templates, namespace);
    const budgets = recordedBudgets(object.metadata, `${what} (${source})`);
    const annotations = object.metadata?.annotations ?? {};
    const statedBudgets = {
      promotion: annotations[BUDGET_ANNOTATIONS.maxPromotionTime] !== undefined,
      abort: annotations[BUDGET_ANNOTATIONS.maxTimeToAbort] !== undefined,
    };
    const base = { name, namespace, source, budgets, statedBudgets };
    if (spec.strategy?.canary) return { ...base, strategy: 'canary' as const, plan: canaryPlan(spec, lookup) };
    if (spec.strategy?.blueGreen) return { ...base, strategy: 'blueGreen' as const, plan: blueGreenPlan(spec, lookup) };
    throw new Error(`${what} (${source}) has neither strategy.canary nor strategy.blueGreen: the plan knows these two strategies`);
  });
}

/**
 * The templates a Rollout in `namespace` references, resolved among the (Cluster)AnalysisTemplates of the
 * manifests: an AnalysisTemplate of the Rollout's namespace, else one without a namespace; a template not
 * found has unknown timing, and the reason says where it was looked for.
 */
export function manifestTemplatesLookup(templates: ManifestObject[], namespace: string | undefined): TemplateTimingLookup {
  return (templateName: string, clusterScope: boolean): AnalysisMetricTiming[] | string => {
    const kind = clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    const candidates = templates.filter((t) => isArgo(t.object, kind) && t.object.metadata?.name === templateName);
    const found = clusterScope ? candidates[0]
      : candidates.find((t) => t.object.metadata?.namespace === namespace) ?? candidates.find((t) => t.object.metadata?.namespace === undefined);
    // A template installed apart from these manifests (a platform's ClusterAnalysisTemplate): its timing is unknown.
    if (!found) return `not in the manifests${clusterScope || !namespace ? '' : ` (namespace ${namespace})`}`;
    return metricTimings(found.object);
  };
}

/** `namespace/name`, or `name` without a namespace. */
export function qualified(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function isArgo(object: Json, kind: string): boolean {
  return typeof object.apiVersion === 'string' && object.apiVersion.startsWith(ARGO_GROUP) && object.kind === kind;
}
