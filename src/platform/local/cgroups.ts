/**
 * Resource enforcement for local pods, the way the kubelet sets it up:
 * - cgroup v1 (cpu, cpuacct and memory hierarchies) or v2 (unified), when running as root on Linux;
 *   CPU limit → CFS quota (quota = milli·100000/1000, min 1000 µs, period 100000 µs), CPU request →
 *   cpu.shares (milli·1024/1000, min 2) or cpu.weight, memory limit → memory.limit_in_bytes / memory.max
 *   (no swap), OOM kills counted from memory.oom_control / memory.events.
 * - otherwise a cooperative fallback: nothing enforced, usage read from /proc/<pid>; every pod
 *   reports `enforcement: cooperative` so that `get pods` can say so.
 *
 * Pod cgroups live under the lab process's own cgroup (<own>/sockshop-lab/<run>/<pod>), so the lab
 * stays inside whatever it was started in. Processes join their cgroup before they exec (see pod.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerResources, Enforcement } from '../types.js';
import { processUsage } from './proc.js';
import { cpuToMillis, memoryToBytes } from './quantity.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
const CFS_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1000;
/**
 * The weight of the lab's pods together against the rest of the machine, as the kubelet gives its
 * kubepods cgroup one share per allocatable millicore: without it every lab weighed as much as one
 * compiler process, and pods starved (probes timing out) whenever anything else ran.
 */
const NODE_SHARES = availableParallelism() * 1024;

/** cgroup v2's cpu.weight for a v1 cpu.shares value (the kernel's and runc's conversion). */
function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

export interface CgroupUsage {
  cpuSeconds: number;
  memoryWorkingSetBytes: number;
  periods: number;
  throttledPeriods: number;
  throttledSeconds: number;
}

export interface PodCgroup {
  readonly enforcement: Enforcement;
  /** cgroup.procs files a process must write its pid into (empty for the cooperative mode). */
  readonly procsFiles: string[];
  readonly paths: string[];
  apply(resources: ContainerResources | undefined): void;
  /** Usage of the whole cgroup; `pid` serves the cooperative mode. */
  usage(pid: number | undefined): CgroupUsage | undefined;
  /** Cumulative OOM kills in this cgroup. */
  oomKills(): number;
  /** Highest memory use seen, when the kernel reports it. */
  peakBytes(): number | undefined;
  memoryLimitBytes(): number | undefined;
  killAll(): void;
  /** Kills what is left and removes the directories. */
  remove(): Promise<void>;
}

export interface CgroupDriver {
  readonly enforcement: Enforcement;
  /** Why limits are not enforced (cooperative mode only). */
  readonly reason?: string;
  /** Directory the run's pod cgroups go into (record it before calling `create`). */
  readonly runPaths: string[];
  /** Paths a pod cgroup will have; record them before `create`. */
  pathsFor(pod: string): string[];
  create(pod: string): PodCgroup;
  /** Removes the run directories (after every pod cgroup is gone). */
  removeRun(): Promise<void>;
}

function read(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

function readNumber(path: string): number {
  return Number(read(path));
}

function keyed(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of read(path).split('\n')) {
    const [key, value] = line.split(/\s+/);
    if (key) out[key] = Number(value);
  }
  return out;
}

function tryWrite(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch {
    // optional knob (e.g. memsw without swap accounting)
  }
}

/** The lab process's own cgroup path in a v1 hierarchy (by controller) or in v2 (controller ''). */
function ownCgroup(controller: string): string | undefined {
  for (const line of read('/proc/self/cgroup').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controller === '' ? controllers === '' : controllers?.split(',').includes(controller)) return path;
  }
  return undefined;
}

/** Removes a cgroup directory once its processes are gone (the kernel refuses while any remain). */
export async function removeCgroupDir(path: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (!existsSync(path)) return;
    try {
      for (const pid of read(join(path, 'cgroup.procs')).split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmdirSync(path);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      await sleep(50);
    }
  }
  throw new Error(`cannot remove cgroup ${path}`);
}

