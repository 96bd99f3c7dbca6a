import { parser } from '@prometheus-io/lezer-promql';
import { Duration } from 'cdk8s';

/**
 * Building and checking PromQL.
 *
 * Everything a prop puts into a query goes through one of the functions here: names are
 * validated against Prometheus' own grammar, label values are validated so that they cannot
 * leave their string literal, and every finished query is parsed before it is emitted.
 */

/** Sample values that replace `{{args.*}}` placeholders when a query is parsed at synth time. */
export const SAMPLE_ARGS: Readonly<Record<string, string>> = {
  'canary-hash': '6d4f8b7c9',
  'stable-hash': '5c7d9f8b6',
  'namespace': 'default',
};

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Characters that could end a PromQL string literal or hide the rest of the query. */
const UNSAFE_IN_STRING = /["'`\\\n\r\u0000]|\{\{|\}\}|#/;

/** Validates a label name (Prometheus grammar). */
export function labelName(prop: string, value: string): string {
  if (!LABEL_NAME.test(value)) {
    throw new Error(`${prop} must be a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates a metric name (Prometheus grammar). */
export function metricName(prop: string, value: string): string {
  if (!METRIC_NAME.test(value)) {
    throw new Error(`${prop} must be a Prometheus metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Validates a label value (or regex) that a prop puts inside a PromQL string literal: quotes,
 * backslashes, line breaks, `#` and `{{`/`}}` are refused, so the value can never close its
 * string, start a comment or smuggle an Argo placeholder into the query.
 */
export function labelValue(prop: string, value: string): string {
  if (value.length === 0 || UNSAFE_IN_STRING.test(value)) {
    throw new Error(`${prop} must be a non-empty label value without quotes, backslashes, line breaks, '#', '{{' or '}}', got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A label matcher for a value that a prop provided (validated) or an Argo arg placeholder. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** Renders matchers as the inside of a `{...}` selector. */
export function renderMatchers(matchers: LabelMatcher[]): string {
  return matchers.map(m => `${m.name}${m.op}"${m.value}"`).join(', ');
}

/** The placeholder Argo substitutes with the value of a template arg. */
export function argRef(name: string): string {
  return `{{args.${name}}}`;
}

/** Renders a whole number of seconds as a PromQL / Go duration (`2m`, `90s`, `1h`). */
export function promDuration(prop: string, d: Duration): string {
  const ms = d.toMilliseconds();
  if (ms <= 0 || ms % 1000 !== 0) {
    throw new Error(`${prop} must be a positive whole number of seconds, got ${ms}ms`);
  }
  const s = ms / 1000;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Replaces every `{{args.name}}` with a sample value; unknown args get a plain word. */
export function substituteArgs(query: string, args: Readonly<Record<string, string>> = SAMPLE_ARGS): string {
  return query.replace(/\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_, name: string) => args[name] ?? 'sample');
}

/** A syntax error found by the PromQL parser. */
export interface PromqlSyntaxError {
  /** Offset (0-based) into the parsed text. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/**
 * Queries already parsed, with their result: a platform's templates repeat the same queries for every
 * service (their differences live in `{{args.*}}`), so each distinct query is parsed once.
 */
const parsed = new Map<string, PromqlSyntaxError | undefined>();

/** Parses a query (with no placeholders left) and returns the first syntax error, if any. */
export function findSyntaxError(query: string): PromqlSyntaxError | undefined {
  if (!parsed.has(query)) parsed.set(query, parseForError(query));
  return parsed.get(query);
}

function parseForError(query: string): PromqlSyntaxError | undefined {
  if (query.trim().length === 0) return position(query, 0);
  const cursor = parser.parse(query).cursor();
  do {
    if (cursor.type.isError) return position(query, cursor.from);
  } while (cursor.next());
  return undefined;
}

function position(text: string, offset: number): PromqlSyntaxError {
  const before = text.slice(0, offset).split('\n');
  return { offset, line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * Throws when `query`, with its `{{args.*}}` replaced by sample values, is not valid PromQL.
 * The message names where the query comes from (`where`), the position and the query itself
 * with a caret under the error.
 */
export function checkPromql(where: string, query: string): void {
  const text = substituteArgs(query);
  const error = findSyntaxError(text);
  if (!error) return;
  const lines = text.split('\n');
  const caret = ' '.repeat(error.column - 1) + '^';
  throw new Error(`${where}: invalid PromQL at line ${error.line}, column ${error.column} `
    + `(args replaced by sample values), fix the query:\n${lines[error.line - 1]}\n${caret}`);
}

/**
 * Adds `matchers` to every vector selector of `query` (parsed with its placeholders replaced by
 * sample values, which keeps offsets when the sample has the same length). Returns the query
 * unchanged when it does not parse: the final check then reports the error with its position.
 */
export function injectMatchers(query: string, matchers: LabelMatcher[]): string {
  if (findSyntaxError(query)) return query;
  const inside = renderMatchers(matchers);
  const edits: Array<{ at: number; text: string }> = [];
  const cursor = parser.parse(query).cursor();
  do {
    if (cursor.type.name !== 'VectorSelector') continue;
    const node = cursor.node;
    const list = node.getChild('LabelMatchers');
    if (list) {
      const body = query.slice(list.from + 1, list.to - 1).trim();
      const sep = body.length === 0 || body.endsWith(',') ? '' : ', ';
      edits.push({ at: list.to - 1, text: sep + inside });
    } else {
      const ident = node.getChild('Identifier');
      if (ident) edits.push({ at: ident.to, text: `{${inside}}` });
    }
  } while (cursor.next());
  let out = query;
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    out = out.slice(0, e.at) + e.text + out.slice(e.at);
  }
  return out;
}

/** The text of every vector selector of a query (placeholders replaced by sample values). */
export function vectorSelectors(query: string): string[] {
  const text = substituteArgs(query);
  const out: string[] = [];
  const cursor = parser.parse(text).cursor();
  do {
    if (cursor.type.name === 'VectorSelector') out.push(text.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return out;
}
