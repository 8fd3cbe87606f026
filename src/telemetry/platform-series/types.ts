import type { MetricFamilyMeta } from '../exposition/parse.js';
import type { Labels } from '../tsdb/labels.js';

/** One value of a platform series; `labels` carries `__name__`. */
export interface PlatformSample {
  labels: Labels;
  value: number;
}

/** TYPE/HELP of every family a module emits, keyed by metric name (for /api/v1/metadata). */
export type FamilyCatalog = Readonly<Record<string, MetricFamilyMeta>>;

/** Builds samples of one family that share a label set prefix. */
export function sampler(base: Record<string, string>) {
  return (name: string, value: number, extra: Record<string, string> = {}): PlatformSample => ({
    labels: { __name__: name, ...base, ...extra },
    value,
  });
}
