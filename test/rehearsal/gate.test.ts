import { VERDICT_PATH } from '../../lib/gate/contract';
import { LocalGate } from '../../tools/cli/src/rehearsal/gate';
import { stopAll } from '../support/processes';

/** A verdict request for `namespace`; the gate refuses it (401 or 403) before it would ask Prometheus. */
async function ask(gate: LocalGate, namespace: string, token: string): Promise<number> {
  const res = await fetch(`${gate.url}${VERDICT_PATH}`, {
    method: 'POST', signal: AbortSignal.timeout(10_000),
    headers: { 'content-type': 'application/json', 'authorization': `Bearer ${token}` },
    body: JSON.stringify({
      workload: { namespace, rollout: 'web', source: { app: { canaryPodTemplateHash: 'c4nary', stablePodTemplateHash: 's7able' } } },
      window: '1m', objectives: { successRate: 0.99, minRequests: 50 },
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("the rehearsal's gate", () => {
  afterAll(stopAll);

  test('answers with its token only for its namespace, and leaves nothing when disposed', async () => {
    // GIVEN the rehearsal's gate for namespace shop (Prometheus is never reached: every request here is refused first)
    const gate = await LocalGate.start('http://127.0.0.1:9', 'shop');
    try {
      // THEN a wrong token is refused, and the right one for another namespace too
      expect(await ask(gate, 'shop', 'not-the-token-0123456789')).toBe(401);
      expect(await ask(gate, 'team-b', gate.token)).toBe(403);
    } finally {
      await gate.dispose();
    }
    // AND once disposed it no longer answers
    await expect(fetch(`${gate.url}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 30_000);
});
