/** Parameter building blocks shared by the primitives' schemas (scenario files are validated with them). */
import { z } from 'zod';
import { parseDuration } from '../scenarios/duration.js';

/** A Kubernetes object name (deployment, service, config map). */
export const objectName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase name like "queue-master"');

/** "2s", "150ms", "1m30s" or seconds as a number → milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 500ms, 2s, 5m)` });
    return z.NEVER;
  }
  return ms;
});

/** A Kubernetes quantity: cpu "50m", "0.5"; memory "128Mi", "1Gi". */
export const quantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(
    z
      .string()
      .regex(
        /^(\d+(\.\d+)?|\.\d+)(e\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/,
        'is not a quantity (e.g. 50m, 128Mi)',
      ),
  );

export const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
export const percent = z.number().min(0).max(100);
