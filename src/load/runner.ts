/**
 * `startLoad`: drives a profile against a host, in-process, in one of two models.
 * - closed (Locust-like): `users` loop over weighted journeys with think time between them,
 *   spawned at `spawnRate` per second; a slow server slows the users down.
 * - open (k6 arrival-rate-like): journeys start on a schedule (`rate`, or `ramp` stages) that
 *   does not wait for completions. Each journey's first request is timed from its scheduled start,
 *   so queueing behind a slow server or a busy generator shows in the latency (no coordinated
 *   omission). At most `maxInFlight` journeys run at once; arrivals beyond that are dropped and
 *   counted, and arrivals the generator started late are counted too.
 */
import { performance } from 'node:perf_hooks';
import { FastHttpClient } from './fast-http.js';
import { UndiciHttpClient, type HttpTransport, type TransportKind } from './http.js';
import {
  compileJourneys,
  newSession,
  pickJourney,
  runJourney,
  type CompiledJourney,
  type JourneyContext,
  type RequestRecord,
  type Session,
} from './journey.js';
import type { Profile } from './profile.js';
import { ArrivalSchedule } from './schedule.js';
import { LoadStats, type EndpointDelta, type EndpointSnapshot, type PercentileMode } from './stats.js';
import type { RateStage } from './units.js';

export interface LoadOptions {
  /** Base URL of the shop's front-end (or any HTTP server the profile fits). */
  host: string;
  profile: Profile;
  /** Other named base URLs steps may address with `target:` (e.g. `user`). */
  targets?: Record<string, string>;
  /** Closed model: concurrent users (default 1 when no rate is given). */
  users?: number;
  /** Closed model: users started per second (default: all at once). */
  spawnRate?: number;
  /** Open model: journeys started per second. */
  rate?: number;
  /** Open model: rate stages, linear from `rate` (default 0) to each stage's target. */
  ramp?: RateStage[];
  /** Open model: evenly spaced (k6) or Poisson arrivals. */
  arrivals?: 'uniform' | 'poisson';
  /** Open model: most journeys in flight before arrivals are dropped (default 10000). */
  maxInFlight?: number;
  /** An arrival started this much after its scheduled time counts as late (default 10 ms). */
  lateAfterMs?: number;
  /** Run length; without it the run ends on `iterations`, on the ramp's end, or on stop(). */
  durationMs?: number;
  /** Stop starting journeys after this many. */
  iterations?: number;
  /** Closed model: seconds between a user's journeys; overrides the profile's. */
  thinkTime?: { min: number; max: number };
  /** Keep-alive connections per origin (default: users, or min(maxInFlight, 256) in the open model). */
  connections?: number;
  /** HTTP client: the lean node:net one (default) or undici. */
  transport?: TransportKind;
  /** Per-request headers/body timeout (default 60 s). */
  timeoutMs?: number;
  /** How long in-flight requests may finish after the end (default 5 s); the rest are abandoned. */
  stopTimeoutMs?: number;
  percentiles?: PercentileMode;
  /** Seed for journey picks, variables and think times (default: Math.random). */
  seed?: number;
  onRequest?: (record: RequestRecord) => void;
}

export interface JourneyCounts {
  name: string;
  started: number;
  completed: number;
  aborted: number;
}

export interface ArrivalCounts {
  scheduled: number;
  started: number;
  dropped: number;
  late: number;
  /** Current scheduled arrival rate per second. */
  rate: number;
  maxInFlight: number;
}

export interface LoadSnapshot {
  profile: string;
  model: 'closed' | 'open';
  percentiles: PercentileMode;
  state: 'running' | 'stopping' | 'stopped';
  elapsedS: number;
  /** Closed: users running; open: journeys in flight. */
  users: number;
  inFlight: number;
  entries: EndpointSnapshot[];
  aggregated: EndpointSnapshot;
  journeys: JourneyCounts[];
  arrivals: ArrivalCounts | undefined;
  /** Requests still in flight when the stop timeout ran out. */
  abandoned: number;
  notices: string[];
}

export interface LoadRun {
  /** Ends the run early (same as reaching the duration); resolves with the final snapshot. */
  stop(): Promise<LoadSnapshot>;
  snapshot(): LoadSnapshot;
  /** Resolves with the final snapshot when the run ends. */
  done: Promise<LoadSnapshot>;
  /** For worker threads: stats since the last call, for merging elsewhere. */
  takeDeltas(): EndpointDelta[];
}

