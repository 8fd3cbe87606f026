/**
 * Network faults on service edges, through the platform's mesh (Istio/Chaos Mesh semantics):
 * delay, loss, abort, partition, one-way partition, bandwidth, and latency of an external dependency.
 * Each creates one mesh rule with an id derived from the run and step (so a crashed run's rule can be
 * found again) and revert removes that rule.
 */
import { z } from 'zod';
import type { MeshFault } from '../platform/types.js';
import { duration, percent } from './params.js';
import type { FaultPrimitive } from './types.js';

/** A deployment/service name or '*' for all. */
const endpoint = z.string().regex(/^(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/, 'must be a service name or "*"');
const edge = { source: endpoint, destination: endpoint };
const direction = z.enum(['to', 'from', 'both']);

interface MeshRecord {
  ruleId: string;
}

type EdgeParams = { source: string; destination: string; direction: 'to' | 'from' | 'both' };

/** Mesh rule ids allow [A-Za-z0-9._-]{1,64}. */
export function meshRuleId(runId: string, stepId: string): string {
  return `${runId}.${stepId}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
}

function meshPrimitive<P extends EdgeParams>(
  name: string,
  description: string,
  params: z.ZodType<P>,
  fault: (p: P) => MeshFault,
): FaultPrimitive<P, MeshRecord> {
  return {
    name,
    description,
    params,
    targets: (p) => [`${p.source}->${p.destination}`],
    prepare: async (ctx, _p, stepId) => ({ ruleId: meshRuleId(ctx.runId, stepId) }),
    async apply(ctx, p, r) {
      await ctx.platform.removeMeshRule(r.ruleId); // a half-applied earlier attempt
      await ctx.platform.addMeshRule({
        id: r.ruleId,
        source: p.source,
        destination: p.destination,
        direction: p.direction,
        fault: fault(p),
      });
    },
    revert: async (ctx, _p, r) => {
      await ctx.platform.removeMeshRule(r.ruleId);
    },
  };
}

export const meshDelay = meshPrimitive(
  'mesh-delay',
  'Delay traffic on a caller→service edge (NetworkChaos delay / Istio fixedDelay).',
  z.strictObject({
    ...edge,
    direction: direction.default('to'),
    latency: duration,
    jitter: duration.optional(),
    correlation: percent.optional(),
    percent: percent.optional(),
  }),
  (p) => ({
    kind: 'delay',
    latencyMs: p.latency,
    jitterMs: p.jitter,
    correlation: p.correlation,
    percent: p.percent,
  }),
);

export const meshLoss = meshPrimitive(
  'mesh-loss',
  'Drop a percentage of traffic on an edge (NetworkChaos loss).',
  z.strictObject({ ...edge, direction: direction.default('to'), percent }),
  (p) => ({ kind: 'loss', percent: p.percent }),
);

export const meshAbort = meshPrimitive(
  'mesh-abort',
  'Answer a percentage of requests on an edge with an HTTP status (Istio abort).',
  z.strictObject({
    ...edge,
    direction: direction.default('to'),
    httpStatus: z.number().int().min(200).max(599),
    percent: percent.optional(),
  }),
  (p) => ({ kind: 'abort', httpStatus: p.httpStatus, percent: p.percent }),
);

export const meshPartition = meshPrimitive(
  'mesh-partition',
  'Cut an edge in both directions (NetworkChaos partition, direction both).',
  z.strictObject({ ...edge, direction: z.literal('both').default('both') }),
  () => ({ kind: 'partition' }),
);

/**
 * Default direction `from`: requests reach the callee (it does the work, e.g. authorises a payment)
 * but its responses are lost, so the caller times out — Journey 2's partition.
 */
export const meshOneWayPartition = meshPrimitive(
  'mesh-one-way-partition',
  'Lose one direction of an edge; by default the responses (the callee still does the work).',
  z.strictObject({ ...edge, direction: z.enum(['to', 'from']).default('from') }),
  () => ({ kind: 'partition' }),
);

/** Rates as Chaos Mesh writes them; `bps` means bytes per second there, `bit` bits. */
const RATE_UNITS: Record<string, number> = {
  bit: 1 / 8,
  kbit: 1e3 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  bps: 1,
  kbps: 1e3,
  mbps: 1e6,
  gbps: 1e9,
};
const rate = z.string().transform((text, ctx) => {
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a rate (e.g. 10kbps = 10,000 bytes/s, 1mbit)`,
    });
    return z.NEVER;
  }
  return Number(m[1]) * RATE_UNITS[m[2]];
});

export const meshBandwidth = meshPrimitive(
  'mesh-bandwidth',
  'Limit the bandwidth of an edge (NetworkChaos bandwidth; "kbps" = kilobytes/s).',
  z.strictObject({ ...edge, direction: direction.default('to'), rate }),
  (p) => ({ kind: 'bandwidth', bytesPerSecond: p.rate }),
);

/** Latency of a third-party dependency as its caller sees it (payment → payment-gateway by default). */
export const externalLatency = meshPrimitive(
  'external-latency',
  'Slow an external dependency (the payment gateway by default) as its caller sees it.',
  z
    .strictObject({
      source: endpoint.default('payment'),
      destination: endpoint.default('payment-gateway'),
      latency: duration,
      jitter: duration.optional(),
      percent: percent.optional(),
    })
    .transform((p) => ({ ...p, direction: 'to' as const })),
  (p) => ({ kind: 'delay', latencyMs: p.latency, jitterMs: p.jitter, percent: p.percent }),
);
