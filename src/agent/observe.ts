/**
 * One look at the shop: the metric signals plus the few listings that carry business state (queues,
 * config-map versions, deployment availability). Detection (detect.ts) is a pure function of this.
 */
import { first, get, list, num, obj, str, type Json } from './json.js';
import { missedUpdate } from './detect.js';
import { readSignals, type Baselines, type Readings } from './signals.js';
import type { AgentTools } from './tools.js';

export interface QueueView {
  name: string;
  messages: number;
  consumers: number;
  policy?: string;
}

export interface ConfigChange {
  name: string;
  version: number;
  createdAt?: string;
  /** Numeric settings whose value moved by a large factor: "Germany: 4.99 → 49.9". */
  bigChanges: string[];
  mountedBy: string[];
}

export interface DeploymentView {
  name: string;
  replicas: number;
  ready: number;
  revision?: number;
  env: Record<string, string>;
}

export interface Observation {
  at: number;
  readings: Readings;
  queues: QueueView[];
  configChanges: ConfigChange[];
  deployments: DeploymentView[];
  /** The catalogue's read-cache TTL, read only when a replica missed the latest update. */
  catalogueCacheTtlMs?: number;
}

/** A setting moved by this factor or more in one push is suspicious. */
const BIG_FACTOR = 3;
/** Config pushes older than this are not news. */
const RECENT_MS = 15 * 60_000;

export function envOf(d: unknown): Record<string, string> {
  const env = first(
    d,
    ['env'],
    ['spec', 'env'],
    ['template', 'container', 'env'],
    ['spec', 'template', 'container', 'env'],
  );
  if (Array.isArray(env))
    return Object.fromEntries(list(env).map((e) => [str(e.name) ?? '', str(e.value) ?? '']));
  return Object.fromEntries(Object.entries(obj(env) ?? {}).map(([k, v]) => [k, str(v) ?? '']));
}

export function deploymentView(d: Json): DeploymentView {
  return {
    name: str(first(d, ['name'], ['metadata', 'name'])) ?? '',
    replicas: num(first(d, ['replicas'], ['spec', 'replicas'], ['desired'])) ?? 0,
    ready: num(first(d, ['readyReplicas'], ['ready'], ['status', 'readyReplicas'])) ?? 0,
    revision: num(first(d, ['revision'], ['status', 'revision'])),
    env: envOf(d),
  };
}

/** Numbers named in a config text ("key: 4.99", "key=3"), except version counters. */
export function numericSettings(data: Record<string, unknown>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [file, text] of Object.entries(data)) {
    for (const m of String(text).matchAll(/([A-Za-z_][\w.-]*)\s*[:=]\s*(-?\d+(?:\.\d+)?)\b/g)) {
      if (/version/i.test(m[1])) continue;
      out.set(`${file}:${m[1]}`, Number(m[2]));
    }
  }
  return out;
}

export function bigChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const a = numericSettings(before);
  const out: string[] = [];
  for (const [key, v] of numericSettings(after)) {
    const old = a.get(key);
    if (old === undefined || old === v) continue;
    const ratio = old === 0 || v === 0 ? Infinity : Math.max(v / old, old / v);
    if (ratio >= BIG_FACTOR) out.push(`${key.split(':').pop()}: ${old} → ${v}`);
  }
  return out;
}

async function configChanges(tools: AgentTools, now: number): Promise<ConfigChange[]> {
  const maps = await tools.items('list_configmaps', {}, 'configmaps', 'configMaps');
  const out: ConfigChange[] = [];
  for (const m of maps) {
    const name = str(first(m, ['name'], ['metadata', 'name']));
    const version = num(first(m, ['version'], ['current', 'version']));
    const createdAt = str(first(m, ['createdAt'], ['current', 'createdAt'], ['updatedAt']));
    if (!name || version === undefined || version < 2) continue;
    if (createdAt && now - Date.parse(createdAt) > RECENT_MS) continue;
    const history = list(
      await tools.memo(`configmap ${name}@${version}`, () =>
        tools.tryCall('get_configmap', { name, history: true }),
      ),
      'history',
      'versions',
    );
    const sorted = [...history].sort((x, y) => (num(x.version) ?? 0) - (num(y.version) ?? 0));
    const last = sorted.at(-1);
    const prev = sorted.at(-2);
    const data = (v: Json | undefined) => obj(v?.data) ?? {};
    const mountedBy = (Array.isArray(m.mountedBy) ? m.mountedBy : []).map(String);
    out.push({
      name,
      version,
      createdAt,
      mountedBy,
      bigChanges: last && prev ? bigChanges(data(prev), data(last)) : [],
    });
  }
  return out;
}

export function queueView(q: Json): QueueView {
  const policy = first(q, ['policy'], ['effectivePolicy'], ['policyName']);
  return {
    name: str(q.name) ?? '',
    messages: num(first(q, ['messages'], ['depth'])) ?? 0,
    consumers: num(q.consumers) ?? 0,
    policy: str(policy) ?? str(get(policy, 'name')),
  };
}

export async function observe(tools: AgentTools, baselines: Baselines): Promise<Observation> {
  const now = Date.now();
  const readings = await readSignals(tools, baselines);
  const queues = (await tools.items('list_queues', {}, 'queues')).map(queueView);
  const deployments = (await tools.items('list_deployments', {}, 'deployments')).map(deploymentView);
  const obs: Observation = {
    at: now,
    readings,
    queues,
    deployments,
    configChanges: await configChanges(tools, now),
  };
  if (missedUpdate(readings.catalogueReplicas)) {
    const revision = deployments.find((d) => d.name === 'catalogue')?.revision;
    const env = envOf(
      await tools.memo(`describe catalogue@${revision ?? now}`, () =>
        tools.tryCall('describe_deployment', { name: 'catalogue' }),
      ),
    );
    obs.catalogueCacheTtlMs = num(env.CATALOGUE_CACHE_TTL_MS);
  }
  return obs;
}
