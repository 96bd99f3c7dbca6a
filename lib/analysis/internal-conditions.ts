import { ExprError, parseExpr } from './expr-eval';

/**
 * Synth-time check of a condition a user wrote (internal). A condition within the subset of
 * expr-lang that expr-eval knows is parsed by it; beyond that subset (member access such as
 * `result.status`, single-quoted strings, other functions) the check is structural: closed quotes,
 * balanced brackets, no operator left dangling, no `=` where `==` is meant. Argo parses the whole
 * grammar when the measurement is taken, and errors every measurement of a malformed condition.
 */
export function checkCondition(where: string, condition: string): void {
  const fail = (what: string) => {
    throw new Error(`${where} ${JSON.stringify(condition)} is not a valid expr-lang expression (${what}): `
      + 'Argo Rollouts would error every measurement; fix the condition, e.g. result[0] >= 0.95');
  };
  if (condition.trim() === '') fail('it is empty');
  try {
    parseExpr(condition);
    return;
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
  }
  const closing: { [open: string]: string } = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  let outside = '';
  for (let i = 0; i < condition.length; i++) {
    const c = condition[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < condition.length && condition[j] !== c) j += condition[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= condition.length) fail(`the string opened at column ${i + 1} is not closed`);
      outside += ' 0 ';
      i = j;
      continue;
    }
    outside += c;
    if (closing[c]) stack.push(closing[c]);
    else if (c === ')' || c === ']' || c === '}') {
      if (stack.pop() !== c) fail(`'${c}' at column ${i + 1} closes nothing`);
    }
  }
  if (stack.length > 0) fail(`'${stack[stack.length - 1]}' is missing`);
  if (/(&&|\|\||==|!=|<=|>=|[<>+\-*/%!]|\band|\bor|\bnot)\s*$/.test(outside)) fail('it ends with an operator');
  if (/^\s*(&&|\|\||==|!=|<=|>=|[<>*/%]|and\b|or\b)/.test(outside)) fail('it starts with an operator');
  if (/[^=!<>]=[^=~]/.test(outside)) fail("'=' compares nothing: write '=='");
}
