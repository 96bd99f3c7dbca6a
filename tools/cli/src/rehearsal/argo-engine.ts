/**
 * A rehearsal run by the real Argo Rollouts controller (`rehearse --engine argo`) on a cluster whose
 * kubelet is kwok, such as the local control plane (npm run cluster:up):
 * - the chart's objects are applied to a namespace under "restricted"; the analysis providers are
 *   pointed at the rehearsal's Prometheus and slo-gate on 127.0.0.1 (the controller runs on this
 *   machine) and, with a time-scale, pauses, intervals, initialDelay, minReadySeconds and query windows
 *   are divided by it before they are applied (pauses in whole seconds, as Argo reads them);
 * - a pod runner starts one demo-service process per Ready pod of the Rollout, its behaviour chosen by
 *   the image tag; Prometheus scrapes each with the labels the PodMonitor gives
 *   (namespace, pod, rollouts_pod_template_hash);
 * - NGINX follows the Ingresses: the stable Ingress' Service and the canary Ingress' Service (their
 *   selectors, which the controller sets) give the upstreams' pods, the canary Ingress' canary-weight
 *   annotation (written by the controller) the share of the canary;
 * - the update is the Rollout applied again with the image tag of the canary's behaviour; steps,
 *   pauses, analysis runs, promotion and abort are the controller's own. The rehearsal only watches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubectl, kubectlOk } from '../cluster/kubectl';
import { DemoMode } from '../demo/demo-service';
import { VERDICT_PATH } from '@cdk8s-progressive/gate-contract';
import { DEFAULT_BUDGETS, PlanBudgets, recordedBudgets } from 'cdk8s-progressive/build/lib/rollout/plan';
import { parseDurationSeconds } from 'cdk8s-progressive/build/lib/util/internal-duration';
import { sleep, waitUntil } from './internal-processes';
import { LoadResponse, startLoad } from './load';
import { LocalGate } from './gate';
import { LocalNginx, NginxRoutes } from './nginx';
import { PodEndpoint, PodRunner, withTag } from './pod-runner';
import { PrometheusServer } from './prometheus';
import { localizeProvider } from './providers';
import { chartDocuments, chartObjects, indefinitePauseWatchMs, realRate, RehearsalOptions } from './rehearse';
import { TimeScale } from './time-scale';
import { trafficByPhase, PhaseTraffic } from './timeline';

type Json = { [key: string]: any };

/** The emulation's options (rehearsal/rehearse.ts), with the cluster to run on. */
export interface ClusterRehearsalOptions extends RehearsalOptions {
  /** kubeconfig of the cluster (its kubelet kwok, its Argo Rollouts controller on this machine). */
  readonly kubeconfig: string;
  /** Namespace the objects are applied to, created under "restricted" and deleted after. @default - the Rollout's */
  readonly namespace?: string;
  /** Bound on the rollout, from the update to its outcome. @default - the promotion budget, time-scaled, plus 2 minutes */
  readonly timeoutMs?: number;
}

export type ClusterOutcome = 'promoted' | 'aborted' | 'paused' | 'timed out';

export interface ClusterRehearsalSummary {
  readonly engine: 'argo';
  readonly chart: string;
  readonly rollout: string;
  readonly canary: DemoMode;
  readonly timeScale: number;
  readonly hashes: { readonly stable: string; readonly canary?: string };
  readonly result: ClusterOutcome;
  readonly message: string;
  /** The last step the rollout was seen at before it was aborted or paused (the controller resets it to 0 on abort). */
  readonly step?: number;
  /** Real seconds from the image change applied to the Rollout fully promoted (stable = the new revision, Healthy). */
  readonly updateToPromotedSeconds?: number;
  /** Real seconds from the first canary pod's process ready to NGINX sending no request to the canary after the abort. */
  readonly canaryStartToStableSeconds?: number;
  /** The AnalysisRuns the controller created for the update, oldest first. */
  readonly analysisRuns: Array<{ readonly name: string; readonly phase: string; readonly message?: string; readonly metrics: string[] }>;
  readonly load: {
    readonly realRate: number;
    readonly requests: number;
    readonly non2xx: number;
    readonly byPhase: PhaseTraffic[];
  };
}

