/**
 * An AMQP vhost of a test's own, so parallel tests never share queues. By default it lives on a
 * fresh embedded broker (src/stores/broker) started in this process, so no RabbitMQ is needed;
 * `SHOP_TEST_BROKER=rabbitmq` puts it on the machine's RabbitMQ instead (`rabbitmqctl add_vhost`
 * / `delete_vhost`; `TEST_AMQP_BROKER` names the broker URL). Tests talk plain AMQP 0-9-1 either
 * way; only the admin verbs (policies, dropping connections) differ per broker.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type ChannelModel } from 'amqplib';
import { createLogger } from '../../src/shop/common/logger.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/stores/broker/embedded.js';
import { ManagementApiAdmin } from '../../src/stores/broker/admin.js';
import { eventually } from './wait.js';

const run = promisify(execFile);

export type TestBrokerKind = 'embedded' | 'rabbitmq';

/** Which broker the shop tests use: env `SHOP_TEST_BROKER` (`embedded`, the default, or `rabbitmq`). */
export function testBrokerKind(env: NodeJS.ProcessEnv = process.env): TestBrokerKind {
  const kind = env.SHOP_TEST_BROKER ?? 'embedded';
  if (kind !== 'embedded' && kind !== 'rabbitmq') {
    throw new Error(`SHOP_TEST_BROKER must be embedded or rabbitmq, got "${kind}"`);
  }
  return kind;
}

export interface TestVhost {
  kind: TestBrokerKind;
  name: string;
  /** AMQP URL of the vhost. */
  url: string;
  /** Sets a queue policy on the vhost; resolves once `queue` shows the policy. */
  setPolicy(name: string, queue: string, definition: Record<string, unknown>): Promise<void>;
  /** A plain client connection to the vhost, closed by `remove()`. */
  client(): Promise<ChannelModel>;
  /** Closes every client connection of the vhost from the broker side (a broker restart, as seen by clients). */
  dropConnections(): Promise<void>;
  /** Ready messages in a queue. */
  readyCount(queue: string): Promise<number>;
  remove(): Promise<void>;
}

/** The admin verbs that differ between the embedded broker and RabbitMQ. */
interface VhostAdmin {
  url: string;
  setPolicy(name: string, pattern: string, definition: Record<string, unknown>): Promise<void>;
  queuePolicy(queue: string): Promise<string | undefined>;
  dropConnections(): Promise<void>;
  remove(): Promise<void>;
}

export async function createTestVhost(kind: TestBrokerKind = testBrokerKind()): Promise<TestVhost> {
  const name = `sockshop-test-${randomBytes(4).toString('hex')}`;
  const admin = kind === 'embedded' ? await embeddedVhost(name) : await rabbitVhost(name);
  const clients: ChannelModel[] = [];
  const client = async () => {
    const model = await connect(admin.url);
    model.on('error', () => undefined);
    clients.push(model);
    return model;
  };
  return {
    kind,
    name,
    url: admin.url,
    client,
    async setPolicy(policy, queue, definition) {
      await admin.setPolicy(policy, `^${queue}$`, definition);
      await eventually(
        async () => ((await admin.queuePolicy(queue)) === policy ? true : undefined),
        10_000,
        `policy ${policy} on ${queue}`,
      );
    },
    dropConnections: () => admin.dropConnections(),
    async readyCount(queue) {
      const model = await client();
      const channel = await model.createChannel();
      try {
        return (await channel.checkQueue(queue)).messageCount;
      } finally {
        await channel.close().catch(() => undefined);
      }
    },
    async remove() {
      for (const model of clients) await model.close().catch(() => undefined);
      await admin.remove();
    },
  };
}

async function embeddedVhost(name: string): Promise<VhostAdmin> {
  const embedded: EmbeddedBroker = await startEmbeddedBroker({
    vhosts: [name],
    log: createLogger('rabbitmq', 'rabbitmq-test', process.env.LOG_LEVEL ?? 'warn'),
  });
  const admin = new ManagementApiAdmin({ baseUrl: embedded.mgmtUrl, vhost: name });
  return {
    url: `${embedded.amqpUrl}/${encodeURIComponent(name)}`,
    setPolicy: (policy, pattern, definition) =>
      admin.setPolicy(policy, pattern, definition, { applyTo: 'queues' }),
    queuePolicy: async (queue) => (await admin.getQueue(queue))?.policy ?? undefined,
    async dropConnections() {
      for (const connection of [...embedded.broker.connections]) {
        if (connection.vhostName === name) connection.forceClose('test: broker gone');
      }
    },
    remove: () => embedded.close(),
  };
}

async function rabbitVhost(name: string): Promise<VhostAdmin> {
  const broker = new URL(process.env.TEST_AMQP_BROKER ?? 'amqp://guest:guest@127.0.0.1:5672');
  await run('rabbitmqctl', ['add_vhost', name]);
  await run('rabbitmqctl', ['set_permissions', '-p', name, broker.username || 'guest', '.*', '.*', '.*']);
  return {
    url: `${broker.protocol}//${broker.username}:${broker.password}@${broker.host}/${encodeURIComponent(name)}`,
    async setPolicy(policy, pattern, definition) {
      await run('rabbitmqctl', [
        'set_policy',
        '-p',
        name,
        '--apply-to',
        'queues',
        policy,
        pattern,
        JSON.stringify(definition),
      ]);
    },
    async queuePolicy(queue) {
      const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '-p', name, 'name', 'policy']);
      const line = stdout.split('\n').find((l) => l.split('\t')[0] === queue);
      return line?.split('\t')[1]?.trim() || undefined;
    },
    async dropConnections() {
      await run('rabbitmqctl', ['close_all_connections', '--vhost', name, 'test: broker gone']);
    },
    async remove() {
      await run('rabbitmqctl', ['delete_vhost', name]).catch(() => undefined);
    },
  };
}
