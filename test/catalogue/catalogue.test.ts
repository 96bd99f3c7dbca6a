import * as fs from 'fs';
import * as path from 'path';
import { AnalysisBehaviour, CATALOGUE, CatalogueEntry } from './charts';
import { synthValid } from '../support/schema';
import { ROOT } from '../support/synth';

/**
 * Argo Rollouts v1.9.1's example catalogue, rewritten with this library (test/catalogue/charts.ts): every chart
 * passes the strict schema checks, and what it emits does what the example is for: strategy, steps, analysis
 * and args, routing, Services. Examples the API cannot express yet are `test.todo`, naming the API they need.
 */

type Json = { [key: string]: any };

/** A StringMatch, compact: `/color*` for a prefix, `~re` for a regular expression, the value for an exact match. */
const match = (m: Json | undefined): string | undefined =>
  m === undefined ? undefined : m.exact ?? (m.prefix !== undefined ? `${m.prefix}*` : `~${m.regex}`);

const templateRef = (t: Json): string => `${t.clusterScope ? 'cluster:' : ''}${t.templateName}`;

/** One emitted canary step, compact: `setWeight 20`, `pause`, `pause 40s`, `analysis a+cluster:b`, ... */
function stepOf(step: Json): string {
  return Object.entries(step).map(([kind, v]: [string, any]) => {
    switch (kind) {
      case 'setWeight': return `setWeight ${v}`;
      case 'pause': return v.duration === undefined ? 'pause' : `pause ${typeof v.duration === 'number' ? `${v.duration}s` : v.duration}`;
      case 'analysis': return `analysis ${v.templates.map(templateRef).join('+')}`;
      case 'setCanaryScale': return `setCanaryScale ${Object.entries(v).map(([key, value]) => (value === true ? key : `${key} ${value}`)).join(' ')}`;
      case 'setMirrorRoute': return `setMirrorRoute ${v.name}${v.match === undefined ? ' removed' : ` ${v.percentage ?? 100}% [${
        v.match.map((m: Json) => [match(m.method), match(m.path), ...Object.entries(m.headers ?? {}).map(([h, hv]) => `${h}=${match(hv as Json)}`)]
          .filter((x) => x !== undefined).join(' ')).join(', ')}]`}`;
      case 'experiment': return `experiment [${v.templates.map((t: Json) => `${t.name}<-${t.specRef}${t.weight !== undefined ? ` ${t.weight}%` : ''}${
        t.replicas !== undefined ? ` x${t.replicas}` : ''}`).join(', ')}]${v.analyses ? ` analyses [${v.analyses.map(templateRef).join(', ')}]` : ''}${
        v.duration !== undefined ? ` for ${v.duration}` : ''}`;
      case 'setHeaderRoute': return `setHeaderRoute ${v.name}${v.match === undefined ? ' removed'
        : ` [${v.match.map((m: Json) => `${m.headerName}=${match(m.headerValue)}`).join(', ')}]`}`;
      default: return kind;
    }
  }).join(' & ');
}

/** An emitted analysis (a step's, a background one, a blue-green one) as templates and args. */
function analysisOf(a: Json): AnalysisBehaviour {
  const args = (a.args ?? []).map((arg: Json) => (arg.value !== undefined ? `${arg.name}=${arg.value}`
    : `${arg.name}<-${arg.valueFrom.podTemplateHashValue ?? `fieldRef:${arg.valueFrom.fieldRef?.fieldPath}`}`));
  return { templates: a.templates.map(templateRef), ...(args.length > 0 ? { args } : {}) };
}

/** One metric of an emitted template, compact: `name provider what, count 1, interval 5s, failureLimit 1, success cond`. */
function metricOf(m: Json): string {
  const [kind, p] = Object.entries(m.provider as Json)[0] as [string, Json];
  const what = kind === 'job' ? p.spec.template.spec.containers.map((c: Json) => [c.image, ...(c.command ?? []), ...(c.args ?? [])].join(' ')).join(', ')
    : kind === 'web' ? [p.url, p.jsonPath].filter((x) => x !== undefined).join(' ')
      : kind === 'prometheus' ? p.address : JSON.stringify(p);
  const limits = ['count', 'interval', 'failureLimit'].filter((k) => m[k] !== undefined).map((k) => `${k} ${m[k]}`);
  const conditions = [m.successCondition && `success ${m.successCondition}`, m.failureCondition && `failure ${m.failureCondition}`].filter((x) => x);
  return [`${m.name} ${kind} ${what}`, ...limits, ...conditions].join(', ');
}

/** An emitted AnalysisTemplate or ClusterAnalysisTemplate, compact (see CatalogueEntry.templates). */
function templateOf(t: Json): string {
  const args = (t.spec.args ?? []).map((a: Json) => (a.value !== undefined ? `${a.name}=${a.value}`
    : a.valueFrom ? `${a.name}<-secret ${a.valueFrom.secretKeyRef.name}/${a.valueFrom.secretKeyRef.key}` : a.name));
  return `${t.kind}/${t.metadata.name}${args.length > 0 ? `(${args.join(', ')})` : ''}: ${t.spec.metrics.map(metricOf).join('; ')}`;
}

const nameOf = (o: Json): string => `${o.kind}/${o.metadata.name}`;
const ROLLOUT_PARTS = ['Rollout', 'Service', 'PodDisruptionBudget'];
const TEMPLATE_KINDS = ['AnalysisTemplate', 'ClusterAnalysisTemplate'];

const built = CATALOGUE.filter((e) => e.chart !== undefined);

