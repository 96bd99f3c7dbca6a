/** How a rehearsed rollout ended: what the controller emulation returns and the timeline reports. */
export type RolloutResult = 'promoted' | 'aborted' | 'paused';

export interface RolloutOutcome {
  readonly result: RolloutResult;
  readonly message: string;
  /** Real ms (since the rollout started) of the first canary traffic, of the abort and of full promotion. */
  readonly canaryStartMs?: number;
  readonly abortMs?: number;
  readonly promotedMs?: number;
  /** The step the rollout was at when it was aborted or paused. */
  readonly step?: number;
}
