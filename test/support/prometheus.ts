// The local Prometheus of the rehearsal serves the tests and benchmarks too.
export * from '../../tools/cli/src/rehearsal/prometheus';
export { freePort } from '../../tools/cli/src/rehearsal/internal-processes';
