/**
 * Every tool call, kept in memory and appended as one JSON line to the run's timeline file (when
 * given), so the evaluator can count calls, find the last diagnosis and mark actions on its charts.
 * Lines are appended synchronously: a crash right after a call still leaves it on disk.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ToolKind } from './tool.js';

export interface CallLogEntry {
  /** ISO time the call started. */
  at: string;
  tool: string;
  args: unknown;
  ok: boolean;
  /** "code: message" when the call failed. */
  error?: string;
  durationMs: number;
  /** 'unknown' for a call to a tool that does not exist. */
  kind: ToolKind | 'unknown';
  /** What an action changed (actions and diagnoses only; reads are not repeated here). */
  result?: unknown;
}

export interface Diagnosis {
  detected: boolean;
  components: string[];
  faultType: string;
  summary: string;
}

export class CallLog {
  readonly entries: CallLogEntry[] = [];

  constructor(
    /** JSONL file to append to (e.g. `<run>/agent-calls.jsonl`); none = memory only. */
    readonly file?: string,
    /** Also called for every entry (e.g. the run's own timeline). */
    private readonly onEntry?: (entry: CallLogEntry) => void,
  ) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  /** Bound, so it can be passed around as `ctx.callLog`. */
  readonly record = (entry: CallLogEntry): void => {
    this.entries.push(entry);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    this.onEntry?.(entry);
  };

  /** The diagnosis that counts: the last accepted submit_diagnosis. */
  lastDiagnosis(): (Diagnosis & { at: string }) | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.tool === 'submit_diagnosis' && e.ok) return { ...(e.args as Diagnosis), at: e.at };
    }
    return undefined;
  }

  /** The first accepted diagnosis with detected=true (time to detect). */
  firstDetection(): string | undefined {
    return this.entries.find(
      (e) => e.tool === 'submit_diagnosis' && e.ok && (e.args as Diagnosis).detected === true,
    )?.at;
  }
}
