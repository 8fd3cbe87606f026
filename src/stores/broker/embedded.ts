/**
 * Starts an embedded broker on loopback (ports 0 by default) for tests and in-process use, with a
 * management-API BrokerAdmin already pointed at it.
 */
import { ManagementApiAdmin } from './admin.js';
import { Broker, type BrokerOptions } from './broker.js';

export interface EmbeddedBroker {
  broker: Broker;
  amqpPort: number;
  mgmtPort: number;
  /** amqp://guest:guest@127.0.0.1:<port> (default vhost). */
  amqpUrl: string;
  mgmtUrl: string;
  admin: ManagementApiAdmin;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(
  opts: BrokerOptions & { host?: string; amqpPort?: number; mgmtPort?: number } = {},
): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const broker = new Broker(opts);
  const ports = await broker.listen({ host, amqpPort: opts.amqpPort ?? 0, mgmtPort: opts.mgmtPort ?? 0 });
  const [user, password] = [...broker.users.entries()][0] ?? ['guest', 'guest'];
  const mgmtUrl = `http://${host}:${ports.mgmtPort}`;
  return {
    broker,
    amqpPort: ports.amqpPort,
    mgmtPort: ports.mgmtPort!,
    amqpUrl: `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${ports.amqpPort}`,
    mgmtUrl,
    admin: new ManagementApiAdmin({ baseUrl: mgmtUrl, user, password }),
    close: () => broker.close(),
  };
}
