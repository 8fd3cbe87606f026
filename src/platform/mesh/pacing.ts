/**
 * Byte pacing for the mesh: a token bucket (bandwidth) and a stream stage that releases each chunk at
 * a computed time while keeping order (delay, jitter, bandwidth all reduce to "release this chunk at t").
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Token bucket with virtual scheduling: a reservation may drive the balance negative, and the caller waits. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes: number = Math.max(1500, Math.floor(bytesPerSecond / 10)),
  ) {
    this.tokens = burstBytes;
    this.last = Date.now();
  }

  /** Takes `bytes` and answers the time (ms since epoch) at which they may pass. */
  reserve(bytes: number, now = Date.now()): number {
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? now : now + (-this.tokens / this.bytesPerSecond) * 1000;
  }
}

/** Answers when a chunk of `bytes` may be released, or `undefined` to discard it. */
export type ReleasePlanner = (bytes: number, now: number) => number | undefined;

/** Releases chunks in order, none before its planned time. A chunk is never released ahead of an earlier one. */
export class PacedStream extends Transform {
  private readonly queue: Array<{ chunk: Buffer; at: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private flushed: TransformCallback | undefined;

  constructor(private readonly plan: ReleasePlanner) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const now = Date.now();
    const at = this.plan(chunk.length, now);
    if (at === undefined) return done();
    this.lastAt = Math.max(at, this.lastAt);
    if (this.queue.length === 0 && this.lastAt <= now) {
      done(null, chunk);
      return;
    }
    this.queue.push({ chunk, at: this.lastAt });
    this.schedule();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.queue.length === 0) done();
    else this.flushed = done;
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
    done(err);
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = Date.now();
        while (this.queue.length > 0 && this.queue[0].at <= now) this.push(this.queue.shift()!.chunk);
        if (this.queue.length > 0) this.schedule();
        else if (this.flushed) this.flushed();
      },
      Math.max(0, this.queue[0].at - Date.now()),
    );
  }
}
