/**
 * `sockshop-lab up`: brings the shop up on the local platform in the foreground, prints the storefront
 * URL and how long it took once every pod is ready, and removes everything on Ctrl-C (or on
 * `sockshop-lab down` from another terminal). Leftovers of a crashed run are removed first.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { startLab } from '../../platform/local/lab.js';
import { labHome, runningLab } from '../../platform/local/lab-state.js';
import type { DeploymentSpec } from '../../platform/types.js';
import {
  checkStorePlan,
  STORE_BACKENDS,
  STORE_PRESETS,
  storeBackends,
  type StoreBackend,
  type StorePreset,
} from '../../platform/store-pods.js';
import { shopTopology } from '../../platform/topology.js';
import { STORE_KINDS, type StoreKind } from '../../stores/config.js';
import { cachedStoreImage, type ImageStore } from '../../stores/images.js';
import {
  findPrometheus,
  PROMETHEUS_MISSING,
  prometheusPod,
  prometheusUrl,
} from '../../telemetry/prometheus-pod.js';
import type { Telemetry } from '../../telemetry/runtime.js';

interface UpOptions {
  port: number;
  telemetryPort: number;
  telemetry: boolean;
  prometheus?: boolean;
  home?: string;
  tsx?: boolean;
  cooperative?: boolean;
  readyTimeout: number;
  detach?: boolean;
  stores: StorePreset;
  store: Partial<Record<StoreKind, StoreBackend>>;
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}

function seconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function storePreset(text: string): StorePreset {
  if (!(STORE_PRESETS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`must be one of ${STORE_PRESETS.join(', ')}`);
  return text as StorePreset;
}

/** `--store catalogue-db=local` (repeatable; `catalogue` means `catalogue-db`). */
function storeOverride(
  text: string,
  previous: Partial<Record<StoreKind, StoreBackend>>,
): Partial<Record<StoreKind, StoreBackend>> {
  const [name, backend] = text.split('=');
  const kind = (name in STORE_KINDS ? name : `${name}-db`) as StoreKind;
  if (!(kind in STORE_KINDS))
    throw new InvalidArgumentError(`store must be one of ${Object.keys(STORE_KINDS).join(', ')}`);
  if (!(STORE_BACKENDS as readonly string[]).includes(backend))
    throw new InvalidArgumentError(`backend must be one of ${STORE_BACKENDS.join(', ')}`);
  return { ...previous, [kind]: backend as StoreBackend };
}

export async function up(o: UpOptions): Promise<void> {
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`sockshop-lab: ${line}\n`);
  const stores = storeBackends(o.stores, o.store);
  const problem =
    checkStorePlan(stores) ?? (o.prometheus && !findPrometheus() ? PROMETHEUS_MISSING : undefined);
  if (problem) {
    process.stderr.write(`sockshop-lab: ${problem}\n`);
    process.exit(1);
  }
  const home = labHome(o.home);
  const { deployments, configMaps } = shopTopology({
    frontEndPort: o.port,
    mode: o.tsx ? 'tsx' : 'dist',
    stores,
    dataDir: join(home, 'stores'),
  });
  const unbaked = useStoreImages(deployments, stores);
  const prometheus = o.prometheus ? prometheusPod({ home }) : undefined;
  if (prometheus) deployments.push(prometheus.deployment);
  // Store pods first: the services wait for them (the catalogue retries catalogue-db until it
  // serves), so PGlite, the slowest starter, should not also be the last one spawned.
  deployments.sort((a, b) => Number(b.name in STORE_KINDS) - Number(a.name in STORE_KINDS));
  // Services take their well-known port when it is free, any port otherwise; the storefront says which.
  let storefront = `http://127.0.0.1:${o.port}/`;
  let telemetry: Telemetry | undefined;
  const lab = await startLab({
    home,
    cgroups: o.cooperative ? 'cooperative' : 'auto',
    deployments,
    configMaps,
    info: () => ({ storefront, ...(telemetry && { telemetry: telemetry.url }) }),
  });
  const { platform } = lab;
  const frontEndPort = (await platform.getService('front-end'))?.ports[0]?.port ?? o.port;
  if (frontEndPort !== o.port) log(`port ${o.port} is taken; the storefront listens on ${frontEndPort}`);
  storefront = `http://127.0.0.1:${frontEndPort}/`;
  if (platform.reclaimed) {
    const r = platform.reclaimed;
    log(`removed leftovers of crashed run ${r.runId}: ${r.processes} process(es), ${r.cgroups} cgroup(s)`);
  }
  if (unbaked.includes('catalogue-db'))
    log(
      'catalogue-db has no cached image with its data: the catalogue seeds it at start (`npm run build` bakes one)',
    );
  const enforcement = platform.enforcement;
  if (enforcement.mode === 'cooperative')
    log(`WARNING: resource limits are not enforced (${enforcement.reason})`);
  else log(`resource limits enforced with ${enforcement.mode}`);

  let stopping = false;
  void lab.stopped.then(() => (stopping = true)); // e.g. by `down`; before the telemetry's wait sees it
  const readyAt = platform.waitAllReady(o.readyTimeout * 1000).then(() => Date.now());
  // The shop first: loading and starting the telemetry (~0.4 CPU-s) while the pods start took the two
  // cores from them. It starts once every pod is ready, or after TELEMETRY_LATEST_MS when some pod is
  // slow, and collects the start's events and logs from the platform, which keeps them.
  const startTelemetryWhenUp = async (): Promise<Telemetry | undefined> => {
    await Promise.race([readyAt.catch(() => undefined), sleep(TELEMETRY_LATEST_MS), lab.stopped]);
    if (stopping) return undefined;
    const { startTelemetry } = await import('../../telemetry/runtime.js');
    telemetry = await startTelemetry({
      platform,
      port: o.telemetryPort,
      onError: (error) => log(`telemetry: ${error instanceof Error ? error.message : String(error)}`),
    });
    log(`telemetry (Prometheus HTTP API, logs, traces, events) at ${telemetry.url}/`);
    return telemetry;
  };
  const telemetryStarted = o.telemetry ? startTelemetryWhenUp() : Promise.resolve(undefined);
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the lab…`);
    void telemetryStarted
      .then((t) => t?.close())
      .catch(() => undefined)
      .finally(() => lab.stop());
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));

  telemetryStarted.catch((error: Error) => {
    log(`telemetry: cannot start: ${error.message}`);
    stop('telemetry failed');
  });
  if (prometheus) {
    prometheus.syncTargets(platform);
    log(`real Prometheus (scraping the same pods) at ${await prometheusUrl(platform)}/`);
  }

  const ready = readyAt.then(
    async (at) => {
      await telemetryStarted.catch(() => undefined); // its URL is printed first, as `up --detach` shows lines up to this one
      log(
        `the Sock Shop is up at ${storefront} (${deployments.length} pods ready in ${((at - started) / 1000).toFixed(1)} s)`,
      );
    },
    async () => {
      const waiting = (await platform.listPods())
        .filter((p) => !p.ready)
        .map((p) => `${p.name} (${p.status})`);
      log(
        `not every pod is ready after ${o.readyTimeout} s: ${waiting.join(', ')} — see \`sockshop-lab kubectl describe pod NAME\``,
      );
    },
  );
  await Promise.race([ready, lab.stopped]);
  await lab.stopped;
  await (await telemetryStarted.catch(() => undefined))?.close();
  log('stopped; every process, cgroup and port of this run is gone');
  process.exit(0);
}

