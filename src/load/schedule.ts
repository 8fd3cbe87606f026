/**
 * Open-model arrival times. The rate is piecewise linear: constant `rate` forever, or stages
 * ramping linearly from the previous rate to each stage's target (k6 ramping-arrival-rate).
 * Arrival k happens when the expected number of arrivals ∫rate reaches k (evenly spaced, like
 * k6), or reaches a running sum of exponential draws (Poisson). Times are absolute ms on the
 * performance clock, so every arrival has an exact intended start.
 */
import type { RateStage } from './units.js';

interface Segment {
  startMs: number;
  durationMs: number;
  /** Arrivals per ms at the start and the end of the segment. */
  from: number;
  to: number;
}

export class ArrivalSchedule {
  private readonly segments: Segment[] = [];
  private segment = 0;
  private next: number | undefined;

  constructor(
    rate: number,
    stages: readonly RateStage[],
    private readonly random: (() => number) | undefined,
    startMs: number,
  ) {
    let at = startMs;
    let from = rate / 1000;
    for (const stage of stages) {
      this.segments.push({ startMs: at, durationMs: stage.durationMs, from, to: stage.target / 1000 });
      at += stage.durationMs;
      from = stage.target / 1000;
    }
    if (stages.length === 0) this.segments.push({ startMs: at, durationMs: Infinity, from, to: from });
    this.next = this.after(startMs, this.gap());
  }

  /** The next arrival's scheduled time, or undefined when the schedule has ended. */
  peek(): number | undefined {
    return this.next;
  }

  advance(): void {
    if (this.next !== undefined) this.next = this.after(this.next, this.gap());
  }

  /** Arrivals per second at a time (0 after the end). */
  rateAt(timeMs: number): number {
    const s = this.segments.find((seg) => timeMs < seg.startMs + seg.durationMs);
    if (!s) return 0;
    const progress = s.durationMs === Infinity ? 0 : Math.max(0, timeMs - s.startMs) / s.durationMs;
    return (s.from + (s.to - s.from) * progress) * 1000;
  }

  /** Expected arrivals between two arrivals: 1, or an exponential draw for Poisson arrivals. */
  private gap(): number {
    return this.random ? -Math.log(1 - this.random()) : 1;
  }

  /** The time after `fromMs` at which the integral of the rate reaches `area`. */
  private after(fromMs: number, area: number): number | undefined {
    let remaining = area;
    let t = fromMs;
    while (this.segment < this.segments.length) {
      const s = this.segments[this.segment];
      if (s.durationMs === Infinity) return s.from > 0 ? t + remaining / s.from : undefined;
      const slope = (s.to - s.from) / s.durationMs;
      const offset = t - s.startMs;
      const rateNow = s.from + slope * offset;
      const left = s.durationMs - offset;
      // Arrivals expected in the rest of this segment.
      const available = rateNow * left + (slope * left * left) / 2;
      if (available >= remaining && (rateNow > 0 || slope > 0)) {
        const dt =
          slope === 0
            ? remaining / rateNow
            : (-rateNow + Math.sqrt(Math.max(0, rateNow * rateNow + 2 * slope * remaining))) / slope;
        return t + dt;
      }
      remaining -= Math.max(0, available);
      this.segment++;
      t = s.startMs + s.durationMs;
    }
    return undefined;
  }
}
