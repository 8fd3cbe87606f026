/**
 * Push a new version of a config map (e.g. a bad `shipping-rates` version). The platform restarts the
 * pods that mount it. Revert pushes the recorded data again as a new version, as `kubectl apply` of the
 * old manifest would (an agent's `rollout undo` is a different, equally valid fix).
 */
import { z } from 'zod';
import { objectName } from './params.js';
import { FaultError, type FaultPrimitive } from './types.js';

const params = z
  .strictObject({
    configMap: objectName,
    /** Keys to set (merged into the current data); a value is the whole file for that key. */
    set: z.record(z.string(), z.string()).optional(),
    /** Text replacements inside one key's current value: [[from, to], …]. */
    replace: z
      .strictObject({ key: z.string(), edits: z.array(z.tuple([z.string(), z.string()])).min(1) })
      .optional(),
  })
  .refine((p) => p.set || p.replace, 'give `set` and/or `replace`');
type Params = z.infer<typeof params>;

interface ConfigMapRecord {
  previousVersion: number;
  previousData: Record<string, string>;
}

function nextData(current: Record<string, string>, p: Params): Record<string, string> {
  const data = { ...current, ...p.set };
  if (p.replace) {
    let text = data[p.replace.key];
    if (text === undefined) throw new FaultError(`config map has no key "${p.replace.key}"`);
    for (const [from, to] of p.replace.edits) {
      if (!text.includes(from)) throw new FaultError(`"${from}" not found in key "${p.replace.key}"`);
      text = text.split(from).join(to);
    }
    data[p.replace.key] = text;
  }
  return data;
}

const sameData = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export const configMapPush: FaultPrimitive<Params, ConfigMapRecord> = {
  name: 'config-map-push',
  description: 'Push a new config map version (restarts the pods that mount it).',
  params,
  targets: (p) => [`configmap/${p.configMap}`],
  async prepare(ctx, p) {
    const cm = await ctx.platform.getConfigMap(p.configMap);
    if (!cm) throw new FaultError(`configmap "${p.configMap}" not found`);
    nextData(cm.current.data, p); // fail before anything changes
    return { previousVersion: cm.current.version, previousData: cm.current.data };
  },
  apply: async (ctx, p, r) => {
    await ctx.platform.setConfigMap(p.configMap, nextData(r.previousData, p));
  },
  async revert(ctx, p, r) {
    const cm = await ctx.platform.getConfigMap(p.configMap);
    if (cm && !sameData(cm.current.data, r.previousData))
      await ctx.platform.setConfigMap(p.configMap, r.previousData);
  },
};
