/**
 * kube-state-metrics series for Deployments, Pods and HorizontalPodAutoscalers, derived from the
 * platform's objects, with kube-state-metrics' names, labels and value conventions (one 0/1 series
 * per condition value; reason series only for the reason that is current).
 *
 * Known differences: no `uid` label; `kube_deployment_status_replicas` counts the deployment's pods
 * that are not terminating (the ReplicaSet controller's "active" pods).
 */
import { cpuToMillis, effectiveRequests, memoryToBytes } from '../../platform/local/quantity.js';
import type {
  DeploymentInfo,
  HorizontalPodAutoscaler,
  MetricTarget,
  PodInfo,
  PodPhase,
} from '../../platform/types.js';
import { sampler, type FamilyCatalog, type PlatformSample } from './types.js';

const gauge = (help: string) => ({ type: 'gauge', help }) as const;

export const KUBE_STATE_FAMILIES: FamilyCatalog = {
  kube_deployment_created: gauge('Unix creation timestamp.'),
  kube_deployment_spec_replicas: gauge('Number of desired pods for a deployment.'),
  kube_deployment_status_replicas: gauge('The number of replicas per deployment.'),
  kube_deployment_status_replicas_available: gauge('The number of available replicas per deployment.'),
  kube_deployment_status_replicas_ready: gauge('The number of ready replicas per deployment.'),
  kube_deployment_status_replicas_updated: gauge('The number of updated replicas per deployment.'),
  kube_deployment_status_replicas_unavailable: gauge('The number of unavailable replicas per deployment.'),
  kube_deployment_status_observed_generation: gauge('The generation observed by the deployment controller.'),
  kube_deployment_status_condition: gauge('The current status conditions of a deployment.'),
  kube_pod_info: gauge('Information about pod.'),
  kube_pod_created: gauge('Unix creation timestamp.'),
  kube_pod_deletion_timestamp: gauge('Unix deletion timestamp.'),
  kube_pod_status_phase: gauge('The pods current phase.'),
  kube_pod_status_ready: gauge('Describes whether the pod is ready to serve requests.'),
  kube_pod_container_info: gauge('Information about a container in a pod.'),
  kube_pod_container_status_ready: gauge('Describes whether the containers readiness check succeeded.'),
  kube_pod_container_status_running: gauge('Describes whether the container is currently in running state.'),
  kube_pod_container_status_waiting: gauge('Describes whether the container is currently in waiting state.'),
  kube_pod_container_status_waiting_reason: gauge(
    'Describes the reason the container is currently in waiting state.',
  ),
  kube_pod_container_status_terminated: gauge(
    'Describes whether the container is currently in terminated state.',
  ),
  kube_pod_container_status_terminated_reason: gauge(
    'Describes the reason the container is currently in terminated state.',
  ),
  kube_pod_container_status_last_terminated_reason: gauge(
    'Describes the last reason the container was in terminated state.',
  ),
  kube_pod_container_status_last_terminated_exitcode: gauge(
    'Describes the exit code for the last container in terminated state.',
  ),
  kube_pod_container_status_restarts_total: {
    type: 'counter',
    help: 'The number of container restarts per container.',
  },
  kube_pod_container_resource_requests: gauge('The number of requested resource by a container.'),
  kube_pod_container_resource_limits: gauge('The number of requested limit resource by a container.'),
  kube_horizontalpodautoscaler_info: gauge('Information about this autoscaler.'),
  kube_horizontalpodautoscaler_spec_min_replicas: gauge('Lower limit for the number of pods.'),
  kube_horizontalpodautoscaler_spec_max_replicas: gauge('Upper limit for the number of pods.'),
  kube_horizontalpodautoscaler_spec_target_metric: gauge(
    'The metric specifications used by this autoscaler.',
  ),
  kube_horizontalpodautoscaler_status_target_metric: gauge(
    'The current metric status used by this autoscaler.',
  ),
  kube_horizontalpodautoscaler_status_current_replicas: gauge('Current number of replicas of pods.'),
  kube_horizontalpodautoscaler_status_desired_replicas: gauge('Desired number of replicas of pods.'),
  kube_horizontalpodautoscaler_status_condition: gauge('The condition of this autoscaler.'),
};

