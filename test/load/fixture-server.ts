/** Small local HTTP servers for the load generator's tests (always on port 0). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Fixture {
  url: string;
  close(): Promise<void>;
}

export async function startFixture(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Fixture> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers one request at a time, each after `serviceMs`: a server that queues. */
export function startSerialFixture(serviceMs: number): Promise<Fixture> {
  let queue = Promise.resolve();
  return startFixture((_req, res) => {
    queue = queue.then(async () => {
      await sleep(serviceMs);
      res.end('ok');
    });
  });
}
