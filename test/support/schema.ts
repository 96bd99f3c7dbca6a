import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SCHEMA_CRD_DIRS } = require('../../scripts/crds');

/**
 * Strict validation of synthesized objects:
 * - argoproj.io and gateway.networking.k8s.io objects against the openAPIV3Schema of the Argo Rollouts v1.9.1
 *   and Gateway API v1.4.0 (standard channel) CRDs kept in crds/, with unknown
 *   fields rejected wherever the schema does not say x-kubernetes-preserve-unknown-fields
 *   (the API server prunes unknown fields silently, which hides typos such as `setWeigth`);
 * - core Kubernetes objects, Argo CD Applications and prometheus-operator objects against the
 *   kubernetes-models schemas.
 */

type Json = { [key: string]: any };

/** Makes an OpenAPI v3 CRD schema strict: objects with properties reject unknown fields. */
function strict(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'properties' || key === 'patternProperties'
      ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, strict(v)]))
      : strict(value);
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined
    && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

let argoValidators: Map<string, ValidateFunction> | undefined;

function argo(): Map<string, ValidateFunction> {
  if (argoValidators) return argoValidators;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  argoValidators = new Map();
  for (const file of SCHEMA_CRD_DIRS.flatMap((dir: string) => fs.readdirSync(dir).filter((f: string) => f.endsWith('-crd.yaml')).map((f) => path.join(dir, f)))) {
    const crd = YAML.parse(fs.readFileSync(file, 'utf8'));
    for (const version of crd.spec.versions) {
      const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      // The API server always takes apiVersion, kind and metadata at the root, even where a CRD's schema (Istio's) does not list them.
      const schema = strict(version.schema.openAPIV3Schema);
      schema.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...schema.properties };
      argoValidators.set(key, ajv.compile(schema));
    }
  }
  return argoValidators;
}

/** Schemas the caller adds for kinds outside Argo and core Kubernetes (e.g. a PodMonitor's required shape). */
const extraSchemas = new Map<string, ValidateFunction>();

export function registerSchema(apiVersion: string, kind: string, schema: Json): void {
  extraSchemas.set(`${apiVersion}/${kind}`, new Ajv({ strict: false, allErrors: true }).compile(schema));
}

/** Model packages with generated schemas: core Kubernetes, Argo CD, prometheus-operator. */
const MODEL_PACKAGES = ['kubernetes-models', '@kubernetes-models/argo-cd', '@kubernetes-models/prometheus-operator'];

function model(apiVersion: string, kind: string): (new (o: Json) => { validate(): void }) | undefined {
  const moduleName = apiVersion.includes('/') ? apiVersion : `v1`;
  for (const pkg of MODEL_PACKAGES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Model = require(`${pkg}/${moduleName}`)[kind];
      if (Model) return Model;
    } catch {
      // not in this package
    }
  }
  return undefined;
}

/** Returns one message per schema violation of the given object; an empty list means valid. */
export function schemaErrors(obj: Json): string[] {
  const { apiVersion, kind } = obj;
  const name = `${kind}/${obj.metadata?.name}`;
  const validator = argo().get(`${apiVersion}/${kind}`) ?? extraSchemas.get(`${apiVersion}/${kind}`);
  if (validator) {
    if (validator(obj)) return [];
    return (validator.errors ?? []).map((e) => `${name}: ${e.instancePath || '/'} ${e.message}${
      e.params && 'additionalProperty' in e.params ? ` '${(e.params as Json).additionalProperty}'` : ''}`);
  }
  const Model = model(apiVersion, kind);
  if (!Model) return [`${name}: no schema known for ${apiVersion} ${kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${name}: ${(e as Error).message}`];
  }
}

/** Throws with every violation when any object is invalid. */
export function expectValidManifests(objects: Json[]): void {
  const errors = objects.flatMap(schemaErrors);
  if (errors.length > 0) throw new Error(`invalid manifests:\n${errors.join('\n')}`);
}

/** Synthesizes the chart and validates every object it holds; returns the objects. */
export function synthValid(chart: Chart): Json[] {
  const objects = Testing.synth(chart);
  expectValidManifests(objects);
  return objects;
}
