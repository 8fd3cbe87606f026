import { METRIC_NAME, type Labels } from '../tsdb/labels.js';

/**
 * Merges a scraped sample's labels with its target's labels. With honorLabels=false (the Prometheus default) target
 * labels win and a clashing scraped label is kept as `exported_<name>` (prefixed again while that name is taken).
 */
export function mergeTargetLabels(
  name: string,
  scraped: Readonly<Record<string, string>>,
  target: Labels,
  honorLabels: boolean,
): Record<string, string> {
  const out: Record<string, string> = { ...scraped, [METRIC_NAME]: name };
  const conflicts: [string, string][] = [];
  for (const [label, value] of Object.entries(target)) {
    const existing = out[label];
    if (existing !== undefined && existing !== '') {
      if (honorLabels) continue;
      conflicts.push([label, existing]);
    }
    if (value === '') delete out[label];
    else out[label] = value;
  }
  for (const [label, value] of conflicts) {
    let exported = `exported_${label}`;
    while (out[exported] !== undefined) exported = `exported_${exported}`;
    out[exported] = value;
  }
  return out;
}
