/**
 * Test helper for shipping, queue-master and orders tests: a RabbitMQ vhost of their own on the
 * machine's broker (rabbitmqctl add_vhost / delete_vhost), so parallel tests never share queues.
 * Everything else goes through plain AMQP, so the same tests run against any AMQP 0-9-1 broker.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type ChannelModel } from 'amqplib';

const run = promisify(execFile);
export const BROKER = process.env.TEST_AMQP_BROKER ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface TestVhost {
  name: string;
  /** AMQP URL of the vhost. */
  url: string;
  /** `rabbitmqctl set_policy -p <vhost> …` (applies to queues); resolves once `queue` shows the policy. */
  setPolicy(name: string, queue: string, definition: Record<string, unknown>): Promise<void>;
  /** A plain client connection to the vhost, closed by `remove()`. */
  client(): Promise<ChannelModel>;
  /** Closes every client connection of the vhost from the broker side (a broker restart, as seen by clients). */
  dropConnections(): Promise<void>;
  /** Ready messages in a queue. */
  readyCount(queue: string): Promise<number>;
  remove(): Promise<void>;
}

export async function createTestVhost(): Promise<TestVhost> {
  const name = `sockshop-test-${randomBytes(4).toString('hex')}`;
  const broker = new URL(BROKER);
  await run('rabbitmqctl', ['add_vhost', name]);
  await run('rabbitmqctl', ['set_permissions', '-p', name, broker.username || 'guest', '.*', '.*', '.*']);
  const url = `${broker.protocol}//${broker.username}:${broker.password}@${broker.host}/${encodeURIComponent(name)}`;
  const clients: ChannelModel[] = [];
  const client = async () => {
    const model = await connect(url);
    model.on('error', () => undefined);
    clients.push(model);
    return model;
  };
  return {
    name,
    url,
    client,
    async setPolicy(policy, queue, definition) {
      const pattern = `^${queue}$`;
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
      await eventually(
        async () => {
          const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '-p', name, 'name', 'policy']);
          return stdout.split('\n').some((line) => line.trim() === `${queue}\t${policy}`) ? true : undefined;
        },
        10_000,
        `policy ${policy} on ${queue}`,
      );
    },
    async dropConnections() {
      await run('rabbitmqctl', ['close_all_connections', '--vhost', name, 'test: broker gone']);
    },
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
      await run('rabbitmqctl', ['delete_vhost', name]).catch(() => undefined);
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
export function sample(metricsText: string, series: string): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
