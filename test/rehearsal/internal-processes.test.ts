import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  cleanUp, compiledModule, freePort, runningProcesses, runToEnd, spawnLocal, startAll, stopAllProcesses, waitUntil,
} from '../../tools/cli/src/rehearsal/internal-processes';
import { REPO_ROOT } from '../support/processes';
import { groupMembers, isRunning, recordedPids, WITH_GRANDCHILD } from './fixtures/processes';

let pidsDir: string;
beforeEach(() => { pidsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'process-pids-')); });
afterEach(() => fs.rmSync(pidsDir, { recursive: true, force: true }));
afterAll(stopAllProcesses);

const withGrandchild = (env: NodeJS.ProcessEnv = {}) => spawnLocal({
  name: 'with-grandchild', command: process.execPath, args: [WITH_GRANDCHILD], announcesPort: true, env: { PIDS_DIR: pidsDir, ...env },
});
const failingStart = () => spawnLocal({ name: 'failing', command: process.execPath, args: ['-e', 'setTimeout(() => process.exit(1), 300)'], announcesPort: true });

/** What still runs of the recorded processes: each one, its grandchild, anything in its process group. */
function leftovers(): string[] {
  return recordedPids(pidsDir).flatMap(([pid, grandchild]) => [
    ...(isRunning(pid) ? [`process ${pid}`] : []),
    ...(isRunning(grandchild) ? [`grandchild ${grandchild}`] : []),
    ...groupMembers(pid).map((member) => `member ${member} of group ${pid}`),
  ]);
}

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

  test('starts a short run that has already exited by the time its start is settled, and reports its exit code', async () => {
    // GIVEN a start from the event loop's check phase, after which the event loop is busy until the process has exited
    const started = await new Promise<ReturnType<typeof spawnLocal>>((resolve) => setImmediate(() => {
      const p = spawnLocal({ name: 'done', command: process.execPath, args: ['-e', 'process.exitCode = 5'] });
      const busyUntil = Date.now() + 1500;
      while (Date.now() < busyUntil) { /* busy: the process exits meanwhile */ }
      resolve(p);
    }));
    // WHEN its exit is seen before the start settles THEN it is a finished run, not a failed start
    const p = await started;
    expect(await p.exited).toBe(5);
    await p.stop();
  });

  test('tracks a process from its spawn, in a process group of its own, before it announces its port', async () => {
    // GIVEN a process that has not announced its port yet
    const starting = withGrandchild();
    // WHEN looked at right after the spawn
    const [tracked] = runningProcesses();
    // THEN it is tracked already, and leads its own process group
    expect(tracked.name).toBe('with-grandchild');
    expect(fs.readFileSync(`/proc/${tracked.pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]).toBe(String(tracked.pid));
    await (await starting).stop();
    expect(runningProcesses()).toEqual([]);
  });

  test('stops a process together with the grandchild it started, which ignores SIGTERM', async () => {
    // GIVEN a process whose grandchild ignores SIGTERM
    const p = await withGrandchild();
    const [[pid, grandchild]] = recordedPids(pidsDir);
    expect([pid, isRunning(grandchild)]).toEqual([p.pid, true]);
    // WHEN it is stopped
    await p.stop(1000);
    // THEN nothing of its process group runs, and it is no longer tracked
    expect(leftovers()).toEqual([]);
    expect(runningProcesses()).toEqual([]);
  });

  test('stops what a process left behind when it exited by itself (as NGINX workers or npm children can be)', async () => {
    // GIVEN a process that exited after starting, leaving its grandchild running in its group
    const p = await withGrandchild({ EXIT_AFTER_START: '1' });
    expect(await p.ended).toBe(0);
    const [[, grandchild]] = recordedPids(pidsDir);
    expect(isRunning(grandchild)).toBe(true);
    // WHEN it is stopped
    await p.stop(1000);
    // THEN the grandchild is gone too
    expect(leftovers()).toEqual([]);
  });

  test('fails a process that exits during its start, naming it, and leaves nothing running', async () => {
    await expect(failingStart()).rejects.toThrow(/^failing exited with 1 during start/);
    expect(runningProcesses()).toEqual([]);
  });
});

describe('startAll', () => {
  test('a setup that fails halfway leaves no process running: those that started are stopped with their grandchildren', async () => {
    // GIVEN a setup that starts three processes together: two start (each with a grandchild), the third exits during its start
    // WHEN they are started with startAll
    await expect(startAll([withGrandchild(), withGrandchild(), failingStart()])).rejects.toThrow(/^failing exited with 1 during start/);
    // THEN both had started, and neither they, their grandchildren nor anything in their process groups runs
    expect(recordedPids(pidsDir)).toHaveLength(2);
    expect(leftovers()).toEqual([]);
    expect(runningProcesses()).toEqual([]);
  });

  test('returns every started process when all start', async () => {
    const started = await startAll([withGrandchild(), withGrandchild()]);
    expect(started.map((p) => p.port > 0)).toEqual([true, true]);
    await Promise.all(started.map((p) => p.stop(1000)));
    expect(leftovers()).toEqual([]);
  });

  test('a jest suite whose setup fails halfway ends by itself and leaves no process running', async () => {
    // GIVEN a suite whose beforeAll starts three processes with startAll, the third failing, and which has no afterAll
    // WHEN it runs in a jest of its own (no --forceExit), bounded in time
    const run = await runToEnd({
      name: 'jest', command: process.execPath, timeoutMs: 80_000, cwd: REPO_ROOT, env: { PIDS_DIR: pidsDir },
      args: [path.join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--roots', path.join(REPO_ROOT, 'test', 'rehearsal', 'fixtures'),
        '--testMatch', '**/failing-setup.fixture.ts'],
    });
    // THEN it ended, failing on the setup's error
    expect([run.code, run.stderr]).toEqual([1, expect.stringContaining('failing exited with 1 during start')]);
    expect(run.stderr).toMatch(/Tests: +1 failed, 1 total/);
    // AND the two processes that had started, their grandchildren and their process groups are gone
    expect(recordedPids(pidsDir)).toHaveLength(2);
    expect(leftovers()).toEqual([]);
  }, 90_000);
});

describe('interruption and exit of the process that started them', () => {
  /** A node process that starts a with-grandchild process through the compiled library, then runs `then`. */
  const parent = (then: string) => spawnLocal({
    name: 'parent', command: process.execPath, announcesPort: true, env: { PIDS_DIR: pidsDir },
    args: ['-e', `const lib = require(${JSON.stringify(compiledModule('rehearsal/internal-processes'))});
      lib.spawnLocal({ name: 'with-grandchild', command: process.execPath, args: [${JSON.stringify(WITH_GRANDCHILD)}], announcesPort: true })
        .then((p) => { process.stdout.write(JSON.stringify({ port: p.port }) + '\\n'); ${then} });`],
  });

  test.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s stops them, then ends the process as the signal does', async (signal) => {
    // GIVEN a process that started another, which started a grandchild
    const p = await parent('setInterval(() => {}, 1000);');
    expect(leftovers()).not.toEqual([]);
    // WHEN it receives the signal
    p.child.kill(signal);
    // THEN it ends by that signal, after stopping them all
    expect(await p.ended).toBe(signal);
    expect(leftovers()).toEqual([]);
  });

  test('process.exit kills them', async () => {
    // GIVEN a process that started another, which started a grandchild, WHEN it exits at once
    const p = await parent('setTimeout(() => process.exit(0), 100);');
    // THEN nothing it started runs, once the SIGKILL it sent on its way out has taken effect
    expect(await p.ended).toBe(0);
    await p.stop();
    expect(recordedPids(pidsDir)).toHaveLength(1);
    await waitUntil(async () => leftovers().length === 0, 5000, 'the processes it started to be gone', 20);
  });
});

describe('runToEnd', () => {
  test('returns the exit code and both outputs in full', async () => {
    const r = await runToEnd({ name: 'node', command: process.execPath, timeoutMs: 20_000,
      args: ['-e', "process.stdout.write('x'.repeat(200000)); process.stderr.write('err'); process.exitCode = 4;"] });
    expect([r.code, r.stdout.length, r.stderr]).toEqual([4, 200_000, 'err']);
  });

  test('fails on a run that overruns its time, after stopping it with its grandchild', async () => {
    await expect(runToEnd({ name: 'with-grandchild', command: process.execPath, args: [WITH_GRANDCHILD], env: { PIDS_DIR: pidsDir }, timeoutMs: 1500 }))
      .rejects.toThrow(/^with-grandchild did not end within 1500 ms and was stopped/);
    expect(recordedPids(pidsDir)).toHaveLength(1);
    expect(leftovers()).toEqual([]);
  });

  test('fails on a command that does not exist, naming it', async () => {
    await expect(runToEnd({ name: 'nothing-here', command: 'no-such-command-anywhere', args: [], timeoutMs: 5000 }))
      .rejects.toThrow(/^nothing-here could not start \(spawn no-such-command-anywhere ENOENT\)/);
  });
});

describe('cleanUp', () => {
  test('runs every step in order even when some throw, then throws the first error naming the others', async () => {
    const ran: string[] = [];
    await expect(cleanUp(
      () => { ran.push('a'); throw new Error('a failed'); },
      undefined,
      async () => { ran.push('b'); },
      async () => { ran.push('c'); throw new Error('c failed'); },
    )).rejects.toThrow('a failed\n(and 1 more cleanup failures: c failed)');
    expect(ran).toEqual(['a', 'b', 'c']);
  });
});
