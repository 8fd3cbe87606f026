/**
 * The fault engine: injects a scenario's fault steps at their offsets, reverts each one when its
 * duration ends, and reverts whatever is still active — in reverse order — when the run ends
 * (success, failure, Ctrl-C). Every step is journalled before it acts, so a crashed run is reverted
 * by `recoverJournal` on the next start.
 */
import { rmSync } from 'node:fs';
import { FaultJournal, readLeftoverJournal, type JournalEntry } from './journal.js';
import { FAULTS } from './registry.js';
import { FaultError, type FaultContext, type FaultPrimitive } from './types.js';

export interface FaultStepInput {
  id: string;
  fault: string;
  /** Raw parameters as written in the scenario (validated by the primitive's schema). */
  params: unknown;
  /** Offset from the start of the fault phase, ms. */
  atMs: number;
  /** Reverted after this long; absent = active until the run ends. */
  durationMs?: number;
}

export interface TimelineEntry {
  at: string;
  stepId: string;
  action: 'inject' | 'revert' | 'error';
  fault: string;
  message?: string;
}

function primitive(name: string): FaultPrimitive<unknown, object> {
  const p = FAULTS.get(name);
  if (!p) throw new FaultError(`unknown fault "${name}"`);
  return p;
}

function parseParams(p: FaultPrimitive<unknown, object>, raw: unknown): unknown {
  const result = p.params.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new FaultError(`fault "${p.name}": ${issue.path.join('.') || 'params'}: ${issue.message}`);
  }
  return result.data;
}

export class FaultEngine {
  readonly timeline: TimelineEntry[] = [];
  private readonly journal: FaultJournal;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Steps in the order they were injected. */
  private readonly active: Array<{
    step: FaultStepInput;
    params: unknown;
    record: object;
    entry: JournalEntry;
  }> = [];
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: FaultContext,
    journalPath: string,
  ) {
    this.journal = new FaultJournal(journalPath, ctx.runId);
  }

  /** Step ids still injected. */
  activeSteps(): string[] {
    return this.active.map((a) => a.step.id);
  }

  async inject(step: FaultStepInput): Promise<void> {
    const p = primitive(step.fault);
    const params = parseParams(p, step.params);
    if (this.active.some((a) => a.step.id === step.id))
      throw new FaultError(`step "${step.id}" is already active`);
    const record = await p.prepare(this.ctx, params, step.id);
    const entry: JournalEntry = {
      stepId: step.id,
      fault: step.fault,
      params: step.params,
      record,
      state: 'applying',
      injectedAt: new Date().toISOString(),
    };
    this.journal.upsert(entry);
    this.active.push({ step, params, record, entry });
    try {
      await p.apply(this.ctx, params, record);
    } finally {
      // apply may have added to the record (e.g. stress ids); journal it either way, still revertable
      this.journal.upsert({ ...entry, record, state: 'active' });
    }
    this.note(step, 'inject');
  }

  /** Reverts one step if it is active. */
  async revert(stepId: string): Promise<void> {
    const i = this.active.findIndex((a) => a.step.id === stepId);
    if (i < 0) return;
    const [a] = this.active.splice(i, 1);
    await primitive(a.step.fault).revert(this.ctx, a.params, a.record);
    this.journal.upsert({
      ...a.entry,
      record: a.record,
      state: 'reverted',
      revertedAt: new Date().toISOString(),
    });
    this.note(a.step, 'revert');
  }

  /**
   * Schedules the steps relative to now. Errors are recorded in the timeline and passed to `onError`
   * (the runner decides whether a failed injection aborts the run).
   */
  schedule(steps: FaultStepInput[], onError: (err: Error, step: FaultStepInput) => void = () => {}): void {
    const later = (ms: number, fn: () => Promise<void>, step: FaultStepInput) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        // serialised: two steps never act on the platform at the same moment
        this.pending = this.pending.then(fn).catch((err: Error) => {
          this.note(step, 'error', err.message);
          onError(err, step);
        });
      }, ms);
      this.timers.add(timer);
    };
    for (const step of steps) {
      later(step.atMs, () => this.inject(step), step);
      if (step.durationMs !== undefined) later(step.atMs + step.durationMs, () => this.revert(step.id), step);
    }
  }

  /** Resolves when every step that has fired so far has finished acting. */
  settled(): Promise<unknown> {
    return this.pending;
  }

  /**
   * Cancels what has not fired yet and reverts everything active, newest first. One failing revert does
   * not stop the others; their errors are returned (and the journal keeps those entries for a retry).
   */
  async revertAll(): Promise<Error[]> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.pending.catch(() => {});
    const errors: Error[] = [];
    for (const a of [...this.active].reverse()) {
      try {
        await this.revert(a.step.id);
      } catch (err) {
        errors.push(
          new FaultError(`revert of step "${a.step.id}" (${a.step.fault}) failed: ${(err as Error).message}`),
        );
        this.note(a.step, 'error', (err as Error).message);
      }
    }
    if (errors.length === 0) this.journal.closeIfClean();
    return errors;
  }

  /**
   * Reverts everything on SIGINT/SIGTERM, then exits (130 / 143). Returns a function that removes the
   * handlers (call it when the run ends normally).
   */
  revertOnSignals(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): () => void {
    const handler = (signal: NodeJS.Signals) => {
      log(`${signal}: reverting ${this.active.length} active fault(s)…`);
      void this.revertAll().then((errors) => {
        for (const e of errors) log(e.message);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }

  private note(step: FaultStepInput, action: TimelineEntry['action'], message?: string): void {
    this.timeline.push({ at: new Date().toISOString(), stepId: step.id, action, fault: step.fault, message });
  }
}

export interface RecoveryReport {
  runId: string;
  reverted: string[];
  errors: string[];
}

/**
 * Reverts what a crashed run left active (newest first), then removes its journal. Entries whose revert
 * fails stay in the journal, which is kept so that the next start tries again. `afterRevert` runs after
 * each revert (e.g. waiting for the rollout it started, when the next revert depends on it).
 */
export async function recoverJournal(
  ctx: FaultContext,
  journalPath: string,
  options: { afterRevert?: (entry: JournalEntry) => Promise<void> } = {},
): Promise<RecoveryReport | undefined> {
  const data = readLeftoverJournal(journalPath);
  if (!data) return undefined;
  const report: RecoveryReport = { runId: data.runId, reverted: [], errors: [] };
  for (const entry of [...data.entries].reverse()) {
    if (entry.state === 'reverted') continue;
    try {
      const p = primitive(entry.fault);
      await p.revert(ctx, parseParams(p, entry.params), entry.record);
      await options.afterRevert?.(entry);
      entry.state = 'reverted';
      report.reverted.push(entry.stepId);
    } catch (err) {
      report.errors.push(`${entry.stepId} (${entry.fault}): ${(err as Error).message}`);
    }
  }
  if (report.errors.length === 0) rmSync(journalPath, { force: true });
  return report;
}
