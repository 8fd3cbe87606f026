/** The broker through its admin verbs (rabbitmqctl / management API): queues, policies, purge. */
import { z } from 'zod';
import type { BrokerAdmin } from '../../stores/broker/admin.js';
import type { AgentContext } from '../context.js';
import { ToolError } from '../errors.js';
import { defineTool } from '../tool.js';

function broker(ctx: AgentContext): BrokerAdmin {
  if (!ctx.broker)
    throw new ToolError('unavailable', 'this lab has no broker admin (no RabbitMQ management API)');
  return ctx.broker;
}

const queueName = z.string().min(1).max(255);
const policyName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s/]+$/, 'must not contain spaces or "/"');

/** Per-queue rate (messages/s over the last minute) of a broker counter, from the telemetry. */
function ratesOf(ctx: AgentContext, counter: string): Map<string, number> {
  try {
    const v = ctx.telemetry.query(`sum by (queue) (rate(${counter}[1m]))`);
    if (v.type !== 'vector') return new Map();
    return new Map(v.samples.map((s) => [s.labels.queue ?? '', Number(s.v.toPrecision(4))]));
  } catch {
    return new Map();
  }
}

export const listQueues = defineTool({
  name: 'list_queues',
  description:
    'Broker queues: messages (ready, unacknowledged), consumers, publish and deliver rates (msg/s over 1m), and the policy applied.',
  kind: 'read',
  input: z.strictObject({}),
  async run(ctx) {
    const queues = await broker(ctx).listQueues();
    const published = ratesOf(ctx, 'rabbitmq_queue_messages_published_total');
    const delivered = ratesOf(ctx, 'rabbitmq_queue_messages_delivered_total');
    return {
      queues: queues.slice(0, 100).map((q) => ({
        name: q.name,
        messages: q.messages,
        messagesReady: q.messagesReady,
        messagesUnacknowledged: q.messagesUnacknowledged,
        consumers: q.consumers,
        publishRate: published.get(q.name) ?? null,
        deliverRate: delivered.get(q.name) ?? null,
        policy: q.policy,
        arguments: q.arguments,
      })),
    };
  },
});

export const listQueuePolicies = defineTool({
  name: 'list_queue_policies',
  description:
    'Broker policies: name, pattern, apply-to, priority and definition (e.g. max-length, overflow).',
  kind: 'read',
  input: z.strictObject({}),
  run: async (ctx) => ({ policies: (await broker(ctx).listPolicies()).slice(0, 100) }),
});

export const setQueuePolicy = defineTool({
  name: 'set_queue_policy',
  description:
    'Sets (or replaces) a broker policy like `rabbitmqctl set_policy`: name, queue-name regex pattern, definition (e.g. {"max-length": 10000}).',
  kind: 'action',
  input: z.strictObject({
    name: policyName,
    pattern: z.string().min(1).max(500),
    definition: z.record(z.string(), z.unknown()),
    priority: z.number().int().min(0).max(1000).default(0),
    applyTo: z
      .enum(['queues', 'classic_queues', 'quorum_queues', 'streams', 'exchanges', 'all'])
      .default('queues'),
  }),
  async run(ctx, args) {
    try {
      new RegExp(args.pattern);
    } catch {
      throw new ToolError('invalid_argument', `pattern: not a valid regular expression`);
    }
    const admin = broker(ctx);
    const previous = (await admin.listPolicies()).find((p) => p.name === args.name);
    await admin.setPolicy(args.name, args.pattern, args.definition, {
      priority: args.priority,
      applyTo: args.applyTo,
    });
    const policy = (await admin.listPolicies()).find((p) => p.name === args.name);
    return { changed: 'policy set', policy, previous: previous ?? null };
  },
});

export const clearQueuePolicy = defineTool({
  name: 'clear_queue_policy',
  description: 'Removes a broker policy by name (`rabbitmqctl clear_policy`).',
  kind: 'action',
  input: z.strictObject({ name: policyName }),
  async run(ctx, { name }) {
    const admin = broker(ctx);
    const previous = (await admin.listPolicies()).find((p) => p.name === name);
    if (!previous) throw new ToolError('not_found', `policies "${name}" not found`);
    await admin.clearPolicy(name);
    return { changed: 'policy cleared', removed: previous };
  },
});

export const purgeQueue = defineTool({
  name: 'purge_queue',
  description:
    'Deletes every ready message of a queue (`rabbitmqctl purge_queue`). Destructive: purged messages are lost.',
  kind: 'action',
  input: z.strictObject({ queue: queueName }),
  async run(ctx, { queue }) {
    const admin = broker(ctx);
    const before = await admin.getQueue(queue);
    if (!before) throw new ToolError('not_found', `queues "${queue}" not found`);
    await admin.purgeQueue(queue);
    const after = await admin.getQueue(queue);
    return {
      changed: 'queue purged',
      queue,
      messagesBefore: before.messages,
      messagesAfter: after?.messages ?? 0,
    };
  },
});
