/** Parsing of the human units the load options use: durations (`90s`, `1m30s`, `250ms`) and rates (`50/s`, `600/m`). */

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Locust/k6-style duration; a bare number means seconds. Throws one clear line on bad input. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new Error(`invalid duration "${text}" (expected e.g. 30s, 1m30s, 250ms, 2h)`);
  }
  return total;
}

const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(ms|s|m|h|sec|min)?$/;
const RATE_UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** Arrivals per second in `50/s`, `600/m`, `2/ms` or a bare number (per second). */
export function parseRate(text: string): number {
  const trimmed = text.trim();
  const bare = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
  const match = RATE.exec(trimmed);
  const perSecond = bare ?? (match ? (Number(match[1]) * 1000) / RATE_UNIT_MS[match[2] ?? 's'] : NaN);
  if (!Number.isFinite(perSecond) || perSecond < 0) {
    throw new Error(`invalid rate "${text}" (expected e.g. 50/s, 600/m)`);
  }
  return perSecond;
}

export interface RateStage {
  /** Length of the stage in ms. */
  durationMs: number;
  /** Arrivals per second reached at the end of the stage (linear from the previous target). */
  target: number;
}

/** `--ramp "30s:100/s,1m:100/s,10s:0"` → stages, k6 ramping-arrival-rate style. */
export function parseRamp(text: string): RateStage[] {
  const stages = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon < 0)
        throw new Error(`invalid ramp stage "${part}" (expected <duration>:<rate>, e.g. 30s:100/s)`);
      return { durationMs: parseDuration(part.slice(0, colon)), target: parseRate(part.slice(colon + 1)) };
    });
  if (stages.length === 0) throw new Error('invalid ramp: no stages (expected e.g. 30s:100/s,1m:100/s)');
  return stages;
}
