import * as net from 'node:net';
import { freePort, spawnLocal, stopAllProcesses } from '../../lib/rehearsal/internal-processes';

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

describe('spawnLocal', () => {
  afterAll(stopAllProcesses);

  test('starts a process that announces no port, however its start races the event loop, and reports its exit code', async () => {
    // GIVEN short runs started back to back, the way a tool (promtool) is run to completion
    for (let i = 0; i < 20; i++) {
      // WHEN started without announcesPort from the event loop's check phase, where a 0 ms timer runs
      // before the next setImmediate
      await new Promise((resolve) => setImmediate(resolve));
      const p = await spawnLocal({ name: 'short', command: process.execPath, args: ['-e', 'setTimeout(() => process.exit(3), 50)'] });
      // THEN it is not failed for a port it never promised, and its exit code comes through
      expect(p.port).toBe(0);
      expect(await p.exited).toBe(3);
      await p.stop();
    }
  });
});
