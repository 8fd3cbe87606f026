/**
 * Actions on the platform, as kubectl would do them: scale, resources, HPAs, rollouts, env and
 * config maps. Each returns what changed (before → after) so the agent and the evaluator can read
 * the effect from the answer alone.
 */
import { z } from 'zod';
import type { AgentContext } from '../context.js';
import { ToolError } from '../errors.js';
import { defineTool, objectName } from '../tool.js';
import { visibleEnv } from './format.js';
import type { HorizontalPodAutoscaler, HpaSpecPatch } from '../../platform/types.js';

async function deploymentOf(ctx: AgentContext, name: string) {
  const d = await ctx.platform.getDeployment(name);
  if (!d) throw new ToolError('not_found', `deployments.apps "${name}" not found`);
  return d;
}

const cpu = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, 'must be a CPU quantity like "250m" or "0.5"');
const memory = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/, 'must be a memory quantity like "256Mi" or "1Gi"');
const resourceList = z.strictObject({ cpu: cpu.optional(), memory: memory.optional() });

export const scale = defineTool({
  name: 'scale',
  description: 'Sets the replicas of a deployment (kubectl scale). Pods start or stop asynchronously.',
  kind: 'action',
  input: z.strictObject({ deployment: objectName, replicas: z.number().int().min(0).max(20) }),
  async run(ctx, { deployment, replicas }) {
    const before = await deploymentOf(ctx, deployment);
    await ctx.platform.scale(deployment, replicas);
    return { changed: 'replicas', deployment, replicasBefore: before.replicas, replicasAfter: replicas };
  },
});

export const setResources = defineTool({
  name: 'set_resources',
  description:
    "Merges CPU/memory requests and limits into a deployment's container (kubectl set resources) and rolls its pods.",
  kind: 'action',
  input: z
    .strictObject({
      deployment: objectName,
      requests: resourceList.optional(),
      limits: resourceList.optional(),
    })
    .refine((a) => a.requests?.cpu ?? a.requests?.memory ?? a.limits?.cpu ?? a.limits?.memory, {
      message: 'give at least one of requests.cpu, requests.memory, limits.cpu, limits.memory',
    }),
  async run(ctx, { deployment, requests, limits }) {
    const before = await deploymentOf(ctx, deployment);
    await ctx.platform.setResources(deployment, { requests, limits });
    const after = await deploymentOf(ctx, deployment);
    return {
      changed: 'resources (pods roll)',
      deployment,
      before: before.template.container.resources ?? {},
      after: after.template.container.resources ?? {},
      revision: after.revision,
    };
  },
});

const hpaSummary = (h: HorizontalPodAutoscaler) => ({
  name: h.metadata.name,
  target: `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`,
  minReplicas: h.spec.minReplicas ?? 1,
  maxReplicas: h.spec.maxReplicas,
  metrics: h.spec.metrics,
  behavior: h.spec.behavior,
});

export const applyHpa = defineTool({
  name: 'apply_hpa',
  description:
    'Creates or replaces a HorizontalPodAutoscaler from an autoscaling/v2 (or v1) YAML manifest (kubectl apply). Resource metrics on cpu/memory only.',
  kind: 'action',
  input: z.strictObject({ manifest: z.string().min(1).max(20_000) }),
  async run(ctx, { manifest }) {
    const hpa = await ctx.platform.applyHpa(manifest);
    return { changed: 'hpa applied', hpa: hpaSummary(hpa) };
  },
});

export const patchHpa = defineTool({
  name: 'patch_hpa',
  description:
    'JSON merge patch on an HPA\'s spec (kubectl patch hpa X -p \'{"spec":{...}}\'); pass the spec fields, e.g. {"maxReplicas": 6}, with or without the outer "spec".',
  kind: 'action',
  input: z.strictObject({ name: objectName, patch: z.record(z.string(), z.unknown()) }),
  async run(ctx, { name, patch }) {
    const before = await ctx.platform.getHpa(name);
    if (!before) throw new ToolError('not_found', `horizontalpodautoscalers.autoscaling "${name}" not found`);
    const keys = Object.keys(patch);
    const spec = (keys.length === 1 && keys[0] === 'spec' ? patch.spec : patch) as HpaSpecPatch;
    const after = await ctx.platform.patchHpa(name, spec);
    return { changed: 'hpa patched', before: hpaSummary(before), after: hpaSummary(after) };
  },
});

