/**
 * The fault-primitive contract. A primitive acts only from outside the shop: through the `Platform`,
 * the broker's admin verbs, store admin interfaces, and the shop's own admin routes. Each injection is
 * two-phase so that a crash can always be undone:
 *   1. `prepare` reads the state the fault will change (previous replicas, resources, HPA manifest,
 *      policy, config-map data…) and picks any ids it will create; the engine journals that record;
 *   2. `apply` changes the system;
 *   3. `revert` restores the recorded state. It must be idempotent: it may run after a crash that
 *      happened before, during or after `apply`.
 */
import type { z } from 'zod';
import type { BrokerAdmin } from '../stores/broker/admin.js';
import type { Platform } from '../platform/types.js';

/**
 * Verbs the fault engine needs that the `Platform` interface does not offer yet (proposed for the
 * platform; `kubectl set env` and Chaos Mesh StressChaos are the Kubernetes equivalents).
 */
export interface PlatformExtensions {
  /**
   * Sets (string) or removes (null) environment variables of a deployment's container and rolls its
   * pods, like `kubectl set env deployment/<d> K=V K-`. Resolves once the change is accepted.
   */
  setEnv?: (deployment: string, env: Record<string, string | null>) => Promise<void>;
  /**
   * Starts a stress process inside a pod's cgroup (so the pod's limits throttle it, and a memory
   * stressor can OOM-kill the pod). `cpuWorkers` busy loops; `memoryBytes` allocated and touched.
   * Returns an id for `stopStress`; the process must also end when the pod ends.
   */
  stress?: (
    pod: string,
    load: { cpuWorkers?: number; cpuLoadPercent?: number; memoryBytes?: number },
  ) => Promise<{ id: string; pid?: number }>;
  /** Stops a stress process; true if it was running. Unknown ids resolve false (idempotent revert). */
  stopStress?: (id: string) => Promise<boolean>;
}

/** Redis-like key-value store administration (the session store): CONFIG GET/SET. */
export interface KeyValueStoreAdmin {
  getConfig(key: string): Promise<string | undefined>;
  setConfig(key: string, value: string): Promise<void>;
}

/** SQL store administration the scenarios need (the catalogue's search index). */
export interface SearchIndexAdmin {
  searchIndexExists(): Promise<boolean>;
  createSearchIndex(): Promise<void>;
  dropSearchIndex(): Promise<void>;
}

/** Store admin interfaces by store deployment name (e.g. "session-db", "catalogue-db"). */
export interface StoreAdmins {
  keyValue?: Record<string, KeyValueStoreAdmin>;
  searchIndex?: Record<string, SearchIndexAdmin>;
}

/** Everything a primitive may act through. */
export interface FaultContext {
  platform: Platform;
  broker?: BrokerAdmin;
  stores?: StoreAdmins;
  extensions?: PlatformExtensions;
  /** Base URL of a shop Service by name (default: resolved through `platform.getService`). */
  serviceUrl?(service: string): Promise<string>;
  /** A unique prefix for ids this run creates (mesh rules, policies), so reverts never touch others'. */
  runId: string;
}

/** JSON-serialisable state a primitive records in `prepare` and restores in `revert`. */
export type FaultRecord = object;

export interface FaultPrimitive<P = unknown, R extends FaultRecord = FaultRecord> {
  /** The name scenario files use, e.g. "scale", "mesh-delay". */
  readonly name: string;
  readonly description: string;
  readonly params: z.ZodType<P>;
  /** Reads the prior state; `stepId` makes created ids unique per step. */
  prepare(ctx: FaultContext, params: P, stepId: string): Promise<R>;
  apply(ctx: FaultContext, params: P, record: R): Promise<void>;
  revert(ctx: FaultContext, params: P, record: R): Promise<void>;
  /** Components this primitive acts on (for reports; never shown to the agent). */
  targets(params: P): string[];
}

export class FaultError extends Error {
  override name = 'FaultError';
}

/** A primitive that needs a context member that is absent fails with one clear line. */
export function need<T>(value: T | undefined, what: string, primitive: string): T {
  if (value === undefined)
    throw new FaultError(`fault "${primitive}" needs ${what}, which this lab does not provide`);
  return value;
}