describe('the example catalogue of Argo Rollouts v1.9.1, rewritten with the constructs', () => {
  test('it lists the 20 examples once each, and every one the API cannot express fully names what it needs', () => {
    expect(CATALOGUE).toHaveLength(20);
    expect(new Set(CATALOGUE.map((e) => e.example)).size).toBe(20);
    expect(new Set(CATALOGUE.map((e) => e.namespace)).size).toBe(20);
    expect(CATALOGUE.filter((e) => (e.expressed === 'full') === (e.missing !== undefined)).map((e) => e.example)).toEqual([]);
    expect(CATALOGUE.filter((e) => (e.expressed === 'none') !== (e.chart === undefined)).map((e) => e.example)).toEqual([]);
    expect(CATALOGUE.filter((e) => e.chart !== undefined && e.behaviour !== undefined && e.behaviour.services === undefined).map((e) => e.example)).toEqual([]);
    // Every example that is a Rollout has its behaviour written; the two that are templates only, their templates
    expect(CATALOGUE.filter((e) => e.behaviour === undefined).map((e) => e.example)).toEqual(['analysis-templates.yaml', 'cluster-analysis-templates.yaml']);
    expect(CATALOGUE.filter((e) => e.behaviour === undefined && !e.templates?.length).map((e) => e.example)).toEqual([]);
  });

  test('docs/argo-examples.md has one row per example: intent, how far it is expressed, what it uses, what is missing', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'argo-examples.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => /^\| `[^`]+` \|/.test(l)).map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
    expect(rows).toEqual(CATALOGUE.map((e) => [`\`${e.example}\``, e.expressed, e.intent, e.uses || '-', e.missing ?? '-']));
    const count = (x: string) => CATALOGUE.filter((e) => e.expressed === x).length;
    expect(doc).toContain(`Today: ${count('full')} expressed fully, ${count('partial')} partly, ${count('none')} not at all.`);
  });

  describe.each(built.map((e) => [e.example, e] as [string, CatalogueEntry]))('%s', (_example, entry) => {
    const b = entry.behaviour;
    let objects: Json[];
    let rollout: Json;
    beforeAll(() => {
      // GIVEN the chart written from the example's intent, synthesized; every object strictly valid against its schema
      objects = synthValid(entry.chart!());
      rollout = objects.find((o) => o.kind === 'Rollout' && o.metadata.name === b?.rollout)!;
    });

    test('every object passes the strict schema checks, in the example\'s own namespace (cluster-scoped ones in none)', () => {
      expect(objects.length).toBeGreaterThan(0);
      const clusterScoped = (o: Json) => o.kind === 'ClusterAnalysisTemplate';
      expect(objects.map((o) => `${nameOf(o)} in ${o.metadata.namespace}`))
        .toEqual(objects.map((o) => `${nameOf(o)} in ${clusterScoped(o) ? undefined : entry.namespace}`));
    });

    test('the AnalysisTemplates and ClusterAnalysisTemplates it emits: args, metrics, providers, timing, conditions', () => {
      expect(objects.filter((o) => TEMPLATE_KINDS.includes(o.kind)).map(templateOf)).toEqual(entry.templates ?? []);
    });

    if (b === undefined) {
      test('it emits templates only', () => {
        expect(objects.filter((o) => !TEMPLATE_KINDS.includes(o.kind)).map(nameOf)).toEqual([]);
      });
      return;
    }

    test('the Rollout: strategy, replicas, history and image', () => {
      expect(rollout).toBeDefined();
      expect(Object.keys(rollout.spec.strategy)).toEqual([b.strategy]);
      expect({ replicas: rollout.spec.replicas, revisionHistoryLimit: b.revisionHistoryLimit && rollout.spec.revisionHistoryLimit })
        .toEqual({ replicas: b.replicas, revisionHistoryLimit: b.revisionHistoryLimit });
      const ref = rollout.spec.workloadRef;
      expect(ref && `${ref.kind}/${ref.name}`).toEqual(b.workloadRef);
      const template = ref ? objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name)?.spec.template : rollout.spec.template;
      expect(template?.spec.containers[0].image).toBe(b.image);
    });

    if (b.strategy === 'canary') {
      test('the steps, their analyses and args, the background analysis', () => {
        const canary = rollout.spec.strategy.canary;
        expect(canary.steps.map(stepOf)).toEqual(b.steps);
        expect(canary.steps.filter((s: Json) => s.analysis).map((s: Json) => analysisOf(s.analysis))).toEqual(b.stepAnalyses ?? []);
        expect(canary.analysis && { ...analysisOf(canary.analysis), startingStep: canary.analysis.startingStep }).toEqual(b.background);
      });

      test('the routing', () => {
        expect(rollout.spec.strategy.canary.trafficRouting).toEqual(b.trafficRouting);
      });
    } else {
      test('the blue-green fields', () => {
        expect(rollout.spec.strategy.blueGreen).toMatchObject(b.blueGreen!);
      });
    }

    test('the Services, and the other objects the example needs', () => {
      expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name).sort()).toEqual(b.services);
      expect(Object.fromEntries(objects.filter((o) => o.kind === 'Service' && (o.spec.type ?? 'ClusterIP') !== 'ClusterIP')
        .map((o) => [o.metadata.name, o.spec.type]))).toEqual(b.serviceTypes ?? {});
      expect(objects.filter((o) => !ROLLOUT_PARTS.includes(o.kind) && !TEMPLATE_KINDS.includes(o.kind)).map(nameOf).sort()).toEqual(b.others ?? []);
    });

    if (b.rolloutAnnotations) {
      test('the Rollout\'s annotations', () => {
        expect(rollout.metadata.annotations).toMatchObject(b.rolloutAnnotations!);
      });
    }
  });

  for (const e of CATALOGUE.filter((x) => x.missing !== undefined)) {
    test.todo(`${e.example} (${e.expressed}): needs ${e.missing}`);
  }
});
