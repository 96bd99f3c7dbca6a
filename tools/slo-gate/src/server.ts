/**
 * The gate's HTTP layer (fastify): the verdict endpoint with schema-validated input, per-namespace
 * bearer tokens, coalescing of identical concurrent verdicts, a bound on verdicts in flight, and the
 * operational endpoints /healthz, /readyz and /metrics. Answers: 200 with a verdict whenever it could
 * judge; 400 naming the field for bad input (malformed, too large, too deep, too slow, a PromQL
 * keyword as a metric name); 401 without a valid token; 403 for a namespace or metric the token does
 * not cover; 503 `prometheus_unavailable` when Prometheus could not answer in time, `overloaded` (with
 * Retry-After) when too many verdicts are in flight. Every answer but 200 has the contract's error
 * shape and every verdict request is logged once, with its request id (echoed in `x-request-id`).
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  DEFAULT_DURATION_METRIC, DEFAULT_REQUESTS_METRIC, ErrorResponse, MAX_BODY_DEPTH, metricNameError, REQUEST_ID_HEADER, REQUEST_ID_PATTERN,
  VERDICT_PATH, VERDICT_REQUEST_SCHEMA, VerdictRequest, VerdictResponse, windowError,
} from '@cdk8s-progressive/gate-contract';
import { GateConfig } from './config';
import { judge } from './judge';
import { readBasicAuth } from './prometheus-auth';
import { PrometheusClient, PrometheusUnavailableError } from './prometheus-client';
import { planQueries, readMeasurements, resolveObjectives, verdictKey } from './queries';
import { TenantTokens } from './tenant-tokens';

export interface GateServer {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  /** Stops taking requests, lets the ones in flight finish, closes Prometheus connections. */
  close(): Promise<void>;
}

/** How often the tenant tokens and Prometheus credentials are read again. */
export const SECRETS_RELOAD_MS = 5000;
/** Bound on one readiness check of Prometheus, half the kubelet's default 1 s probe timeout. */
export const READINESS_TIMEOUT_MS = 500;
/** A readiness answer younger than this is reused, so probes cannot multiply Prometheus requests. */
const READINESS_CACHE_MS = 1000;

class GateError extends Error {
  constructor(readonly status: number, readonly code: ErrorResponse['error'], message: string, readonly field?: string) {
    super(message);
  }
}
const badRequest = (field: string, message: string) => new GateError(400, 'bad_request', message, field);
const forbidden = (field: string, message: string) => new GateError(403, 'forbidden', message, field);

