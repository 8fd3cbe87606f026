/**
 * Runs an async task every `intervalMs`, never two at once (a slow round is not stacked on by the
 * next tick). Used by the log, span and event collectors.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Runs the task now (or joins the round in progress). */
  tick(): Promise<void> {
    this.running ??= this.task()
      .catch(this.onError)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and waits for the round in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/** Accepts a time as epoch ms, epoch seconds (< 1e11), a numeric string of either, or an ISO string. */
export function toEpochMs(value: number | string | Date): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return toEpochMs(Number(trimmed));
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms))
    throw new RangeError(`invalid time ${JSON.stringify(value)}: use epoch seconds, ms or ISO-8601`);
  return ms;
}
