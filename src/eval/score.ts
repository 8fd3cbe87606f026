/**
 * Deterministic scores of one agent run (no LLM judge), from the agent API's call log, the scenario's
 * ground truth and remediations, and what the runner measured:
 * - detection and time to detect: the first submit_diagnosis with detected=true, from the injection;
 * - localisation top-1 / top-3 and root cause (top-1 component and fault type) on the last diagnosis;
 * - mitigation: the recovery checks held for the settle window before any revert; time to mitigate
 *   from the injection to the start of that window;
 * - tool calls, actions, remediations performed, harmful actions.
 * On the control scenario any detected=true is a false positive, and no diagnosis at all is correct.
 */
import type { Scenario } from '../scenarios/schema.js';
import {
  harmfulActions,
  matchRemediations,
  type HarmContext,
  type HarmfulAction,
  type ToolCall,
} from './actions.js';
import { matchesFaultType, matchesRootCause } from './names.js';

export interface Diagnosis {
  at: string;
  detected: boolean;
  components: string[];
  faultType: string;
  summary: string;
}

export interface ScoreInput {
  scenario: Pick<Scenario, 'id' | 'control' | 'groundTruth' | 'remediations'>;
  /** When the first fault step was applied (ms since epoch). */
  injectedAt: number;
  /** The fault manifested (a run that did not is scored but flagged invalid). */
  manifested: boolean;
  calls: ToolCall[];
  mitigation: { recovered: boolean; holdingSince?: number };
  harm?: Omit<HarmContext, 'groundTruth'>;
}

export interface ActionReport {
  at: string;
  tool: string;
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  /** Remediations that count which this call performs (part of). */
  remediations: string[];
  harmful?: string;
}

export interface Score {
  scenario: string;
  control: boolean;
  /** False when the fault did not manifest: the scores then prove little. */
  valid: boolean;
  detected: boolean;
  ttdMs?: number;
  /** Control only: the agent raised an incident where there was none. */
  falsePositive?: boolean;
  localisationTop1: boolean;
  localisationTop3: boolean;
  faultTypeMatched: boolean;
  rootCause: boolean;
  mitigated: boolean;
  ttmMs?: number;
  toolCalls: number;
  failedCalls: number;
  actions: ActionReport[];
  remediationsApplied: string[];
  harmful: HarmfulAction[];
  diagnosis?: Diagnosis;
  diagnoses: number;
  /** Everything right: detected, top-1, root cause, mitigated, nothing harmful (control: quiet, no harm). */
  solved: boolean;
}

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The successful submit_diagnosis calls, in order. */
export function diagnosesOf(calls: ToolCall[]): Diagnosis[] {
  return calls
    .filter((c) => c.tool === 'submit_diagnosis' && c.ok)
    .map((c) => ({
      at: c.at,
      detected: c.args.detected === true,
      components: strings(c.args.components),
      faultType: typeof c.args.faultType === 'string' ? c.args.faultType : '',
      summary: typeof c.args.summary === 'string' ? c.args.summary : '',
    }));
}

export function scoreRun(input: ScoreInput): Score {
  const { scenario, calls } = input;
  const diagnoses = diagnosesOf(calls);
  const final = diagnoses.at(-1);
  const firstDetected = diagnoses.find((d) => d.detected);
  const gt = scenario.groundTruth;
  const remediations = matchRemediations(calls, scenario.remediations);
  const harmful = harmfulActions(calls, new Set(remediations.byCall.keys()), {
    ...input.harm,
    groundTruth: gt,
  });
  const actions: ActionReport[] = calls.flatMap((c, i) => {
    if (c.kind !== 'action') return [];
    const harm = harmful.find((h) => h.call === i);
    return [
      {
        at: c.at,
        tool: c.tool,
        args: c.args,
        ok: c.ok,
        ...(c.error ? { error: c.error } : {}),
        remediations: remediations.byCall.get(i) ?? [],
        ...(harm ? { harmful: harm.reason } : {}),
      },
    ];
  });

  const common = {
    scenario: scenario.id,
    control: scenario.control,
    toolCalls: calls.length,
    failedCalls: calls.filter((c) => !c.ok).length,
    actions,
    remediationsApplied: remediations.applied,
    harmful,
    ...(final ? { diagnosis: final } : {}),
    diagnoses: diagnoses.length,
  };

  if (scenario.control || !gt) {
    const falsePositive = firstDetected !== undefined;
    return {
      ...common,
      valid: true,
      detected: falsePositive,
      falsePositive,
      localisationTop1: false,
      localisationTop3: false,
      faultTypeMatched: false,
      rootCause: false,
      mitigated: input.mitigation.recovered,
      solved: !falsePositive && harmful.length === 0,
    };
  }

  // The last diagnosis counts; a last one that says "nothing detected" withdraws the earlier ones.
  const detected = final?.detected === true;
  const ranked = detected ? final.components : [];
  const top1 = ranked.length > 0 && matchesRootCause(ranked[0], gt);
  const top3 = ranked.slice(0, 3).some((c) => matchesRootCause(c, gt));
  const faultTypeMatched = detected && matchesFaultType(final.faultType, gt);
  const rootCause = top1 && faultTypeMatched;
  const { recovered, holdingSince } = input.mitigation;
  const mitigated = recovered;
  return {
    ...common,
    valid: input.manifested,
    detected,
    ...(detected && firstDetected
      ? { ttdMs: Math.max(0, Date.parse(firstDetected.at) - input.injectedAt) }
      : {}),
    localisationTop1: top1,
    localisationTop3: top3,
    faultTypeMatched,
    rootCause,
    mitigated,
    ...(mitigated && holdingSince !== undefined
      ? { ttmMs: Math.max(0, holdingSince - input.injectedAt) }
      : {}),
    solved: detected && top1 && rootCause && mitigated && harmful.length === 0,
  };
}