/** A small seeded PRNG (mulberry32), so a seeded run picks the same journeys and values. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function startLoad(options: LoadOptions): LoadRun {
  return new Runner(options).start();
}

class Runner {
  private readonly stats: LoadStats;
  private readonly http: HttpTransport;
  private readonly journeys: CompiledJourney[];
  private readonly totalWeight: number;
  private readonly notices: string[];
  private readonly counts = new Map<string, JourneyCounts>();
  private readonly random: () => number;
  private readonly accounts: Array<Record<string, string>>;
  private readonly model: 'closed' | 'open';
  private readonly startedAt = performance.now();
  private readonly maxInFlight: number;
  private state: LoadSnapshot['state'] = 'running';
  private recording = true;
  private inFlight = 0;
  private users = 0;
  private sessions = 0;
  private iterationsStarted = 0;
  private abandoned = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Think-time waits, woken early when the run stops. */
  private readonly sleepers = new Set<() => void>();
  private schedule: ArrivalSchedule | undefined;
  private arrivals: ArrivalCounts | undefined;
  private idle: (() => void) | undefined;
  private finished!: Promise<LoadSnapshot>;
  private finalSnapshot: LoadSnapshot | undefined;
  private readonly ctx: JourneyContext;

  constructor(private readonly options: LoadOptions) {
    validateOptions(options);
    this.model = options.rate !== undefined || options.ramp !== undefined ? 'open' : 'closed';
    this.stats = new LoadStats(options.percentiles === 'locust');
    this.maxInFlight = options.maxInFlight ?? 10_000;
    const connections =
      options.connections ??
      (this.model === 'closed' ? (options.users ?? 1) : Math.min(this.maxInFlight, 256));
    const clientOptions = { connections: Math.max(1, connections), timeoutMs: options.timeoutMs ?? 60_000 };
    this.http =
      options.transport === 'undici'
        ? new UndiciHttpClient(clientOptions)
        : new FastHttpClient(clientOptions);
    const compiled = compileJourneys(options.profile, options.host, options.targets ?? {}, this.stats);
    this.journeys = compiled.journeys;
    this.notices = compiled.notices;
    this.totalWeight = this.journeys.reduce((sum, j) => sum + j.weight, 0);
    for (const j of this.journeys)
      this.counts.set(j.name, { name: j.name, started: 0, completed: 0, aborted: 0 });
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    this.accounts = options.profile.accounts ?? [];
    this.ctx = {
      http: this.http,
      stats: this.stats,
      random: this.random,
      now: () => performance.now(),
      recording: () => this.recording,
      onRequest: options.onRequest,
    };
  }

  start(): LoadRun {
    this.finished = new Promise<void>((resolve) => (this.idle = resolve)).then(() => this.finish());
    if (this.options.durationMs !== undefined)
      this.after(this.options.durationMs, () => void this.beginStop());
    if (this.model === 'open') this.startOpen();
    else this.startClosed();
    return {
      stop: () => this.beginStop(),
      snapshot: () => this.finalSnapshot ?? this.snapshot(),
      done: this.finished,
      takeDeltas: () => this.stats.takeDeltas(),
    };
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private mayStartJourney(): boolean {
    return (
      this.state === 'running' &&
      (this.options.iterations === undefined || this.iterationsStarted < this.options.iterations)
    );
  }

  private async journey(session: Session, scheduled?: number): Promise<void> {
    const journey = pickJourney(this.journeys, this.totalWeight, this.random);
    const counts = this.counts.get(journey.name)!;
    counts.started++;
    this.iterationsStarted++;
    this.inFlight++;
    try {
      const ok = await runJourney(this.ctx, journey, session, scheduled);
      if (ok) counts.completed++;
      else if (this.recording) counts.aborted++;
    } finally {
      this.inFlight--;
      this.checkIdle();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.after(ms, wake);
    });
  }

  // ---- closed model ----

  private startClosed(): void {
    const users = this.options.users ?? 1;
    const spawnRate = this.options.spawnRate;
    if (spawnRate === undefined || spawnRate >= users) {
      for (let i = 0; i < users; i++) this.spawnUser();
      return;
    }
    let spawned = 0;
    const spawnNext = () => {
      if (!this.mayStartJourney()) return;
      this.spawnUser();
      if (++spawned < users) this.after(1000 / spawnRate, spawnNext);
    };
    spawnNext();
  }

  private spawnUser(): void {
    this.users++;
    void this.userLoop().finally(() => {
      this.users--;
      this.checkIdle();
    });
  }

  private async userLoop(): Promise<void> {
    const session = newSession(this.accounts, this.sessions++);
    const think = this.options.thinkTime ?? this.options.profile.thinkTime;
    while (this.mayStartJourney()) {
      await this.journey(session);
      if (think && think.max > 0 && this.mayStartJourney()) {
        await this.sleep((think.min + this.random() * (think.max - think.min)) * 1000);
      } else {
        // A journey that fails without I/O must not starve timers (the duration, snapshots).
        await new Promise(setImmediate);
      }
    }
  }

  // ---- open model ----

  private startOpen(): void {
    this.schedule = new ArrivalSchedule(
      this.options.rate ?? 0,
      this.options.ramp ?? [],
      this.options.arrivals === 'poisson' ? this.random : undefined,
      this.startedAt,
    );
    this.arrivals = {
      scheduled: 0,
      started: 0,
      dropped: 0,
      late: 0,
      rate: this.schedule.rateAt(this.startedAt),
      maxInFlight: this.maxInFlight,
    };
    this.tick();
  }

  private tick = (): void => {
    const schedule = this.schedule!;
    const arrivals = this.arrivals!;
    const lateAfter = this.options.lateAfterMs ?? 10;
    const now = performance.now();
    arrivals.rate = schedule.rateAt(now);
    let next = schedule.peek();
    while (next !== undefined && next <= now && this.mayStartJourney()) {
      schedule.advance();
      arrivals.scheduled++;
      if (this.inFlight >= this.maxInFlight) arrivals.dropped++;
      else {
        arrivals.started++;
        if (now - next > lateAfter) arrivals.late++;
        void this.journey(newSession(this.accounts, this.sessions++), next);
      }
      next = schedule.peek();
    }
    if (next === undefined || !this.mayStartJourney()) {
      this.checkIdle();
      return;
    }
    this.after(Math.max(0, next - performance.now()), this.tick);
  };

  // ---- ending ----

  /** The run is over once no journey can start any more and none is running. */
  private checkIdle(): void {
    const noMore = !this.mayStartJourney() || (this.model === 'open' && this.schedule?.peek() === undefined);
    if (noMore && this.inFlight === 0 && this.users === 0) this.idle?.();
  }

  private beginStop(): Promise<LoadSnapshot> {
    if (this.state === 'running') {
      this.state = 'stopping';
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      for (const wake of this.sleepers) wake();
      this.sleepers.clear();
      const abandonTimer = setTimeout(() => {
        this.abandoned = this.inFlight;
        this.idle?.();
      }, this.options.stopTimeoutMs ?? 5000);
      void this.finished.finally(() => clearTimeout(abandonTimer));
      this.checkIdle();
    }
    return this.finished;
  }

  private async finish(): Promise<LoadSnapshot> {
    this.state = 'stopped';
    this.recording = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.finalSnapshot = this.snapshot();
    await this.http.destroy();
    this.stats.destroy();
    return this.finalSnapshot;
  }

  private snapshot(): LoadSnapshot {
    const now = performance.now();
    const { entries, aggregated } = this.stats.snapshot(
      this.options.percentiles ?? 'hdr',
      now,
      now - this.startedAt,
    );
    return {
      profile: this.options.profile.name,
      model: this.model,
      percentiles: this.options.percentiles ?? 'hdr',
      state: this.state,
      elapsedS: (now - this.startedAt) / 1000,
      users: this.model === 'closed' ? this.users : this.inFlight,
      inFlight: this.inFlight,
      entries,
      aggregated,
      journeys: [...this.counts.values()].map((c) => ({ ...c })),
      arrivals: this.arrivals ? { ...this.arrivals } : undefined,
      abandoned: this.abandoned,
      notices: [...this.notices],
    };
  }
}

function validateOptions(o: LoadOptions): void {
  const positive = (value: number | undefined, what: string, allowZero = false) => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new Error(`${what} must be a positive number (got ${value})`);
    }
  };
  try {
    new URL(o.host);
  } catch {
    throw new Error(`host must be a URL such as http://127.0.0.1:8079 (got "${o.host}")`);
  }
  if (o.users !== undefined && (o.rate !== undefined || o.ramp !== undefined)) {
    throw new Error('give either users (closed model) or a rate/ramp (open model), not both');
  }
  positive(o.users, 'users');
  positive(o.spawnRate, 'spawn rate');
  positive(o.rate, 'rate', true);
  positive(o.maxInFlight, 'max in-flight');
  positive(o.durationMs, 'duration');
  positive(o.iterations, 'iterations');
  positive(o.connections, 'connections');
  if (o.rate === 0 && o.ramp === undefined) throw new Error('rate must be above 0');
  if (o.durationMs === undefined && o.iterations === undefined && o.ramp === undefined) {
    throw new Error('give a duration, a number of iterations or a ramp, or the run would never end');
  }
}
