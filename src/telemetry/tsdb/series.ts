import { Chunk } from './chunk.js';
import type { Labels } from './labels.js';

/** Samples of one window, stale markers removed. */
export interface SampleRun {
  ts: number[];
  vs: number[];
}

export interface Point {
  t: number;
  v: number;
}

/** Bounds of a selection window in ms; `leftOpen` excludes the start (Prometheus 3), otherwise both ends count (2.x). */
export interface Window {
  start: number;
  end: number;
  leftOpen: boolean;
}

export class Series {
  readonly chunks: Chunk[] = [];
  lastTime = -Infinity;
  lastStale = false;

  constructor(
    readonly id: number,
    readonly labels: Labels,
    readonly key: string,
  ) {}

  append(t: number, v: number, stale: boolean): void {
    let head = this.chunks[this.chunks.length - 1];
    if (head === undefined || head.full) {
      head = new Chunk();
      this.chunks.push(head);
    }
    head.append(t, v, stale);
    this.lastTime = t;
    this.lastStale = stale;
  }

  get sampleCount(): number {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** Drops chunks that end before `minTime`; returns the number of samples removed. */
  truncateBefore(minTime: number): number {
    let removed = 0;
    while (this.chunks.length > 0 && this.chunks[0].maxTime < minTime) removed += this.chunks.shift()!.length;
    return removed;
  }

  /** Latest sample within the window; undefined when there is none or it is a stale marker. */
  latest(w: Window): Point | undefined {
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const chunk = this.chunks[c];
      if (chunk.minTime > w.end) continue;
      const i = chunk.upperBound(w.end) - 1;
      if (i < 0) continue;
      const t = chunk.ts[i];
      if (t < w.start || (w.leftOpen && t === w.start)) return undefined;
      if (chunk.isStale(i)) return undefined;
      return { t, v: chunk.vs[i] };
    }
    return undefined;
  }

  /** All non-stale samples within the window, oldest first. */
  range(w: Window): SampleRun {
    const ts: number[] = [];
    const vs: number[] = [];
    for (const chunk of this.chunks) {
      if (chunk.maxTime < w.start || chunk.minTime > w.end) continue;
      let i = w.leftOpen ? chunk.upperBound(w.start) : chunk.lowerBound(w.start);
      const stop = chunk.upperBound(w.end);
      for (; i < stop; i++) {
        if (chunk.isStale(i)) continue;
        ts.push(chunk.ts[i]);
        vs.push(chunk.vs[i]);
      }
    }
    return { ts, vs };
  }
}
