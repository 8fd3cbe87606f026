/**
 * Several instant queries asked in one `query` call: each part's series are tagged with the part's
 * key in the label `signal` and the parts are joined with `or` (the tag keeps their series apart).
 * One call per poll instead of one per signal.
 */
import type { AgentTools, Sample } from './tools.js';

const TAG = 'signal';
/** The query tool's largest `limit`: a bundle must stay under it. */
const MAX_SERIES = 100;

export interface Bundle<K extends string> {
  promql: string;
  parts: Record<K, string>;
}

export function bundle<K extends string>(parts: Record<K, string>): Bundle<K> {
  const promql = (Object.entries(parts) as [K, string][])
    .map(([key, inner]) => `label_replace(${inner}, "${TAG}", "${key}", "", "")`)
    .join(' or ');
  return { promql, parts };
}

/** Asks the bundle and splits the answer by part (the tag removed); a part with no series is empty. */
export async function askBundle<K extends string>(
  tools: AgentTools,
  b: Bundle<K>,
): Promise<Record<K, Sample[]>> {
  const out = Object.fromEntries(Object.keys(b.parts).map((k) => [k, [] as Sample[]])) as Record<K, Sample[]>;
  for (const s of await tools.query(b.promql, MAX_SERIES)) {
    const { [TAG]: key, ...labels } = s.labels;
    if (key !== undefined && key in out) out[key as K].push({ labels, value: s.value });
  }
  return out;
}

/** The answer a bundle gets when each part is answered alone by `answer` (for scripted shops). */
export function composeBundle<K extends string>(b: Bundle<K>, answer: (inner: string) => Sample[]): Sample[] {
  return (Object.entries(b.parts) as [K, string][]).flatMap(([key, inner]) =>
    answer(inner).map((s) => ({ labels: { ...s.labels, [TAG]: key }, value: s.value })),
  );
}
