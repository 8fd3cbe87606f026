/**
 * From the metrics' recommendation to the replica count the HPA sets (horizontal.go): without
 * `behavior`, the highest recommendation of the downscale stabilization window and a scale-up cap of
 * max(2·current, 4); with `behavior`, per-direction stabilization windows and rate policies.
 */
import type { HpaScalingRules, HorizontalPodAutoscalerSpec } from '../types.js';

export interface Timestamped {
  at: number;
  value: number;
}

/** What the controller remembers per HPA between syncs. */
export interface ScaleHistory {
  recommendations: Timestamped[];
  /** Replicas added (up) or removed (down) per rescale, for the rate policies. */
  scaleUpEvents: Timestamped[];
  scaleDownEvents: Timestamped[];
}

export interface Limited {
  replicas: number;
  /** AbleToScale condition reason/message for the stabilization step. */
  ableReason: string;
  ableMessage: string;
  /** ScalingLimited: whether the limit changed the count, and why. */
  limited: boolean;
  limitReason: string;
  limitMessage: string;
}

const STABLE = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const DOWN_STABILIZED = {
  reason: 'ScaleDownStabilized',
  message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
};
const UP_STABILIZED = {
  reason: 'ScaleUpStabilized',
  message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
};
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY = {
  reason: 'TooManyReplicas',
  message: 'the desired replica count is more than the maximum replica count',
};
const TOO_FEW = {
  reason: 'TooFewReplicas',
  message: 'the desired replica count is less than the minimum replica count',
};
const UP_LIMIT = {
  reason: 'ScaleUpLimit',
  message: 'the desired replica count is increasing faster than the maximum scale rate',
};
const DOWN_LIMIT = {
  reason: 'ScaleDownLimit',
  message: 'the desired replica count is decreasing faster than the maximum scale rate',
};

/** The apiserver's defaults for a `behavior` block (the scale-down window stays unset: the controller flag applies). */
export function withBehaviorDefaults(behavior: HorizontalPodAutoscalerSpec['behavior']) {
  if (!behavior) return undefined;
  const up: HpaScalingRules = {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
  const down: HpaScalingRules = {
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
  const merge = (given: HpaScalingRules | undefined, defaults: HpaScalingRules): HpaScalingRules => ({
    ...defaults,
    ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)),
  });
  return { scaleUp: merge(behavior.scaleUp, up), scaleDown: merge(behavior.scaleDown, down) };
}

function record(history: ScaleHistory, now: number, value: number, keepMs: number): void {
  history.recommendations = history.recommendations.filter((r) => r.at > now - keepMs);
  history.recommendations.push({ at: now, value });
}

/** normalizeDesiredReplicas: no `behavior`. */
export function normalizeWithoutBehavior(
  history: ScaleHistory,
  now: number,
  current: number,
  desired: number,
  min: number,
  max: number,
  downscaleWindowMs: number,
): Limited {
  let stabilized = desired;
  for (const r of history.recommendations) {
    if (r.at >= now - downscaleWindowMs && r.value > stabilized) stabilized = r.value;
  }
  record(history, now, desired, downscaleWindowMs + 1);
  const able = stabilized !== desired ? DOWN_STABILIZED : STABLE;

  const scaleUpLimit = Math.max(2 * current, 4);
  const [upper, upperWhy] = max > scaleUpLimit ? [scaleUpLimit, UP_LIMIT] : [max, TOO_MANY];
  let replicas = stabilized;
  let why = WITHIN;
  if (stabilized < min) [replicas, why] = [min, TOO_FEW];
  else if (stabilized > upper) [replicas, why] = [upper, upperWhy];
  return {
    replicas,
    ableReason: able.reason,
    ableMessage: able.message,
    limited: replicas !== stabilized,
    limitReason: why.reason,
    limitMessage: why.message,
  };
}

function changeInPeriod(events: Timestamped[], now: number, periodSeconds: number): number {
  return events.filter((e) => e.at > now - periodSeconds * 1000).reduce((sum, e) => sum + e.value, 0);
}

function periodStart(history: ScaleHistory, now: number, current: number, periodSeconds: number): number {
  return (
    current -
    changeInPeriod(history.scaleUpEvents, now, periodSeconds) +
    changeInPeriod(history.scaleDownEvents, now, periodSeconds)
  );
}

function scaleUpLimit(history: ScaleHistory, now: number, current: number, rules: HpaScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const start = periodStart(history, now, current, p.periodSeconds);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

function scaleDownLimit(history: ScaleHistory, now: number, current: number, rules: HpaScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const start = periodStart(history, now, current, p.periodSeconds);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** normalizeDesiredReplicasWithBehaviors; `behavior` must already carry its defaults. */
export function normalizeWithBehavior(
  history: ScaleHistory,
  now: number,
  current: number,
  desired: number,
  min: number,
  max: number,
  behavior: { scaleUp: HpaScalingRules; scaleDown: HpaScalingRules },
  downscaleWindowMs: number,
): Limited {
  const upWindow = (behavior.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downWindow =
    behavior.scaleDown.stabilizationWindowSeconds === undefined
      ? downscaleWindowMs
      : behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  for (const r of history.recommendations) {
    if (r.at > now - upWindow) up = Math.min(up, r.value);
    if (r.at > now - downWindow) down = Math.max(down, r.value);
  }
  const stabilized = Math.min(Math.max(current, up), down);
  record(history, now, desired, Math.max(upWindow, downWindow));
  const able = stabilized === desired ? STABLE : desired >= current ? UP_STABILIZED : DOWN_STABILIZED;

  let replicas = stabilized;
  let why = WITHIN;
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(history, now, current, behavior.scaleUp), current);
    const [upper, upperWhy] = max > limit ? [limit, UP_LIMIT] : [max, TOO_MANY];
    if (stabilized > upper) [replicas, why] = [upper, upperWhy];
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(history, now, current, behavior.scaleDown), current);
    const [lower, lowerWhy] = min < limit ? [limit, DOWN_LIMIT] : [min, TOO_FEW];
    if (stabilized < lower) [replicas, why] = [lower, lowerWhy];
  }
  return {
    replicas,
    ableReason: able.reason,
    ableMessage: able.message,
    limited: replicas !== stabilized,
    limitReason: why.reason,
    limitMessage: why.message,
  };
}

/** storeScaleEvent: remembers a rescale for the rate policies, forgetting what the longest period no longer sees. */
export function storeScaleEvent(
  history: ScaleHistory,
  now: number,
  from: number,
  to: number,
  behavior: { scaleUp: HpaScalingRules; scaleDown: HpaScalingRules },
): void {
  const longest = (rules: HpaScalingRules) =>
    Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds)) * 1000;
  if (to > from) {
    const keep = longest(behavior.scaleUp);
    history.scaleUpEvents = history.scaleUpEvents.filter((e) => e.at > now - keep);
    history.scaleUpEvents.push({ at: now, value: to - from });
  } else if (to < from) {
    const keep = longest(behavior.scaleDown);
    history.scaleDownEvents = history.scaleDownEvents.filter((e) => e.at > now - keep);
    history.scaleDownEvents.push({ at: now, value: from - to });
  }
}
