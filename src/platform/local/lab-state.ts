/**
 * The lab's state file (`<home>/state.json`, home = $SOCKSHOP_LAB_HOME or `<cwd>/.lab`): every
 * process, cgroup and listener the platform creates is written here BEFORE it is created (cgroups)
 * or right after spawn (pids — the process is already inside a recorded cgroup, and carries the
 * run marker in its environment), and removed after cleanup. A lab that was SIGKILLed leaves the
 * file behind; the next start reads it and removes the leftovers first.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeCgroupDir } from './cgroups.js';
import { isAlive, pidsWithEnv, processStartTicks } from './proc.js';

/** Environment entry `SOCKSHOP_LAB_RUN=<runId>` carried by every pod process of a run. */
export const RUN_MARKER_ENV = 'SOCKSHOP_LAB_RUN';

export interface RecordedProcess {
  pid: number;
  startTicks?: number;
  pod: string;
}

export interface RecordedListener {
  kind: 'service' | 'edge' | 'control';
  name: string;
  port: number;
}

export interface LabStateData {
  version: 1;
  runId: string;
  labPid: number;
  labStartTicks?: number;
  startedAt: string;
  control?: { url: string; token: string };
  processes: RecordedProcess[];
  cgroups: string[];
  listeners: RecordedListener[];
}

export function labHome(explicit?: string): string {
  return resolve(explicit ?? process.env.SOCKSHOP_LAB_HOME ?? join(process.cwd(), '.lab'));
}

export function statePath(home: string): string {
  return join(home, 'state.json');
}

export function readLabState(home: string): LabStateData | undefined {
  try {
    return JSON.parse(readFileSync(statePath(home), 'utf8')) as LabStateData;
  } catch {
    return undefined;
  }
}

/** The running lab recorded in `home`, if its process is still alive. */
export function runningLab(home: string): LabStateData | undefined {
  const state = readLabState(home);
  return state && isAlive(state.labPid, state.labStartTicks) ? state : undefined;
}

export interface ReclaimReport {
  processes: number;
  cgroups: number;
  runId: string;
}

/**
 * Removes what a dead lab left behind: recorded processes (checked against their start time so a
 * reused pid is never hit), any process still carrying the run marker, and recorded cgroups.
 * Returns undefined when there was nothing to reclaim; throws if a live lab owns `home`.
 */
export async function reclaimLeftovers(home: string): Promise<ReclaimReport | undefined> {
  const state = readLabState(home);
  if (!state) return undefined;
  if (isAlive(state.labPid, state.labStartTicks) && state.labPid !== process.pid) {
    throw new Error(
      `a lab is already running from ${home} (pid ${state.labPid}); stop it with \`sockshop-lab down\``,
    );
  }
  const victims = new Set<number>();
  for (const p of state.processes) if (isAlive(p.pid, p.startTicks)) victims.add(p.pid);
  for (const pid of pidsWithEnv(`${RUN_MARKER_ENV}=${state.runId}`)) victims.add(pid);
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  for (let i = 0; i < 100 && [...victims].some((pid) => isAlive(pid)); i++) await sleep(20);
  let cgroups = 0;
  // Deepest first: pod cgroups before the run directories that hold them.
  for (const path of [...state.cgroups].sort((a, b) => b.length - a.length)) {
    if (existsSync(path)) {
      await removeCgroupDir(path);
      cgroups++;
    }
  }
  rmSync(statePath(home), { force: true });
  rmSync(join(home, 'configmaps'), { recursive: true, force: true });
  return { processes: victims.size, cgroups, runId: state.runId };
}

export class LabState {
  private readonly data: LabStateData;
  private closed = false;

  constructor(readonly home: string) {
    mkdirSync(home, { recursive: true });
    this.data = {
      version: 1,
      runId: randomBytes(6).toString('hex'),
      labPid: process.pid,
      labStartTicks: processStartTicks(process.pid),
      startedAt: new Date().toISOString(),
      processes: [],
      cgroups: [],
      listeners: [],
    };
    this.flush();
  }

  get runId(): string {
    return this.data.runId;
  }

  snapshot(): LabStateData {
    return structuredClone(this.data);
  }

  setControl(control: { url: string; token: string }): void {
    this.data.control = control;
    this.flush();
  }

  recordCgroups(paths: string[]): void {
    for (const path of paths) if (!this.data.cgroups.includes(path)) this.data.cgroups.push(path);
    this.flush();
  }

  forgetCgroups(paths: string[]): void {
    this.data.cgroups = this.data.cgroups.filter((p) => !paths.includes(p));
    this.flush();
  }

  recordProcess(pod: string, pid: number): void {
    this.data.processes.push({ pid, pod, startTicks: processStartTicks(pid) });
    this.flush();
  }

  forgetProcess(pid: number): void {
    this.data.processes = this.data.processes.filter((p) => p.pid !== pid);
    this.flush();
  }

  recordListener(listener: RecordedListener): void {
    this.data.listeners.push(listener);
    this.flush();
  }

  forgetListener(kind: RecordedListener['kind'], name: string): void {
    this.data.listeners = this.data.listeners.filter((l) => !(l.kind === kind && l.name === name));
    this.flush();
  }

  /** After a clean shutdown: nothing is left, so the file goes. */
  remove(): void {
    this.closed = true;
    rmSync(statePath(this.home), { force: true });
  }

  private flush(): void {
    if (this.closed) return;
    const path = statePath(this.home);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2));
    renameSync(tmp, path);
  }
}