export interface ClusterRehearsalResult {
  readonly summary: ClusterRehearsalSummary;
  readonly responses: LoadResponse[];
  /** The summary file, when `outDir` was given. */
  readonly file?: string;
}

/** The Go duration of `seconds`, in milliseconds so that nothing is rounded away. */
const goDuration = (seconds: number) => `${Math.max(1, Math.round(seconds * 1000))}ms`;

/**
 * The chart's objects as the rehearsal applies them: in `namespace`, the analysis providers on the local
 * Prometheus and gate, the durations divided by the time scale, the Rollout's image as written.
 */
export function clusterObjects(docs: readonly Json[], rolloutName: string, namespace: string, targets: { prometheusUrl: string; gateUrl: string }, scale: TimeScale): Json[] {
  const out: Json[] = [];
  for (const original of docs) {
    const o: Json = JSON.parse(JSON.stringify(original));
    if (o.kind === 'Namespace') continue;
    if (o.kind !== 'ClusterAnalysisTemplate' && o.metadata) o.metadata.namespace = namespace;
    if (o.kind === 'Rollout' && o.metadata.name !== rolloutName) continue;
    if (o.kind === 'AnalysisTemplate' || o.kind === 'ClusterAnalysisTemplate') {
      o.spec.metrics = (o.spec.metrics ?? []).map((raw: Json) => {
        const m = localizeProvider(raw, { ...targets, scale });
        for (const kind of ['interval', 'initialDelay'] as const) {
          if (m[kind] !== undefined) m[kind] = goDuration(scale.seconds(parseDurationSeconds(m[kind]), kind, `${m.name} ${kind}`));
        }
        return m;
      });
    }
    if (o.kind === 'Rollout') {
      if (o.spec.minReadySeconds) o.spec.minReadySeconds = Math.round(o.spec.minReadySeconds / scale.factor);
      for (const step of o.spec.strategy?.canary?.steps ?? []) {
        // Argo reads a pause in whole seconds (RolloutPause.DurationSeconds): at least 1.
        if (step.pause?.duration !== undefined) step.pause.duration = `${Math.max(1, Math.round(scale.seconds(parseDurationSeconds(step.pause.duration), 'pause')))}s`;
      }
    }
    out.push(o);
  }
  return out;
}

/** The Secrets the templates' secretKeyRef args name, each key holding the rehearsal's gate token. */
export function tokenSecrets(objects: readonly Json[], namespace: string, token: string): Json[] {
  const keys = new Map<string, Set<string>>();
  for (const o of objects.filter((x) => x.kind === 'AnalysisTemplate' || x.kind === 'ClusterAnalysisTemplate')) {
    for (const arg of o.spec?.args ?? []) {
      const ref = arg.valueFrom?.secretKeyRef;
      if (ref?.name && ref?.key) keys.set(ref.name, (keys.get(ref.name) ?? new Set()).add(ref.key));
    }
  }
  return [...keys].map(([name, names]) => ({
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace },
    stringData: Object.fromEntries([...names].sort().map((key) => [key, token])),
  }));
}

/**
 * How long a rehearsal waits for the rollout to end, in real ms: its promotion budget scaled, and 2 minutes for
 * the controller's reconciles. A chart with its promotion budget turned off is still bounded, by the default budget.
 */
export function rehearsalTimeoutMs(budgets: PlanBudgets, timeScale: number): number {
  const promotionSeconds = Number.isFinite(budgets.promotionSeconds) ? budgets.promotionSeconds : DEFAULT_BUDGETS.promotionSeconds;
  return Math.round((promotionSeconds / timeScale) * 1000) + 120_000;
}

