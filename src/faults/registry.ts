/** Every fault primitive by the name scenario files use. */
import { brokerPolicy } from './broker.js';
import { cacheInvalidationBreak } from './cache.js';
import { configMapPush } from './config-map.js';
import { hpaApply, hpaDelete, hpaPatch } from './hpa.js';
import {
  externalLatency,
  meshAbort,
  meshBandwidth,
  meshDelay,
  meshLoss,
  meshOneWayPartition,
  meshPartition,
} from './mesh.js';
import { podKill } from './pod-kill.js';
import { setResources, storeResources } from './resources.js';
import { consumerStop, scale } from './scale.js';
import { storeConfig, storeIndexDrop, storeKvConfig } from './store-config.js';
import { cpuStress, memoryStress } from './stress.js';
import type { FaultPrimitive } from './types.js';

const ALL = [
  scale,
  setResources,
  hpaApply,
  hpaPatch,
  hpaDelete,
  meshDelay,
  meshLoss,
  meshAbort,
  meshPartition,
  meshOneWayPartition,
  meshBandwidth,
  brokerPolicy,
  consumerStop,
  storeResources,
  storeConfig,
  storeKvConfig,
  storeIndexDrop,
  configMapPush,
  cacheInvalidationBreak,
  externalLatency,
  cpuStress,
  memoryStress,
  podKill,
] as FaultPrimitive<unknown, object>[];

export const FAULTS: ReadonlyMap<string, FaultPrimitive<unknown, object>> = new Map(
  ALL.map((f) => [f.name, f]),
);

export function faultNames(): string[] {
  return [...FAULTS.keys()];
}
