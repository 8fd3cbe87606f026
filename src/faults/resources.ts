/**
 * `kubectl set resources`: change a deployment's requests/limits (a shop service or a store pod, e.g.
 * catalogue-db at 50m CPU / 128Mi for Incident 8). Revert writes the recorded block back whole (replace
 * semantics), so a limit the fault added where none was set before is removed again.
 * New limits roll the deployment (as `kubectl set resources` does): apply and revert return once the
 * rollout is done (`kubectl rollout status`), so that the fault is in force — not still waiting for a
 * starved pod to start beside the old one — when the run starts looking for its effects.
 */
import { z } from 'zod';
import type { ContainerResources } from '../platform/types.js';
import { objectName, resourceList } from './params.js';
import { waitRolledOut } from './shop-http.js';
import { FaultError, type FaultContext, type FaultPrimitive } from './types.js';

/** A pod starting under a small CPU limit (50m) may take a minute or more to be ready. */
const ROLLOUT_TIMEOUT_MS = 180_000;

async function rolledOut(ctx: FaultContext, deployment: string): Promise<void> {
  const d = await ctx.platform.getDeployment(deployment);
  await waitRolledOut(ctx, deployment, d?.replicas ?? 1, ROLLOUT_TIMEOUT_MS);
}

const params = z
  .strictObject({
    deployment: objectName,
    requests: resourceList.optional(),
    limits: resourceList.optional(),
  })
  .refine((p) => p.requests || p.limits, 'give requests and/or limits');
type Params = z.infer<typeof params>;
type ResourcesRecord = { previous: ContainerResources };

function makeResources(name: string, description: string): FaultPrimitive<Params, ResourcesRecord> {
  return {
    name,
    description,
    params,
    targets: (p) => [p.deployment],
    async prepare(ctx, p) {
      const d = await ctx.platform.getDeployment(p.deployment);
      if (!d) throw new FaultError(`deployment "${p.deployment}" not found`);
      return { previous: structuredClone(d.template.container.resources ?? {}) };
    },
    async apply(ctx, p) {
      await ctx.platform.setResources(p.deployment, { requests: p.requests, limits: p.limits });
      await rolledOut(ctx, p.deployment);
    },
    async revert(ctx, p, r) {
      await ctx.platform.setResources(p.deployment, r.previous, { replace: true });
      await rolledOut(ctx, p.deployment);
    },
  };
}

export const setResources = makeResources(
  'set-resources',
  "Set a deployment's CPU/memory requests and limits (kubectl set resources).",
);
/** The same verb aimed at a data store's pod; a separate name so scenarios read as the seeds do. */
export const storeResources = makeResources(
  'store-resources',
  "Limit a data store pod's CPU/memory (e.g. catalogue-db to 50m / 128Mi).",
);
