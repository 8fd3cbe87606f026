/**
 * One local pod: a single-container "pod" whose container is an OS process. It owns its ports, its
 * cgroup, its config-map files, its logs, its probes, and restarts its container with the kubelet's
 * policy (Always; first restart at once, then back-off 10 s doubling to 300 s, CrashLoopBackOff while
 * waiting; back-off reset after the container ran for 10 min — all configurable).
 *
 * Joining the cgroup before any real work: the process is spawned as `/bin/sh -c '<join>; exec cmd'`,
 * where <join> writes the shell's own pid into each cgroup.procs; `exec` keeps that pid, so the
 * program starts its first instruction already limited and accounted. A failed join exits 125 and
 * the container fails to start, rather than running unlimited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ContainerState,
  KubeEventInput,
  PodInfo,
  PodMetricSample,
  PodPhase,
  PodTemplateSpec,
  PodUsage,
  Probe,
} from '../types.js';
import type { CgroupDriver, PodCgroup } from './cgroups.js';
import type { EventRecorder } from './events.js';
import { RUN_MARKER_ENV, type LabState } from './lab-state.js';
import { PodLogs } from './pod-logs.js';
import { PROBE_DEFAULTS, ProbeLoop, type ProbeResult } from './probes.js';
import { effectiveRequests, qosClass } from './quantity.js';
import { tryBind } from './tcp-proxy.js';

export interface PodTimings {
  backoffInitialMs: number;
  backoffMaxMs: number;
  backoffResetMs: number;
  /** Window of the CPU rate reported as usage (metrics-server: about 15 s). */
  usageWindowMs: number;
}

export const DEFAULT_TIMINGS: PodTimings = {
  backoffInitialMs: 10_000,
  backoffMaxMs: 300_000,
  backoffResetMs: 600_000,
  usageWindowMs: 15_000,
};

export interface PodRuntime {
  namespace: string;
  nodeName: string;
  home: string;
  state: LabState;
  cgroups: CgroupDriver;
  events: EventRecorder;
  timings: PodTimings;
  /** Environment every pod starts from (PATH and the like; pods do not inherit the lab's environment). */
  baseEnv: Record<string, string>;
  /** A free loopback port for a container port. */
  pickPort(): Promise<number>;
  onChange(pod: Pod): void;
}

export interface PodInit {
  name: string;
  deployment: string;
  replicaSet: string;
  template: PodTemplateSpec;
  /** Extra environment from the platform (SOCKSHOP_SERVICES). */
  env: Record<string, string>;
  /** Data of the mounted config maps at creation time (undefined = missing). */
  configMaps: Record<string, Record<string, string> | undefined>;
}

const HOST = '127.0.0.1';
/** How often a starting container's readiness is polled between the kubelet's probe runs (probes.ts). */
const STARTUP_POLL_MS = 100;
const JOIN_CGROUP =
  'IFS=:; for f in $SOCKSHOP_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; unset SOCKSHOP_CGROUP_PROCS IFS; exec "$@"';
const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGTERM: 15,
};

export class Pod {
  readonly name: string;
  readonly deployment: string;
  readonly replicaSet: string;
  readonly template: PodTemplateSpec;
  readonly createdAt = new Date().toISOString();
  deletionTimestamp?: string;
  ports: Record<string, number> = {};
  ready = false;
  readySince?: string;
  private phase: PodPhase = 'Pending';
  private state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  private lastState?: ContainerState;
  private restartCount = 0;
  private child?: ChildProcess;
  private cgroup?: PodCgroup;
  private readonly logs: PodLogs;
  private configDir?: string;
  private nextBackoffMs = 0;
  private runStartedAt = 0;
  private oomBaseline = 0;
  private killedByUs = false;
  private probes: ProbeLoop[] = [];
  private readinessStreak = { ok: 0, fail: 0 };
  private livenessFailures = 0;
  private restartTimer?: NodeJS.Timeout;
  private exited?: Promise<void>;
  private samples: Array<{ t: number; cpu: number }> = [];
  private lastUsage?: PodUsage;
  private terminating?: Promise<void>;

  constructor(
    private readonly runtime: PodRuntime,
    private readonly init: PodInit,
  ) {
    this.name = init.name;
    this.deployment = init.deployment;
    this.replicaSet = init.replicaSet;
    this.template = init.template;
    mkdirSync(join(runtime.home, 'logs'), { recursive: true });
    this.logs = new PodLogs(join(runtime.home, 'logs', `${this.name}.log`));
  }

