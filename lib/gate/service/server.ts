/**
 * The gate's HTTP layer (fastify): the verdict endpoint with schema-validated input, optional
 * bearer auth, coalescing of identical concurrent verdicts, and the operational endpoints
 * /healthz, /readyz and /metrics. Answers: 200 with a verdict whenever it could judge, 400 naming
 * the field for bad input, 401 without the token, 503 when Prometheus could not answer in time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  ErrorResponse, VERDICT_PATH, VERDICT_REQUEST_SCHEMA, VerdictRequest,
  VerdictResponse, windowError,
} from '../contract';
import { GateConfig } from './config';
import { judge } from './judge';
import { PrometheusClient, PrometheusUnavailableError } from './prometheus-client';
import { planQueries, readMeasurements, resolveObjectives, verdictKey } from './queries';

export interface GateServer {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  /** Stops taking requests, lets the ones in flight finish, closes Prometheus connections. */
  close(): Promise<void>;
}

class BadRequest extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** Dotted field path of an ajv error, e.g. `workload.source.app.canaryPodTemplateHash`. */
function fieldOf(error: { instancePath: string; keyword: string; params: Record<string, unknown> }): string {
  const parts = error.instancePath.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') parts.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') parts.push(String(error.params.additionalProperty));
  return parts.length ? parts.join('.') : 'body';
}

