/**
 * `rabbitmqctl set_policy`: a queue policy such as Incident 5A's max-length 3 with
 * overflow reject-publish on `shipping-task`. Revert puts back a policy that had the same name before,
 * or clears it.
 */
import { z } from 'zod';
import type { PolicyInfo } from '../stores/broker/admin.js';
import { need, type FaultPrimitive } from './types.js';

const params = z.strictObject({
  /** A name an operator might have chosen; never one that says "fault". */
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('shipping-task-limits'),
  pattern: z.string().min(1),
  definition: z.record(z.string(), z.unknown()),
  priority: z.number().int().default(0),
  applyTo: z
    .enum(['queues', 'classic_queues', 'quorum_queues', 'streams', 'exchanges', 'all'])
    .default('queues'),
});
type Params = z.infer<typeof params>;

export const brokerPolicy: FaultPrimitive<Params, { previous?: PolicyInfo }> = {
  name: 'broker-policy',
  description: 'Set a RabbitMQ policy on queues matching a pattern (rabbitmqctl set_policy).',
  params,
  targets: (p) => [`policy/${p.name}`, p.pattern.replace(/^\^|\$$/g, '')],
  async prepare(ctx, p) {
    const broker = need(ctx.broker, 'a broker admin', 'broker-policy');
    const previous = (await broker.listPolicies()).find((x) => x.name === p.name);
    return previous ? { previous } : {};
  },
  apply: (ctx, p) =>
    need(ctx.broker, 'a broker admin', 'broker-policy').setPolicy(p.name, p.pattern, p.definition, {
      priority: p.priority,
      applyTo: p.applyTo,
    }),
  async revert(ctx, p, r) {
    const broker = need(ctx.broker, 'a broker admin', 'broker-policy');
    if (!r.previous) return broker.clearPolicy(p.name);
    const { name, pattern, definition, priority, applyTo } = r.previous;
    await broker.setPolicy(name, pattern, definition, { priority, applyTo: applyTo as Params['applyTo'] });
  },
};