export const deleteHpa = defineTool({
  name: 'delete_hpa',
  description: 'Deletes an HPA; the deployment keeps its current replicas.',
  kind: 'action',
  input: z.strictObject({ name: objectName }),
  async run(ctx, { name }) {
    const before = await ctx.platform.getHpa(name);
    if (!before || !(await ctx.platform.deleteHpa(name)))
      throw new ToolError('not_found', `horizontalpodautoscalers.autoscaling "${name}" not found`);
    return { changed: 'hpa deleted', deleted: hpaSummary(before) };
  },
});

export const rolloutRestart = defineTool({
  name: 'rollout_restart',
  description: 'Restarts every pod of a deployment with a rolling update (kubectl rollout restart).',
  kind: 'action',
  input: z.strictObject({ deployment: objectName }),
  async run(ctx, { deployment }) {
    const before = await deploymentOf(ctx, deployment);
    await ctx.platform.rolloutRestart(deployment);
    const after = await deploymentOf(ctx, deployment);
    return {
      changed: 'rolling restart',
      deployment,
      revisionBefore: before.revision,
      revisionAfter: after.revision,
    };
  },
});

export const rolloutUndo = defineTool({
  name: 'rollout_undo',
  description:
    'Goes back to the previous revision of a deployment (kubectl rollout undo): its resources, env and the config-map versions it mounted.',
  kind: 'action',
  input: z.strictObject({ deployment: objectName }),
  async run(ctx, { deployment }) {
    const before = await deploymentOf(ctx, deployment);
    await ctx.platform.rolloutUndo(deployment);
    const after = await deploymentOf(ctx, deployment);
    return {
      changed: 'rolled back',
      deployment,
      revisionBefore: before.revision,
      revisionAfter: after.revision,
      resourcesAfter: after.template.container.resources ?? {},
    };
  },
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const setEnv = defineTool({
  name: 'set_env',
  description:
    "Sets (string) or removes (null) environment variables of a deployment's container and rolls its pods (kubectl set env).",
  kind: 'action',
  input: z.strictObject({
    deployment: objectName,
    env: z
      .record(envName, z.string().max(4000).nullable())
      .refine((e) => Object.keys(e).length > 0, 'give at least one variable'),
  }),
  async run(ctx, { deployment, env }) {
    if (!ctx.platform.setEnv)
      throw new ToolError('unavailable', 'this platform cannot set environment variables');
    const before = visibleEnv((await deploymentOf(ctx, deployment)).template.container.env);
    await ctx.platform.setEnv(deployment, env);
    const after = visibleEnv((await deploymentOf(ctx, deployment)).template.container.env);
    const keys = Object.keys(env);
    const pick = (all: Record<string, string>) => Object.fromEntries(keys.map((k) => [k, all[k] ?? null]));
    return {
      changed: 'env (pods roll when a value changed)',
      deployment,
      before: pick(before),
      after: pick(after),
    };
  },
});

export const updateConfigMap = defineTool({
  name: 'update_configmap',
  description:
    'Writes a new version of an existing config map (the whole data, key → file content) and rolls the deployments that mount it.',
  kind: 'action',
  input: z.strictObject({
    name: objectName,
    data: z.record(
      z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a config-map key'),
      z.string().max(100_000),
    ),
  }),
  async run(ctx, { name, data }) {
    const before = await ctx.platform.getConfigMap(name);
    if (!before) throw new ToolError('not_found', `configmaps "${name}" not found`);
    const after = await ctx.platform.setConfigMap(name, data);
    const keys = new Set([...Object.keys(before.current.data), ...Object.keys(data)]);
    return {
      changed: 'config map (consumers roll)',
      name,
      versionBefore: before.current.version,
      versionAfter: after.current.version,
      keysChanged: [...keys].filter((k) => before.current.data[k] !== data[k]),
      rolled: after.mountedBy,
    };
  },
});
