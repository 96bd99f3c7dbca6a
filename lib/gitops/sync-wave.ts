import { ApiObject } from 'cdk8s';

/** Argo CD applies lower waves first and waits for them to be healthy before the next one. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The waves this library uses: what a Rollout needs (templates, the gate) syncs before the Rollout (wave 0). */
export enum SyncWave {
  /** AnalysisTemplates, the verdict gate and its policies: ready before any Rollout references them. */
  ANALYSIS = -1,
  /** Rollouts and everything else. */
  ROLLOUT = 0,
}

/** Puts an object in an Argo CD sync wave. */
export function setSyncWave(obj: ApiObject, wave: SyncWave | number): void {
  obj.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
}
