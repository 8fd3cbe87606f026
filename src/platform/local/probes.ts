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

/** Runs one probe on a timer until stopped; `onResult` sees every outcome. */
export class ProbeLoop {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly probe: Probe,
    private readonly target: () => { host: string; port: number } | undefined,
    private readonly onResult: (result: ProbeResult) => void,
  ) {}

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const target = this.target();
    const timeoutMs = (this.probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000;
    const { httpGet } = this.probe;
    const result = !target
      ? { ok: false, message: 'probe port is not known' }
      : httpGet
        ? await httpProbe(target.host, target.port, httpGet.path, timeoutMs)
        : await tcpProbe(target.host, target.port, timeoutMs);
    if (this.stopped) return;
    this.onResult(result);
    this.schedule((this.probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000);
  }
}
