/**
 * Tails every pod's output through the Platform interface (`podLogs` with `since`), so it works
 * the same against the local platform and Kubernetes. Each round asks for the lines written since
 * the previous request was sent; the few lines that both reads return (written while the previous
 * read was in flight) are recognised as the overlap of the previous read's tail with this read's
 * head and skipped. When a container restarts, the rest of its previous run is read first.
 */
import type { PodInfo, Platform } from '../../platform/types.js';
import { Periodic } from '../polling/periodic.js';
import type { LogStore } from './store.js';

export interface LogCollectorOptions {
  platform: Pick<Platform, 'listPods' | 'podLogs'>;
  store: LogStore;
  /** Default 2 s. */
  intervalMs?: number;
  /** Lines read from a pod seen for the first time (default 1,000). */
  initialTail?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

interface PodCursor {
  /** ISO time at which the previous read was sent. */
  since: string;
  /** The last lines read, to recognise the overlap. */
  recent: string[];
  runId: string;
}

/** Lines remembered per pod for overlap detection. */
const RECENT = 1000;

export class PlatformLogCollector {
  private readonly cursors = new Map<string, PodCursor>();
  private readonly periodic: Periodic;
  private readonly now: () => number;

  constructor(private readonly options: LogCollectorOptions) {
    this.now = options.now ?? Date.now;
    this.periodic = new Periodic(options.intervalMs ?? 2000, () => this.collect(), options.onError);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One round over every pod now (waits for a round already in progress instead of overlapping it). */
  pollOnce(): Promise<void> {
    return this.periodic.tick();
  }

  private async collect(): Promise<void> {
    const pods = await this.options.platform.listPods();
    const alive = new Set(pods.map((p) => p.name));
    for (const name of this.cursors.keys()) if (!alive.has(name)) this.cursors.delete(name);
    await Promise.all(pods.map((pod) => this.collectPod(pod).catch((e) => this.options.onError?.(e))));
  }

  private async collectPod(pod: PodInfo): Promise<void> {
    const { platform, store } = this.options;
    const meta = { pod: pod.name, service: pod.deployment };
    const runId = `${pod.container.restartCount}`;
    const cursor = this.cursors.get(pod.name);
    const sentAt = new Date(this.now()).toISOString();

    if (cursor && cursor.runId !== runId) {
      // The container restarted: finish the run we were reading, then start fresh on the new one.
      const rest = await platform.podLogs(pod.name, { previous: true, since: cursor.since });
      for (const line of rest.slice(overlap(cursor.recent, rest))) store.ingest(meta, line);
      cursor.recent = [];
    }
    const lines = cursor
      ? await platform.podLogs(pod.name, { since: cursor.since })
      : await platform.podLogs(pod.name, { tail: this.options.initialTail ?? 1000 });
    const fresh = cursor ? lines.slice(overlap(cursor.recent, lines)) : lines;
    for (const line of fresh) store.ingest(meta, line);
    const recent = [...(cursor?.recent ?? []), ...fresh].slice(-RECENT);
    this.cursors.set(pod.name, { since: sentAt, recent, runId });
  }
}

/** Length of the longest suffix of `previous` that is also a prefix of `next`. */
export function overlap(previous: readonly string[], next: readonly string[]): number {
  for (let k = Math.min(previous.length, next.length); k > 0; k--) {
    let equal = true;
    for (let i = 0; i < k && equal; i++) equal = previous[previous.length - k + i] === next[i];
    if (equal) return k;
  }
  return 0;
}
