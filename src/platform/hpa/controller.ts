/**
 * The HorizontalPodAutoscaler controller (horizontal.go's reconcileAutoscaler) over the platform's
 * HpaHost: every sync period it reads the target's replicas and pod metrics, computes the desired
 * count per metric, takes the maximum, normalizes it (stabilization, limits, behavior policies),
 * scales, and keeps status, conditions and events the way `kubectl describe hpa` shows them.
 */
import { stringify } from 'yaml';
import { cpuToMillis, memoryToBytes } from '../local/quantity.js';
import {
  PlatformError,
  type HorizontalPodAutoscaler,
  type HpaCondition,
  type HpaHost,
  type HpaSpecPatch,
  type KubeEventInput,
  type MetricSpec,
  type MetricStatus,
  type PodMetricSample,
} from '../types.js';
import { formatMilliDecimal } from '../format/quantity.js';
import { parseHpaManifest } from './manifest.js';
import {
  normalizeWithBehavior,
  normalizeWithoutBehavior,
  storeScaleEvent,
  withBehaviorDefaults,
  type ScaleHistory,
} from './normalize.js';
import { MetricError, resourceReplicas, type CalculatorTimings } from './replica-calculator.js';

/** The controller-manager flags, in seconds, all adjustable for compressed time. */
export interface HpaControllerConfig {
  namespace: string;
  syncPeriodSeconds: number;
  tolerance: number;
  downscaleStabilizationSeconds: number;
  cpuInitializationPeriodSeconds: number;
  initialReadinessDelaySeconds: number;
  /** metrics-server resolution (the width of a CPU sample). */
  metricWindowSeconds: number;
  /** Start the sync loop at construction (tests drive `sync()` themselves). */
  autoStart: boolean;
}

export const DEFAULT_HPA_CONFIG: HpaControllerConfig = {
  namespace: 'default',
  syncPeriodSeconds: 15,
  tolerance: 0.1,
  downscaleStabilizationSeconds: 300,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
  metricWindowSeconds: 15,
  autoStart: true,
};

interface Entry {
  hpa: HorizontalPodAutoscaler;
  history: ScaleHistory;
}

type Proposal =
  | { ok: true; replicas: number; metricName: string; status: MetricStatus }
  | { ok: false; error: string; reason: string };

const clone = <T>(value: T): T => structuredClone(value);

