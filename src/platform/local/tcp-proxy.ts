/**
 * A loopback TCP forwarder, the building block of Services (L4 load balancing per connection, as
 * kube-proxy does) and of the plain mesh edges. For each accepted connection it asks `targets()`
 * for candidates in preference order and connects to the first that accepts; when none does, it
 * calls `onNoTarget` (a Service answers 503 on HTTP ports, resets on TCP ports).
 */
import net from 'node:net';

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface TcpProxy {
  readonly port: number;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  host?: string;
  /** Port to listen on (0 or absent: any free port). */
  port?: number;
  /** When `port` is taken, listen on any free port instead of failing. */
  anyPortWhenTaken?: boolean;
  targets: () => ProxyTarget[];
  onNoTarget?: (socket: net.Socket) => void;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    connectFirst(client, options.targets(), 0);
  });

  function connectFirst(client: net.Socket, candidates: ProxyTarget[], index: number): void {
    if (client.destroyed) return;
    const target = candidates[index];
    if (!target) {
      if (options.onNoTarget) options.onNoTarget(client);
      else client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    upstream.on('error', () => {
      if (!connected) connectFirst(client, candidates, index + 1);
      else client.destroy();
    });
  }

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // Listening at once (rather than probing for a free port first) leaves no window in which another
  // lab starting at the same moment could take the port between the probe and the listen.
  await listen(options.port ?? 0).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || !options.anyPortWhenTaken || !options.port) throw error;
    return listen(0);
  });
  server.on('error', () => {});
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers the first request on a connection with 503 and closes it (no ready endpoints). */
export function answer503(service: string): (socket: net.Socket) => void {
  const body = `no endpoints available for service "${service}"\n`;
  const response =
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
  return (socket) => {
    let answered = false;
    const reply = () => {
      if (answered) return;
      answered = true;
      socket.end(response);
    };
    socket.once('data', reply);
    socket.resume();
    // A client that never sends still gets its answer.
    setTimeout(reply, 1000).unref();
  };
}

/** Binds `port` for a moment: resolves to the port bound (any free one for 0), or undefined when it is taken. */
export function tryBind(port: number, host = '127.0.0.1'): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A loopback port free at this moment. Whoever binds it later may find it taken (another process
 * may get the same port from the kernel in between): pods handle that on exit (pod.ts).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await tryBind(0, host))!;
}
