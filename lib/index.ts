export * from './rollout/canary-rollout';
export * from './rollout/canary-step';
export * from './rollout/rollout-analysis';
export * from './rollout/traffic-routing';
export * from './rollout/workload';
export * from './rollout/plan';
export * from './analysis/template-ref';
