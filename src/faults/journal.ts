/**
 * The fault journal: a small JSON file listing every fault step that may have changed the system,
 * with the record its revert needs. It is written before a fault acts and after it acted, so a run
 * that crashed at any point leaves enough behind for the next start to undo it (`recoverJournal`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, processStartTicks } from '../platform/local/proc.js';

export type JournalState = 'applying' | 'active' | 'reverted';

export interface JournalEntry {
  stepId: string;
  fault: string;
  /** Parameters as the scenario wrote them (re-validated on recovery). */
  params: unknown;
  record: object;
  state: JournalState;
  injectedAt: string;
  revertedAt?: string;
}

export interface JournalData {
  runId: string;
  /** Process that owns the journal; a live owner means the run is not crashed. */
  pid: number;
  /** The owner's start time in clock ticks (Linux), so a reused pid is not taken for the owner. */
  pidStartTicks?: number;
  startedAt: string;
  entries: JournalEntry[];
}

export class FaultJournal {
  private data: JournalData;

  constructor(
    readonly path: string,
    runId: string,
  ) {
    this.data = {
      runId,
      pid: process.pid,
      pidStartTicks: processStartTicks(process.pid),
      startedAt: new Date().toISOString(),
      entries: [],
    };
  }

  get entries(): readonly JournalEntry[] {
    return this.data.entries;
  }

  upsert(entry: JournalEntry): void {
    const i = this.data.entries.findIndex((e) => e.stepId === entry.stepId);
    if (i >= 0) this.data.entries[i] = entry;
    else this.data.entries.push(entry);
    this.flush();
  }

  /** Removes the file once nothing is left to revert. */
  closeIfClean(): boolean {
    if (this.data.entries.some((e) => e.state !== 'reverted')) return false;
    rmSync(this.path, { force: true });
    return true;
  }

  private flush(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2));
    renameSync(tmp, this.path); // atomic: a crash leaves the old or the new file, never half of one
  }
}

/** The journal a previous run left behind, or undefined. A journal whose owner still runs is not returned. */
export function readLeftoverJournal(path: string): JournalData | undefined {
  if (!existsSync(path)) return undefined;
  let data: JournalData;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as JournalData;
  } catch {
    throw new Error(`fault journal ${path} is unreadable; check it by hand, then delete it`);
  }
  if (data.pid !== process.pid && isAlive(data.pid, data.pidStartTicks)) return undefined;
  return data;
}
