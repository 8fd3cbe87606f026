/**
 * Policies as RabbitMQ applies them to queues: at most one policy per queue (highest priority wins;
 * ties broken by name for determinism), matched by regex on the queue name and `apply-to`. The
 * effective limits combine policy and x-arguments like RabbitMQ: numeric limits take the minimum,
 * overflow and dead-lettering settings prefer the queue's own argument.
 */
import type { FieldTable } from './codec.js';

export type ApplyTo = 'queues' | 'classic_queues' | 'quorum_queues' | 'streams' | 'exchanges' | 'all';
export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

export interface Policy {
  vhost: string;
  name: string;
  pattern: string;
  applyTo: ApplyTo;
  priority: number;
  definition: Record<string, unknown>;
  regex: RegExp;
}

export interface QueueLimits {
  maxLength?: number;
  maxLengthBytes?: number;
  overflow: Overflow;
  deadLetterExchange?: string;
  deadLetterRoutingKey?: string;
  messageTtl?: number;
}

const OVERFLOWS: readonly Overflow[] = ['drop-head', 'reject-publish', 'reject-publish-dlx'];
const APPLY_TO: readonly ApplyTo[] = [
  'queues',
  'classic_queues',
  'quorum_queues',
  'streams',
  'exchanges',
  'all',
];
const KNOWN_KEYS = new Set([
  'max-length',
  'max-length-bytes',
  'overflow',
  'dead-letter-exchange',
  'dead-letter-routing-key',
  'message-ttl',
  'expires',
  'ha-mode',
  'ha-params',
  'queue-mode',
  'alternate-exchange',
  'queue-version',
  'max-age',
  'delivery-limit',
]);

export class PolicyError extends Error {}

const isNonNegInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Validates like RabbitMQ's policy validator and returns a stored policy. */
export function makePolicy(
  vhost: string,
  name: string,
  pattern: string,
  definition: unknown,
  opts: { priority?: number; applyTo?: string } = {},
): Policy {
  if (!name) throw new PolicyError('policy name must not be empty');
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch {
    throw new PolicyError(`invalid pattern ${JSON.stringify(pattern)}`);
  }
  if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new PolicyError('definition must be a JSON object');
  }
  const def = definition as Record<string, unknown>;
  if (Object.keys(def).length === 0) throw new PolicyError('Validation failed\n\nno policy provided');
  const unknown = Object.keys(def).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length) {
    throw new PolicyError(
      `Validation failed\n\n[${unknown.map((k) => `<<"${k}">>`).join(',')}] are not recognised policy settings`,
    );
  }
  for (const key of ['max-length', 'max-length-bytes', 'message-ttl']) {
    if (key in def && !isNonNegInt(def[key]))
      throw new PolicyError(`Validation failed\n\n${JSON.stringify(def[key])} is not a valid ${key}`);
  }
  if ('overflow' in def && !OVERFLOWS.includes(def.overflow as Overflow)) {
    throw new PolicyError(
      `Validation failed\n\n${JSON.stringify(def.overflow)} is not a valid overflow value`,
    );
  }
  const applyTo = (opts.applyTo ?? 'all') as ApplyTo;
  if (!APPLY_TO.includes(applyTo)) throw new PolicyError(`invalid apply-to ${JSON.stringify(opts.applyTo)}`);
  const priority = opts.priority ?? 0;
  if (!Number.isInteger(priority)) throw new PolicyError('priority must be an integer');
  return { vhost, name, pattern, applyTo, priority, definition: { ...def }, regex };
}

/** The single policy that applies to a classic queue named `queue`, if any. */
export function policyForQueue(policies: Iterable<Policy>, queue: string): Policy | undefined {
  let best: Policy | undefined;
  for (const p of policies) {
    if (!['queues', 'classic_queues', 'all'].includes(p.applyTo) || !p.regex.test(queue)) continue;
    if (!best || p.priority > best.priority || (p.priority === best.priority && p.name < best.name)) best = p;
  }
  return best;
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const minDefined = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

export function effectiveLimits(args: FieldTable, policy?: Policy): QueueLimits {
  const p = policy?.definition ?? {};
  return {
    maxLength: minDefined(num(args['x-max-length']), num(p['max-length'])),
    maxLengthBytes: minDefined(num(args['x-max-length-bytes']), num(p['max-length-bytes'])),
    messageTtl: minDefined(num(args['x-message-ttl']), num(p['message-ttl'])),
    overflow: (str(args['x-overflow']) ?? str(p.overflow) ?? 'drop-head') as Overflow,
    deadLetterExchange: str(args['x-dead-letter-exchange']) ?? str(p['dead-letter-exchange']),
    deadLetterRoutingKey: str(args['x-dead-letter-routing-key']) ?? str(p['dead-letter-routing-key']),
  };
}

/** Queue x-argument checks done at declare time (RabbitMQ answers 406 PRECONDITION_FAILED). */
export function validateQueueArgs(args: FieldTable): string | undefined {
  for (const key of ['x-max-length', 'x-max-length-bytes', 'x-message-ttl']) {
    if (key in args) {
      const v = num(args[key]);
      if (v === undefined || !Number.isInteger(v))
        return `invalid arg '${key}': {unacceptable_type,${typeof args[key]}}`;
      if (v < 0) return `invalid arg '${key}': {value_negative,${v}}`;
    }
  }
  if ('x-overflow' in args && !OVERFLOWS.includes(args['x-overflow'] as Overflow)) {
    return `invalid arg 'x-overflow': {unknown_overflow,${JSON.stringify(args['x-overflow'])}}`;
  }
  return undefined;
}

/** Only the keys the policy actually contributes to this queue (RabbitMQ's effective_policy_definition). */
export function effectivePolicyDefinition(policy?: Policy): Record<string, unknown> {
  return policy ? { ...policy.definition } : {};
}