abstract class KernelCgroup implements PodCgroup {
  abstract readonly enforcement: Enforcement;
  constructor(readonly paths: string[]) {
    for (const path of paths) mkdirSync(path, { recursive: true });
  }
  get procsFiles(): string[] {
    return this.paths.map((p) => join(p, 'cgroup.procs'));
  }
  abstract apply(resources: ContainerResources | undefined): void;
  abstract usage(): CgroupUsage | undefined;
  abstract oomKills(): number;
  abstract peakBytes(): number | undefined;
  abstract memoryLimitBytes(): number | undefined;
  killAll(): void {
    for (const path of this.paths) {
      try {
        for (const pid of read(join(path, 'cgroup.procs')).split('\n').filter(Boolean))
          process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  async remove(): Promise<void> {
    for (const path of this.paths) await removeCgroupDir(path);
  }
}

function cpuQuotaUs(resources: ContainerResources | undefined): number | undefined {
  const limit = resources?.limits?.cpu;
  if (limit === undefined) return undefined;
  const milli = cpuToMillis(limit);
  if (milli === 0) return undefined;
  return Math.max(MIN_QUOTA_US, Math.floor((milli * CFS_PERIOD_US) / 1000));
}

function cpuShares(resources: ContainerResources | undefined): number {
  const request = resources?.requests?.cpu ?? resources?.limits?.cpu;
  const milli = request === undefined ? 0 : cpuToMillis(request);
  return Math.max(2, Math.floor((milli * 1024) / 1000));
}

class V1Cgroup extends KernelCgroup {
  readonly enforcement = 'cgroup-v1' as const;
  constructor(
    private readonly cpu: string,
    private readonly cpuacct: string,
    private readonly memory: string,
  ) {
    super([...new Set([cpu, cpuacct, memory])]);
  }
  apply(resources: ContainerResources | undefined): void {
    writeFileSync(join(this.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    writeFileSync(join(this.cpu, 'cpu.cfs_quota_us'), String(cpuQuotaUs(resources) ?? -1));
    writeFileSync(join(this.cpu, 'cpu.shares'), String(cpuShares(resources)));
    const limit = resources?.limits?.memory;
    const bytes = limit === undefined ? -1 : memoryToBytes(limit);
    writeFileSync(join(this.memory, 'memory.limit_in_bytes'), String(bytes));
    tryWrite(join(this.memory, 'memory.memsw.limit_in_bytes'), String(bytes)); // no swap, as the kubelet
  }
  usage(): CgroupUsage | undefined {
    try {
      const stat = keyed(join(this.cpu, 'cpu.stat'));
      const mem = keyed(join(this.memory, 'memory.stat'));
      const usage = readNumber(join(this.memory, 'memory.usage_in_bytes'));
      return {
        cpuSeconds: readNumber(join(this.cpuacct, 'cpuacct.usage')) / 1e9,
        memoryWorkingSetBytes: Math.max(0, usage - (mem.total_inactive_file ?? mem.inactive_file ?? 0)),
        periods: stat.nr_periods ?? 0,
        throttledPeriods: stat.nr_throttled ?? 0,
        throttledSeconds: (stat.throttled_time ?? 0) / 1e9,
      };
    } catch {
      return undefined;
    }
  }
  oomKills(): number {
    try {
      return keyed(join(this.memory, 'memory.oom_control')).oom_kill ?? 0;
    } catch {
      return 0;
    }
  }
  peakBytes(): number | undefined {
    try {
      return readNumber(join(this.memory, 'memory.max_usage_in_bytes'));
    } catch {
      return undefined;
    }
  }
  memoryLimitBytes(): number | undefined {
    try {
      const value = readNumber(join(this.memory, 'memory.limit_in_bytes'));
      return value >= 2 ** 62 ? undefined : value;
    } catch {
      return undefined;
    }
  }
}

class V2Cgroup extends KernelCgroup {
  readonly enforcement = 'cgroup-v2' as const;
  constructor(private readonly dir: string) {
    super([dir]);
  }
  apply(resources: ContainerResources | undefined): void {
    writeFileSync(join(this.dir, 'cpu.max'), `${cpuQuotaUs(resources) ?? 'max'} ${CFS_PERIOD_US}`);
    writeFileSync(join(this.dir, 'cpu.weight'), String(sharesToWeight(cpuShares(resources))));
    const limit = resources?.limits?.memory;
    writeFileSync(join(this.dir, 'memory.max'), limit === undefined ? 'max' : String(memoryToBytes(limit)));
    tryWrite(join(this.dir, 'memory.swap.max'), '0');
    tryWrite(join(this.dir, 'memory.oom.group'), '1'); // k8s ≥ 1.28: the whole container dies together
  }
  usage(): CgroupUsage | undefined {
    try {
      const stat = keyed(join(this.dir, 'cpu.stat'));
      const mem = keyed(join(this.dir, 'memory.stat'));
      return {
        cpuSeconds: (stat.usage_usec ?? 0) / 1e6,
        memoryWorkingSetBytes: Math.max(
          0,
          readNumber(join(this.dir, 'memory.current')) - (mem.inactive_file ?? 0),
        ),
        periods: stat.nr_periods ?? 0,
        throttledPeriods: stat.nr_throttled ?? 0,
        throttledSeconds: (stat.throttled_usec ?? 0) / 1e6,
      };
    } catch {
      return undefined;
    }
  }
  oomKills(): number {
    try {
      return keyed(join(this.dir, 'memory.events')).oom_kill ?? 0;
    } catch {
      return 0;
    }
  }
  peakBytes(): number | undefined {
    try {
      return readNumber(join(this.dir, 'memory.peak'));
    } catch {
      return undefined;
    }
  }
  memoryLimitBytes(): number | undefined {
    try {
      const value = read(join(this.dir, 'memory.max'));
      return value === 'max' ? undefined : Number(value);
    } catch {
      return undefined;
    }
  }
  override killAll(): void {
    if (existsSync(join(this.dir, 'cgroup.kill'))) tryWrite(join(this.dir, 'cgroup.kill'), '1');
    else super.killAll();
  }
}

class CooperativeCgroup implements PodCgroup {
  readonly enforcement = 'cooperative' as const;
  readonly procsFiles: string[] = [];
  readonly paths: string[] = [];
  apply(): void {}
  usage(pid: number | undefined): CgroupUsage | undefined {
    const usage = pid === undefined ? undefined : processUsage(pid);
    if (!usage) return undefined;
    return {
      cpuSeconds: usage.cpuSeconds,
      memoryWorkingSetBytes: usage.rssBytes,
      periods: 0,
      throttledPeriods: 0,
      throttledSeconds: 0,
    };
  }
  oomKills(): number {
    return 0;
  }
  peakBytes(): undefined {
    return undefined;
  }
  memoryLimitBytes(): undefined {
    return undefined;
  }
  killAll(): void {}
  async remove(): Promise<void> {}
}

class KernelDriver implements CgroupDriver {
  constructor(
    readonly enforcement: 'cgroup-v1' | 'cgroup-v2',
    /** Per controller (v1: cpu, cpuacct, memory; v2: one) the run directory. */
    private readonly runDirs: Record<string, string>,
  ) {}
  get runPaths(): string[] {
    return [...new Set(Object.values(this.runDirs))];
  }
  pathsFor(pod: string): string[] {
    return [...new Set(Object.values(this.runDirs).map((dir) => join(dir, pod)))];
  }
  create(pod: string): PodCgroup {
    if (this.enforcement === 'cgroup-v2') return new V2Cgroup(join(this.runDirs.unified, pod));
    return new V1Cgroup(
      join(this.runDirs.cpu, pod),
      join(this.runDirs.cpuacct, pod),
      join(this.runDirs.memory, pod),
    );
  }
  async removeRun(): Promise<void> {
    for (const dir of this.runPaths) await removeCgroupDir(dir);
  }
}

class CooperativeDriver implements CgroupDriver {
  readonly enforcement = 'cooperative' as const;
  readonly runPaths: string[] = [];
  constructor(readonly reason: string) {}
  pathsFor(): string[] {
    return [];
  }
  create(): PodCgroup {
    return new CooperativeCgroup();
  }
  async removeRun(): Promise<void> {}
}

export interface CgroupOptions {
  /** Force a mode (tests, or SOCKSHOP_LAB_CGROUPS=off|cooperative). */
  mode?: 'auto' | 'cooperative';
}

/**
 * Picks the enforcement for this run and prepares `<own cgroup>/sockshop-lab/<runId>` in each
 * hierarchy. `recordPaths` is called before any directory is created (lifecycle safety).
 */
export function cgroupDriver(
  runId: string,
  recordPaths: (paths: string[]) => void,
  options: CgroupOptions = {},
): CgroupDriver {
  const env = process.env.SOCKSHOP_LAB_CGROUPS;
  if (options.mode === 'cooperative' || env === 'off' || env === 'cooperative') {
    return new CooperativeDriver('disabled by configuration');
  }
  if (process.platform !== 'linux')
    return new CooperativeDriver(`cgroups need Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return new CooperativeDriver('cgroups need root (limits are not enforced)');
  try {
    if (existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))) {
      const own = ownCgroup('') ?? '/';
      const parent = join(CGROUP_ROOT, own, 'sockshop-lab');
      const runDir = join(parent, runId);
      recordPaths([runDir]);
      mkdirSync(parent, { recursive: true });
      // Controllers must be delegated down to the pod level; this fails if <own> holds processes and is not the root.
      if (own !== '/') writeFileSync(join(CGROUP_ROOT, own, 'cgroup.subtree_control'), '+cpu +memory');
      writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu +memory');
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, 'cgroup.subtree_control'), '+cpu +memory');
      for (const dir of [parent, runDir])
        tryWrite(join(dir, 'cpu.weight'), String(sharesToWeight(NODE_SHARES)));
      return new KernelDriver('cgroup-v2', { unified: runDir });
    }
    const dirs: Record<string, string> = {};
    for (const controller of ['cpu', 'cpuacct', 'memory']) {
      const mount = join(CGROUP_ROOT, controller);
      if (!existsSync(join(mount, 'cgroup.procs')))
        throw new Error(`no cgroup v1 ${controller} hierarchy at ${mount}`);
      dirs[controller] = join(mount, ownCgroup(controller) ?? '/', 'sockshop-lab', runId);
    }
    recordPaths([...new Set(Object.values(dirs))]);
    for (const dir of new Set(Object.values(dirs))) mkdirSync(dir, { recursive: true });
    for (const dir of [dirname(dirs.cpu), dirs.cpu]) tryWrite(join(dir, 'cpu.shares'), String(NODE_SHARES));
    return new KernelDriver('cgroup-v1', dirs);
  } catch (error) {
    return new CooperativeDriver(`cgroups unavailable: ${(error as Error).message}`);
  }
}
