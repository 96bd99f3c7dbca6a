// The public API: constructs, their props and the classes users call. Everything here compiles with jsii, so each
// name reaches Python, Java and Go as well; plumbing the constructs share stays in its module.
export * from './rollout/canary-rollout';
export * from './rollout/canary-step';
export { ExperimentSpecRef, ExperimentTemplate, ExperimentAnalysis, ExperimentStepProps } from './rollout/experiment-step';
export * from './rollout/blue-green-rollout';
export * from './rollout/rollout-props';
export { PodTemplateHash, AnalysisArg, RolloutAnalysis, BackgroundAnalysis } from './rollout/rollout-analysis';
export * from './rollout/traffic-routing';
export * from './rollout/argo-rollouts-config';
export * from './workload/workload';
export { ResolvedWorkload, ReferencedPod } from './workload/resolved-workload';
export * from './rollout/rollout-workload';
export * from './rollout/rollout-service';
export { PlanStep, AbortEstimate, RolloutPlan, PlanAnalysis } from './rollout/plan';
export { AnalysisMetricTiming, RolloutArgValueFrom, RolloutFieldRef, AnalysisTemplateArg, IAnalysisTemplate } from './analysis/template-ref';
export * from './network/selectable';
export { PodsPeerOptions, NetworkPeer, NetworkPort } from './network/network-peer';
export * from './network/locked-down-network';
export {
  PodSecurity, PodSecurityLevel, PodSecurityRule, PodSecurityViolation, PodSecurityCheckOptions,
} from './network/pod-security';
export {
  Reachability, NetworkProtocolName, PodContainerPort, PodEndpoint, IpEndpoint, ConnectionEndpoint, ConnectionQuery, DirectionVerdict,
  ConnectionVerdict, ReachabilityOptions,
} from './network/reachability';
export * from './gitops/sync-wave';
export * from './gitops/argocd-application';
export { SloAnalysisProps, SloAnalysis } from './analysis/slo-analysis';
export * from './analysis/analysis-template';
export {
  MeasurementOptions, GateObjective, ObjectiveMetric, JudgementRules, WindowedObjectiveProps, SuccessRateProps, LatencyProps, ErrorBudgetProps,
  BurnRateWindowProps, BurnRateWindow, CanaryHealthProps, StableComparisonProps, SloObjective,
} from './analysis/slo-objective';
export {
  EventCounts, SliArg, SliSource, PodSeriesSliProps, AppSliProps, IIngressNginxRouted, IngressNginxSliOptions, IngressNginxSliProps,
  IstioSliProps, CustomSliProps,
} from './analysis/sli-source';
export * from './analysis/pod-monitor';
export { TimeToAbortTerms } from './analysis/timing';
export { MetricConditions } from './analysis/expr-eval';
// The gate's objectives, as GateObjective carries them; the rest of the wire contract is the gate service's (lib/gate/contract)
export { Objectives, LatencyObjective, ComparisonObjective, ErrorBudgetObjective } from './gate/contract';
export * from './gate/slo-gate';
