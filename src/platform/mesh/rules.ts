/**
 * Mesh fault rules: validation, the rule store, and the per-edge policy (which faults act on one
 * caller→service edge in which direction). Direction follows Chaos Mesh: `to` is traffic from the caller
 * to the callee (requests), `from` is traffic from the callee back (responses), `both` is both.
 * So a partition `to` black-holes requests, a partition `from` delivers requests but discards the
 * responses (the callee really does the work, the caller waits for its own timeout), and a partition
 * `both` refuses/resets connections.
 */
import { z } from 'zod';
import type { MeshFault, MeshRule, MeshRuleInput } from '../types.js';
import { TokenBucket } from './pacing.js';

/** The delay fault, with the jitter distribution this module adds (netem's default is uniform). */
export type DelayFault = Extract<MeshFault, { kind: 'delay' }> & { distribution?: 'uniform' | 'normal' };

export class MeshRuleError extends Error {
  override name = 'MeshRuleError';
}

const percent = z.number().min(0).max(100);
const faultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('delay'),
    latencyMs: z.number().min(0).max(3_600_000),
    jitterMs: z.number().min(0).optional(),
    correlation: percent.optional(),
    percent: percent.optional(),
    distribution: z.enum(['uniform', 'normal']).optional(),
  }),
  z.object({ kind: z.literal('loss'), percent }),
  z.object({
    kind: z.literal('abort'),
    httpStatus: z.number().int().min(200).max(599),
    percent: percent.optional(),
  }),
  z.object({ kind: z.literal('partition') }),
  z.object({ kind: z.literal('bandwidth'), bytesPerSecond: z.number().positive() }),
]);
const ruleSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  source: z.string().min(1),
  destination: z.string().min(1),
  direction: z.enum(['to', 'from', 'both']),
  fault: faultSchema,
});

export function parseRule(input: unknown): MeshRuleInput {
  const result = ruleSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new MeshRuleError(`invalid mesh rule: ${issue.path.join('.') || '(rule)'}: ${issue.message}`);
}

export class RuleStore {
  private readonly rules = new Map<string, MeshRule>();
  private nextId = 1;

  add(input: MeshRuleInput, now = new Date()): MeshRule {
    const valid = parseRule(input);
    const id = valid.id ?? this.freshId();
    if (this.rules.has(id)) throw new MeshRuleError(`mesh rule "${id}" already exists`);
    const rule: MeshRule = { ...valid, id, createdAt: now.toISOString() };
    this.rules.set(id, rule);
    return rule;
  }

  remove(id: string): boolean {
    return this.rules.delete(id);
  }

  clear(): void {
    this.rules.clear();
  }

  list(): MeshRule[] {
    return [...this.rules.values()];
  }

  matching(source: string, destination: string): MeshRule[] {
    return this.list().filter(
      (r) =>
        (r.source === '*' || r.source === source) && (r.destination === '*' || r.destination === destination),
    );
  }

  private freshId(): string {
    while (this.rules.has(`rule-${this.nextId}`)) this.nextId++;
    return `rule-${this.nextId++}`;
  }
}

export type Way = 'to' | 'from';

const covers = (rule: MeshRule, way: Way) => rule.direction === 'both' || rule.direction === way;
const chance = (pct: number | undefined) => pct === undefined || pct >= 100 || Math.random() * 100 < pct;

/** One delay rule's sampler; keeps netem's correlation state (`rnd = value·(1−c) + last·c`). */
class DelaySampler {
  private last = Math.random();
  private lastNormal = 0;

  constructor(readonly fault: DelayFault) {}

  sample(): number {
    const { latencyMs, jitterMs = 0, correlation = 0, distribution = 'uniform' } = this.fault;
    if (jitterMs === 0) return latencyMs;
    const c = correlation / 100;
    if (distribution === 'normal') {
      const z = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
      this.lastNormal = z * (1 - c) + this.lastNormal * c;
      return Math.max(0, latencyMs + jitterMs * this.lastNormal);
    }
    this.last = Math.random() * (1 - c) + this.last * c;
    return Math.max(0, latencyMs + jitterMs * (2 * this.last - 1));
  }
}

/** The faults acting on one edge, rebuilt whenever rules change; keeps samplers and buckets of surviving rules. */
export class EdgePolicy {
  static readonly none = new EdgePolicy([]);

  readonly active: boolean;
  private readonly samplers = new Map<string, DelaySampler>();
  private readonly buckets = new Map<string, Map<Way, TokenBucket>>();

  constructor(
    readonly rules: MeshRule[],
    previous?: EdgePolicy,
  ) {
    this.active = rules.length > 0;
    for (const rule of rules) {
      if (rule.fault.kind === 'delay') {
        this.samplers.set(rule.id, previous?.samplers.get(rule.id) ?? new DelaySampler(rule.fault));
      } else if (rule.fault.kind === 'bandwidth') {
        const { bytesPerSecond } = rule.fault;
        const old = previous?.buckets.get(rule.id);
        this.buckets.set(
          rule.id,
          new Map(
            (['to', 'from'] as const)
              .filter((w) => covers(rule, w))
              .map((w) => [w, old?.get(w) ?? new TokenBucket(bytesPerSecond)]),
          ),
        );
      }
    }
  }

  /** Partition in this direction (`to` blocks requests, `from` blocks responses). */
  partitioned(way: Way): boolean {
    return this.rules.some((r) => r.fault.kind === 'partition' && covers(r, way));
  }

  /** Full partition: connections are refused/reset. */
  get refuses(): boolean {
    return this.partitioned('to') && this.partitioned('from');
  }

  /** Total delay for one message in this direction (each delay rule draws its own percentage). */
  delayMs(way: Way): number {
    let total = 0;
    for (const rule of this.rules) {
      if (rule.fault.kind !== 'delay' || !covers(rule, way) || !chance(rule.fault.percent)) continue;
      total += this.samplers.get(rule.id)!.sample();
    }
    return total;
  }

  /** Whether this message is lost (one draw per loss rule). */
  lost(way: Way): boolean {
    return this.rules.some((r) => r.fault.kind === 'loss' && covers(r, way) && chance(r.fault.percent));
  }

  /** The HTTP status of the first abort rule that fires for this request; aborts ignore direction, as in Istio. */
  abortStatus(): number | undefined {
    for (const rule of this.rules) {
      if (rule.fault.kind === 'abort' && chance(rule.fault.percent ?? 100)) return rule.fault.httpStatus;
    }
    return undefined;
  }

  /** Token buckets limiting this direction. */
  bucketsFor(way: Way): TokenBucket[] {
    const out: TokenBucket[] = [];
    for (const perWay of this.buckets.values()) {
      const bucket = perWay.get(way);
      if (bucket) out.push(bucket);
    }
    return out;
  }
}
