/**
 * HTTP GET probes with the kubelet's semantics: first run after initialDelaySeconds, then every
 * periodSeconds, each with timeoutSeconds; 200–399 is success. Failure messages mimic the kubelet's
 * so events read like a cluster's.
 */
import http from 'node:http';
import net from 'node:net';
import type { Probe } from '../types.js';

export interface ProbeResult {
  ok: boolean;
  message?: string;
}

export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  failureThreshold: 3,
  successThreshold: 1,
};

export function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  const url = `http://${host}:${port}${path}`;
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        status >= 200 && status < 400
          ? { ok: true }
          : { ok: false, message: `HTTP probe failed with statuscode: ${status}` },
      );
    });
    request.on('timeout', () => {
      request.destroy();
      resolve({
        ok: false,
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ECONNREFUSED' ? 'connect: connection refused' : error.message;
      resolve({ ok: false, message: `Get "${url}": dial tcp ${host}:${port}: ${reason}` });
    });
  });
}

/** Succeeds once a TCP connection opens, as the kubelet's tcpSocket probe. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({
        ok: false,
        message: `dial tcp ${host}:${port}: ${error.code === 'ECONNREFUSED' ? 'connect: connection refused' : error.message}`,
      }),
    );
  });
}

/**
 * Runs one probe on a timer until stopped; `onResult` sees every outcome of the kubelet's schedule
 * (first run after initialDelaySeconds, then every periodSeconds).
 *
 * With `startupPollMs`, the probe also runs every that many ms between the scheduled runs, from
 * initialDelaySeconds until its first success, and only that success is reported: a pod that
 * starts listening just after a scheduled run is ready at once instead of a whole period later,
 * while failures (and their events) keep the kubelet's cadence.
 */
export class ProbeLoop {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private succeeded = false;
  private nextScheduledAt = 0;

  constructor(
    private readonly probe: Probe,
    private readonly target: () => { host: string; port: number } | undefined,
    private readonly onResult: (result: ProbeResult) => void,
    private readonly options: { startupPollMs?: number } = {},
  ) {}

  start(): void {
    const delayMs = (this.probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds) * 1000;
    this.nextScheduledAt = Date.now() + delayMs;
    this.schedule(delayMs, true);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number, scheduled: boolean): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(scheduled), Math.max(0, delayMs));
    this.timer.unref();
  }

  private async run(scheduled: boolean): Promise<void> {
    const target = this.target();
    const timeoutMs = (this.probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000;
    const { httpGet } = this.probe;
    const result = !target
      ? { ok: false, message: 'probe port is not known' }
      : httpGet
        ? await httpProbe(target.host, target.port, httpGet.path, timeoutMs)
        : await tcpProbe(target.host, target.port, timeoutMs);
    if (this.stopped) return;
    if (scheduled || result.ok) this.onResult(result);
    if (result.ok) this.succeeded = true;
    if (scheduled)
      this.nextScheduledAt = Date.now() + (this.probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000;
    const poll = this.options.startupPollMs;
    const untilScheduled = this.nextScheduledAt - Date.now();
    if (!this.succeeded && poll !== undefined && untilScheduled > poll) this.schedule(poll, false);
    else this.schedule(untilScheduled, true);
  }
}
