/** A sub-command of `cdk8s-progressive`: takes its own arguments, returns the process exit code. */
export interface Command {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}