/** JSON merge patch (RFC 7386): objects merge, null deletes, everything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

export class HpaController {
  readonly config: HpaControllerConfig;
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly host: HpaHost,
    config: Partial<HpaControllerConfig> = {},
  ) {
    this.config = { ...DEFAULT_HPA_CONFIG, ...config };
    if (this.config.autoStart) this.start();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.syncAll(), this.config.syncPeriodSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Creates or replaces an HPA from a manifest (status and history survive a replace, as with `kubectl apply`). */
  apply(yamlText: string): HorizontalPodAutoscaler {
    const manifest = parseHpaManifest(yamlText);
    if (manifest.namespace && manifest.namespace !== this.config.namespace) {
      throw new PlatformError(
        `the namespace of the provided object "${manifest.namespace}" does not match the namespace "${this.config.namespace}"`,
        400,
      );
    }
    const spec = { ...manifest.spec, behavior: withBehaviorDefaults(manifest.spec.behavior) };
    if (!spec.behavior) delete spec.behavior;
    const existing = this.entries.get(manifest.name);
    if (existing) {
      existing.hpa.spec = spec;
    } else {
      this.entries.set(manifest.name, {
        hpa: {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: {
            name: manifest.name,
            namespace: this.config.namespace,
            creationTimestamp: new Date(this.host.now()).toISOString(),
          },
          spec,
          status: { currentReplicas: 0, desiredReplicas: 0, currentMetrics: [], conditions: [] },
        },
        history: { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] },
      });
    }
    if (this.timer) setImmediate(() => void this.sync(manifest.name));
    return this.get(manifest.name)!;
  }

  /** `kubectl patch hpa <name> -p '{"spec":{…}}'` with the spec part of the patch; validated like an apply. */
  patch(name: string, patch: HpaSpecPatch): HorizontalPodAutoscaler {
    const entry = this.require(name);
    const spec = mergePatch(entry.hpa.spec, patch);
    return this.apply(
      stringify({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec }),
    );
  }

  delete(name: string): boolean {
    return this.entries.delete(name);
  }

  get(name: string): HorizontalPodAutoscaler | undefined {
    const entry = this.entries.get(name);
    return entry && clone(entry.hpa);
  }

  list(): HorizontalPodAutoscaler[] {
    return [...this.entries.keys()].sort().map((n) => this.get(n)!);
  }

  /** One pass over every HPA (skipped if the previous pass is still running). */
  async syncAll(): Promise<void> {
    if (this.syncing) return;
    this.syncing = (async () => {
      for (const name of [...this.entries.keys()]) await this.sync(name);
    })();
    try {
      await this.syncing;
    } finally {
      this.syncing = undefined;
    }
  }

  /** reconcileAutoscaler for one HPA. */
  async sync(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    const { hpa, history } = entry;
    const { spec, status } = hpa;
    const now = this.host.now();
    const ref = spec.scaleTargetRef;
    const current = this.host.getReplicas(ref.kind, ref.name);
    if (current === undefined) {
      const err = `${ref.kind.toLowerCase()}s/scale.apps "${ref.name}" not found`;
      this.event(hpa, 'Warning', 'FailedGetScale', err);
      this.condition(
        hpa,
        'AbleToScale',
        'False',
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${err}`,
      );
      return;
    }
    this.condition(
      hpa,
      'AbleToScale',
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
    );

    const min = spec.minReplicas ?? 1;
    let desired = 0;
    let reason = '';
    let rescale = true;
    if (current === 0 && min !== 0) {
      rescale = false;
      this.condition(
        hpa,
        'ScalingActive',
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
    } else if (current > spec.maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = spec.maxReplicas;
    } else if (current < min) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      const computed = this.computeForMetrics(hpa, current, now);
      if (computed.replicas === -1) {
        status.currentReplicas = current;
        status.currentMetrics = computed.statuses;
        this.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error!);
        return;
      }
      desired = computed.replicas;
      if (desired > current) reason = `${computed.metricName} above target`;
      if (desired < current) reason = 'All metrics below target';
      const behavior = withBehaviorDefaults(spec.behavior);
      const downWindowMs = this.config.downscaleStabilizationSeconds * 1000;
      const limited = behavior
        ? normalizeWithBehavior(history, now, current, desired, min, spec.maxReplicas, behavior, downWindowMs)
        : normalizeWithoutBehavior(history, now, current, desired, min, spec.maxReplicas, downWindowMs);
      this.condition(hpa, 'AbleToScale', 'True', limited.ableReason, limited.ableMessage);
      this.condition(
        hpa,
        'ScalingLimited',
        limited.limited ? 'True' : 'False',
        limited.limitReason,
        limited.limitMessage,
      );
      desired = limited.replicas;
      rescale = desired !== current;
      status.currentMetrics = computed.statuses;
    }

    if (rescale) {
      try {
        await this.host.setReplicas(ref.kind, ref.name, desired);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${reason}; error: ${message}`,
        );
        this.condition(
          hpa,
          'AbleToScale',
          'False',
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${message}`,
        );
        return;
      }
      this.condition(
        hpa,
        'AbleToScale',
        'True',
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      const behavior = withBehaviorDefaults(spec.behavior);
      if (behavior) storeScaleEvent(history, now, current, desired, behavior);
      status.lastScaleTime = new Date(now).toISOString();
    } else {
      desired = current;
    }
    status.currentReplicas = current;
    status.desiredReplicas = desired;
  }

  /** computeReplicasForMetrics: the max over metrics; invalid metrics block a scale-down. */
  private computeForMetrics(hpa: HorizontalPodAutoscaler, current: number, now: number) {
    const metrics = hpa.spec.metrics ?? [];
    const pods = this.host.podMetrics(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
    const statuses: Array<MetricStatus | null> = [];
    let replicas = -1;
    let metricName = '';
    let invalid = 0;
    let firstError: { error: string; reason: string } | undefined;
    for (const metric of metrics) {
      const proposal = this.computeForMetric(hpa, metric, current, pods, now);
      if (!proposal.ok) {
        statuses.push(null);
        this.event(hpa, 'Warning', proposal.reason, proposal.error);
        firstError ??= proposal;
        invalid++;
        continue;
      }
      statuses.push(proposal.status);
      if (replicas === -1 || proposal.replicas > replicas) {
        replicas = proposal.replicas;
        metricName = proposal.metricName;
      }
    }
    const error =
      firstError &&
      `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${firstError.error}`;
    if (firstError && (invalid >= metrics.length || replicas < current)) {
      this.condition(
        hpa,
        'ScalingActive',
        'False',
        firstError.reason,
        `the HPA was unable to compute the replica count: ${firstError.error}`,
      );
      return { replicas: -1, metricName: '', statuses, error };
    }
    this.condition(
      hpa,
      'ScalingActive',
      'True',
      'ValidMetricFound',
      `the HPA was able to successfully calculate a replica count from ${metricName}`,
    );
    return { replicas, metricName, statuses, error };
  }

  private computeForMetric(
    hpa: HorizontalPodAutoscaler,
    metric: MetricSpec,
    current: number,
    pods: PodMetricSample[],
    now: number,
  ): Proposal {
    const source = metric.resource ?? metric.containerResource!;
    const container = metric.containerResource?.container ?? hpa.spec.scaleTargetRef.name;
    const kindWord = metric.type === 'ContainerResource' ? 'container resource' : 'resource';
    const byUtilization = source.target.type === 'Utilization';
    const target = byUtilization
      ? { utilization: source.target.averageUtilization! }
      : {
          averageMilli:
            source.name === 'cpu'
              ? cpuToMillis(source.target.averageValue!)
              : memoryToBytes(source.target.averageValue!) * 1000,
        };
    const t: CalculatorTimings = {
      tolerance: this.config.tolerance,
      cpuInitializationPeriodMs: this.config.cpuInitializationPeriodSeconds * 1000,
      initialReadinessDelayMs: this.config.initialReadinessDelaySeconds * 1000,
      metricWindowMs: this.config.metricWindowSeconds * 1000,
    };
    try {
      const p = resourceReplicas(current, pods, { resource: source.name, target, container }, now, t);
      return {
        ok: true,
        replicas: p.replicas,
        metricName: byUtilization
          ? `${source.name} ${kindWord} utilization (percentage of request)`
          : `${source.name} ${kindWord}`,
        status: {
          type: metric.type,
          resource: {
            name: source.name,
            current: {
              ...(p.utilization !== undefined ? { averageUtilization: p.utilization } : {}),
              averageValue: formatMilliDecimal(p.rawAverageMilli),
            },
          },
        },
      };
    } catch (err) {
      if (!(err instanceof MetricError)) throw err;
      return {
        ok: false,
        reason:
          metric.type === 'ContainerResource'
            ? 'FailedGetContainerResourceMetric'
            : 'FailedGetResourceMetric',
        error: `failed to get ${source.name} ${byUtilization ? 'utilization' : 'usage'}: ${err.message}`,
      };
    }
  }

  private condition(
    hpa: HorizontalPodAutoscaler,
    type: HpaCondition['type'],
    status: HpaCondition['status'],
    reason: string,
    message: string,
  ): void {
    const conditions = hpa.status.conditions;
    const existing = conditions.find((c) => c.type === type);
    const time = new Date(this.host.now()).toISOString();
    if (!existing) {
      conditions.push({ type, status, reason, message, lastTransitionTime: time });
      return;
    }
    if (existing.status !== status) existing.lastTransitionTime = time;
    Object.assign(existing, { status, reason, message });
  }

  private event(
    hpa: HorizontalPodAutoscaler,
    type: KubeEventInput['type'],
    reason: string,
    message: string,
  ): void {
    this.host.recordEvent({
      type,
      reason,
      message,
      involvedObject: {
        kind: 'HorizontalPodAutoscaler',
        name: hpa.metadata.name,
        namespace: hpa.metadata.namespace,
      },
      source: { component: 'horizontal-pod-autoscaler' },
    });
  }

  private require(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new PlatformError(`horizontalpodautoscalers.autoscaling "${name}" not found`, 404);
    return entry;
  }
}