/** Runs one rehearsal on the cluster; every process it starts is stopped and the namespace deleted before it returns or throws. */
export async function rehearseOnCluster(options: ClusterRehearsalOptions): Promise<ClusterRehearsalResult> {
  const print = options.print ?? (() => undefined);
  const mode: DemoMode = options.canary ?? 'good';
  const scale = new TimeScale(options.timeScale ?? 10);
  const loadRate = realRate(options.rate ?? 20, scale.factor);
  const kubeconfig = options.kubeconfig;
  if (!fs.existsSync(kubeconfig)) throw new Error(`kubeconfig ${kubeconfig} does not exist: start the local control plane with npm run cluster:up`);
  const docs = chartDocuments(options.chart);
  const chart = chartObjects(docs, options.chart, options.rollout);
  const name: string = chart.rollout.metadata.name;
  const namespace = options.namespace ?? chart.rollout.metadata.namespace ?? 'default';
  const canarySpec: Json = chart.rollout.spec.strategy?.canary;
  const pauseWatchMs = indefinitePauseWatchMs(chart, scale.factor);
  if (!chart.rollout.spec.template) {
    throw new Error(`rollout ${name} takes its pods from workloadRef (${chart.rollout.spec.workloadRef?.kind} ${chart.rollout.spec.workloadRef?.name}), `
      + 'which the argo engine cannot change to a canary image: use --engine emulated');
  }
  const nginxRouting: Json | undefined = canarySpec?.trafficRouting?.nginx;
  if (!nginxRouting?.stableIngress) {
    throw new Error(`rollout ${name}: the argo engine routes traffic from strategy.canary.trafficRouting.nginx.stableIngress, which is not set: use --engine emulated`);
  }
  const annotationPrefix: string = nginxRouting.annotationPrefix ?? 'nginx.ingress.kubernetes.io';
  const canaryIngressName = `${name}-${nginxRouting.stableIngress}-canary`;
  const budgets = recordedBudgets(chart.rollout.metadata, `rollout ${namespace}/${name}`);
  const timeoutMs = options.timeoutMs ?? rehearsalTimeoutMs(budgets, scale.factor);
  const k = (args: string[], input?: string) => kubectlOk(kubeconfig, args, input !== undefined ? { input } : {});

  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  const log = (line: string) => print(`  ${at()}  ${line}`);
  print(`rehearsal on the cluster (argo engine) of rollout ${name} from ${options.chart} in namespace ${namespace}: ${mode} canary, `
    + `time-scale ${scale.factor}, load ${loadRate} requests/s`);

  const runner = new PodRunner({ seed: options.seed ?? 1, baselineErrorRate: options.baselineErrorRate ?? 0, print: log });
  let prometheus: PrometheusServer | undefined;
  let nginx: LocalNginx | undefined;
  let load: ReturnType<typeof startLoad> | undefined;
  let stopRouter = false;
  let router: Promise<void> | undefined;
  let namespaceCreated = false;
  let gate: LocalGate | undefined;
  try {
    prometheus = await PrometheusServer.start({ targets: [], fileTargets: true, waitForUp: 0 });
    // The gate with a tenant token for the rehearsal's namespace; the Secrets its templates read get the token below.
    gate = await LocalGate.start(prometheus.url, namespace);
    const gateUrl = gate.url;
    nginx = await LocalNginx.start({ stablePort: 0, stablePorts: [], canaryWeight: 0 });
    print(`  nginx ${nginx.url}, prometheus ${prometheus.url}, slo-gate ${gateUrl}${VERDICT_PATH}`);

    const objects = clusterObjects(docs, name, namespace, { prometheusUrl: prometheus.url, gateUrl }, scale);
    if (scale.floored.length > 0) print(`  floors applied: ${scale.floored.join('; ')}`);
    const rollout = objects.find((o) => o.kind === 'Rollout')!;
    const image: string = rollout.spec.template.spec.containers[0].image;
    const canaryImage = withTag(image, mode);
    if (canaryImage === image) throw new Error(`rollout ${name} already runs ${image}: give the chart an image tag other than good, failing or slow`);

    await k(['apply', '--server-side', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
    }));
    namespaceCreated = true;
    await waitUntil(async () => (await kubectl(kubeconfig, ['get', 'serviceaccount', 'default', '-n', namespace])).code === 0, 30_000, `ServiceAccount ${namespace}/default`, 200);
    for (const secret of tokenSecrets(objects, namespace, gate.token)) {
      await k(['apply', '--server-side', '-f', '-'], JSON.stringify(secret));
      print(`  secret ${secret.metadata.name} (${Object.keys(secret.stringData).join(', ')}) -> the slo-gate token made for namespace ${namespace}`);
    }

    // The router: every 500 ms, the pods, Services, Ingresses and the Rollout as the API server has them.
    let state: { rollout?: Json; canaryWeight: number; canaryPods: number; stablePods: number } = { canaryWeight: 0, canaryPods: 0, stablePods: 0 };
    let lastRoutes = '';
    let lastRouted = { canaryWeight: 0, canaryEndpoints: 0 };
    let routerError: Error | undefined;
    const selectorOf = (service: Json | undefined): Record<string, string> | undefined => service?.spec?.selector;
    const matches = (e: PodEndpoint, selector: Record<string, string> | undefined) => selector !== undefined && Object.entries(selector).every(([key, v]) => e.labels[key] === v);
    const podSelector = rollout.spec.selector.matchLabels as Record<string, string>;
    const reconcile = async () => {
      const list = JSON.parse(await k(['get', 'pods,services,ingresses,rollouts.argoproj.io', '-n', namespace, '-o', 'json'])) as { items: Json[] };
      const of = (kind: string) => list.items.filter((o) => o.kind === kind);
      const pods = of('Pod').filter((p) => Object.entries(podSelector).every(([key, v]) => p.metadata.labels?.[key] === v));
      const gone = await runner.startReady(pods);
      const live = runner.endpoints().filter((e) => !gone.includes(e.pod));
      const service = (n: string | undefined) => of('Service').find((s) => s.metadata.name === n);
      const ingress = (n: string) => of('Ingress').find((i) => i.metadata.name === n);
      const backend = (i: Json | undefined): string | undefined => i?.spec?.rules?.[0]?.http?.paths?.[0]?.backend?.service?.name;
      const stableIngress = ingress(nginxRouting.stableIngress);
      const canaryIngress = ingress(canaryIngressName);
      const stablePorts = live.filter((e) => matches(e, selectorOf(service(backend(stableIngress))))).map((e) => e.port);
      const canaryPorts = canaryIngress ? live.filter((e) => matches(e, selectorOf(service(backend(canaryIngress))))).map((e) => e.port) : [];
      const weightAnnotation = canaryIngress?.metadata?.annotations?.[`${annotationPrefix}/canary-weight`];
      const total = Number(canaryIngress?.metadata?.annotations?.[`${annotationPrefix}/canary-weight-total`] ?? 100);
      const weight = canaryIngress?.metadata?.annotations?.[`${annotationPrefix}/canary`] === 'true' && weightAnnotation !== undefined
        ? Math.round((Number(weightAnnotation) / total) * 100) : 0;
      const routes: NginxRoutes = { stablePort: 0, stablePorts, canaryPorts, canaryWeight: weight };
      const key = JSON.stringify(routes);
      if (key !== lastRoutes) {
        await nginx!.route(routes);
        lastRoutes = key;
        lastRouted = { canaryWeight: weight, canaryEndpoints: canaryPorts.length };
        log(`nginx: stable ${stablePorts.length} endpoint(s), canary ${canaryPorts.length} endpoint(s) at weight ${weight}`);
      }
      prometheus!.setFileTargets(live.map((e) => ({
        port: e.port,
        labels: { namespace, pod: e.pod, rollouts_pod_template_hash: e.labels['rollouts-pod-template-hash'] ?? '' },
      })));
      await runner.stop(gone);
      state = { rollout: of('Rollout').find((r) => r.metadata.name === name), canaryWeight: weight, canaryPods: canaryPorts.length, stablePods: stablePorts.length };
    };
    router = (async () => {
      while (!stopRouter) {
        try {
          await reconcile();
        } catch (err) {
          routerError = err as Error;
          log(`router: ${(err as Error).message.split('\n')[0]}`);
        }
        await sleep(500);
      }
    })();

    // The stable version: the chart as written, reconciled by the controller to a Healthy Rollout, every pod served.
    await k(['apply', '--server-side', '--force-conflicts', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
    log(`applied ${objects.length} objects; waiting for the stable version (${image})`);
    const replicas: number = rollout.spec.replicas ?? 1;
    await waitUntil(async () => state.rollout?.status?.phase === 'Healthy' && state.stablePods === replicas, 120_000,
      `rollout ${namespace}/${name} Healthy with ${replicas} stable pods served`, 250).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${JSON.stringify(state.rollout?.status ?? {})}${routerError ? `; router: ${routerError.message}` : ''}`);
    });
    const stableHash: string = state.rollout!.status.stableRS;
    log(`stable version Healthy: ${replicas} pods, rollouts-pod-template-hash ${stableHash}`);

    let phase = 'stable';
    load = startLoad({ url: `${nginx.url}/`, rate: loadRate, phase: () => phase, maxDurationMs: timeoutMs + 180_000 });
    await sleep(2000);

    // The update: the Rollout applied again with the canary's image.
    rollout.spec.template.spec.containers[0].image = canaryImage;
    phase = 'rollout';
    const updateAt = Date.now();
    await k(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(rollout));
    log(`applied the update: image ${canaryImage}`);

    let outcome: ClusterOutcome = 'timed out';
    let message = '';
    let canaryStartAt: number | undefined;
    let promotedAt: number | undefined;
    let stableAgainAt: number | undefined;
    let lastStep = '';
    let pausedAt: number | undefined;
    let stepIndex: number | undefined;
    const deadline = updateAt + timeoutMs;
    while (Date.now() < deadline) {
      const status: Json = state.rollout?.status ?? {};
      const canaryEndpoints = runner.endpoints().filter((e) => e.labels['rollouts-pod-template-hash'] === status.currentPodHash && status.currentPodHash !== stableHash);
      if (canaryStartAt === undefined && canaryEndpoints.length > 0) canaryStartAt = Math.min(...canaryEndpoints.map((e) => e.readyAt));
      const step = `step ${status.currentStepIndex ?? '-'}/${canarySpec.steps?.length ?? 0}, phase ${status.phase}${status.message ? ` (${status.message})` : ''}`;
      if (step !== lastStep) { log(step); lastStep = step; }
      if (status.abort !== true && status.currentStepIndex !== undefined) stepIndex = status.currentStepIndex;
      if (status.abort === true) {
        outcome = 'aborted';
        message = status.message ?? 'aborted';
        // Traffic is back on stable once NGINX sends nothing to the canary.
        await waitUntil(async () => lastRouted.canaryWeight === 0 || lastRouted.canaryEndpoints === 0, 60_000, 'traffic back on stable after the abort', 100);
        stableAgainAt = Date.now();
        break;
      }
      if (status.currentPodHash && status.currentPodHash !== stableHash && status.stableRS === status.currentPodHash && status.phase === 'Healthy') {
        outcome = 'promoted';
        message = status.message ?? 'promoted';
        promotedAt = Date.now();
        break;
      }
      if (status.phase === 'Paused' && (status.pauseConditions ?? []).length > 0) {
        const current = canarySpec.steps?.[status.currentStepIndex];
        // The background analysis keeps running through the pause and can still abort: watched as the emulation does.
        if (current?.pause && current.pause.duration === undefined) {
          if (pausedAt === undefined) {
            pausedAt = Date.now();
            if (pauseWatchMs > 0) log(`paused until a human promotes; the background analysis keeps running, watched for ${pauseWatchMs / 1000}s`);
          }
          if (Date.now() - pausedAt >= pauseWatchMs) {
            outcome = 'paused';
            message = status.message ?? 'paused indefinitely';
            break;
          }
        }
      }
      await sleep(250);
    }
    phase = outcome;
    log(`outcome: ${outcome}${message ? ` (${message})` : ''}`);
    const runs = JSON.parse(await k(['get', 'analysisruns.argoproj.io', '-n', namespace, '-o', 'json'])) as { items: Json[] };
    const analysisRuns = runs.items
      .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)))
      .map((r) => ({
        name: r.metadata.name as string,
        phase: (r.status?.phase ?? 'Pending') as string,
        ...(r.status?.message ? { message: r.status.message as string } : {}),
        metrics: (r.status?.metricResults ?? []).map((m: Json) => `${m.name} ${m.phase} (${m.count ?? 0} measured, ${m.failed ?? 0} failed)`),
      }));
    await sleep(1000);
    const responses = await load.stop();
    load = undefined;
    const summary: ClusterRehearsalSummary = {
      engine: 'argo',
      chart: options.chart,
      rollout: `${namespace}/${name}`,
      canary: mode,
      timeScale: scale.factor,
      hashes: { stable: stableHash, ...(state.rollout?.status?.currentPodHash !== stableHash ? { canary: state.rollout?.status?.currentPodHash } : {}) },
      result: outcome,
      message,
      ...(stepIndex !== undefined && (outcome === 'aborted' || outcome === 'paused') ? { step: stepIndex } : {}),
      analysisRuns,
      ...(promotedAt !== undefined ? { updateToPromotedSeconds: (promotedAt - updateAt) / 1000 } : {}),
      ...(stableAgainAt !== undefined && canaryStartAt !== undefined ? { canaryStartToStableSeconds: (stableAgainAt - canaryStartAt) / 1000 } : {}),
      load: {
        realRate: loadRate,
        requests: responses.length,
        non2xx: responses.filter((r) => r.status < 200 || r.status > 299).length,
        byPhase: trafficByPhase(responses),
      },
    };
    print(formatClusterSummary(summary));
    let file: string | undefined;
    if (options.outDir) {
      fs.mkdirSync(options.outDir, { recursive: true });
      file = path.join(options.outDir, 'rehearsal-argo.json');
      fs.writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
      print(`  wrote ${file}`);
    }
    return { summary, responses, ...(file ? { file } : {}) };
  } finally {
    stopRouter = true;
    await router;
    await load?.stop();
    await runner.dispose();
    await nginx?.dispose();
    await prometheus?.dispose();
    await gate?.dispose();
    if (namespaceCreated) {
      const deleted = await kubectl(kubeconfig, ['delete', 'namespace', namespace, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
      if (deleted.code !== 0) print(`  namespace ${namespace} not deleted (${deleted.stderr.trim()}): delete it before the next rehearsal`);
    }
  }
}

/** The summary lines of a rehearsal on the cluster. */
export function formatClusterSummary(s: ClusterRehearsalSummary): string {
  const seconds = (n: number) => `${n.toFixed(1)}s`;
  return [
    `result: ${s.result}${s.message ? ` (${s.message})` : ''}`,
    `  rollout ${s.rollout}, ${s.canary} canary, argo engine, time-scale ${s.timeScale}; hashes stable ${s.hashes.stable}${s.hashes.canary ? `, canary ${s.hashes.canary}` : ''}`,
    ...(s.step !== undefined ? [`  ${s.result} at step ${s.step}`] : []),
    ...(s.updateToPromotedSeconds !== undefined ? [`  update to promoted: ${seconds(s.updateToPromotedSeconds)} real (${seconds(s.updateToPromotedSeconds * s.timeScale)} plan)`] : []),
    ...(s.canaryStartToStableSeconds !== undefined
      ? [`  canary start to traffic back on stable: ${seconds(s.canaryStartToStableSeconds)} real (${seconds(s.canaryStartToStableSeconds * s.timeScale)} plan)`] : []),
    ...s.analysisRuns.map((r) => `  analysis run ${r.name}: ${r.phase}${r.message ? ` (${r.message})` : ''}; ${r.metrics.join(', ')}`),
    `  traffic through nginx: ${s.load.requests} requests, ${s.load.non2xx} non-2xx`
      + ` (${s.load.byPhase.map((p) => `${p.phase}: ${p.requests} requests, ${p.non2xx} non-2xx`).join('; ')})`,
  ].join('\n');
}