const PHASES: PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const seconds = (iso: string) => Date.parse(iso) / 1000;
const flag = (b: boolean) => (b ? 1 : 0);

/** kube-state-metrics' three series per condition: status="true"|"false"|"unknown", one of them 1. */
function conditionSeries(
  emit: (value: number, extra: Record<string, string>) => PlatformSample,
  label: string,
  status: string,
): PlatformSample[] {
  return ['true', 'false', 'unknown'].map((v) => emit(flag(status.toLowerCase() === v), { [label]: v }));
}

export function deploymentSamples(d: DeploymentInfo, pods: readonly PodInfo[]): PlatformSample[] {
  const s = sampler({ namespace: d.namespace, deployment: d.name });
  const active = pods.filter((p) => p.deployment === d.name && !p.deletionTimestamp).length;
  const out = [
    s('kube_deployment_created', seconds(d.creationTimestamp)),
    s('kube_deployment_spec_replicas', d.replicas),
    s('kube_deployment_status_replicas', active),
    s('kube_deployment_status_replicas_available', d.availableReplicas),
    s('kube_deployment_status_replicas_ready', d.readyReplicas),
    s('kube_deployment_status_replicas_updated', d.updatedReplicas),
    s('kube_deployment_status_replicas_unavailable', Math.max(0, d.replicas - d.availableReplicas)),
    s('kube_deployment_status_observed_generation', d.revision),
  ];
  for (const c of d.conditions) {
    out.push(
      ...conditionSeries(
        (value, extra) => s('kube_deployment_status_condition', value, { condition: c.type, ...extra }),
        'status',
        c.status,
      ),
    );
  }
  return out;
}

export function podSamples(p: PodInfo): PlatformSample[] {
  const s = sampler({ namespace: p.namespace, pod: p.name });
  const c = sampler({ namespace: p.namespace, pod: p.name, container: p.container.name });
  const hash = p.labels['pod-template-hash'];
  const { state, lastState } = p.container;
  const out = [
    s('kube_pod_info', 1, {
      node: p.nodeName,
      host_ip: p.podIP,
      pod_ip: p.podIP,
      created_by_kind: hash ? 'ReplicaSet' : 'Deployment',
      created_by_name: hash ? `${p.deployment}-${hash}` : p.deployment,
    }),
    s('kube_pod_created', seconds(p.creationTimestamp)),
    ...PHASES.map((phase) => s('kube_pod_status_phase', flag(p.phase === phase), { phase })),
    ...conditionSeries(
      (value, extra) => s('kube_pod_status_ready', value, extra),
      'condition',
      String(p.ready),
    ),
    c('kube_pod_container_info', 1, { image: p.container.name, container_id: `local://${p.name}` }),
    c('kube_pod_container_status_ready', flag(p.container.ready)),
    c('kube_pod_container_status_running', flag(Boolean(state.running))),
    c('kube_pod_container_status_waiting', flag(Boolean(state.waiting))),
    c('kube_pod_container_status_terminated', flag(Boolean(state.terminated))),
    c('kube_pod_container_status_restarts_total', p.container.restartCount),
  ];
  if (p.deletionTimestamp) out.push(s('kube_pod_deletion_timestamp', seconds(p.deletionTimestamp)));
  if (state.waiting)
    out.push(c('kube_pod_container_status_waiting_reason', 1, { reason: state.waiting.reason }));
  if (state.terminated)
    out.push(c('kube_pod_container_status_terminated_reason', 1, { reason: state.terminated.reason }));
  if (lastState?.terminated) {
    out.push(
      c('kube_pod_container_status_last_terminated_reason', 1, { reason: lastState.terminated.reason }),
      c('kube_pod_container_status_last_terminated_exitcode', lastState.terminated.exitCode),
    );
  }
  const requests = effectiveRequests(p.resources);
  const limits = p.resources.limits ?? {};
  const resource = (name: string, kind: 'cpu' | 'memory', value: number | undefined) =>
    value === undefined
      ? []
      : [
          c(
            name,
            value,
            kind === 'cpu' ? { resource: 'cpu', unit: 'core' } : { resource: 'memory', unit: 'byte' },
          ),
        ];
  out.push(
    ...resource('kube_pod_container_resource_requests', 'cpu', millisToCores(requests.cpuMillis)),
    ...resource('kube_pod_container_resource_requests', 'memory', requests.memoryBytes),
    ...resource(
      'kube_pod_container_resource_limits',
      'cpu',
      limits.cpu ? cpuToMillis(limits.cpu) / 1000 : undefined,
    ),
    ...resource(
      'kube_pod_container_resource_limits',
      'memory',
      limits.memory ? memoryToBytes(limits.memory) : undefined,
    ),
  );
  return out;
}

