/**
 * `kubectl set resources`: change a deployment's requests/limits (a shop service or a store pod, e.g.
 * catalogue-db at 50m CPU / 128Mi for Incident 8). Revert writes the recorded block back whole (replace
 * semantics), so a limit the fault added where none was set before is removed again.
 */
import { z } from 'zod';
import type { ContainerResources } from '../platform/types.js';
import { objectName, resourceList } from './params.js';
import { FaultError, type FaultPrimitive } from './types.js';

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
    apply: (ctx, p) => ctx.platform.setResources(p.deployment, { requests: p.requests, limits: p.limits }),
    revert: (ctx, p, r) => ctx.platform.setResources(p.deployment, r.previous, { replace: true }),
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
