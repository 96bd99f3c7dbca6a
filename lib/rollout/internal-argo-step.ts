import { parseDurationSeconds } from '../util/internal-duration';
import { ownRule } from '../util/internal-validation';

/**
 * Reads one canary step written as Argo Rollouts v1.9.1 JSON (the `steps[]` items of the Rollout CRD) and says
 * which kind it is; throws, naming the field, on anything the CRD's schema would not take (unknown fields
 * included, which the API server would drop without a word) and on the kinds that must be built with a factory.
 */

type Json = { [key: string]: any };

/** A step kind the parser accepts, with its value. */
export type ParsedArgoStep =
  | { kind: 'setWeight'; value: number }
  | { kind: 'pause'; value: number | undefined }
  | { kind: 'setCanaryScale' | 'setHeaderRoute' | 'setMirrorRoute' | 'plugin'; value: Json };

const KINDS = ['setWeight', 'pause', 'setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'plugin', 'analysis', 'experiment'];
/** The kinds of which the controller takes at most one per step (validation.go, hasMultipleStepsType). */
const EXCLUSIVE = ['setWeight', 'pause', 'experiment', 'analysis'];

export function parseArgoStep(step: Json): ParsedArgoStep {
  if (!isObject(step)) throw new Error(`CanaryStep.fromArgoJson takes one step object such as { setWeight: 20 }, got ${show(step)}`);
  const keys = Object.keys(step).filter((k) => step[k] !== undefined);
  const unknown = keys.filter((k) => !KINDS.includes(k));
  if (unknown.length > 0) {
    throw new Error(`CanaryStep.fromArgoJson: '${unknown[0]}' is not a canary step field of Argo Rollouts v1.9.1: use one of ${KINDS.join(', ')}`);
  }
  if (keys.length === 0) throw new Error(`CanaryStep.fromArgoJson needs one of ${KINDS.join(', ')}, got {}: the controller refuses an empty step`);
  if (keys.length > 1) {
    const exclusive = keys.filter((k) => EXCLUSIVE.includes(k)).length > 1;
    throw new Error(`CanaryStep.fromArgoJson takes one kind per step, got ${keys.join(' and ')}: split it into one step per kind `
      + (exclusive ? '(the controller refuses a step with more than one of setWeight, pause, experiment, analysis)'
        : ownRule('the controller accepts this combination, but the plan and the checks read one kind per step')));
  }
  const kind = keys[0];
  const value = step[kind];
  const at = `CanaryStep.fromArgoJson ${kind}`;
  switch (kind) {
    case 'setWeight':
      return { kind, value: integer(at, value) };
    case 'pause': {
      object(at, value, ['duration']);
      if (value.duration === undefined) return { kind, value: undefined };
      if (typeof value.duration !== 'number' && typeof value.duration !== 'string') {
        throw new Error(`${at}.duration must be a number of seconds or a duration string such as 30s, got ${show(value.duration)}`);
      }
      let seconds: number;
      try { seconds = parseDurationSeconds(value.duration); } catch (e) { throw new Error(`${at}.duration ${(e as Error).message}`); }
      return { kind, value: seconds };
    }
    case 'setCanaryScale': {
      object(at, value, ['replicas', 'weight', 'matchTrafficWeight']);
      const set = Object.keys(value).filter((k) => value[k] !== undefined);
      if (set.length !== 1) {
        throw new Error(`${at} needs exactly one of replicas, weight, matchTrafficWeight, got ${set.length === 0 ? 'none' : set.join(' and ')} `
          + ownRule('the controller lets matchTrafficWeight win, then replicas over weight, and ignores the rest without a word'));
      }
      if (value.replicas !== undefined) integer(`${at}.replicas`, value.replicas);
      if (value.weight !== undefined) integer(`${at}.weight`, value.weight);
      if (value.matchTrafficWeight !== undefined && value.matchTrafficWeight !== true) {
        throw new Error(`${at}.matchTrafficWeight must be true when given, got ${show(value.matchTrafficWeight)}: leave it out otherwise`);
      }
      return { kind, value };
    }
    case 'setHeaderRoute': {
      object(at, value, ['name', 'match']);
      string(`${at}.name`, value.name);
      if (value.match !== undefined) {
        array(`${at}.match`, value.match).forEach((m, i) => {
          object(`${at}.match[${i}]`, m, ['headerName', 'headerValue']);
          string(`${at}.match[${i}].headerName`, m.headerName);
          stringMatch(`${at}.match[${i}].headerValue`, m.headerValue);
        });
      }
      return { kind, value };
    }
    case 'setMirrorRoute': {
      object(at, value, ['name', 'match', 'percentage']);
      string(`${at}.name`, value.name);
      if (value.percentage !== undefined) integer(`${at}.percentage`, value.percentage);
      if (value.match !== undefined) {
        array(`${at}.match`, value.match).forEach((m, i) => {
          object(`${at}.match[${i}]`, m, ['method', 'path', 'headers']);
          if (m.method !== undefined) stringMatch(`${at}.match[${i}].method`, m.method);
          if (m.path !== undefined) stringMatch(`${at}.match[${i}].path`, m.path);
          if (m.headers !== undefined) {
            if (!isObject(m.headers)) throw new Error(`${at}.match[${i}].headers must be an object of header name to match, got ${show(m.headers)}`);
            for (const [h, v] of Object.entries(m.headers)) stringMatch(`${at}.match[${i}].headers.${h}`, v);
          }
        });
      }
      return { kind, value };
    }
    case 'plugin':
      object(at, value, ['name', 'config']);
      string(`${at}.name`, value.name);
      if (value.config !== undefined && !isObject(value.config)) throw new Error(`${at}.config must be an object, got ${show(value.config)}`);
      return { kind, value };
    default:
      throw new Error(`CanaryStep.fromArgoJson does not take ${kind} steps: use CanaryStep.${kind}(...), which references the analysis templates `
        + 'themselves, so that synth checks their args and the plan times their metrics');
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function object(at: string, v: unknown, fields: string[]): void {
  if (!isObject(v)) throw new Error(`${at} must be an object with ${fields.join(', ')}, got ${show(v)}`);
  const extra = Object.keys(v).filter((k) => !fields.includes(k));
  if (extra.length > 0) throw new Error(`${at} has unknown field '${extra[0]}': the Rollout CRD allows ${fields.join(', ')} (the API server would drop it)`);
}

function integer(at: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${at} must be an integer, got ${show(v)}`);
  return v;
}

function string(at: string, v: unknown): void {
  if (typeof v !== 'string') throw new Error(`${at} must be a string, got ${show(v)}`);
}

function array(at: string, v: unknown): Json[] {
  if (!Array.isArray(v)) throw new Error(`${at} must be a list, got ${show(v)}`);
  return v;
}

function stringMatch(at: string, v: unknown): void {
  object(at, v, ['exact', 'prefix', 'regex']);
  const set = Object.keys(v as Json);
  if (set.length !== 1) throw new Error(`${at} needs exactly one of exact, prefix, regex, got ${set.length === 0 ? 'none' : set.join(' and ')}`);
  string(`${at}.${set[0]}`, (v as Json)[set[0]]);
}
