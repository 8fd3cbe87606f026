/** `kubectl scale`: set a deployment's replicas; revert restores the previous count. Also `consumer-stop`. */
import { z } from 'zod';
import { objectName } from './params.js';
import { FaultError, type FaultPrimitive } from './types.js';

const scaleParams = z.strictObject({ deployment: objectName, replicas: z.number().int().min(0).max(50) });
type ScaleParams = z.infer<typeof scaleParams>;

async function currentReplicas(
  platform: { getDeployment(n: string): Promise<{ replicas: number } | undefined> },
  name: string,
) {
  const d = await platform.getDeployment(name);
  if (!d) throw new FaultError(`deployment "${name}" not found`);
  return d.replicas;
}

export const scale: FaultPrimitive<ScaleParams, { previousReplicas: number }> = {
  name: 'scale',
  description: 'Scale a deployment to a number of replicas (kubectl scale).',
  params: scaleParams,
  targets: (p) => [p.deployment],
  prepare: async (ctx, p) => ({ previousReplicas: await currentReplicas(ctx.platform, p.deployment) }),
  apply: (ctx, p) => ctx.platform.scale(p.deployment, p.replicas),
  revert: (ctx, p, r) => ctx.platform.scale(p.deployment, r.previousReplicas),
};

const consumerParams = z.strictObject({
  deployment: objectName.default('queue-master'),
  queue: z.string().min(1).default('shipping-task'),
});
type ConsumerParams = z.infer<typeof consumerParams>;

/** Stops a queue's consumer from outside: its deployment goes to 0 replicas (Incident 5). */
export const consumerStop: FaultPrimitive<ConsumerParams, { previousReplicas: number }> = {
  name: 'consumer-stop',
  description: "Stop a queue's consumers by scaling the consuming deployment to 0.",
  params: consumerParams,
  targets: (p) => [p.deployment, p.queue],
  prepare: async (ctx, p) => ({ previousReplicas: await currentReplicas(ctx.platform, p.deployment) }),
  apply: (ctx, p) => ctx.platform.scale(p.deployment, 0),
  revert: (ctx, p, r) => ctx.platform.scale(p.deployment, r.previousReplicas),
};
