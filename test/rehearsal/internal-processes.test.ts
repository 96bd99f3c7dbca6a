import * as net from 'node:net';
import { freePort } from '../../lib/rehearsal/internal-processes';

describe('freePort', () => {
  test('picks a bindable port below the kernel ephemeral range, which port-0 listeners cannot be handed', async () => {
    // GIVEN / WHEN ports are picked
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    // THEN each is in 20000..31999 and can be bound on 127.0.0.1
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20000);
      expect(port).toBeLessThan(32000);
    }
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
