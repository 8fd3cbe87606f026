/**
 * A circuit breaker with the semantics of the sony/gobreaker revision the original catalogue
 * vendors (sockshop-spec §4.2): closed until more than `maxFailures` consecutive failures,
 * then open for `openMs`, then half-open letting one trial through; the trial's success
 * closes it, its failure opens it again. Results from an earlier state are ignored.
 */

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface BreakerOptions {
  /** Trips when consecutive failures exceed this (gobreaker default rule: > 5). */
  maxFailures: number;
  /** How long the breaker stays open before a trial (gobreaker Timeout; the original uses 30 s). */
  openMs: number;
}

export class BreakerOpenError extends Error {}

export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private generation = 0;
  private consecutiveFailures = 0;
  private halfOpenRequests = 0;
  private openUntil = 0;

  constructor(
    readonly name: string,
    private readonly options: BreakerOptions,
    private readonly onStateChange: (name: string, from: BreakerState, to: BreakerState) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get currentState(): BreakerState {
    if (this.state === 'open' && this.now() >= this.openUntil) this.moveTo('half-open');
    return this.state;
  }

  async execute<T>(task: () => Promise<T>): Promise<T> {
    const generation = this.admit();
    try {
      const result = await task();
      this.record(generation, true);
      return result;
    } catch (error) {
      this.record(generation, false);
      throw error;
    }
  }

  private admit(): number {
    const state = this.currentState;
    if (state === 'open') throw new BreakerOpenError(`circuit breaker '${this.name}' is open`);
    if (state === 'half-open') {
      if (this.halfOpenRequests >= 1) throw new BreakerOpenError('too many requests');
      this.halfOpenRequests++;
    }
    return this.generation;
  }

  private record(generation: number, success: boolean): void {
    if (generation !== this.generation) return;
    if (success) {
      this.consecutiveFailures = 0;
      if (this.state === 'half-open') this.moveTo('closed');
      return;
    }
    this.consecutiveFailures++;
    if (this.state === 'half-open' || this.consecutiveFailures > this.options.maxFailures)
      this.moveTo('open');
  }

  private moveTo(next: BreakerState): void {
    const previous = this.state;
    this.state = next;
    this.generation++;
    this.consecutiveFailures = 0;
    this.halfOpenRequests = 0;
    if (next === 'open') this.openUntil = this.now() + this.options.openMs;
    this.onStateChange(this.name, previous, next);
  }
}