function millisToCores(millis: number | undefined): number | undefined {
  return millis === undefined ? undefined : millis / 1000;
}

/** A quantity's value as kube-state-metrics reports it (MilliValue/1000: cores for cpu, bytes for memory). */
function quantityValue(q: string): number {
  return cpuToMillis(q) / 1000;
}

/** (metric_target_type, value) of a target or current value, as kube-state-metrics names them. */
function targetValues(t: {
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (t.value !== undefined) out.push(['value', quantityValue(t.value)]);
  if (t.averageValue !== undefined) out.push(['average', quantityValue(t.averageValue)]);
  if (t.averageUtilization !== undefined) out.push(['utilization', t.averageUtilization]);
  return out;
}

function metricName(spec: {
  resource?: { name: string };
  containerResource?: { name: string };
}): string | undefined {
  return spec.resource?.name ?? spec.containerResource?.name;
}

export function hpaSamples(h: HorizontalPodAutoscaler): PlatformSample[] {
  const s = sampler({ namespace: h.metadata.namespace, horizontalpodautoscaler: h.metadata.name });
  const { spec, status } = h;
  const out = [
    s('kube_horizontalpodautoscaler_info', 1, {
      scaletargetref_api_version: spec.scaleTargetRef.apiVersion ?? 'apps/v1',
      scaletargetref_kind: spec.scaleTargetRef.kind,
      scaletargetref_name: spec.scaleTargetRef.name,
    }),
    s('kube_horizontalpodautoscaler_spec_min_replicas', spec.minReplicas ?? 1),
    s('kube_horizontalpodautoscaler_spec_max_replicas', spec.maxReplicas),
    s('kube_horizontalpodautoscaler_status_current_replicas', status.currentReplicas),
    s('kube_horizontalpodautoscaler_status_desired_replicas', status.desiredReplicas),
  ];
  (spec.metrics ?? []).forEach((m, i) => {
    const name = metricName(m);
    if (!name) return;
    const target: MetricTarget | undefined = m.resource?.target ?? m.containerResource?.target;
    for (const [type, value] of targetValues(target ?? {}))
      out.push(
        s('kube_horizontalpodautoscaler_spec_target_metric', value, {
          metric_name: name,
          metric_target_type: type,
        }),
      );
    const current = status.currentMetrics[i]?.resource?.current;
    for (const [type, value] of targetValues(current ?? {}))
      out.push(
        s('kube_horizontalpodautoscaler_status_target_metric', value, {
          metric_name: name,
          metric_target_type: type,
        }),
      );
  });
  for (const cond of status.conditions) {
    out.push(
      ...conditionSeries(
        (value, extra) =>
          s('kube_horizontalpodautoscaler_status_condition', value, { condition: cond.type, ...extra }),
        'status',
        cond.status,
      ),
    );
  }
  return out;
}
