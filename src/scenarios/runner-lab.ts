/**
 * The lab a scenario run acts on: a lab already running (`sockshop-lab up`, reached through its control
 * endpoint) or one brought up in this process for the run. Either way the run gets its own telemetry
 * (scraping the lab's pods through the Platform interface), the broker's admin API through the
 * `rabbitmq` Service, admin connections to its SQL and key-value stores (lab-store-admins.ts: the
 * catalogue's search index, the session store's settings), and the fault journal in the lab's home, so
 * that a crashed run is reverted by whichever process next opens the same lab.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { recoverJournal, type RecoveryReport } from '../faults/engine.js';
import type { FaultContext } from '../faults/types.js';
import { startLab, type Lab } from '../platform/local/lab.js';
import { labHome, runningLab } from '../platform/local/lab-state.js';
import { connectToLab } from '../platform/local/remote.js';
import { storeBackends, type StoreBackend } from '../platform/store-pods.js';
import { shopTopology } from '../platform/topology.js';
import type { Platform } from '../platform/types.js';
import { projectRoot } from '../lib/project-root.js';
import { ManagementApiAdmin } from '../stores/broker/admin.js';
import type { StoreKind } from '../stores/config.js';
import { labStoreAdmins } from './lab-store-admins.js';
import { recoverSetup } from './runner-setup.js';
import { storeImage } from '../stores/images.js';
import { startTelemetry, type Telemetry } from '../telemetry/runtime.js';

export interface RunLab {
  platform: Platform;
  /** "reused" = a lab another process runs; "started" = brought up here, stopped by `close()`. */
  origin: 'reused' | 'started';
  home: string;
  journalPath: string;
  telemetry: Telemetry;
  ctx: Omit<FaultContext, 'runId'>;
  frontEndUrl(): Promise<string>;
  close(): Promise<void>;
}

export interface AcquireOptions {
  home?: string;
  /** Only use a running lab; fail with one line when there is none (revert, --keep). */
  reuseOnly?: boolean;
  /** Run pods from the TypeScript sources (default: dist/ when it is built). */
  tsx?: boolean;
  scrapeIntervalMs?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export const JOURNAL_FILE = 'fault-journal.json';

export class LabUnavailableError extends Error {
  override name = 'LabUnavailableError';
}

async function serviceBase(platform: Platform, name: string, portName = 'http'): Promise<string> {
  const service = await platform.getService(name);
  const port = service?.ports.find((p) => p.name === portName) ?? service?.ports[0];
  if (!service || !port) throw new LabUnavailableError(`the lab has no "${name}" Service`);
  return `http://${service.clusterIP}:${port.port}`;
}

/** Polls until every deployment has its replicas ready (works over the control API too). */
export async function waitLabReady(platform: Platform, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await platform.listDeployments();
    const waiting = all.filter((d) => d.readyReplicas < d.replicas || d.updatedReplicas < d.replicas);
    if (waiting.length === 0) return;
    if (Date.now() > deadline)
      throw new LabUnavailableError(
        `not ready after ${Math.round(timeoutMs / 1000)} s: ${waiting.map((d) => d.name).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * What a lab brought up for scenario runs has beyond the defaults: user-db on its own PGlite pod (the
 * login-latency-user-db scenario limits that pod's CPU) and the large generated catalogue (10,000 extra
 * socks, DESIGN §3; search-degradation drops the search index, which only matters at that size). Both
 * SQL pods start from images holding their seeded data (src/stores/images.ts), so that a pod rolled by a
 * fault comes back with its data, as the original's database images did.
 */
export const SCENARIO_STORES: Partial<Record<StoreKind, StoreBackend>> = { 'user-db': 'embedded' };
export const SCENARIO_EXTRA_SOCKS = 10_000;

async function scenarioTopology(mode: 'tsx' | 'dist', dataDir: string) {
  const stores = storeBackends('embedded', SCENARIO_STORES);
  const topology = shopTopology({ mode, anyPorts: true, stores, dataDir });
  const env: Record<string, Record<string, string>> = {
    catalogue: { CATALOGUE_EXTRA_SOCKS: String(SCENARIO_EXTRA_SOCKS) },
  };
  for (const store of ['catalogue-db', 'user-db'] as const)
    if (stores[store] === 'embedded')
      env[store] = { TEMPLATE_DIR: await storeImage(store, { extraSocks: SCENARIO_EXTRA_SOCKS }) };
  for (const d of topology.deployments)
    if (env[d.name]) d.template.container.env = { ...d.template.container.env, ...env[d.name] };
  return topology;
}

export async function acquireLab(options: AcquireOptions = {}): Promise<RunLab> {
  const log = options.log ?? (() => {});
  const home = labHome(options.home);
  let platform: Platform;
  let lab: Lab | undefined;
  if (runningLab(home)) {
    platform = connectToLab(home).platform;
    log(`using the lab running from ${home}`);
  } else if (options.reuseOnly) {
    throw new LabUnavailableError(`no lab is running from ${home} (start one with \`sockshop-lab up\`)`);
  } else {
    const tsx = options.tsx ?? !existsSync(join(projectRoot(), 'dist', 'shop', 'front-end', 'main.js'));
    log(`bringing a lab up in this process (${tsx ? 'tsx sources' : 'dist'})…`);
    const { deployments, configMaps } = await scenarioTopology(tsx ? 'tsx' : 'dist', join(home, 'stores'));
    lab = await startLab({ home, deployments, configMaps });
    if (lab.platform.reclaimed) log(`removed leftovers of crashed lab ${lab.platform.reclaimed.runId}`);
    platform = lab.platform;
  }
  try {
    await waitLabReady(platform, options.readyTimeoutMs ?? 180_000);
    const broker = new ManagementApiAdmin({ baseUrl: await serviceBase(platform, 'rabbitmq', 'management') });
    const admins = await labStoreAdmins(platform);
    const telemetry = await startTelemetry({
      platform,
      port: 0,
      scrapeIntervalMs: options.scrapeIntervalMs ?? 2000,
    });
    const ctx: Omit<FaultContext, 'runId'> = {
      platform,
      broker,
      stores: admins.stores,
      extensions: {
        setEnv: platform.setEnv?.bind(platform),
        stress: platform.stress?.bind(platform),
        stopStress: platform.stopStress?.bind(platform),
      },
    };
    return {
      platform,
      origin: lab ? 'started' : 'reused',
      home,
      journalPath: join(home, JOURNAL_FILE),
      telemetry,
      ctx,
      frontEndUrl: () => serviceBase(platform, 'front-end'),
      async close() {
        await admins.close();
        await telemetry.close();
        await lab?.stop();
      },
    };
  } catch (error) {
    await lab?.stop();
    throw error;
  }
}

/**
 * Reverts what a crashed (or `--keep`) run left in this lab — its faults, then its scenario setup;
 * undefined when nothing was left.
 */
export async function recoverLeftovers(lab: RunLab): Promise<RecoveryReport | undefined> {
  const faults = await recoverJournal({ ...lab.ctx, runId: 'recovery' }, lab.journalPath);
  const setup = await recoverSetup(lab);
  if (!faults || !setup) return faults ?? setup;
  return {
    runId: faults.runId,
    reverted: [...faults.reverted, ...setup.reverted],
    errors: [...faults.errors, ...setup.errors],
  };
}
