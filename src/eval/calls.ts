/** Short names of agent API calls, for timelines and chart markers. */
import type { CallLogEntry } from '../agent-api/call-log.js';

/** "scale queue-master=1", "submit_diagnosis detected" — short, for the timeline and chart markers. */
export function callSummary(entry: Pick<CallLogEntry, 'tool' | 'args'>): string {
  const a = (entry.args ?? {}) as Record<string, unknown>;
  const target = a.deployment ?? a.name ?? a.queue ?? a.store ?? a.service ?? a.id;
  if (entry.tool === 'scale') return `scale ${String(a.deployment)}=${String(a.replicas)}`;
  if (entry.tool === 'submit_diagnosis')
    return `diagnosis${a.detected === true ? ': detected' : ': nothing'}`;
  return typeof target === 'string' ? `${entry.tool} ${target}` : entry.tool;
}
