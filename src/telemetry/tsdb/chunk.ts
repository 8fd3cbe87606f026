/**
 * A fixed-capacity run of samples in typed arrays (ms timestamps and float64 values).
 * Stale markers live in a lazily allocated flag array, so a NaN payload never has to survive a typed array.
 */
export const CHUNK_CAPACITY = 120;

export class Chunk {
  readonly ts = new Float64Array(CHUNK_CAPACITY);
  readonly vs = new Float64Array(CHUNK_CAPACITY);
  private stale: Uint8Array | undefined;
  length = 0;

  get full(): boolean {
    return this.length === CHUNK_CAPACITY;
  }
  get minTime(): number {
    return this.ts[0];
  }
  get maxTime(): number {
    return this.ts[this.length - 1];
  }

  append(t: number, v: number, isStale: boolean): void {
    const i = this.length++;
    this.ts[i] = t;
    this.vs[i] = v;
    if (isStale) (this.stale ??= new Uint8Array(CHUNK_CAPACITY))[i] = 1;
  }

  isStale(i: number): boolean {
    return this.stale !== undefined && this.stale[i] === 1;
  }

  /** Index of the first sample with timestamp >= t (length if none). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first sample with timestamp > t (length if none). */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  static readonly BYTES = CHUNK_CAPACITY * 16;
}
