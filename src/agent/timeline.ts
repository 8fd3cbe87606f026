/** The agent's reasoning record: each step says what it looked at, what it concluded and why. */
import type { TimelineStep } from './types.js';

export class Timeline {
  readonly steps: TimelineStep[] = [];
  private readonly start = Date.now();

  constructor(private readonly log?: (line: string) => void) {}

  elapsedMs(): number {
    return Date.now() - this.start;
  }

  add(phase: TimelineStep['phase'], looked: string, concluded: string, why: string): void {
    const step: TimelineStep = {
      at: new Date().toISOString(),
      tMs: this.elapsedMs(),
      phase,
      looked,
      concluded,
      why,
    };
    this.steps.push(step);
    this.log?.(`[${(step.tMs / 1000).toFixed(1)}s ${phase}] ${looked} → ${concluded} (${why})`);
  }
}