/**
 * Embedded SQL pods start from their store's image (the seeded data, baked by `npm run build`, see
 * src/stores/images.ts) when it is cached: the service then finds its tables instead of creating and
 * seeding them, seconds of CPU at start. Returns the stores that have no image yet (user-db's is
 * built by the first scenario run that uses it).
 */
function useStoreImages(
  deployments: DeploymentSpec[],
  stores: Record<StoreKind, StoreBackend>,
): ImageStore[] {
  const extraSocks = Number(process.env.CATALOGUE_EXTRA_SOCKS) || 0;
  const unbaked: ImageStore[] = [];
  for (const store of ['catalogue-db', 'user-db'] as const) {
    if (stores[store] !== 'embedded') continue;
    const image = cachedStoreImage(store, { extraSocks });
    const container = deployments.find((d) => d.name === store)?.template.container;
    if (!container) continue;
    if (image) container.env = { ...container.env, TEMPLATE_DIR: image };
    else unbaked.push(store);
  }
  return unbaked;
}

/** How long the telemetry waits for every pod to be ready before it starts anyway. */
const TELEMETRY_LATEST_MS = 10_000;

const READY_LINE = /is up at|not every pod is ready/;

/**
 * `up --detach`: runs the same `up` as a background process (own session, output in <home>/lab.log),
 * echoes its lines until every pod is ready, then returns; `sockshop-lab down` stops it.
 */
async function upDetached(o: UpOptions): Promise<void> {
  const home = labHome(o.home);
  const running = runningLab(home);
  if (running) throw new Error(`a lab is already running from ${home} (pid ${running.labPid})`);
  const logFile = join(home, 'lab.log');
  mkdirSync(home, { recursive: true });
  const fd = openSync(logFile, 'w');
  const args = process.argv.slice(1).filter((a) => a !== '--detach');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, SOCKSHOP_LAB_HOME: home },
  });
  closeSync(fd);
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  let shown = 0;
  for (;;) {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const complete = lines.slice(0, -1);
    for (const line of complete.slice(shown)) process.stdout.write(line + '\n');
    shown = complete.length;
    if (complete.some((l) => READY_LINE.test(l))) break;
    if (exited !== null) throw new Error(`the lab exited during startup (code ${exited}); see ${logFile}`);
    await sleep(200);
  }
  process.stdout.write(
    `sockshop-lab: running in the background (pid ${child.pid}, log ${logFile}); stop it with \`sockshop-lab down\`\n`,
  );
  process.exit(0);
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('bring the Sock Shop up on the local platform (foreground; Ctrl-C stops and cleans up)')
    .option('--port <port>', 'storefront port (front-end Service)', port, 8079)
    .option('--telemetry-port <port>', 'port of the telemetry server (any free port when taken)', port, 9090)
    .option('--no-telemetry', 'do not scrape metrics or collect logs, traces and events')
    .option(
      '--prometheus',
      'also run the real Prometheus (Debian package prometheus) as a pod scraping the same pods',
    )
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .option('--tsx', 'run the TypeScript sources through tsx instead of dist/ (development)')
    .option('--cooperative', 'do not use cgroups (limits reported, not enforced)')
    .option('--ready-timeout <seconds>', 'how long to wait for every pod to be ready', seconds, 120)
    .option('--detach', 'run in the background; return once every pod is ready')
    .option(
      '--stores <preset>',
      `store backends: embedded (PGlite catalogue-db, session server, broker; users/carts/orders in memory), embedded-all, memory, local (the machine's mariadbd/postgres/redis-server/rabbitmq-server as pods), url (*_URL variables)`,
      storePreset,
      'embedded',
    )
    .option(
      '--store <store=backend>',
      'one store on memory|embedded|local|url, e.g. catalogue=local (repeatable)',
      storeOverride,
      {},
    )
    .action(async (o: UpOptions) => (o.detach ? upDetached(o) : up(o)));
}
