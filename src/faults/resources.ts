/**
 * `kubectl set resources`: change a deployment's requests/limits (a shop service or a store pod, e.g.
 * catalogue-db at 50m CPU / 128Mi for Incident 8). Revert writes the recorded values back. The platform
 * merges resources, so a key the fault added where none was set before cannot be removed: revert says so.
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

function addedKeys(previous: ContainerResources, p: Params): string[] {
  const out: string[] = [];
  for (const kind of ['requests', 'limits'] as const)
    for (const key of ['cpu', 'memory'] as const)
      if (p[kind]?.[key] !== undefined && previous[kind]?.[key] === undefined) out.push(`${kind}.${key}`);
  return out;
}

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
    async revert(ctx, p, r) {
      await ctx.platform.setResources(p.deployment, r.previous);
      const added = addedKeys(r.previous, p);
      if (added.length)
        throw new FaultError(
          `deployment "${p.deployment}": ${added.join(', ')} had no value before the fault and the platform cannot unset it`,
        );
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
