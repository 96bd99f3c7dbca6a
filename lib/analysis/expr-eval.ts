/**
 * A small evaluator of the condition expressions this library generates, with the semantics of
 * Argo Rollouts v1.9.1 (utils/evaluate, expr-lang): `result` is a list of floats for a Prometheus
 * vector (a float for a scalar), `&&` and `||` short-circuit, an index out of range or an
 * operator applied to the wrong type is an error, NaN compares false with everything.
 *
 * Supported: number and string literals, `true`, `false`, `result`, `result[i]`, `len(x)`,
 * `isNaN(x)`, `isInf(x)`, `asFloat(x)`, `!`, unary `-`, `&&`, `||`, `==`, `!=`, `<`, `<=`, `>`,
 * `>=` and parentheses. Anything else is refused, so a generated expression outside this
 * subset fails its tests rather than being judged by a guess.
 */

/** What one measurement becomes, as the Argo controller names it. */
export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** The value a condition sees as `result`. */
export type ConditionResult = number | number[] | string;

/** The pair of conditions of a metric. */
export interface MetricConditions {
  readonly successCondition?: string;
  readonly failureCondition?: string;
}

/** Raised when an expression errors at run time (Argo records the measurement as Error). */
export class ExprError extends Error {}

type Value = number | string | boolean | Value[] | Fn;
type Fn = (args: Value[]) => Value;

