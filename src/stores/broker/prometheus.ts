/**
 * Prometheus text exposition (0.0.4) of queue and connection gauges/counters, with the series names
 * of RabbitMQ's exporters (rabbitmq_queue_*), each queue series labelled {vhost, queue}.
 */
import type { Broker } from './broker.js';
import type { Queue } from './queue.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value: (q: Queue) => number | undefined;
}

const families: Family[] = [
  {
    name: 'rabbitmq_queue_messages',
    type: 'gauge',
    help: 'Ready plus unacknowledged messages',
    value: (q) => q.messageCount,
  },
  {
    name: 'rabbitmq_queue_messages_ready',
    type: 'gauge',
    help: 'Messages ready for delivery',
    value: (q) => q.readyCount,
  },
  {
    name: 'rabbitmq_queue_messages_unacked',
    type: 'gauge',
    help: 'Delivered, not yet acknowledged messages',
    value: (q) => q.unacked,
  },
  {
    name: 'rabbitmq_queue_consumers',
    type: 'gauge',
    help: 'Consumers on the queue',
    value: (q) => q.consumers.length,
  },
  {
    name: 'rabbitmq_queue_max_length',
    type: 'gauge',
    help: 'Effective max-length (policy or argument)',
    value: (q) => q.limits.maxLength,
  },
  {
    name: 'rabbitmq_queue_messages_published_total',
    type: 'counter',
    help: 'Messages accepted into the queue',
    value: (q) => q.stats.values.publish,
  },
  {
    name: 'rabbitmq_queue_messages_delivered_total',
    type: 'counter',
    help: 'Messages delivered to consumers or fetched by basic.get',
    value: (q) =>
      q.stats.values.deliver + q.stats.values.deliver_no_ack + q.stats.values.get + q.stats.values.get_no_ack,
  },
  {
    name: 'rabbitmq_queue_messages_acked_total',
    type: 'counter',
    help: 'Messages acknowledged by consumers',
    value: (q) => q.stats.values.ack,
  },
  {
    name: 'rabbitmq_queue_messages_rejected_total',
    type: 'counter',
    help: 'Publishes refused by the queue (overflow reject-publish / reject-publish-dlx)',
    value: (q) => q.stats.values.rejected_publish,
  },
  {
    name: 'rabbitmq_queue_messages_dead_lettered_total',
    type: 'counter',
    help: 'Messages dead-lettered from the queue',
    value: (q) => q.stats.values.dead_lettered,
  },
];

export function prometheusText(broker: Broker): string {
  const lines: string[] = [];
  const queues = broker.allQueues();
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const q of queues) {
      const v = f.value(q);
      if (v !== undefined) lines.push(`${f.name}{vhost="${esc(q.vhost)}",queue="${esc(q.name)}"} ${v}`);
    }
  }
  const running = [...broker.connections].filter((c) => c.isRunning);
  const channels = running.reduce((n, c) => n + c.channels.size, 0);
  lines.push(
    '# HELP rabbitmq_connections Open AMQP connections',
    '# TYPE rabbitmq_connections gauge',
    `rabbitmq_connections ${running.length}`,
  );
  lines.push(
    '# HELP rabbitmq_channels Open AMQP channels',
    '# TYPE rabbitmq_channels gauge',
    `rabbitmq_channels ${channels}`,
  );
  return lines.join('\n') + '\n';
}
