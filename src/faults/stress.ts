/**
 * StressChaos: CPU or memory stress inside pods' cgroups, so the pods' own limits throttle it (and a
 * memory stressor can OOM-kill the pod). Needs the proposed `stress`/`stopStress` platform verbs.
 */
import { z } from 'zod';
import { memoryToBytes } from '../platform/local/quantity.js';
import { objectName, percent, quantity } from './params.js';
import { waitRolledOut } from './shop-http.js';
import { FaultError, need, type FaultContext, type FaultPrimitive } from './types.js';

const target = { deployment: objectName, mode: z.enum(['one', 'all']).default('one') };

interface StressRecord {
  pods: string[];
  /** Filled in by apply, journalled again right after. */
  ids: string[];
}

async function pickPods(ctx: FaultContext, deployment: string, mode: 'one' | 'all'): Promise<string[]> {
  // During a rollout (e.g. new limits set just before) stress the pods that stay, not those leaving.
  const d = await ctx.platform.getDeployment(deployment);
  if (d && d.replicas > 0) await waitRolledOut(ctx, deployment, d.replicas, 180_000).catch(() => undefined);
  const pods = (await ctx.platform.listPods({ deployment })).filter(
    (p) => p.phase === 'Running' && !p.deletionTimestamp,
  );
  if (pods.length === 0) throw new FaultError(`deployment "${deployment}" has no running pod to stress`);
  return (mode === 'one' ? pods.slice(0, 1) : pods).map((p) => p.name);
}

function stressPrimitive<P extends { deployment: string; mode: 'one' | 'all' }>(
  name: string,
  description: string,
  params: z.ZodType<P>,
  load: (p: P) => { cpuWorkers?: number; cpuLoadPercent?: number; memoryBytes?: number },
): FaultPrimitive<P, StressRecord> {
  const ext = (ctx: FaultContext) => need(ctx.extensions, 'the stress platform verbs', name);
  return {
    name,
    description,
    params,
    targets: (p) => [p.deployment],
    async prepare(ctx, p) {
      need(ext(ctx).stress, 'the stress platform verb', name); // fail before anything is journalled
      return { pods: await pickPods(ctx, p.deployment, p.mode), ids: [] };
    },
    async apply(ctx, p, r) {
      const e = ext(ctx);
      const start = need(e.stress, 'the stress platform verb', name);
      for (const pod of r.pods) r.ids.push((await start(pod, load(p))).id);
    },
    async revert(ctx, _p, r) {
      if (r.ids.length === 0) return;
      const e = ext(ctx);
      const stop = need(e.stopStress, 'the stopStress platform verb', name);
      for (const id of r.ids) await stop(id);
    },
  };
}

export const cpuStress = stressPrimitive(
  'cpu-stress',
  'Burn CPU inside pods (StressChaos cpu: workers × load%).',
  z.strictObject({ ...target, workers: z.number().int().min(1).max(16), load: percent.default(100) }),
  (p) => ({ cpuWorkers: p.workers, cpuLoadPercent: p.load }),
);

export const memoryStress = stressPrimitive(
  'memory-stress',
  'Allocate memory inside pods (StressChaos memory); may OOM-kill them at their limit.',
  z.strictObject({ ...target, size: quantity }),
  (p) => ({ memoryBytes: memoryToBytes(p.size) }),
);
