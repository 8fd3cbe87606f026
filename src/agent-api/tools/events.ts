/** list_events: Kubernetes events the run's telemetry kept (beyond the platform's 1 h TTL), newest first. */
import { z } from 'zod';
import { defineTool, durationMs, durationText, limit } from '../tool.js';
import { compactEvent } from './format.js';
import { ToolError } from '../errors.js';
import { OBJECT_KINDS } from '../../platform/types.js';

const KINDS = OBJECT_KINDS;

export const listEvents = defineTool({
  name: 'list_events',
  description:
    'Events, newest first: filter by window (since, default "10m"), type (Normal|Warning), reason, and involved object ("name" or "Kind/name"). Returns a per-reason count of the matches too.',
  kind: 'read',
  input: z.strictObject({
    since: durationText.default('10m'),
    type: z.enum(['Normal', 'Warning']).optional(),
    reason: z.string().min(1).max(100).optional(),
    object: z
      .string()
      .min(1)
      .max(300)
      .optional()
      .describe('"name" or "Kind/name", e.g. "Pod/carts-7d9f-x2k4q"'),
    limit: limit(50, 100),
  }),
  async run(ctx, args) {
    const [kindText, name] = args.object?.includes('/')
      ? args.object.split('/', 2)
      : [undefined, args.object];
    const kind =
      kindText === undefined ? undefined : KINDS.find((k) => k.toLowerCase() === kindText.toLowerCase());
    if (kindText && !kind)
      throw new ToolError(
        'invalid_argument',
        `object: unknown kind "${kindText}"; one of ${KINDS.join(', ')}`,
      );
    const query = {
      since: Date.now() - durationMs(args.since),
      type: args.type,
      reason: args.reason,
      kind,
      name,
    };
    const matched = ctx.telemetry.events.query({ ...query, limit: 5000 });
    const byReason: Record<string, number> = {};
    for (const e of matched) byReason[e.reason] = (byReason[e.reason] ?? 0) + e.count;
    return { total: matched.length, byReason, events: matched.slice(0, args.limit).map(compactEvent) };
  },
});
