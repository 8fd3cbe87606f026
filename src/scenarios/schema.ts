/**
 * The scenario file format (scenarios/<id>.yaml), as a zod schema. A scenario is data: metadata, the
 * load, fault steps, manifestation checks (the failure really happened and hurt users), ground truth
 * (for the evaluator only), remediations that count, and recovery checks. Fault parameters are checked
 * against each primitive's own schema by the loader (load.ts), which also maps every problem to a line.
 */
import { z } from 'zod';
import { duration, objectName, resourceList } from '../faults/params.js';

const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case, e.g. "queue-blockage"');

export const GOLDEN_SIGNALS = ['latency', 'traffic', 'errors', 'saturation'] as const;
export const TASKS = ['detection', 'localisation', 'root-cause', 'mitigation'] as const;
export const COMPARATORS = ['>', '>=', '<', '<=', '==', '!='] as const;

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

const loadShape = {
  /** A built-in profile name (`mixed`, `original`) or an inline profile (src/load/profile.ts format). */
  profile: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  users: z.number().int().min(1).optional(),
  spawnRate: z.number().positive().optional(),
  rate: z.number().min(0).optional(),
  ramp: z
    .array(z.strictObject({ duration, target: z.number().min(0) }))
    .min(1)
    .optional(),
  arrivals: z.enum(['uniform', 'poisson']).optional(),
  thinkTime: z.strictObject({ min: z.number().min(0), max: z.number().min(0) }).optional(),
  timeout: duration.optional(),
};

const loadModel = z
  .strictObject(loadShape)
  .refine((l) => !(l.users !== undefined && (l.rate !== undefined || l.ramp)), {
    message: 'give users (closed model) or rate/ramp (open model), not both',
  })
  .refine((l) => l.users !== undefined || l.rate !== undefined || l.ramp !== undefined, {
    message: 'give users (closed model) or rate/ramp (open model)',
  });

export const loadSchema = z.strictObject({
  ...loadShape,
  /** A second load model that runs from the first fault step on (a traffic spike, a login surge). */
  duringFault: loadModel.optional(),
});

// ---------------------------------------------------------------------------------------------
// Fault steps
// ---------------------------------------------------------------------------------------------

export const faultStepSchema = z.strictObject({
  id: kebab,
  /** A primitive name from src/faults/registry.ts. */
  fault: z.string().min(1),
  description: z.string().optional(),
  /** Offset from the start of the fault phase. */
  at: duration.default(0),
  /** Reverted after this long; absent = until the run reverts everything. */
  duration: duration.optional(),
  params: z.record(z.string(), z.unknown()).default({}),
});

// ---------------------------------------------------------------------------------------------
// Checks (manifestation and recovery)
// ---------------------------------------------------------------------------------------------

export const STATE_KINDS = [
  'queue-depth',
  'queue-consumers',
  'replicas',
  'ready-replicas',
  'restarts',
  'hpa-replicas',
  'orders-by-status',
  'orphan-authorisations',
  'stale-price-replicas',
  'price-disagreement',
  'shipping-rate',
  'mesh-rules',
  'cart-retention-loss',
  'profile-lost-updates',
] as const;

const checkBase = {
  id: kebab,
  description: z.string().optional(),
  op: z.enum(COMPARATORS),
  /** Absolute threshold. */
  value: z.number().optional(),
  /**
   * Threshold relative to the value measured at the end of the baseline phase:
   * `baselineValue × factor + offset` (e.g. factor 3 = "three times the baseline p95").
   */
  baseline: z.strictObject({ factor: z.number().default(1), offset: z.number().default(0) }).optional(),
  /** The condition must hold continuously for this long (Prometheus alert `for`). */
  for: duration.default(0),
  /** A signal users feel (journey latency, errors, orders unshipped, wrong price or cost, lost data). */
  userFacing: z.boolean().default(false),
};

const promqlCheck = z.strictObject({
  ...checkBase,
  promql: z.string().min(1),
  /** How a vector with several series is judged: any series / every series / their max, min or sum. */
  reduce: z.enum(['any', 'all', 'max', 'min', 'sum']).default('any'),
});

const stateCheck = z.strictObject({
  ...checkBase,
  state: z.enum(STATE_KINDS),
  params: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});

export const checkSchema = z
  .union([promqlCheck, stateCheck])
  .refine((c) => c.value !== undefined || c.baseline !== undefined, 'give `value` and/or `baseline`')
  .refine(
    (c) => !(c.baseline && (c.op === '==' || c.op === '!=')),
    'a baseline threshold needs <, <=, > or >=',
  );

const checkList = z.array(checkSchema).min(1, 'needs at least one check');

export const manifestationSchema = z.strictObject({
  /** Every check must pass at some point within this long after the last fault step was injected. */
  within: duration.default(180_000),
  checks: checkList,
});

export const recoverySchema = z.strictObject({
  /** How long after the mitigation the checks may take to start holding. */
  within: duration.default(300_000),
  /** The checks must then hold together for this long, under load. */
  settle: duration.default(60_000),
  checks: checkList,
});

// ---------------------------------------------------------------------------------------------
// Ground truth and remediations (evaluator only; never reachable through the agent API)
// ---------------------------------------------------------------------------------------------

const component = z.strictObject({
  component: z.string().min(1),
  kind: z.enum([
    'deployment',
    'store',
    'queue',
    'config',
    'network-edge',
    'hpa',
    'cache',
    'dependency',
    'code',
  ]),
  /** Other names an agent may use for it (matched case-insensitively). */
  aliases: z.array(z.string().min(1)).default([]),
});

