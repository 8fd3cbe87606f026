/**
 * submit_diagnosis: the agent's verdict. It changes nothing in the lab; the call log keeps it and
 * the evaluator scores the last one (and times the first with detected=true).
 */
import { z } from 'zod';
import { defineTool } from '../tool.js';

export const submitDiagnosis = defineTool({
  name: 'submit_diagnosis',
  description:
    'Records your diagnosis: detected (is something wrong?), components (ranked, most likely first, at most 5; a service, store, or an edge "a->b"), faultType (e.g. "network-partition", "cpu-throttling") and a short summary. May be called again; the last one counts.',
  kind: 'diagnosis',
  input: z.strictObject({
    detected: z.boolean(),
    components: z.array(z.string().min(1).max(100)).max(5).default([]),
    faultType: z.string().max(100).default(''),
    summary: z.string().max(2000).default(''),
  }),
  run: async (_ctx, args) => ({ accepted: true, detected: args.detected, components: args.components }),
});
