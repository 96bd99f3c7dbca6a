// The local Prometheus of the rehearsal serves the tests and benchmarks too.
export * from '../../lib/rehearsal/prometheus';
export { freePort } from '../../lib/rehearsal/internal-processes';