export const groundTruthSchema = z.strictObject({
  faultType: kebab,
  faultTypeAliases: z.array(z.string().min(1)).default([]),
  rootCause: z.array(component).min(1),
  /** From the cause to what the user sees, one hop per entry. */
  propagation: z.array(z.string().min(1)).min(2, 'needs at least the cause and the user-visible symptom'),
  tasks: z.array(z.enum(TASKS)).min(1),
});

export const REMEDIATION_VERBS = [
  'scale',
  'set-resources',
  'apply-hpa',
  'patch-hpa',
  'delete-hpa',
  'rollout-restart',
  'rollout-undo',
  'set-policy',
  'clear-policy',
  'purge-queue',
  'update-config',
  'remove-mesh-rule',
  'runbook',
] as const;

const remediationAction = z.strictObject({
  verb: z.enum(REMEDIATION_VERBS),
  target: z.string().min(1),
  /** Conditions on the action's arguments, e.g. `{ replicas: ">=1" }` or `{ metric: cpu }`. */
  where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const remediationSchema = z.strictObject({
  id: kebab,
  description: z.string().min(1),
  /** All of these, in any order. */
  actions: z.array(remediationAction).min(1),
});

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

export const scenarioSchema = z
  .strictObject({
    id: kebab,
    title: z.string().min(1),
    /** The seed document and section this scenario reproduces (or "control"). */
    seed: z.strictObject({ document: z.string().min(1), section: z.string().min(1) }),
    /** Groups variants (login-latency has three). */
    family: kebab.optional(),
    userImpact: z.string().min(1),
    goldenSignals: z.array(z.enum(GOLDEN_SIGNALS)).min(1),
    /** How the seed's figures were scaled to this machine (also said in the file's header comment). */
    scaling: z.string().min(1),
    /** A control run: no faults, no manifestation, no ground truth; nothing should be detected. */
    control: z.boolean().default(false),
    phases: z
      .strictObject({ warmup: duration.default(30_000), baseline: duration.default(60_000) })
      .default({ warmup: 30_000, baseline: 60_000 }),
    /** Replicas, settings or resources the lab runs with for this scenario (e.g. the large catalogue). */
    setup: z
      .strictObject({
        replicas: z.record(objectName, z.number().int().min(0)).optional(),
        env: z
          .record(objectName, z.record(z.string(), z.union([z.string(), z.number()]).transform(String)))
          .optional(),
        /** Requests/limits a deployment runs with for the whole run (as `kubectl set resources`). */
        resources: z
          .record(
            objectName,
            z
              .strictObject({ requests: resourceList.optional(), limits: resourceList.optional() })
              .refine((r) => r.requests || r.limits, 'give requests and/or limits'),
          )
          .optional(),
      })
      .optional(),
    load: loadSchema,
    faults: z.array(faultStepSchema).default([]),
    manifestation: manifestationSchema.optional(),
    groundTruth: groundTruthSchema.optional(),
    remediations: z.array(remediationSchema).default([]),
    recovery: recoverySchema,
  })
  .superRefine((s, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (s.control) {
      if (s.faults.length) issue(['faults'], 'a control scenario has no faults');
      if (s.manifestation) issue(['manifestation'], 'a control scenario has no manifestation checks');
      if (s.groundTruth) issue(['groundTruth'], 'a control scenario has no ground truth');
    } else {
      if (!s.faults.length && !s.load.duringFault)
        issue(['faults'], 'needs a fault step or a `load.duringFault` surge (or `control: true`)');
      if (!s.manifestation) issue([], 'needs `manifestation` checks');
      if (!s.groundTruth) issue([], 'needs `groundTruth`');
      if (!s.remediations.length) issue([], 'needs at least one remediation that counts');
      // A scenario counts only if it hurt users: one user-facing check measured against the baseline
      // (or a business check, whose baseline is zero by construction).
      const hurts = s.manifestation?.checks.some(
        (c) => c.userFacing && (c.baseline !== undefined || 'state' in c),
      );
      if (s.manifestation && !hurts)
        issue(
          ['manifestation', 'checks'],
          'needs a user-facing check (userFacing: true) against the baseline, or a business state check',
        );
    }
    if (!s.recovery.checks.some((c) => c.userFacing))
      issue(['recovery', 'checks'], 'needs a user-facing SLO check');
    unique(
      s.faults.map((f) => f.id),
      ['faults'],
      'fault step id',
      issue,
    );
    unique(
      (s.manifestation?.checks ?? []).map((c) => c.id),
      ['manifestation', 'checks'],
      'check id',
      issue,
    );
    unique(
      s.recovery.checks.map((c) => c.id),
      ['recovery', 'checks'],
      'check id',
      issue,
    );
    unique(
      s.remediations.map((r) => r.id),
      ['remediations'],
      'remediation id',
      issue,
    );
  });

function unique(
  ids: string[],
  path: PropertyKey[],
  what: string,
  issue: (p: PropertyKey[], m: string) => void,
) {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) issue([...path, i], `duplicate ${what} "${id}"`);
    seen.add(id);
  });
}

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioCheck = z.infer<typeof checkSchema>;
export type PromqlCheck = z.infer<typeof promqlCheck>;
export type StateCheck = z.infer<typeof stateCheck>;
export type FaultStep = z.infer<typeof faultStepSchema>;
export type LoadSpec = z.infer<typeof loadSchema>;
export type GroundTruth = z.infer<typeof groundTruthSchema>;
export type StateKind = (typeof STATE_KINDS)[number];
