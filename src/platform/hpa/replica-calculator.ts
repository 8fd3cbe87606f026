/**
 * The replica count one resource metric asks for, as the Kubernetes HPA computes it
 * (pkg/controller/podautoscaler/replica_calculator.go): pods are grouped into ready, unready, missing
 * and ignored; utilization is the integer-truncated percentage of summed usage over summed requests;
 * missing and unready pods are filled in pessimistically; a result that would flip direction is refused.
 * All values are in milli-units, as the controller uses them (CPU millicores, memory milli-bytes).
 */
import type { PodMetricSample } from '../types.js';

export type ResourceName = 'cpu' | 'memory';

export interface CalculatorTimings {
  /** Fraction, default 0.1. */
  tolerance: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
  /** Width of a metric sample (metrics-server resolution); a CPU sample must cover a full window after readiness. */
  metricWindowMs: number;
}

export interface ReplicaProposal {
  replicas: number;
  /** Utilization in percent (Utilization targets only). */
  utilization?: number;
  /** Average usage in milli-units over the pods with metrics. */
  rawAverageMilli: number;
}

export class MetricError extends Error {}

const isWithin = (ratio: number, tolerance: number) => Math.abs(1 - ratio) <= tolerance;

function usageMilli(pod: PodMetricSample, resource: ResourceName): number | undefined {
  if (resource === 'cpu')
    return pod.cpuMillicores === undefined ? undefined : Math.ceil(pod.cpuMillicores - 1e-9);
  return pod.memoryWorkingSetBytes === undefined ? undefined : Math.round(pod.memoryWorkingSetBytes) * 1000;
}

function requestMilli(pod: PodMetricSample, resource: ResourceName): number | undefined {
  if (resource === 'cpu') return pod.cpuRequestMillicores;
  return pod.memoryRequestBytes === undefined ? undefined : pod.memoryRequestBytes * 1000;
}

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

interface Groups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  /** Usage per pod with a usable metric. */
  metrics: Map<string, number>;
}

/**
 * groupPods(): deleted and failed pods are ignored; pending pods are unready; pods without a sample are
 * missing; for CPU, a pod is unready while it is not ready or its sample predates a full window after it
 * became ready (within the initialization period), or, later, when it has never been ready.
 * A pod that was ready once and is not now counts as ready (its readiness transition is after the delay).
 */
function groupPods(
  pods: PodMetricSample[],
  resource: ResourceName,
  now: number,
  t: CalculatorTimings,
): Groups {
  const groups: Groups = { readyPodCount: 0, unready: new Set(), missing: new Set(), metrics: new Map() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') continue;
    if (pod.phase === 'Pending') {
      groups.unready.add(pod.pod);
      continue;
    }
    const usage = usageMilli(pod, resource);
    if (usage === undefined) {
      groups.missing.add(pod.pod);
      continue;
    }
    if (resource === 'cpu') {
      const start = ms(pod.startedAt);
      let unready: boolean;
      if (start === undefined) unready = true;
      else if (start + t.cpuInitializationPeriodMs > now) {
        const transition = ms(pod.readySince) ?? start;
        const sampled = ms(pod.sampleTime) ?? now;
        unready = !pod.ready || sampled < transition + t.metricWindowMs;
      } else {
        unready = !pod.ready && pod.readySince === undefined;
      }
      if (unready) {
        groups.unready.add(pod.pod);
        continue;
      }
    }
    groups.metrics.set(pod.pod, usage);
    groups.readyPodCount++;
  }
  return groups;
}

function podRequests(
  pods: PodMetricSample[],
  resource: ResourceName,
  container: string,
): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const request = requestMilli(pod, resource);
    if (request === undefined) {
      throw new MetricError(`missing request for ${resource} in container ${container} of Pod ${pod.pod}`);
    }
    requests.set(pod.pod, request);
  }
  return requests;
}

function utilizationRatio(metrics: Map<string, number>, requests: Map<string, number>, target: number) {
  let usageTotal = 0;
  let requestTotal = 0;
  let entries = 0;
  for (const [pod, usage] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    usageTotal += usage;
    requestTotal += request;
    entries++;
  }
  if (requestTotal === 0) throw new MetricError('no metrics returned matched known pods');
  const utilization = Math.trunc((usageTotal * 100) / requestTotal);
  return { ratio: utilization / target, utilization, rawAverageMilli: Math.trunc(usageTotal / entries) };
}

function averageRatio(metrics: Map<string, number>, targetMilli: number) {
  let total = 0;
  for (const usage of metrics.values()) total += usage;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetMilli, average };
}

interface Spec {
  resource: ResourceName;
  /** Integer percent for Utilization, or the average in milli-units for AverageValue. */
  target: { utilization: number } | { averageMilli: number };
  /** Container name, for the "missing request" message. */
  container: string;
}

/** GetResourceReplicas / GetRawResourceReplicas. Throws MetricError with the controller's wording. */
export function resourceReplicas(
  currentReplicas: number,
  pods: PodMetricSample[],
  spec: Spec,
  now: number,
  t: CalculatorTimings,
): ReplicaProposal {
  const { resource } = spec;
  if (!pods.some((p) => usageMilli(p, resource) !== undefined)) {
    throw new MetricError(
      `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
    );
  }
  const groups = groupPods(pods, resource, now, t);
  const { metrics, unready, missing, readyPodCount } = groups;
  if (metrics.size === 0)
    throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');

  const byUtilization = 'utilization' in spec.target;
  const requests = byUtilization ? podRequests(pods, resource, spec.container) : new Map<string, number>();
  const measure = (m: Map<string, number>) => {
    if ('utilization' in spec.target) return utilizationRatio(m, requests, spec.target.utilization);
    const { ratio, average } = averageRatio(m, spec.target.averageMilli);
    return { ratio, utilization: undefined, rawAverageMilli: average };
  };
  const first = measure(metrics);
  const usageRatio = first.ratio;
  const result = (replicas: number): ReplicaProposal => ({
    replicas,
    utilization: first.utilization,
    rawAverageMilli: first.rawAverageMilli,
  });

  const scaleUpWithUnready = unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && missing.size === 0) {
    if (isWithin(usageRatio, t.tolerance)) return result(currentReplicas);
    return result(Math.ceil(usageRatio * readyPodCount));
  }

  if (missing.size > 0) {
    // Scale-down: missing pods count as using 100% of their request (the target for AverageValue);
    // scale-up: as using nothing.
    for (const pod of missing) {
      if (usageRatio < 1) {
        metrics.set(pod, 'utilization' in spec.target ? requests.get(pod)! : spec.target.averageMilli);
      } else if (usageRatio > 1 || !byUtilization) {
        metrics.set(pod, 0);
      }
    }
  }
  if (scaleUpWithUnready) for (const pod of unready) metrics.set(pod, 0);

  const newRatio = measure(metrics).ratio;
  if (
    isWithin(newRatio, t.tolerance) ||
    (usageRatio < 1 && newRatio > 1) ||
    (usageRatio > 1 && newRatio < 1)
  ) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    return result(currentReplicas);
  }
  return result(replicas);
}
