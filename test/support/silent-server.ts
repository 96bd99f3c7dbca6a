/**
 * A hanging Prometheus, for tests and benchmarks: a TCP server on 127.0.0.1 that accepts every
 * connection and never sends a byte. What a client sees of a Prometheus that is wedged or behind a
 * black-holing network path: connections open, requests go unanswered until the client gives up.
 */
import * as net from 'node:net';

export class SilentServer {
  /** Starts listening on a free port of 127.0.0.1. */
  public static async start(): Promise<SilentServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
      socket.resume(); // read and discard whatever the client sends
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return new SilentServer(server, sockets);
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  public readonly url: string;

  private constructor(private readonly server: net.Server, private readonly sockets: Set<net.Socket>) {
    this.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  /** Connections open right now. */
  public get connections(): number {
    return this.sockets.size;
  }

  /** Stops listening and drops every connection. */
  public async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
