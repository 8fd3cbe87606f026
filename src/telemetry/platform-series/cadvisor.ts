/**
 * cAdvisor's container series, from the platform's usage accounting (cgroup counters on the local
 * platform). One series set per pod, labelled {namespace, pod, container} like the kubelet's
 * /metrics/cadvisor for the application container.
 *
 * Known differences from cAdvisor: there is no pod-level (container="") or pause-container ("POD")
 * series; `container_memory_usage_bytes` equals the working set (the platform reports the working set
 * only, so page cache is not counted in either); the spec series come from the pod spec rather than
 * from the cgroup files (they agree whenever the limits are enforced).
 */
import { cpuToMillis, memoryToBytes } from '../../platform/local/quantity.js';
import type { PodInfo, PodUsage } from '../../platform/types.js';
import { sampler, type FamilyCatalog, type PlatformSample } from './types.js';

/** CFS period the kubelet sets with a CPU limit (µs). */
const CFS_PERIOD_US = 100_000;
/** Minimum CFS quota (µs), as in the kubelet's MilliCPUToQuota. */
const MIN_QUOTA_US = 1000;

export const CADVISOR_FAMILIES: FamilyCatalog = {
  container_cpu_usage_seconds_total: { type: 'counter', help: 'Cumulative cpu time consumed in seconds.' },
  container_cpu_cfs_periods_total: {
    type: 'counter',
    help: 'Number of elapsed enforcement period intervals.',
  },
  container_cpu_cfs_throttled_periods_total: {
    type: 'counter',
    help: 'Number of throttled period intervals.',
  },
  container_cpu_cfs_throttled_seconds_total: {
    type: 'counter',
    help: 'Total time duration the container has been throttled.',
  },
  container_memory_working_set_bytes: { type: 'gauge', help: 'Current working set in bytes.' },
  container_memory_usage_bytes: {
    type: 'gauge',
    help: 'Current memory usage in bytes (the working set on this platform).',
  },
  container_spec_cpu_quota: {
    type: 'gauge',
    help: 'CPU quota of the container (µs per period; absent without a limit).',
  },
  container_spec_cpu_period: { type: 'gauge', help: 'CPU period of the container (µs).' },
  container_spec_cpu_shares: { type: 'gauge', help: 'CPU share of the container.' },
  container_spec_memory_limit_bytes: { type: 'gauge', help: 'Memory limit for the container (0 = none).' },
};

/** Series of one pod; none until the platform has a usage sample for it (no running container yet). */
export function cadvisorSamples(pod: PodInfo, usage: PodUsage | undefined): PlatformSample[] {
  if (!usage) return [];
  const s = sampler({ namespace: pod.namespace, pod: pod.name, container: pod.container.name });
  const out = [
    s('container_cpu_usage_seconds_total', usage.cpuSecondsTotal),
    s('container_cpu_cfs_periods_total', usage.cpuPeriods),
    s('container_cpu_cfs_throttled_periods_total', usage.cpuThrottledPeriods),
    s('container_cpu_cfs_throttled_seconds_total', usage.cpuThrottledSeconds),
    s('container_memory_working_set_bytes', usage.memoryWorkingSetBytes),
    s('container_memory_usage_bytes', usage.memoryWorkingSetBytes),
  ];
  const { requests, limits } = pod.resources;
  const cpuRequest = requests?.cpu ?? limits?.cpu;
  // MilliCPUToShares: request·1024/1000, at least 2 (a pod without a request gets 2).
  out.push(
    s(
      'container_spec_cpu_shares',
      Math.max(2, Math.floor(((cpuRequest ? cpuToMillis(cpuRequest) : 0) * 1024) / 1000)),
    ),
  );
  if (limits?.cpu) {
    const quota = Math.max(MIN_QUOTA_US, Math.floor((cpuToMillis(limits.cpu) * CFS_PERIOD_US) / 1000));
    out.push(s('container_spec_cpu_quota', quota));
  }
  out.push(s('container_spec_cpu_period', CFS_PERIOD_US));
  out.push(s('container_spec_memory_limit_bytes', limits?.memory ? memoryToBytes(limits.memory) : 0));
  return out;
}
