import { literal } from './conditions';
import { EventCounts } from './sli-source';
import { normalQuantile } from '../gate/statistics';

/**
 * Confidence bounds in PromQL, computed from event counts: what lets a Prometheus-provider metric
 * fail only on confident evidence, as the slo-gate does (the same formulas as
 * lib/gate/statistics.ts). Each function takes PromQL for one-sample vectors and returns
 * PromQL for a one-sample vector.
 */

/** The z of a one-sided confidence, rounded to 6 decimals for the query. */
export function zOf(confidence: number): number {
  return Math.round(normalQuantile(confidence) * 1e6) / 1e6;
}

function zTerms(confidence: number): { z: string; z2: string } {
  const z = zOf(confidence);
  return { z: literal(z), z2: literal(Math.round(z * z * 1e6) / 1e6) };
}

/**
 * Upper Wilson bound of the success ratio G / N:
 * (2G + z² + z sqrt(z² + 4 G (N - G) / N)) / (2 (N + z²)).
 */
export function successUpperBound(c: EventCounts, confidence: number): string {
  const { z, z2 } = zTerms(confidence);
  const [g, n] = [c.good, c.total];
  return `(2 * ${g} + ${z2} + ${z} * sqrt(${z2} + 4 * ${g} * (${n} - ${g}) / ${n})) / (2 * (${n} + ${z2}))`;
}

/**
 * Lower Wilson bound of the error ratio (N - G) / N:
 * (2 (N - G) + z² - z sqrt(z² + 4 (N - G) G / N)) / (2 (N + z²)).
 */
export function errorLowerBound(c: EventCounts, confidence: number): string {
  const { z, z2 } = zTerms(confidence);
  const [g, n] = [c.good, c.total];
  return `(2 * (${n} - ${g}) + ${z2} - ${z} * sqrt(${z2} + 4 * (${n} - ${g}) * ${g} / ${n})) / (2 * (${n} + ${z2}))`;
}

/**
 * Lower Agresti-Caffo bound of the canary's error ratio minus stable's: with p = (errors + 1) / (N + 2)
 * per track, pc - ps - z sqrt(pc (1 - pc) / (Nc + 2) + ps (1 - ps) / (Ns + 2)).
 */
export function errorDifferenceLowerBound(canary: EventCounts, stable: EventCounts, confidence: number): string {
  const { z } = zTerms(confidence);
  const p = (c: EventCounts) => `((${c.total} - ${c.good} + 1) / (${c.total} + 2))`;
  const [pc, ps] = [p(canary), p(stable)];
  return `${pc} - ${ps} - ${z} * sqrt(${pc} * (1 - ${pc}) / (${canary.total} + 2) + ${ps} * (1 - ${ps}) / (${stable.total} + 2))`;
}

/** The query, kept only while the counts show at least `minRequests` events (otherwise an empty vector: no data). */
export function withMinRequests(query: string, counts: EventCounts[], minRequests: number): string {
  return [`(${query})`, ...counts.map((c) => `(${c.total} >= ${minRequests})`)].join(' and on() ');
}