/** What the log line of a request says beyond status and timing. */
interface RequestNotes {
  tenant?: string;
  workload?: Record<string, string | undefined>;
  verdict?: string;
  reasons?: string[];
  requests?: VerdictResponse['requests'];
  window?: string;
  coalesced?: boolean;
  error?: ErrorResponse['error'];
  field?: string;
  message?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    notes: RequestNotes;
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

/** A value as a message shows it: JSON, at most 80 characters. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : JSON.stringify(value);
  } catch {
    text = 'an unprintable value';
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Turns the first schema violation into a message naming the field, the value and what is allowed. */
function validationMessage(
  errors: Array<{ instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }>,
  body: unknown,
): GateError {
  const error = errors[0];
  const field = fieldOf(error);
  const value = valueAt(body, field);
  switch (error.keyword) {
    case 'required':
      return badRequest(field, `${field} is required`);
    case 'additionalProperties':
      return badRequest(field, `${field} is not a known field, remove it`);
    case 'minProperties':
    case 'maxProperties':
      return badRequest(field, `${field} must name exactly one SLI source, app or ingressNginx, got ${shown(Object.keys(value as object))}`);
    default:
      return badRequest(field, `${field} ${error.message ?? 'is invalid'}, got ${shown(value)}`);
  }
}

/** Whether JSON text nests objects and arrays deeper than `max` (strings skipped), without parsing it. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The workload as logs show it: namespace, rollout, and the pod-template hashes or the Ingress. */
function workloadOf(body: VerdictRequest): Record<string, string | undefined> {
  const { app, ingressNginx } = body.workload.source;
  return {
    namespace: body.workload.namespace,
    rollout: body.workload.rollout,
    ...(app ? { source: 'app', canaryHash: app.canaryPodTemplateHash, stableHash: app.stablePodTemplateHash } : {}),
    ...(ingressNginx ? { source: 'ingressNginx', ingress: ingressNginx.stableIngress, canaryService: ingressNginx.canaryService } : {}),
  };
}

/** The metric names a request makes the gate query, with the field naming each. */
function metricsOf(body: VerdictRequest): Array<[string, string]> {
  const app = body.workload.source.app;
  if (!app) return [];
  const names: Array<[string, string]> = [['workload.source.app.requestsMetric', app.requestsMetric ?? DEFAULT_REQUESTS_METRIC]];
  if (app.durationMetric !== undefined || body.objectives.latency) {
    names.push(['workload.source.app.durationMetric', app.durationMetric ?? DEFAULT_DURATION_METRIC]);
  }
  return names;
}

/** Builds the gate; call `app.listen()` to serve. */
export function buildGateServer(config: GateConfig, logger: Logger): GateServer {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'slo_gate_http_requests_total', help: 'HTTP requests served by the gate, by route and status code',
    labelNames: ['route', 'code'], registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'slo_gate_http_request_duration_seconds', help: 'Time from a request\'s arrival to its answer, by route',
    labelNames: ['route'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });
  const verdicts = new Counter({
    name: 'slo_gate_verdicts_total', help: 'Verdicts answered, by outcome (coalesced answers included)',
    labelNames: ['verdict'], registers: [registry],
  });
  const coalesced = new Counter({
    name: 'slo_gate_coalesced_requests_total', help: 'Verdict requests answered by joining an identical evaluation in flight',
    registers: [registry],
  });
  const shed = new Counter({
    name: 'slo_gate_overloaded_requests_total', help: 'Verdict requests answered 503 overloaded: too many distinct verdicts in flight',
    registers: [registry],
  });
  const reloadErrors = new Counter({
    name: 'slo_gate_secret_reload_errors_total', help: 'Failed re-reads of the tenant tokens or Prometheus credentials (the previous ones stay in force)',
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
  const inFlight = new Map<string, Promise<VerdictResponse>>();
  new Gauge({
    name: 'slo_gate_pending_verdicts', help: 'Distinct verdict evaluations in flight', registers: [registry],
    collect() { this.set(inFlight.size); },
  });

  // Secrets from files, read again every few seconds: a rotated Secret needs no restart, and a bad
  // re-read keeps the previous value (the error names the file, never its content).
  let tokens = config.tenantTokensDir !== undefined ? TenantTokens.read(config.tenantTokensDir) : undefined;
  let basicAuth = config.prometheusUsernameFile && config.prometheusPasswordFile
    ? readBasicAuth(config.prometheusUsernameFile, config.prometheusPasswordFile) : undefined;
  const tenants = new Gauge({ name: 'slo_gate_tenant_namespaces', help: 'Namespaces holding a tenant token', registers: [registry] });
  tenants.set(tokens?.namespaces.length ?? 0);
  if (tokens) logger.info({ namespaces: tokens.namespaces }, 'tenant tokens loaded');
  const reload = () => {
    if (config.tenantTokensDir !== undefined) {
      try {
        const next = TenantTokens.read(config.tenantTokensDir);
        if (next.fingerprint !== tokens?.fingerprint) {
          tokens = next;
          tenants.set(next.namespaces.length);
          logger.info({ namespaces: next.namespaces }, 'tenant tokens loaded');
        }
      } catch (err) {
        reloadErrors.inc();
        logger.error({ err: (err as Error).message }, 'tenant tokens not reloaded, the previous ones stay in force');
      }
    }
    if (config.prometheusUsernameFile && config.prometheusPasswordFile) {
      try {
        basicAuth = readBasicAuth(config.prometheusUsernameFile, config.prometheusPasswordFile);
      } catch (err) {
        reloadErrors.inc();
        logger.error({ err: (err as Error).message }, 'prometheus credentials not reloaded, the previous ones stay in force');
      }
    }
  };
  const reloader = setInterval(reload, SECRETS_RELOAD_MS);
  reloader.unref();

  const prometheus = new PrometheusClient({
    url: config.prometheusUrl,
    queryTimeoutMs: config.queryTimeoutMs,
    maxConcurrentQueries: config.maxConcurrentQueries,
    onQuery: (seconds, outcome) => queryDuration.observe({ outcome }, seconds),
    authorization: () => basicAuth,
  });
  let closing = false;
  const retryAfterSeconds = Math.ceil(config.verdictTimeoutMs / 1000);

  const validRequestId = new RegExp(REQUEST_ID_PATTERN);
  const app = Fastify({
    logger: false,
    bodyLimit: config.bodyLimit,
    // Requests arriving while the gate stops are answered by the onRequest hook, in the contract's shape.
    return503OnClosing: false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers[REQUEST_ID_HEADER];
      return typeof given === 'string' && validRequestId.test(given) ? given : randomUUID();
    },
    // Timeouts: the whole request within requestTimeout (headers sooner), idle keep-alive connections
    // closed, and a socket silent for longer than any verdict takes is dropped. Checked every 500 ms.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.idleTimeoutMs,
    connectionTimeout: Math.max(config.requestTimeoutMs, config.verdictTimeoutMs) + 5000,
    // (Node 20 takes both; the @types/node this project pins does not list headersTimeout yet.)
    http: { headersTimeout: Math.min(5000, config.requestTimeoutMs), connectionsCheckingInterval: 500 } as http.ServerOptions,
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || socket.destroyed) return;
      const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const body: ErrorResponse = timedOut
        ? { error: 'bad_request', field: 'body', message: `the request must arrive within ${config.requestTimeoutMs} ms (its headers within ${Math.min(5000, config.requestTimeoutMs)} ms)` }
        : { error: 'bad_request', field: err.code === 'HPE_HEADER_OVERFLOW' ? 'headers' : 'request', message: `the request is not valid HTTP/1.1: ${err.code ?? 'malformed'}` };
      const id = randomUUID();
      logger.warn({ reqId: id, status: 400, error: body.error, field: body.field, message: body.message, remote: socket.remoteAddress }, 'request refused');
      const text = JSON.stringify(body);
      if (socket.writable) {
        socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n`
          + `${REQUEST_ID_HEADER}: ${id}\r\nConnection: close\r\n\r\n${text}`);
      }
      socket.destroy();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  app.decorateRequest('notes', null as unknown as RequestNotes);

  // JSON only, and no deeper than a valid request could be: a deep body is refused before it is parsed.
  app.removeContentTypeParser('text/plain');
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: config.bodyLimit }, (request, body, done) => {
    if (nestsDeeperThan(body as string, MAX_BODY_DEPTH)) {
      done(badRequest('body', `body must nest objects and arrays at most ${MAX_BODY_DEPTH} levels deep`), undefined);
      return;
    }
    defaultJson(request, body as string, (err, parsed) => {
      if (err && isJson(body as string)) {
        done(badRequest('body', 'body must not use the keys __proto__ or constructor.prototype'), undefined);
        return;
      }
      done(err, parsed);
    });
  });

  const send = (request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorResponse) => {
    request.notes = { ...request.notes, error: body.error, field: body.field, message: body.message };
    return reply.code(status).type('application/json').send(body);
  };

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

  app.setErrorHandler((error: FastifyError | GateError | PrometheusUnavailableError, request, reply) => {
    try {
      if (error instanceof GateError) {
        if (error.status === 503) reply.header('retry-after', String(retryAfterSeconds));
        return send(request, reply, error.status, { error: error.code, ...(error.field ? { field: error.field } : {}), message: error.message });
      }
      if (error instanceof PrometheusUnavailableError) {
        return send(request, reply, 503, { error: 'prometheus_unavailable', message: error.message });
      }
      const fe = error as FastifyError;
      if (fe.validation) {
        const bad = validationMessage(fe.validation as never, request.body);
        return send(request, reply, 400, { error: 'bad_request', field: bad.field, message: bad.message });
      }
      switch (fe.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return send(request, reply, 400, { error: 'bad_request', field: 'body', message: `body must be at most ${config.bodyLimit} bytes` });
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return send(request, reply, 400, { error: 'bad_request', field: 'body', message: `body must be a JSON object: ${fe.message}` });
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return send(request, reply, 400, { error: 'bad_request', field: 'content-type', message: `content-type must be application/json, got ${shown(request.headers['content-type'])}` });
        default:
          break;
      }
      if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
        return send(request, reply, 400, { error: 'bad_request', field: 'body', message: fe.message });
      }
      logger.error({ reqId: request.id, err: { message: fe.message, stack: fe.stack } }, 'internal error');
    } catch (failure) {
      logger.error({ reqId: request.id, err: { message: (failure as Error).message } }, 'internal error while answering an error');
    }
    return send(request, reply, 500, { error: 'internal', message: `internal error, see the gate logs for request ${request.id}` });
  });

  app.setNotFoundHandler((request, reply) => send(request, reply, 404, {
    error: 'bad_request', field: 'path', message: `no route ${request.method} ${shown(request.url.split('?')[0])}, the verdict endpoint is POST ${VERDICT_PATH}`,
  }));

  app.addHook('onRequest', async (request, reply) => {
    request.notes = {};
    reply.header(REQUEST_ID_HEADER, request.id);
    if (closing && request.routeOptions.url === VERDICT_PATH) {
      return send(request, reply.header('retry-after', String(retryAfterSeconds)), 503, { error: 'shutting_down', message: 'the gate is shutting down: ask another replica' });
    }
    return undefined;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpRequests.inc({ route, code: String(reply.statusCode) });
    httpDuration.observe({ route }, reply.elapsedTime / 1000);
    const isVerdict = route === VERDICT_PATH;
    // Probes and scrapes are not logged; refusals on other paths are.
    if (!isVerdict && (reply.statusCode < 400 || route === '/readyz')) return;
    const n = request.notes ?? {};
    const line = {
      reqId: request.id, method: request.method, path: isVerdict ? VERDICT_PATH : shown(request.url.split('?')[0]), status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10, ...n,
    };
    if (reply.statusCode >= 500 && n.error === 'internal') logger.error(line, 'verdict request');
    else if (reply.statusCode >= 400) logger.warn(line, isVerdict ? 'verdict request' : 'request refused');
    else logger.info(line, 'verdict request');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: whether Prometheus answers, asked on the readiness pool with a 500 ms bound, one check
  // at a time, its answer reused for a second: /readyz answers within 1 s however many verdicts wait.
  let readiness: { at: number; notReady?: string } | undefined;
  let checking: Promise<string | undefined> | undefined;
  const notReady = (): Promise<string | undefined> => {
    if (readiness && Date.now() - readiness.at < READINESS_CACHE_MS) return Promise.resolve(readiness.notReady);
    checking ??= prometheus.notReady(READINESS_TIMEOUT_MS).then((reason) => {
      if (readiness === undefined || (readiness.notReady === undefined) !== (reason === undefined)) {
        if (reason === undefined) logger.info('ready: prometheus answers');
        else logger.warn({ reason }, 'not ready: prometheus does not answer');
      }
      readiness = { at: Date.now(), notReady: reason };
      return reason;
    }).finally(() => { checking = undefined; });
    return checking;
  };
  app.get('/readyz', async (request, reply) => {
    if (closing) return send(request, reply, 503, { error: 'shutting_down', message: 'the gate is shutting down' });
    const reason = await notReady();
    if (reason === undefined) return { status: 'ready' };
    return send(request, reply, 503, { error: 'prometheus_unavailable', message: `prometheus is not ready: ${reason}` });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  app.post(VERDICT_PATH, {
    schema: { body: VERDICT_REQUEST_SCHEMA },
    onRequest: async (request, reply) => {
      if (!tokens) return undefined;
      // The scheme is case-insensitive (RFC 9110): Bearer, bearer and BEARER all name it.
      const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
      const tenant = match ? tokens.namespaceOf(match[1]) : undefined;
      if (tenant === undefined) {
        return send(request, reply.header('www-authenticate', 'Bearer'), 401, {
          error: 'unauthorized', message: 'a valid bearer token is required in the authorization header: the token of the rollout\'s namespace',
        });
      }
      request.notes.tenant = tenant;
      return undefined;
    },
  }, async (request) => {
    const body = request.body as VerdictRequest;
    const notes = request.notes;
    notes.workload = workloadOf(body);
    notes.window = body.window;
    const badWindow = windowError(body.window);
    if (badWindow) throw badRequest('window', badWindow);
    const metrics = metricsOf(body);
    for (const [field, name] of metrics) {
      const keyword = metricNameError(field, name);
      if (keyword) throw badRequest(field, keyword);
    }
    if (notes.tenant !== undefined && notes.tenant !== body.workload.namespace) {
      throw forbidden('workload.namespace', `workload.namespace must be ${notes.tenant}, the namespace of the token presented, `
        + `got ${JSON.stringify(body.workload.namespace)}: a token covers the workloads of its own namespace only`);
    }
    for (const [field, name] of metrics) {
      if (!config.allowedMetrics.includes(name)) {
        throw forbidden(field, `${field} must be one of the metrics this gate serves (${config.allowedMetrics.join(', ')}), got ${JSON.stringify(name)}: `
          + 'ask the gate\'s operators to add it to allowedMetrics');
      }
    }
    const key = verdictKey(body);
    let pending = inFlight.get(key);
    notes.coalesced = pending !== undefined;
    if (pending) {
      coalesced.inc();
    } else {
      if (inFlight.size >= config.maxPendingVerdicts) {
        shed.inc();
        throw new GateError(503, 'overloaded', `the gate has ${inFlight.size} verdicts in flight, its limit: retry after ${retryAfterSeconds}s`);
      }
      pending = evaluate(body).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const answer = await pending;
    verdicts.inc({ verdict: answer.verdict });
    Object.assign(notes, { verdict: answer.verdict, requests: answer.requests, ...(answer.verdict === 'pass' ? {} : { reasons: answer.reasons }) });
    return answer;
  });

  return {
    app,
    registry,
    close: async () => {
      closing = true;
      clearInterval(reloader);
      await app.close();
      prometheus.close();
    },
  };
}