  private get containerName(): string {
    return this.template.container.name;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    const input: KubeEventInput = {
      type,
      reason,
      message,
      involvedObject: { kind: 'Pod', name: this.name, fieldPath: `spec.containers{${this.containerName}}` },
      source: { component: 'kubelet', host: this.runtime.nodeName },
    };
    this.runtime.events.record(input);
  }

  /** Schedules the pod, prepares ports, cgroup and mounts, and starts the container. */
  async start(): Promise<void> {
    this.runtime.events.record({
      type: 'Normal',
      reason: 'Scheduled',
      message: `Successfully assigned ${this.runtime.namespace}/${this.name} to ${this.runtime.nodeName}`,
      involvedObject: { kind: 'Pod', name: this.name },
      source: { component: 'default-scheduler' },
    });
    // All of a pod's ports at once: picked one after the other, a pod with two ports (the session
    // server, the broker) was spawned after every pod with one, though store pods are created first.
    const { ports } = this.template.container;
    const picked = await Promise.all(ports.map(() => this.runtime.pickPort()));
    ports.forEach((port, i) => (this.ports[port.name] = picked[i]));
    const missing = this.mountConfigMaps();
    if (missing) {
      this.runtime.events.record({
        type: 'Warning',
        reason: 'FailedMount',
        message: `MountVolume.SetUp failed for volume "${missing}" : configmap "${missing}" not found`,
        involvedObject: { kind: 'Pod', name: this.name },
        source: { component: 'kubelet', host: this.runtime.nodeName },
      });
      this.changed();
      return;
    }
    if (this.deletionTimestamp) return;
    const paths = this.runtime.cgroups.pathsFor(this.name);
    this.runtime.state.recordCgroups(paths);
    this.cgroup = this.runtime.cgroups.create(this.name);
    this.cgroup.apply(this.template.container.resources);
    this.runContainer();
  }

