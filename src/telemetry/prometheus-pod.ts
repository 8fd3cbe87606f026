/**
 * The real Prometheus as a lab pod (`sockshop-lab up --prometheus`), beside the lab's own telemetry, to
 * compare answers with. It scrapes the same targets as the lab's scraper: the lab rewrites a
 * `file_sd_configs` JSON file every few seconds from `scrapeTargets()` over the platform's pods, with
 * the same `job`, `instance`, `pod`, `namespace` and `name` labels and the target's metrics path.
 * The cAdvisor / kube-state-metrics series are synthesised by the lab's telemetry from the platform, not
 * scraped, so Prometheus has the pods' own metrics only.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentSpec, Platform } from '../platform/types.js';
import type { ScrapeTarget } from './scrape/scraper.js';
import { scrapeTargets } from './targets.js';

export interface PrometheusPodOptions {
  /** The lab's home; Prometheus keeps its config, target file and data under `<home>/prometheus`. */
  home: string;
  /** Executable (default: `prometheus` found on PATH). */
  binary?: string;
  /** Scrape interval and target-file refresh; default 5,000 ms like the lab's telemetry. */
  scrapeIntervalMs?: number;
  /** Port of the `prometheus` Service; default 0 = any free port. */
  servicePort?: number;
}

export interface PrometheusPod {
  deployment: DeploymentSpec;
  /** The file_sd JSON file the lab keeps up to date. */
  targetsFile: string;
  /** Writes the target file now and then every scrape interval; returns a stop function. */
  syncTargets(platform: Platform, namespace?: string): { writeNow(): Promise<void>; stop(): void };
}

/** Absolute path of `prometheus` on PATH, or undefined. */
export function findPrometheus(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

export const PROMETHEUS_MISSING =
  'the prometheus binary is not on PATH: apt-get install prometheus, or leave out --prometheus';

/** A file_sd entry per target: `__address__` = instance, labels as the lab's scraper sets them. */
export function fileSdTargets(
  targets: readonly ScrapeTarget[],
): Array<{ targets: string[]; labels: Record<string, string> }> {
  return targets.map((t) => ({
    targets: [t.instance],
    labels: {
      ...t.labels,
      job: t.job,
      ...(t.pod && { pod: t.pod }),
      ...(t.namespace && { namespace: t.namespace }),
      __metrics_path__: new URL(t.url).pathname,
    },
  }));
}

function prometheusConfig(targetsFile: string, intervalMs: number): string {
  const every = `${Math.max(1, Math.round(intervalMs / 1000))}s`;
  // job, __metrics_path__ and the rest come from the file; Prometheus only sets those left unset.
  return [
    'global:',
    `  scrape_interval: ${every}`,
    `  scrape_timeout: ${every}`,
    'scrape_configs:',
    '  - job_name: lab-pods',
    '    file_sd_configs:',
    `      - files: [${JSON.stringify(targetsFile)}]`,
    `        refresh_interval: ${every}`,
    '',
  ].join('\n');
}

/**
 * Prepares `<home>/prometheus` (config, an empty target file, a fresh data directory: the run's data,
 * like the lab's own store) and returns the deployment. Throws PROMETHEUS_MISSING without the binary.
 */
export function prometheusPod(options: PrometheusPodOptions): PrometheusPod {
  const binary = options.binary ?? findPrometheus();
  if (!binary) throw new Error(PROMETHEUS_MISSING);
  const intervalMs = options.scrapeIntervalMs ?? 5000;
  const dir = join(options.home, 'prometheus');
  const targetsFile = join(dir, 'targets.json');
  const config = join(dir, 'prometheus.yml');
  const data = join(dir, 'data');
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  writeFileSync(targetsFile, '[]\n');
  writeFileSync(config, prometheusConfig(targetsFile, intervalMs));

  const deployment: DeploymentSpec = {
    name: 'prometheus',
    replicas: 1,
    template: {
      // Not a target itself: both scrapers see the shop's pods only.
      labels: { name: 'prometheus', 'prometheus.io/scrape': 'false' },
      container: {
        name: 'prometheus',
        // The pod's port arrives in $PORT, so a shell puts it into the flag.
        command: [
          '/bin/sh',
          '-c',
          'exec "$PROMETHEUS" --config.file="$PROMETHEUS_CONFIG" --storage.tsdb.path="$PROMETHEUS_DATA" --web.listen-address="127.0.0.1:$PORT"',
        ],
        env: { PROMETHEUS: binary, PROMETHEUS_CONFIG: config, PROMETHEUS_DATA: data },
        ports: [{ name: 'http', env: 'PORT', protocol: 'http' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        readinessProbe: {
          httpGet: { path: '/-/ready', port: 'http' },
          initialDelaySeconds: 1,
          periodSeconds: 1,
          timeoutSeconds: 1,
          failureThreshold: 3,
        },
        livenessProbe: {
          httpGet: { path: '/-/healthy', port: 'http' },
          initialDelaySeconds: 10,
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 6,
        },
      },
    },
    service: {
      name: 'prometheus',
      ports: [{ name: 'http', port: options.servicePort ?? 0, targetPort: 'http', protocol: 'http' }],
    },
  };

  return {
    deployment,
    targetsFile,
    syncTargets(platform, namespace = platform.namespace) {
      let last = '';
      const writeNow = async () => {
        const pods = (await platform.listPods()).filter((p) => p.namespace === namespace);
        const text = JSON.stringify(fileSdTargets(scrapeTargets(pods)), null, 1) + '\n';
        if (text === last) return;
        // Rename, so that Prometheus never reads a half-written file.
        writeFileSync(`${targetsFile}.tmp`, text);
        renameSync(`${targetsFile}.tmp`, targetsFile);
        last = text;
      };
      // A failed round (platform briefly unreachable) keeps the previous file; the next round retries.
      const timer = setInterval(() => void writeNow().catch(() => {}), intervalMs);
      timer.unref();
      void writeNow().catch(() => {});
      return { writeNow, stop: () => clearInterval(timer) };
    },
  };
}

/** The Service URL of the prometheus pod, once the platform has it. */
export async function prometheusUrl(platform: Platform): Promise<string | undefined> {
  const port = (await platform.getService('prometheus'))?.ports[0]?.port;
  return port ? `http://127.0.0.1:${port}` : undefined;
}
