/**
 * Traffic rules on service edges (like Istio VirtualService faults). Rule ids are shown as a keyed
 * hash: the platform's own ids are chosen by whoever made the rule (the fault engine's embed the run
 * and step), and an agent must see neither. The key is secret, so the hash cannot be reversed by
 * guessing run ids; it is stable for the context's lifetime so delete_mesh_rule can find the rule again.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { MeshRule } from '../../platform/types.js';
import type { AgentContext } from '../context.js';
import { ToolError } from '../errors.js';
import { defineTool } from '../tool.js';

export function opaqueRuleId(ctx: AgentContext, id: string): string {
  return `mr-${createHmac('sha256', ctx.opaqueKey ?? 'sockshop-lab')
    .update(id)
    .digest('hex')
    .slice(0, 12)}`;
}

function visibleRule(ctx: AgentContext, r: MeshRule) {
  return {
    id: opaqueRuleId(ctx, r.id),
    edge: `${r.source}->${r.destination}`,
    source: r.source,
    destination: r.destination,
    direction: r.direction,
    fault: r.fault,
    createdAt: r.createdAt,
  };
}

export const listMeshRules = defineTool({
  name: 'list_mesh_rules',
  description:
    'Traffic rules in force on service edges (delay, abort, loss, partition, bandwidth; source "*" = every caller), with opaque ids for delete_mesh_rule.',
  kind: 'read',
  input: z.strictObject({}),
  async run(ctx) {
    return { rules: (await ctx.platform.listMeshRules()).slice(0, 100).map((r) => visibleRule(ctx, r)) };
  },
});

export const deleteMeshRule = defineTool({
  name: 'delete_mesh_rule',
  description:
    'Removes one traffic rule by the id list_mesh_rules shows (like deleting a VirtualService fault).',
  kind: 'action',
  input: z.strictObject({
    id: z.string().regex(/^mr-[0-9a-f]{12}$/, 'must be an id from list_mesh_rules ("mr-" + 12 hex)'),
  }),
  async run(ctx, { id }) {
    const rule = (await ctx.platform.listMeshRules()).find((r) => opaqueRuleId(ctx, r.id) === id);
    if (!rule)
      throw new ToolError('not_found', `mesh rule "${id}" not found (it may have been removed already)`);
    await ctx.platform.removeMeshRule(rule.id);
    return { changed: 'mesh rule deleted', deleted: visibleRule(ctx, rule) };
  },
});
