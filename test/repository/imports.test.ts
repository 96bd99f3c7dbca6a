import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { ROOT } from '../support/synth';

/**
 * The library's modules, and those of the workspaces under tools/, import one another without cycles: a cycle
 * makes load order decide which module sees the other half-initialised, and it ties areas together that the
 * layout keeps apart.
 */

const LIB = path.join(ROOT, 'lib');
const TOOLS = path.join(ROOT, 'tools');

/** The workspace packages' module names, to the source each stands for (relative to the root). */
const WORKSPACE_MODULES: Record<string, string> = {
  '@cdk8s-progressive/gate-contract': 'lib/gate/contract.ts',
  '@cdk8s-progressive/gate-contract/build/statistics': 'lib/gate/statistics.ts',
  '@cdk8s-progressive/slo-gate': 'tools/slo-gate/src/index.ts',
  'cdk8s-progressive': 'lib/index.ts',
};

/** The source a workspace package's module name stands for (the command line reaches internal helpers through `build/lib/`), absolute. */
function workspaceModule(specifier: string): string | undefined {
  const deep = /^cdk8s-progressive\/build\/(lib\/.+)$/.exec(specifier);
  if (deep) return path.join(ROOT, `${deep[1]}.ts`);
  return WORKSPACE_MODULES[specifier] === undefined ? undefined : path.join(ROOT, WORKSPACE_MODULES[specifier]);
}

/** Every .ts source under lib/ and under the workspaces' src/ folders, absolute. */
function allSources(): string[] {
  const workspaces = fs.readdirSync(TOOLS).map((d) => path.join(TOOLS, d, 'src')).filter((d) => fs.existsSync(d));
  return [...sources(LIB), ...workspaces.flatMap(sources)];
}

/** Every .ts file under `dir`, absolute. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(file));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(file);
  }
  return out.sort();
}

/**
 * The file a module specifier names from `from`: a relative one into lib/ or tools/, or a workspace package's
 * name; undefined for any other package.
 */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return workspaceModule(specifier);
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if ([LIB, TOOLS].some((dir) => candidate.startsWith(dir + path.sep)) && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The import graph of the files given: each file (relative to the root) to the lib/ and tools/ files it imports or re-exports. */
export function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, false);
    const targets = info.importedFiles
      .map((f) => resolveImport(file, f.fileName))
      .filter((f): f is string => f !== undefined)
      .map((f) => path.relative(ROOT, f));
    graph.set(path.relative(ROOT, file), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * The cycles of `graph`, one per strongly connected component of more than one file (or a file importing itself), each as
 * a closed path "a -> b -> a" followed by the component's other files: "(with c, d)".
 */
export function importCycles(graph: Map<string, string[]>): string[] {
  // Tarjan's strongly connected components
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  // name one closed path through each component, from its first file
  return components.map((component) => {
    const members = new Set(component);
    const start = component[0];
    const previous = new Map<string, string>();
    const queue = [start];
    const seen = new Set([start]);
    while (queue.length > 0) {
      const node = queue.shift()!;
      for (const next of graph.get(node) ?? []) {
        if (next === start) {
          const cycle = [start];
          for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) cycle.splice(1, 0, at);
          const others = component.filter((f) => !cycle.includes(f));
          return [...cycle, start].join(' -> ') + (others.length > 0 ? ` (with ${others.join(', ')})` : '');
        }
        if (members.has(next) && !seen.has(next)) {
          seen.add(next);
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    return component.join(', ');
  });
}

/** Every file `from` reaches through its imports, itself excluded unless a cycle leads back to it. */
export function reachable(graph: Map<string, string[]>, from: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(graph.get(from) ?? [])];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (seen.has(node)) continue;
    seen.add(node);
    queue.push(...(graph.get(node) ?? []));
  }
  return seen;
}

describe('the import graph of lib/ and tools/', () => {
  test('has no cycle', () => {
    // GIVEN the imports of every TypeScript source under lib/ and the workspaces
    const graph = importGraph(allSources());
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('lib/index.ts')).toContain('lib/rollout/canary-rollout.ts');
    expect(graph.get('tools/slo-gate/src/judge.ts')).toContain('lib/gate/statistics.ts');

    // WHEN its cycles are looked for
    const cycles = importCycles(graph);

    // THEN there are none
    expect(cycles).toEqual([]);
  });

  test('the shared modules and the gate reach no rollout file: what both build lives in lib/workload and lib/util', () => {
    // GIVEN the imports of every TypeScript source under lib/
    const graph = importGraph(sources(LIB));
    const shared = [...graph.keys()].filter((f) => /^lib\/(workload|util|gate)\//.test(f));
    expect(shared).toContain('lib/gate/slo-gate.ts');
    expect(shared).toContain('lib/workload/internal-objects.ts');
    expect(reachable(graph, 'lib/rollout/canary-rollout.ts')).toContain('lib/workload/internal-objects.ts');

    // WHEN the files each of them reaches are listed
    const intoRollout = shared.flatMap((f) => [...reachable(graph, f)].filter((t) => t.startsWith('lib/rollout/')).map((t) => `${f} -> ${t}`));

    // THEN none is a rollout file
    expect(intoRollout).toEqual([]);
  });

  test('the gate service reaches nothing of the construct library but the contract and the statistics', () => {
    // GIVEN the imports of every source
    const graph = importGraph(allSources());
    const service = [...graph.keys()].filter((f) => f.startsWith('tools/slo-gate/'));
    expect(service).toContain('tools/slo-gate/src/cli.ts');

    // WHEN the files of lib/ they reach are listed
    const intoLib = new Set(service.flatMap((f) => [...reachable(graph, f)].filter((t) => t.startsWith('lib/'))));

    // THEN they are the two files the gate-contract package is compiled from
    expect([...intoLib].sort()).toEqual(['lib/gate/contract.ts', 'lib/gate/statistics.ts']);
  });

  test('the construct library reaches no file of the workspaces: tools read what the constructs produce', () => {
    // GIVEN the imports of every source
    const graph = importGraph(allSources());
    expect(reachable(graph, 'tools/cli/src/cli/main.ts')).toContain('lib/rollout/plan.ts');
    expect(reachable(graph, 'tools/cli/src/simulate/simulate.ts')).toContain('lib/util/internal-duration.ts');

    // WHEN the files of tools/ that lib/ reaches are listed
    const intoTools = [...graph.keys()].filter((f) => f.startsWith('lib/')).flatMap((f) => [...reachable(graph, f)].filter((t) => t.startsWith('tools/')).map((t) => `${f} -> ${t}`));

    // THEN there are none
    expect(intoTools).toEqual([]);
  });

  test('names each cycle as a closed path with the other files caught in it', () => {
    // GIVEN a graph with a cycle of three files that a fourth joins through b, a self-import and a file outside every cycle
    const graph = new Map<string, string[]>([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts', 'f.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
      ['f.ts', ['b.ts']],
    ]);

    // WHEN its cycles are looked for
    const cycles = importCycles(graph);

    // THEN each is named as a closed path
    expect(cycles.sort()).toEqual(['a.ts -> b.ts -> c.ts -> a.ts (with f.ts)', 'e.ts -> e.ts']);
  });
});
