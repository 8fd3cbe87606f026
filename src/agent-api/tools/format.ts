/** Compact shapes of platform objects, sized for an agent's context. */
import type { DeploymentInfo, KubeEvent, PodInfo } from '../../platform/types.js';
import { hideCredentials } from '../bounds.js';

export function compactEvent(e: KubeEvent) {
  return {
    type: e.type,
    reason: e.reason,
    object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
    message: e.message,
    count: e.count,
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
  };
}

/** Newest first, at most `n`. */
export function recentEvents(events: KubeEvent[], n: number) {
  return [...events]
    .sort((a, b) => b.lastTimestamp.localeCompare(a.lastTimestamp))
    .slice(0, n)
    .map(compactEvent);
}

export function lastTermination(pod: PodInfo) {
  const t = pod.container.state.terminated ?? pod.container.lastState?.terminated;
  return t
    ? { reason: t.reason, exitCode: t.exitCode, finishedAt: t.finishedAt, signal: t.signal }
    : undefined;
}

export function podSummary(pod: PodInfo) {
  return {
    name: pod.name,
    deployment: pod.deployment,
    status: pod.status,
    phase: pod.phase,
    ready: pod.ready,
    restarts: pod.container.restartCount,
    createdAt: pod.creationTimestamp,
    terminating: pod.deletionTimestamp !== undefined,
    lastTermination: lastTermination(pod),
  };
}

export function deploymentSummary(d: DeploymentInfo) {
  return {
    name: d.name,
    replicas: d.replicas,
    readyReplicas: d.readyReplicas,
    updatedReplicas: d.updatedReplicas,
    availableReplicas: d.availableReplicas,
    revision: d.revision,
    resources: d.template.container.resources ?? {},
    conditions: d.conditions.map((c) => `${c.type}=${c.status} (${c.reason})`),
  };
}

/** A container's env with store passwords hidden. */
export function visibleEnv(env: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, hideCredentials(v)]));
}
