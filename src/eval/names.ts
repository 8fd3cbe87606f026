/**
 * Name matching for scoring: an agent may write a component as "deployment/queue-master",
 * "Queue-Master service", "queue_master" or an edge as "front-end → user"; a fault type as
 * "Network delay" for "network-delay". Everything is normalised to one lower-case form first.
 */
import type { GroundTruth } from '../scenarios/schema.js';

const KIND_PREFIX =
  /^(deployments?|deploy|services?|svc|pods?|statefulsets?|sts|hpa|horizontalpodautoscalers?|configmaps?|cm|queues?|stores?|edge)[/:]\s*/;
const WORD_SUFFIX = /\s+(service|svc|deployment|deploy|pods?|replicas?|container)$/;
const EDGE = /\s*(?:-->|->|→|=>|\bto\b)\s*/;

/** One component name in its comparable form: lower case, `_`/spaces → `-`, kind prefix and suffix dropped. */
export function normaliseComponent(name: string): string {
  let s = name.trim().toLowerCase().replace(/\s+/g, ' ');
  const edge = s.split(EDGE);
  if (edge.length === 2 && edge[0] && edge[1])
    return `${normaliseComponent(edge[0])}->${normaliseComponent(edge[1])}`;
  s = s.replace(KIND_PREFIX, '').replace(/^the\s+/, '');
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s.replace(WORD_SUFFIX, '');
  }
  return s.replace(/[\s_]+/g, '-').replace(/^-+|-+$/g, '');
}

/** A fault type in comparable form: lower case, words separated by single spaces. */
export function normaliseFaultType(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[-_/\s]+/g, ' ')
    .replace(/[^a-z0-9 ]/g, '')
    .trim();
}

/** Whether `name` names one of the ground truth's root-cause components (or one of its aliases). */
export function matchesRootCause(name: string, groundTruth: Pick<GroundTruth, 'rootCause'>): boolean {
  const wanted = normaliseComponent(name);
  if (!wanted) return false;
  return groundTruth.rootCause.some((c) =>
    [c.component, ...c.aliases].some((alias) => normaliseComponent(alias) === wanted),
  );
}

/**
 * Whether `faultType` names the ground truth's fault type or an alias: equal after normalisation, or
 * containing one of them as whole words ("mesh delay on front-end->user" names "mesh delay").
 */
export function matchesFaultType(
  faultType: string,
  groundTruth: Pick<GroundTruth, 'faultType' | 'faultTypeAliases'>,
): boolean {
  const given = ` ${normaliseFaultType(faultType)} `;
  if (!given.trim()) return false;
  return [groundTruth.faultType, ...groundTruth.faultTypeAliases].some((t) => {
    const want = normaliseFaultType(t);
    return want !== '' && given.includes(` ${want} `);
  });
}