type Node =
  | { kind: 'lit'; value: Value }
  | { kind: 'ident'; name: string }
  | { kind: 'index'; target: Node; index: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'unary'; op: '!' | '-'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|<=|>=|[<>!()[\],-]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex + /^\s*/.exec(src.slice(TOKEN.lastIndex))![0].length;
    const m = TOKEN.exec(src);
    if (!m) throw new ExprError(`unsupported syntax at offset ${at} in ${JSON.stringify(src)}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

/** Parses an expression of the supported subset. Throws ExprError on anything else. */
export function parseExpr(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const take = (t?: string) => {
    const tok = toks[i++];
    if (tok === undefined || (t !== undefined && tok !== t)) {
      throw new ExprError(`expected ${t ?? 'a token'} at token ${i} in ${JSON.stringify(src)}, got ${tok ?? 'end'}`);
    }
    return tok;
  };
  const binary = (ops: string[], next: () => Node) => (): Node => {
    let left = next();
    while (ops.includes(peek())) {
      const op = take();
      left = { kind: 'binary', op, left, right: next() };
    }
    return left;
  };
  const primary = (): Node => {
    const tok = take();
    if (tok === '(') { const e = or(); take(')'); return e; }
    if (/^\d/.test(tok)) return { kind: 'lit', value: Number(tok) };
    if (tok.startsWith('"')) return { kind: 'lit', value: JSON.parse(tok) };
    if (tok === 'true' || tok === 'false') return { kind: 'lit', value: tok === 'true' };
    if (/^[A-Za-z_]/.test(tok)) {
      if (peek() === '(') {
        take('(');
        const args: Node[] = [];
        while (peek() !== ')') {
          args.push(or());
          if (peek() === ',') take(',');
        }
        take(')');
        return { kind: 'call', name: tok, args };
      }
      return { kind: 'ident', name: tok };
    }
    throw new ExprError(`unexpected ${tok} in ${JSON.stringify(src)}`);
  };
  const postfix = (): Node => {
    let e = primary();
    while (peek() === '[') {
      take('[');
      e = { kind: 'index', target: e, index: or() };
      take(']');
    }
    return e;
  };
  const unary = (): Node => {
    if (peek() === '!' || peek() === '-') {
      const op = take() as '!' | '-';
      return { kind: 'unary', op, arg: unary() };
    }
    return postfix();
  };
  const cmp = binary(['==', '!=', '<', '<=', '>', '>='], unary);
  const and = binary(['&&'], cmp);
  const or = binary(['||'], and);
  const tree = or();
  if (i !== toks.length) throw new ExprError(`unexpected ${toks[i]} in ${JSON.stringify(src)}`);
  return tree;
}

const num = (fn: string, v: Value): number => {
  if (typeof v !== 'number') throw new ExprError(`${fn}: expected a number, got ${typeName(v)}`);
  return v;
};

function typeName(v: Value): string {
  return Array.isArray(v) ? 'array' : typeof v;
}

const FUNCTIONS: Record<string, Fn> = {
  len: ([v]) => {
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    throw new ExprError(`invalid argument for len (type ${typeName(v)})`);
  },
  isNaN: ([v]) => Number.isNaN(num('isNaN', v)),
  isInf: ([v]) => { const n = num('isInf', v); return n === Infinity || n === -Infinity; },
  asFloat: ([v]) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    throw new ExprError(`asFloat() not supported on ${JSON.stringify(v)}`);
  },
};

function run(node: Node, env: Record<string, Value>): Value {
  switch (node.kind) {
    case 'lit': return node.value;
    case 'ident':
      if (!(node.name in env)) throw new ExprError(`unknown name ${node.name}`);
      return env[node.name];
    case 'call': {
      const fn = FUNCTIONS[node.name];
      if (!fn) throw new ExprError(`unknown function ${node.name}`);
      if (node.args.length !== 1) throw new ExprError(`${node.name} takes one argument, got ${node.args.length}`);
      return fn(node.args.map(a => run(a, env)));
    }
    case 'index': {
      const target = run(node.target, env);
      const index = run(node.index, env);
      if (!Array.isArray(target)) throw new ExprError(`cannot index ${typeName(target)}`);
      if (typeof index !== 'number' || !Number.isInteger(index)) throw new ExprError(`invalid index ${String(index)}`);
      const at = index < 0 ? target.length + index : index;
      if (at < 0 || at >= target.length) {
        throw new ExprError(`index out of range: ${index} (array length is ${target.length})`);
      }
      return target[at];
    }
    case 'unary': {
      const v = run(node.arg, env);
      if (node.op === '!') {
        if (typeof v !== 'boolean') throw new ExprError(`invalid operation: !${typeName(v)}`);
        return !v;
      }
      return -num('-', v);
    }
    case 'binary': {
      if (node.op === '&&' || node.op === '||') {
        const l = run(node.left, env);
        if (typeof l !== 'boolean') throw new ExprError(`invalid operation: ${typeName(l)} ${node.op}`);
        if (node.op === '&&' ? !l : l) return l;
        const r = run(node.right, env);
        if (typeof r !== 'boolean') throw new ExprError(`invalid operation: ${node.op} ${typeName(r)}`);
        return r;
      }
      const l = run(node.left, env);
      const r = run(node.right, env);
      if (node.op === '==' || node.op === '!=') {
        const eq = typeof l === typeof r && !Array.isArray(l) && l === r;
        return node.op === '==' ? eq : !eq;
      }
      const a = num(node.op, l);
      const b = num(node.op, r);
      switch (node.op) {
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        default: return a >= b;
      }
    }
  }
}

/** Evaluates one condition against `result`. Throws ExprError where Argo would record an Error. */
export function evalCondition(condition: string, result: ConditionResult): boolean {
  const out = run(parseExpr(condition), { result, ...FUNCTIONS });
  if (typeof out !== 'boolean') throw new ExprError(`expected bool, but got ${typeName(out)}`);
  return out;
}

/** Judges one measurement exactly as Argo's EvaluateResult does. */
export function evaluateMeasurement(result: ConditionResult, conditions: MetricConditions): MeasurementPhase {
  const { successCondition: s, failureCondition: f } = conditions;
  let success = false;
  let failure = false;
  try {
    if (s) success = evalCondition(s, result);
    if (f) failure = evalCondition(f, result);
  } catch (e) {
    if (e instanceof ExprError) return 'Error';
    throw e;
  }
  if (!s && !f) return 'Successful';
  if (s && !f) failure = !success;
  if (!s && f) success = !failure;
  if (failure) return 'Failed';
  return success ? 'Successful' : 'Inconclusive';
}

/** The `data` of a Prometheus HTTP API query answer. */
export interface PrometheusQueryData {
  readonly resultType: string;
  readonly result: unknown;
}

/**
 * Turns a Prometheus query answer into the `result` Argo's Prometheus provider gives the
 * conditions: a vector (or matrix) becomes a list of floats, a scalar a float.
 */
export function prometheusResult(data: PrometheusQueryData): number[] | number {
  const float = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
  switch (data.resultType) {
    case 'vector':
      return (data.result as Array<{ value: [number, string] }>).map(s => float(s.value[1]));
    case 'matrix':
      return (data.result as Array<{ values: Array<[number, string]> }>).flatMap(s => s.values.map(v => float(v[1])));
    case 'scalar':
      return float((data.result as [number, string])[1]);
    default:
      throw new Error(`prometheus result type ${data.resultType} is not supported by the prometheus provider`);
  }
}
