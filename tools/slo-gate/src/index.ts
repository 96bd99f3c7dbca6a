/**
 * The gate's judging core as a library: how a request becomes PromQL and how the answers become a verdict,
 * for programs that judge as the gate does without serving HTTP (the command line's `simulate`). Loading it
 * starts no server; the service itself is `build/cli.js`, which the `slo-gate` bin and the image run.
 */
export * from './judge';
export * from './queries';