function valueAt(body: unknown, field: string): unknown {
  if (field === 'body') return body;
  let value: unknown = body;
  for (const part of field.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Turns the first schema violation into a message naming the field, the value and what is allowed. */
function validationMessage(
  errors: Array<{ instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }>,
  body: unknown,
): BadRequest {
  const error = errors[0];
  const field = fieldOf(error);
  const value = valueAt(body, field);
  switch (error.keyword) {
    case 'required':
      return new BadRequest(field, `${field} is required`);
    case 'additionalProperties':
      return new BadRequest(field, `${field} is not a known field, remove it`);
    case 'minProperties':
    case 'maxProperties':
      return new BadRequest(field, `${field} must name exactly one SLI source, app or ingressNginx, got ${shown(Object.keys(value as object))}`);
    default:
      return new BadRequest(field, `${field} ${error.message ?? 'is invalid'}, got ${shown(value)}`);
  }
}

function tokenDigest(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

/** Builds the gate; call `app.listen()` to serve. */
export function buildGateServer(config: GateConfig, logger: Logger): GateServer {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'slo_gate_http_requests_total', help: 'HTTP requests served by the gate, by route and status code',
    labelNames: ['route', 'code'], registers: [registry],
  });
  const verdicts = new Counter({
    name: 'slo_gate_verdicts_total', help: 'Verdicts answered, by outcome (coalesced answers included)',
    labelNames: ['verdict'], registers: [registry],
  });
  const coalesced = new Counter({
    name: 'slo_gate_coalesced_requests_total', help: 'Verdict requests answered by joining an identical evaluation in flight',
    registers: [registry],
  });
  const queryDuration = new Histogram({
    name: 'slo_gate_prometheus_query_duration_seconds', help: 'Duration of the gate\'s Prometheus queries, by outcome',
    labelNames: ['outcome'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const verdictDuration = new Histogram({
    name: 'slo_gate_verdict_duration_seconds', help: 'Duration of verdict evaluations (queries and judging)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });

  const prometheus = new PrometheusClient({
    url: config.prometheusUrl,
    queryTimeoutMs: config.queryTimeoutMs,
    maxConcurrentQueries: config.maxConcurrentQueries,
    onQuery: (seconds, outcome) => queryDuration.observe({ outcome }, seconds),
  });
  const expectedToken = config.authToken !== undefined ? tokenDigest(config.authToken) : undefined;
  const inFlight = new Map<string, Promise<VerdictResponse>>();
  let closing = false;

  const app = Fastify({
    logger: false,
    bodyLimit: config.bodyLimit,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });

  // JSON only: without the built-in text parser, other content types are refused before parsing.
  app.removeContentTypeParser('text/plain');

  const send = (reply: FastifyReply, status: number, body: ErrorResponse) => reply.code(status).type('application/json').send(body);

  async function evaluate(request: VerdictRequest): Promise<VerdictResponse> {
    const started = process.hrtime.bigint();
    const plan = planQueries(request);
    const deadline = Date.now() + config.verdictTimeoutMs;
    const [requests, errors, latency] = await Promise.all([
      prometheus.vector(plan.requests, deadline),
      prometheus.vector(plan.errors, deadline),
      plan.latency ? prometheus.vector(plan.latency, deadline) : Promise.resolve(undefined),
    ]);
    const judgement = judge(readMeasurements(plan, requests, errors, latency), resolveObjectives(request));
    verdictDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { ...judgement, window: request.window };
  }

  app.setErrorHandler((error: FastifyError | BadRequest | PrometheusUnavailableError, request, reply) => {
    if (error instanceof BadRequest) {
      return send(reply, 400, { error: 'bad_request', field: error.field, message: error.message });
    }
    if (error instanceof PrometheusUnavailableError) {
      logger.warn({ err: error.message, path: request.url }, 'prometheus unavailable');
      return send(reply, 503, { error: 'prometheus_unavailable', message: error.message });
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      const bad = validationMessage(fe.validation as never, request.body);
      return send(reply, 400, { error: 'bad_request', field: bad.field, message: bad.message });
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 400, { error: 'bad_request', field: 'body', message: `body must be at most ${config.bodyLimit} bytes` });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, 400, { error: 'bad_request', field: 'body', message: `body must be a JSON object: ${fe.message}` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 400, { error: 'bad_request', field: 'content-type', message: `content-type must be application/json, got ${shown(request.headers['content-type'])}` });
      default:
        break;
    }
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return send(reply, 400, { error: 'bad_request', field: 'body', message: fe.message });
    }
    logger.error({ err: { message: fe.message, stack: fe.stack }, path: request.url }, 'internal error');
    return send(reply, 500, { error: 'internal', message: 'internal error, see the gate logs' });
  });

  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'bad_request', field: 'path', message: `no route ${request.method} ${request.url.split('?')[0]}, the verdict endpoint is POST ${VERDICT_PATH}` }));

  app.addHook('onResponse', async (request, reply) => {
    httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (closing) return send(reply, 503, { error: 'shutting_down', message: 'the gate is shutting down' });
    if (await prometheus.ready(Math.min(1000, config.queryTimeoutMs))) return { status: 'ready' };
    return send(reply, 503, { error: 'prometheus_unavailable', message: `prometheus at ${config.prometheusUrl} is not ready` });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  app.post(VERDICT_PATH, {
    schema: { body: VERDICT_REQUEST_SCHEMA },
    onRequest: async (request, reply) => {
      if (!expectedToken) return;
      const header = request.headers.authorization ?? '';
      const match = /^Bearer (.+)$/.exec(header);
      // Compare digests: equal lengths for timingSafeEqual, and no early exit on the first byte.
      if (!match || !timingSafeEqual(tokenDigest(match[1].trim()), expectedToken)) {
        return send(reply.header('www-authenticate', 'Bearer'), 401, { error: 'unauthorized', message: 'a valid bearer token is required in the authorization header' });
      }
      return undefined;
    },
  }, async (request) => {
    const body = request.body as VerdictRequest;
    const badWindow = windowError(body.window);
    if (badWindow) throw new BadRequest('window', badWindow);
    const started = process.hrtime.bigint();
    const key = verdictKey(body);
    let pending = inFlight.get(key);
    const joined = pending !== undefined;
    if (pending) {
      coalesced.inc();
    } else {
      pending = evaluate(body).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const answer = await pending;
    verdicts.inc({ verdict: answer.verdict });
    logger.info({
      namespace: body.workload.namespace,
      source: Object.keys(body.workload.source)[0],
      window: body.window,
      verdict: answer.verdict,
      reasons: answer.reasons,
      requests: answer.requests,
      coalesced: joined,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    }, 'verdict');
    return answer;
  });

  return {
    app,
    registry,
    close: async () => {
      closing = true;
      await app.close();
      prometheus.close();
    },
  };
}
