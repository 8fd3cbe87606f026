/**
 * Shapes of the reference agent: what it needs from the agent API (only a ToolClient — it never sees
 * scenario files, ground truth or fault state) and what it hands back (the report with its timeline).
 */

/** The agent API's client side (src/agent-api/client.ts): in-process, REST or MCP — all alike here. */
export interface ToolClient {
  call(name: string, args: object): Promise<unknown>;
}

export interface AgentOptions {
  /** Wall-clock budget for the whole investigation, from the call. */
  budgetMs: number;
  /** Pause between two looks at the signals while watching (detection and verification). */
  pollMs: number;
  /** Ends the investigation early: the agent stops polling, submits what it has and returns its report. */
  signal?: AbortSignal;
  /** Receives each timeline step as a readable line, as it happens. */
  log?: (line: string) => void;
}

/** One step of the reasoning: what the agent looked at, what it concluded, why. */
export interface TimelineStep {
  at: string;
  /** Milliseconds since the agent started. */
  tMs: number;
  phase: 'watch' | 'detect' | 'localise' | 'diagnose' | 'remediate' | 'verify' | 'conclude';
  looked: string;
  concluded: string;
  why: string;
}

/** Something measurably wrong for users or the business, with the numbers behind it. */
export interface Symptom {
  kind:
    | 'latency'
    | 'errors'
    | 'fulfilment-stalled'
    | 'queue-stalled'
    | 'orphan-payments'
    | 'session-loss'
    | 'replicas-disagree'
    | 'config-regression'
    | 'saturation'
    | 'pool-saturation'
    | 'unavailable';
  /** The service (or front-end route) where it shows. */
  where: string;
  /** A front-end route, when the symptom is on one. */
  route?: string;
  now: number;
  baseline?: number;
  /** User-facing or business symptoms count alone; saturation only together with a recent change. */
  userFacing: boolean;
  detail: string;
}

export type PlanStep =
  | { tool: 'scale'; args: { deployment: string; replicas: number } }
  | {
      tool: 'set_resources';
      args: { deployment: string; requests?: Record<string, string>; limits?: Record<string, string> };
    }
  | { tool: 'patch_hpa'; args: { name: string; patch: object } }
  | { tool: 'rollout_undo' | 'rollout_restart'; args: { deployment: string } }
  | { tool: 'set_env'; args: { deployment: string; env: Record<string, string | null> } }
  | { tool: 'clear_queue_policy'; args: { name: string } }
  | { tool: 'delete_mesh_rule'; args: { id: string } }
  | { tool: 'create_index'; args: { store: string } }
  | { tool: 'flush_cache'; args: { service: string } }
  | { tool: 'reconcile_payments' | 'redrive_shipments'; args: Record<string, never> };

/** A root-cause explanation the evidence supports, with the fix that fits it. */
export interface Hypothesis {
  /** The rule of docs/agent.md that produced it. */
  rule: string;
  /** Ranked, most likely first. */
  components: string[];
  faultType: string;
  /** 0..1: how strongly the evidence supports it (used to rank hypotheses). */
  confidence: number;
  evidence: string[];
  plan: PlanStep[];
  /** Symptoms it explains (indexes into the symptom list it was derived from). */
  explains: Symptom['kind'][];
}

export interface ActionRecord {
  at: string;
  tool: string;
  args: object;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Diagnosis {
  detected: boolean;
  components: string[];
  faultType: string;
  summary: string;
}

export interface AgentReport {
  startedAt: string;
  finishedAt: string;
  detected: boolean;
  diagnosis?: Diagnosis;
  symptoms: Symptom[];
  hypotheses: Hypothesis[];
  actions: ActionRecord[];
  /** True when the signals that raised the incident were back to their baseline after acting. */
  recoveryVerified: boolean;
  toolCalls: number;
  timeline: TimelineStep[];
}