  private mountConfigMaps(): string | undefined {
    const mounts = this.template.container.configMaps ?? [];
    if (mounts.length === 0) return undefined;
    this.configDir = join(this.runtime.home, 'configmaps', this.name);
    for (const mount of mounts) {
      const data = this.init.configMaps[mount.configMap];
      if (!data) return mount.configMap;
      const dir = join(this.configDir, mount.configMap);
      mkdirSync(dir, { recursive: true });
      for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, key), value);
    }
    return undefined;
  }

  private environment(): Record<string, string> {
    const env: Record<string, string> = {
      ...this.runtime.baseEnv,
      ...this.template.container.env,
      ...this.init.env,
      HOST,
      POD_NAME: this.name,
      POD_NAMESPACE: this.runtime.namespace,
      [RUN_MARKER_ENV]: this.runtime.state.runId,
    };
    for (const port of this.template.container.ports) env[port.env] = String(this.ports[port.name]);
    for (const mount of this.template.container.configMaps ?? [])
      env[mount.env] = join(this.configDir!, mount.configMap, mount.key ?? '');
    return env;
  }

  private runContainer(): void {
    if (this.deletionTimestamp) return;
    const [command, ...args] = this.template.container.command;
    const env = this.environment();
    const procsFiles = this.cgroup?.procsFiles ?? [];
    const [file, argv] =
      procsFiles.length > 0 ? ['/bin/sh', ['-c', JOIN_CGROUP, 'sh', command, ...args]] : [command, args];
    if (procsFiles.length > 0) env.SOCKSHOP_CGROUP_PROCS = procsFiles.join(':');
    this.oomBaseline = this.cgroup?.oomKills() ?? 0;
    this.killedByUs = false;
    this.logs.newRun();
    this.event('Normal', 'Created', `Created container ${this.containerName}`);
    const child = spawn(file, argv, {
      cwd: this.template.container.cwd ?? process.cwd(),
      env,
      detached: true, // own process group: the whole container can be signalled at once
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let done = false;
    let resolveExited!: () => void;
    this.exited = new Promise((resolve) => (resolveExited = resolve));
    const finish = (code: number | null, signal: NodeJS.Signals | null, startError?: Error) => {
      if (done) return;
      done = true;
      if (child.pid) this.runtime.state.forgetProcess(child.pid);
      this.onExit(code, signal, startError);
      resolveExited();
    };
    child.once('error', (error) => finish(null, null, error));
    child.once('exit', (code, signal) => finish(code, signal));
    if (child.pid === undefined) return;
    this.runtime.state.recordProcess(this.name, child.pid);
    this.logs.attach(child.stdout);
    this.logs.attach(child.stderr);
    this.runStartedAt = Date.now();
    this.phase = 'Running';
    this.state = { running: { startedAt: new Date().toISOString() } };
    this.event('Normal', 'Started', `Started container ${this.containerName}`);
    this.startProbes();
    this.changed();
  }

  private startProbes(): void {
    const { readinessProbe, livenessProbe } = this.template.container;
    this.readinessStreak = { ok: 0, fail: 0 };
    this.livenessFailures = 0;
    if (readinessProbe) {
      this.probes.push(
        new ProbeLoop(
          readinessProbe,
          () => this.probeTarget(readinessProbe),
          (r) => this.onReadiness(readinessProbe, r),
          { startupPollMs: STARTUP_POLL_MS },
        ),
      );
    } else {
      this.setReady(true);
    }
    if (livenessProbe) {
      this.probes.push(
        new ProbeLoop(
          livenessProbe,
          () => this.probeTarget(livenessProbe),
          (r) => this.onLiveness(livenessProbe, r),
        ),
      );
    }
    for (const probe of this.probes) probe.start();
  }

  private stopProbes(): void {
    for (const probe of this.probes) probe.stop();
    this.probes = [];
  }

  private probeTarget(probe: Probe): { host: string; port: number } | undefined {
    const port = (probe.httpGet ?? probe.tcpSocket)?.port;
    if (typeof port === 'number') return { host: HOST, port };
    const name = port ?? this.template.container.ports[0]?.name;
    const value = name === undefined ? undefined : this.ports[name];
    return value === undefined ? undefined : { host: HOST, port: value };
  }

  private onReadiness(probe: Probe, result: ProbeResult): void {
    if (!this.state.running || this.deletionTimestamp) return;
    if (result.ok) {
      this.readinessStreak = { ok: this.readinessStreak.ok + 1, fail: 0 };
      if (this.readinessStreak.ok >= (probe.successThreshold ?? PROBE_DEFAULTS.successThreshold))
        this.setReady(true);
    } else {
      this.readinessStreak = { ok: 0, fail: this.readinessStreak.fail + 1 };
      this.event('Warning', 'Unhealthy', `Readiness probe failed: ${result.message}`);
      if (this.readinessStreak.fail >= (probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold))
        this.setReady(false);
    }
  }

  private onLiveness(probe: Probe, result: ProbeResult): void {
    if (!this.state.running || this.deletionTimestamp) return;
    if (result.ok) {
      this.livenessFailures = 0;
      return;
    }
    this.livenessFailures++;
    this.event('Warning', 'Unhealthy', `Liveness probe failed: ${result.message}`);
    if (this.livenessFailures >= (probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold)) {
      this.event(
        'Normal',
        'Killing',
        `Container ${this.containerName} failed liveness probe, will be restarted`,
      );
      this.stopProbes();
      this.setReady(false);
      void this.stopContainer(this.graceMs());
    }
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.readySince = ready ? new Date().toISOString() : undefined;
    this.changed();
  }

  private changed(): void {
    this.runtime.onChange(this);
  }

  private graceMs(override?: number): number {
    return (override ?? this.template.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM to the container's process group, SIGKILL after the grace period. */
  private async stopContainer(graceMs: number): Promise<void> {
    const exited = this.exited;
    if (!this.state.running || !exited) return;
    this.killedByUs = true;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => {
      this.signalGroup('SIGKILL');
      this.cgroup?.killAll();
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startError?: Error): void {
    this.stopProbes();
    this.setReadyQuietly();
    // Whatever the container left running (its children) dies with it, as with a pid namespace.
    this.cgroup?.killAll();
    const pid = this.child?.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // group already empty
      }
    }
    const startedAt = this.state.running?.startedAt;
    const oom = (this.cgroup?.oomKills() ?? 0) > this.oomBaseline || this.looksOomKilled(signal);
    const exitCode = oom ? 137 : (code ?? (signal ? 128 + (SIGNALS[signal] ?? 0) : 128));
    const reason = startError ? 'StartError' : oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    const terminated = {
      reason,
      exitCode: startError ? 128 : exitCode,
      ...(signal ? { signal } : {}),
      ...(startedAt ? { startedAt } : {}),
      finishedAt: new Date().toISOString(),
      ...(startError ? { message: startError.message } : {}),
    };
    if (oom) {
      this.runtime.events.record({
        type: 'Warning',
        reason: 'OOMKilling',
        message: `Memory cgroup out of memory: Killed process ${pid} (${this.containerName}) in pod ${this.name}`,
        involvedObject: { kind: 'Node', name: this.runtime.nodeName },
        source: { component: 'kernel-monitor', host: this.runtime.nodeName },
      });
    }
    if (this.deletionTimestamp) {
      this.state = { terminated };
      this.phase = exitCode === 0 || this.killedByUs ? 'Succeeded' : 'Failed';
      this.changed();
      return;
    }
    this.lastState = { terminated };
    this.state = { terminated };
    this.restartCount++;
    void this.movePortsTakenByOthers().then((moved) => {
      if (this.deletionTimestamp) return;
      if (moved) this.restartAt(0);
      else this.scheduleRestart();
    });
  }

  /**
   * A pod's port is free when the pod is created, but its container binds it only when it has
   * started, seconds later; meanwhile another process (typically a second lab started in the same
   * second) may get the same port from the kernel, and the container fails on EADDRINUSE. On a
   * cluster every pod has its own IP, so this cannot happen there: a container that exits while
   * another process holds one of its ports gets a new port and starts again at once, without
   * back-off. Returns whether a port moved.
   */
  private async movePortsTakenByOthers(): Promise<boolean> {
    let moved = false;
    for (const [name, port] of Object.entries(this.ports)) {
      if ((await tryBind(port)) !== undefined) continue;
      this.ports[name] = await this.runtime.pickPort();
      moved = true;
      this.event(
        'Warning',
        'PortInUse',
        `port ${port} (${name}) is held by another process; restarting container ${this.containerName} on port ${this.ports[name]}`,
      );
    }
    return moved;
  }

  /** Without a cgroup event (or a kernel without oom_kill counts), a SIGKILL we did not send at the limit means OOM. */
  private looksOomKilled(signal: NodeJS.Signals | null): boolean {
    if (signal !== 'SIGKILL' || this.killedByUs || !this.cgroup) return false;
    const limit = this.cgroup.memoryLimitBytes();
    const peak = this.cgroup.peakBytes();
    return limit !== undefined && peak !== undefined && peak >= limit * 0.95;
  }

  private setReadyQuietly(): void {
    this.ready = false;
    this.readySince = undefined;
  }

  private scheduleRestart(): void {
    if (Date.now() - this.runStartedAt >= this.runtime.timings.backoffResetMs) this.nextBackoffMs = 0;
    const delay = this.nextBackoffMs;
    const { backoffInitialMs, backoffMaxMs } = this.runtime.timings;
    this.nextBackoffMs = delay === 0 ? backoffInitialMs : Math.min(delay * 2, backoffMaxMs);
    if (delay > 0) {
      const seconds = Math.round(delay / 100) / 10;
      this.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${seconds}s restarting failed container=${this.containerName} pod=${this.name}`,
        },
      };
      this.event(
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${this.containerName} in pod ${this.name}`,
      );
    }
    this.restartAt(delay);
  }

  private restartAt(delayMs: number): void {
    this.changed();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.runContainer();
    }, delayMs);
  }

  /** Graceful deletion: out of endpoints at once, SIGTERM, SIGKILL after the grace period, then cleanup. */
  terminate(graceSeconds?: number): Promise<void> {
    this.terminating ??= (async () => {
      this.deletionTimestamp = new Date().toISOString();
      this.setReadyQuietly();
      this.stopProbes();
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.changed();
      if (this.state.running) {
        this.event('Normal', 'Killing', `Stopping container ${this.containerName}`);
        await this.stopContainer(this.graceMs(graceSeconds));
      }
      await this.cleanup();
    })();
    return this.terminating;
  }

  private async cleanup(): Promise<void> {
    if (this.cgroup) {
      await this.cgroup.remove();
      this.runtime.state.forgetCgroups(this.cgroup.paths);
    }
    if (this.configDir) rmSync(this.configDir, { recursive: true, force: true });
    await this.logs.close();
  }

  get isRunning(): boolean {
    return Boolean(this.state.running);
  }

  get pid(): number | undefined {
    return this.state.running ? this.child?.pid : undefined;
  }

  /** Signals the container's processes (chaos: container-kill); the restart policy takes it from there. */
  signal(signal: NodeJS.Signals): void {
    this.signalGroup(signal);
  }

  readLogs(options: Parameters<PodLogs['read']>[0]): string[] {
    return this.logs.read(options);
  }

  /** Kubectl's STATUS column. */
  private statusColumn(): string {
    if (this.deletionTimestamp) return 'Terminating';
    if (this.state.waiting) return this.state.waiting.reason;
    if (this.state.terminated) return this.state.terminated.reason;
    return 'Running';
  }

  /** cgroup.procs files a process must join to run under this pod's limits (empty: cooperative). */
  get cgroupProcsFiles(): string[] {
    return this.cgroup?.procsFiles ?? [];
  }

  info(): PodInfo {
    const resources = this.template.container.resources ?? {};
    return {
      name: this.name,
      namespace: this.runtime.namespace,
      deployment: this.deployment,
      labels: {
        app: this.deployment,
        name: this.deployment,
        'pod-template-hash': this.replicaSet.slice(this.deployment.length + 1),
        ...this.template.labels,
      },
      status: this.statusColumn(),
      phase: this.phase,
      ready: this.ready,
      ports: { ...this.ports },
      podIP: HOST,
      nodeName: this.runtime.nodeName,
      creationTimestamp: this.createdAt,
      ...(this.deletionTimestamp ? { deletionTimestamp: this.deletionTimestamp } : {}),
      container: {
        name: this.containerName,
        ready: this.ready,
        started: Boolean(this.state.running),
        restartCount: this.restartCount,
        state: structuredClone(this.state),
        ...(this.lastState ? { lastState: structuredClone(this.lastState) } : {}),
        ...(this.pid !== undefined ? { pid: this.pid } : {}),
      },
      resources: structuredClone(resources),
      qosClass: qosClass(resources),
      enforcement: this.cgroup?.enforcement ?? this.runtime.cgroups.enforcement,
    };
  }

  /** Takes one accounting sample (called by the platform's sampler). */
  sample(): void {
    const usage = this.cgroup?.usage(this.pid);
    if (!usage) return;
    const now = Date.now();
    const last = this.samples.at(-1);
    if (last && usage.cpuSeconds < last.cpu) this.samples = []; // a new process under the cooperative fallback
    this.samples.push({ t: now, cpu: usage.cpuSeconds });
    const windowStart = now - this.runtime.timings.usageWindowMs;
    while (this.samples.length > 2 && this.samples[1].t <= windowStart) this.samples.shift();
    const first = this.samples[0];
    const cpuMillicores =
      now > first.t ? Math.round(((usage.cpuSeconds - first.cpu) * 1e6) / (now - first.t)) : 0;
    this.lastUsage = {
      pod: this.name,
      deployment: this.deployment,
      timestamp: new Date(now).toISOString(),
      cpuMillicores,
      cpuSecondsTotal: usage.cpuSeconds,
      memoryWorkingSetBytes: usage.memoryWorkingSetBytes,
      cpuPeriods: usage.periods,
      cpuThrottledPeriods: usage.throttledPeriods,
      cpuThrottledSeconds: usage.throttledSeconds,
      enforcement: this.cgroup!.enforcement,
    };
  }

  usage(): PodUsage | undefined {
    return this.lastUsage && { ...this.lastUsage };
  }

  metricSample(): PodMetricSample {
    const requests = effectiveRequests(this.template.container.resources);
    const usage = this.samples.length > 1 ? this.lastUsage : undefined;
    return {
      pod: this.name,
      ready: this.ready,
      phase: this.phase,
      deleting: Boolean(this.deletionTimestamp),
      ...(this.readySince ? { readySince: this.readySince } : {}),
      ...(this.state.running ? { startedAt: this.state.running.startedAt } : {}),
      ...(usage
        ? {
            cpuMillicores: usage.cpuMillicores,
            memoryWorkingSetBytes: usage.memoryWorkingSetBytes,
            sampleTime: usage.timestamp,
          }
        : {}),
      ...(requests.cpuMillis !== undefined ? { cpuRequestMillicores: requests.cpuMillis } : {}),
      ...(requests.memoryBytes !== undefined ? { memoryRequestBytes: requests.memoryBytes } : {}),
    };
  }
}
