/** Kubernetes quantities ("100m", "0.5", "300Mi", "1G") to numbers, and the QoS class they imply. */
import type { ContainerResources, QosClass } from '../types.js';
import { PlatformError } from '../types.js';

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

function parse(quantity: string | number, what: string): number {
  if (typeof quantity === 'number' && Number.isFinite(quantity) && quantity >= 0) return quantity;
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)(?:e(\d+))?\s*(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?\s*$/.exec(
    String(quantity),
  );
  if (!match)
    throw new PlatformError(`quantities must match the regular expression: invalid ${what} "${quantity}"`);
  const [, digits, exponent, suffix = ''] = match;
  const scale = BINARY[suffix] ?? DECIMAL[suffix];
  return Number(digits) * 10 ** Number(exponent ?? 0) * scale;
}

/** CPU quantity → millicores (rounded up like the apiserver's MilliValue). */
export function cpuToMillis(quantity: string | number): number {
  return Math.ceil(parse(quantity, 'cpu') * 1000 - 1e-9);
}

/** Memory quantity → bytes. */
export function memoryToBytes(quantity: string | number): number {
  return Math.ceil(parse(quantity, 'memory') - 1e-9);
}

/** Checks every quantity in a resources block; throws a PlatformError naming the bad one. */
export function validateResources(resources: ContainerResources | undefined): void {
  for (const list of [resources?.requests, resources?.limits]) {
    if (list?.cpu !== undefined) cpuToMillis(list.cpu);
    if (list?.memory !== undefined) memoryToBytes(list.memory);
  }
}

/** Kubernetes defaults requests to limits when only limits are set. */
export function effectiveRequests(resources: ContainerResources | undefined): {
  cpuMillis?: number;
  memoryBytes?: number;
} {
  const cpu = resources?.requests?.cpu ?? resources?.limits?.cpu;
  const memory = resources?.requests?.memory ?? resources?.limits?.memory;
  return {
    cpuMillis: cpu === undefined ? undefined : cpuToMillis(cpu),
    memoryBytes: memory === undefined ? undefined : memoryToBytes(memory),
  };
}

export function qosClass(resources: ContainerResources | undefined): QosClass {
  const { requests = {}, limits = {} } = resources ?? {};
  if (!requests.cpu && !requests.memory && !limits.cpu && !limits.memory) return 'BestEffort';
  const req = effectiveRequests(resources);
  if (
    limits.cpu &&
    limits.memory &&
    req.cpuMillis === cpuToMillis(limits.cpu) &&
    req.memoryBytes === memoryToBytes(limits.memory)
  ) {
    return 'Guaranteed';
  }
  return 'Burstable';
}

/** Merges a partial resources block into an existing one (as `kubectl set resources` does). */
export function mergeResources(
  base: ContainerResources | undefined,
  patch: ContainerResources,
): ContainerResources {
  validateResources(patch);
  return {
    requests: { ...base?.requests, ...patch.requests },
    limits: { ...base?.limits, ...patch.limits },
  };
}
