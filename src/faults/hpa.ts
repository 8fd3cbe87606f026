/**
 * HorizontalPodAutoscaler faults: `hpa-apply` applies a real autoscaling/v2 manifest (e.g. Incident 7's
 * HPA on memory instead of CPU), `hpa-patch` merges a spec patch, `hpa-delete` removes one. Each records
 * the HPA as it was (or that there was none) and restores exactly that.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { parseHpaManifest } from '../platform/hpa/manifest.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, Platform } from '../platform/types.js';
import { objectName } from './params.js';
import { FaultError, type FaultPrimitive } from './types.js';

interface HpaRecord {
  name: string;
  /** The spec before the fault; absent when there was no HPA of that name. */
  previous?: HorizontalPodAutoscalerSpec;
}

const manifestText = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((value, ctx) => {
  const text = typeof value === 'string' ? value : stringify(value);
  try {
    parseHpaManifest(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid HPA manifest: ${(err as Error).message}` });
    return z.NEVER;
  }
  return text;
});

function manifestOf(name: string, namespace: string, spec: HorizontalPodAutoscalerSpec): string {
  return stringify({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
    spec,
  });
}

async function snapshot(platform: Platform, name: string): Promise<HpaRecord> {
  const hpa: HorizontalPodAutoscaler | undefined = await platform.getHpa(name);
  return hpa ? { name, previous: structuredClone(hpa.spec) } : { name };
}

async function restore(platform: Platform, record: HpaRecord): Promise<void> {
  if (record.previous) await platform.applyHpa(manifestOf(record.name, platform.namespace, record.previous));
  else await platform.deleteHpa(record.name);
}

const applyParams = z.strictObject({ manifest: manifestText });
export const hpaApply: FaultPrimitive<z.infer<typeof applyParams>, HpaRecord> = {
  name: 'hpa-apply',
  description: 'Apply an autoscaling/v2 HorizontalPodAutoscaler manifest (kubectl apply).',
  params: applyParams,
  targets: (p) => {
    const m = parseHpaManifest(p.manifest);
    return [`hpa/${m.name}`, m.spec.scaleTargetRef.name];
  },
  prepare: (ctx, p) => snapshot(ctx.platform, parseHpaManifest(p.manifest).name),
  apply: async (ctx, p) => {
    await ctx.platform.applyHpa(p.manifest);
  },
  revert: (ctx, _p, r) => restore(ctx.platform, r),
};

const patchParams = z.strictObject({ name: objectName, patch: z.record(z.string(), z.unknown()) });
export const hpaPatch: FaultPrimitive<z.infer<typeof patchParams>, HpaRecord> = {
  name: 'hpa-patch',
  description: "Merge-patch an HPA's spec (kubectl patch hpa).",
  params: patchParams,
  targets: (p) => [`hpa/${p.name}`],
  prepare: async (ctx, p) => {
    const record = await snapshot(ctx.platform, p.name);
    if (!record.previous) throw new FaultError(`horizontalpodautoscaler "${p.name}" not found`);
    return record;
  },
  apply: async (ctx, p) => {
    await ctx.platform.patchHpa(p.name, p.patch);
  },
  revert: (ctx, _p, r) => restore(ctx.platform, r),
};

const deleteParams = z.strictObject({ name: objectName });
export const hpaDelete: FaultPrimitive<z.infer<typeof deleteParams>, HpaRecord> = {
  name: 'hpa-delete',
  description: 'Delete an HPA, so its deployment no longer scales.',
  params: deleteParams,
  targets: (p) => [`hpa/${p.name}`],
  prepare: (ctx, p) => snapshot(ctx.platform, p.name),
  apply: async (ctx, p) => {
    await ctx.platform.deleteHpa(p.name);
  },
  revert: (ctx, _p, r) => restore(ctx.platform, r),
};
