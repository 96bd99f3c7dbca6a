import { ApiObject } from 'cdk8s';

/**
 * Argo CD sync waves: Argo CD applies lower waves first and waits for them to be healthy before the next one.
 * The waves this library uses: what a Rollout needs (templates, the gate) syncs before the Rollout (wave 0).
 */
export class SyncWave {
  /** The annotation that holds an object's wave. */
  public static readonly ANNOTATION = 'argocd.argoproj.io/sync-wave';
  /** AnalysisTemplates, the verdict gate and its policies: ready before any Rollout references them. */
  public static readonly ANALYSIS = -1;
  /** Rollouts and everything else. */
  public static readonly ROLLOUT = 0;

  /** Puts an object in an Argo CD sync wave, e.g. `SyncWave.set(obj, SyncWave.ANALYSIS)`. */
  public static set(obj: ApiObject, wave: number): void {
    obj.metadata.addAnnotation(SyncWave.ANNOTATION, String(wave));
  }

  private constructor() {}
}
