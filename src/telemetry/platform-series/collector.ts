/**
 * Samples the platform every interval and writes cAdvisor and kube-state-metrics series into the TSDB,
 * as if Prometheus had scraped the kubelet and kube-state-metrics: each set carries its own
 * job/instance and gets an `up` series. A series missing from a round (a pod gone, a waiting reason
 * cleared, a failed round) gets a staleness marker, so instant queries stop returning it at once.
 */
import { hostname } from 'node:os';
import type { MetricFamilyMeta } from '../exposition/parse.js';
import { Periodic } from '../polling/periodic.js';
import { labelsKey, type Labels } from '../tsdb/labels.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import type { Platform } from '../../platform/types.js';
import { CADVISOR_FAMILIES, cadvisorSamples } from './cadvisor.js';
import { KUBE_STATE_FAMILIES, deploymentSamples, hpaSamples, podSamples } from './kube-state.js';
import type { PlatformSample } from './types.js';

export type PlatformSource = Pick<Platform, 'listPods' | 'listDeployments' | 'listHpas' | 'podUsage'>;

export interface PlatformSeriesOptions {
  platform: PlatformSource;
  tsdb: Pick<Tsdb, 'append' | 'markStale'>;
  /** Default 5 s (the scrape interval). */
  intervalMs?: number;
  /** The kubelet's instance label; default this host's name. */
  nodeName?: string;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/** The pseudo-targets: labels every series of that set carries. */
export const KUBELET_TARGET = { job: 'kubelet', metrics_path: '/metrics/cadvisor' } as const;
export const KUBE_STATE_TARGET = { job: 'kube-state-metrics', instance: 'kube-state-metrics:8080' } as const;

/** TYPE/HELP of every platform family. */
export const PLATFORM_FAMILIES: ReadonlyMap<string, MetricFamilyMeta> = new Map(
  Object.entries({ ...CADVISOR_FAMILIES, ...KUBE_STATE_FAMILIES }),
);

export interface RoundResult {
  samples: number;
  stale: number;
  error?: string;
}

export class PlatformSeriesCollector {
  readonly intervalMs: number;
  private readonly periodic: Periodic;
  private readonly now: () => number;
  private readonly kubelet: Record<string, string>;
  private previous = new Map<string, Labels>();
  private lastRound: RoundResult | undefined;

  constructor(private readonly options: PlatformSeriesOptions) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.kubelet = { ...KUBELET_TARGET, instance: options.nodeName ?? hostname() };
    this.periodic = new Periodic(this.intervalMs, async () => void (await this.round()), options.onError);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** What the last round wrote (or why it failed). */
  get last(): RoundResult | undefined {
    return this.lastRound;
  }

  /** One round now (joins a round in progress instead of overlapping it). */
  collectOnce(): Promise<void> {
    return this.periodic.tick();
  }

  private async round(): Promise<void> {
    const { platform, tsdb } = this.options;
    let samples: PlatformSample[];
    let error: string | undefined;
    try {
      samples = await this.gather(platform);
    } catch (err) {
      error = (err as Error).message;
      samples = [];
      this.options.onError?.(err);
    }
    const up = error === undefined ? 1 : 0;
    samples.push(
      { labels: { __name__: 'up', ...this.kubelet }, value: up },
      { labels: { __name__: 'up', ...KUBE_STATE_TARGET }, value: up },
    );
    const t = this.now();
    const current = new Map<string, Labels>();
    for (const { labels, value } of samples) {
      if (tsdb.append(labels, t, value) === 'ok') current.set(labelsKey(labels), labels);
    }
    let stale = 0;
    for (const [key, labels] of this.previous) {
      if (current.has(key)) continue;
      tsdb.markStale(labels, t);
      stale++;
    }
    this.previous = current;
    this.lastRound = { samples: current.size, stale, ...(error !== undefined ? { error } : {}) };
  }

  private async gather(platform: PlatformSource): Promise<PlatformSample[]> {
    const [pods, deployments, hpas, usage] = await Promise.all([
      platform.listPods(),
      platform.listDeployments(),
      platform.listHpas(),
      platform.podUsage(),
    ]);
    const usageByPod = new Map(usage.map((u) => [u.pod, u]));
    const out: PlatformSample[] = [];
    const tagged = (target: Record<string, string>, list: PlatformSample[]) => {
      for (const s of list) out.push({ labels: { ...s.labels, ...target }, value: s.value });
    };
    for (const pod of pods) {
      tagged(this.kubelet, cadvisorSamples(pod, usageByPod.get(pod.name)));
      tagged(KUBE_STATE_TARGET, podSamples(pod));
    }
    for (const d of deployments) tagged(KUBE_STATE_TARGET, deploymentSamples(d, pods));
    for (const h of hpas) tagged(KUBE_STATE_TARGET, hpaSamples(h));
    return out;
  }
}
