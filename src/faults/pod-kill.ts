/**
 * PodChaos pod-kill: delete pods of a deployment (grace 0 by default); the deployment replaces them,
 * so revert has nothing to undo — it only waits for the replacements to be ready.
 */
import { z } from 'zod';
import { objectName } from './params.js';
import { waitRolledOut } from './shop-http.js';
import { FaultError, type FaultPrimitive } from './types.js';

const params = z.strictObject({
  deployment: objectName,
  count: z.number().int().min(1).default(1),
  gracePeriodSeconds: z.number().min(0).default(0),
});
type Params = z.infer<typeof params>;

export const podKill: FaultPrimitive<Params, { killed: string[]; replicas: number }> = {
  name: 'pod-kill',
  description: 'Kill pods of a deployment (PodChaos pod-kill); the deployment replaces them.',
  params,
  targets: (p) => [p.deployment],
  async prepare(ctx, p) {
    const d = await ctx.platform.getDeployment(p.deployment);
    if (!d) throw new FaultError(`deployment "${p.deployment}" not found`);
    const pods = (await ctx.platform.listPods({ deployment: p.deployment })).filter(
      (x) => !x.deletionTimestamp,
    );
    return { killed: pods.slice(0, p.count).map((x) => x.name), replicas: d.replicas };
  },
  async apply(ctx, p, r) {
    for (const pod of r.killed)
      await ctx.platform.deletePod(pod, { gracePeriodSeconds: p.gracePeriodSeconds });
  },
  async revert(ctx, p, r) {
    const d = await ctx.platform.getDeployment(p.deployment);
    if (d) await waitRolledOut(ctx, p.deployment, Math.min(d.replicas, r.replicas));
  },
};
