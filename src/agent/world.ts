/**
 * The investigation's view of the platform, gathered once a symptom is confirmed: the call graph,
 * deployments with their recent rollouts and CPU limits (now and the highest in the last 15 min, from
 * kube-state-metrics history), HPAs, queues and policies, mesh rules, store stats, warning events.
 * The rules (rules.ts) are pure functions of this and the symptoms.
 */
import { arr, cpuMillis, first, get, list, memBytes, num, obj, str, type Json } from './json.js';
import { askBundle, bundle } from './bundle.js';
import { deploymentView, envOf, queueView, type QueueView } from './observe.js';
import type { AgentTools } from './tools.js';

export interface Edge {
  from: string;
  to: string;
  protocol: string;
}

export interface DeploymentFacts {
  name: string;
  replicas: number;
  ready: number;
  /** Template changes (rollouts) in the last 15 min. */
  recentRollouts: number;
  /** Replica-count changes in the last 15 min. */
  recentScales: number;
  /** Highest replica count in the last 15 min. */
  maxReplicas15m?: number;
  cpuLimitM?: number;
  cpuRequestM?: number;
  /** The highest CPU limit its pods had in the last 15 min (a lowered limit shows here). */
  cpuLimitMax15mM?: number;
  memLimitBytes?: number;
  /** The highest memory limit in the last 15 min. */
  memLimitMax15mBytes?: number;
  env: Record<string, string>;
}

export interface MeshRuleView {
  id: string;
  source: string;
  destination: string;
  direction: string;
  kind: string;
  detail: string;
}

export interface HpaView {
  name: string;
  target: string;
  min: number;
  max: number;
  metrics: string[];
  current: number;
}

export interface World {
  kinds: Map<string, string>;
  edges: Edge[];
  deployments: Map<string, DeploymentFacts>;
  hpas: HpaView[];
  queues: QueueView[];
  policies: { name: string; pattern: string; definition: Json }[];
  meshRules: MeshRuleView[];
  searchIndexMissing: string[];
  warnings: { reason: string; object: string; message: string; count: number }[];
  /** Jobs serving read-modify-write profile updates right now. */
  writers: Set<string>;
}

/** The history the investigation reads from kube-state-metrics and service metrics. */
export const WORLD_QUERIES = {
  rollouts: 'sum by (deployment) (changes(kube_deployment_status_observed_generation[15m]))',
  scales: 'sum by (deployment) (changes(kube_deployment_spec_replicas[15m]))',
  maxReplicas: 'max by (deployment) (max_over_time(kube_deployment_spec_replicas[15m]))',
  cpuLimitMax: 'max by (container) (max_over_time(kube_pod_container_resource_limits{resource="cpu"}[15m]))',
  memLimitMax:
    'max by (container) (max_over_time(kube_pod_container_resource_limits{resource="memory"}[15m]))',
  writers: 'sum by (job) (rate(user_profile_updates_total[2m])) > 0',
} as const;

/** The history above in two calls: per deployment, and per container (with the writers). */
export const WORLD_BUNDLES = {
  deployments: bundle({
    rollouts: WORLD_QUERIES.rollouts,
    scales: WORLD_QUERIES.scales,
    maxReplicas: WORLD_QUERIES.maxReplicas,
  }),
  containers: bundle({
    cpuLimitMax: WORLD_QUERIES.cpuLimitMax,
    memLimitMax: WORLD_QUERIES.memLimitMax,
    writers: WORLD_QUERIES.writers,
  }),
};

const byLabel = (samples: { labels: Record<string, string>; value: number }[], label: string) =>
  new Map(samples.map((s) => [s.labels[label] ?? '', s.value]));

function meshRule(r: Json): MeshRuleView {
  const fault = obj(r.fault) ?? {};
  const kind = str(fault.kind) ?? str(r.kind) ?? 'unknown';
  const detail = Object.entries(fault)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return {
    id: str(r.id) ?? '',
    source: str(r.source) ?? '*',
    destination: str(r.destination) ?? '*',
    direction: str(r.direction) ?? 'to',
    kind,
    detail,
  };
}

function hpaView(h: Json): HpaView {
  const metrics = arr(h.metrics).map(
    (m) => str(first(m, ['resource', 'name'], ['containerResource', 'name'])) ?? '?',
  );
  return {
    name: str(h.name) ?? '',
    target: (str(h.target) ?? '').replace(/^Deployment\//, ''),
    min: num(h.minReplicas) ?? 1,
    max: num(h.maxReplicas) ?? 1,
    metrics,
    current: num(h.currentReplicas) ?? 0,
  };
}

export async function gatherWorld(tools: AgentTools): Promise<World> {
  // The call graph does not change while the agent works: read once.
  const topo = await tools.memo('topology', () => tools.tryCall('get_topology'));
  const kinds = new Map(list(topo, 'services').map((s) => [str(s.name) ?? '', str(s.kind) ?? 'service']));
  const edges = list(topo, 'edges').map((e) => ({
    from: str(e.from) ?? '',
    to: str(e.to) ?? '',
    protocol: str(e.protocol) ?? 'http',
  }));

  const perDeployment = await askBundle(tools, WORLD_BUNDLES.deployments);
  const perContainer = await askBundle(tools, WORLD_BUNDLES.containers);
  const rollouts = byLabel(perDeployment.rollouts, 'deployment');
  const scales = byLabel(perDeployment.scales, 'deployment');
  const maxReplicas = byLabel(perDeployment.maxReplicas, 'deployment');
  const cpuMax = byLabel(perContainer.cpuLimitMax, 'container');
  const memMax = byLabel(perContainer.memLimitMax, 'container');

  const deployments = new Map<string, DeploymentFacts>();
  for (const d of await tools.items('list_deployments', {}, 'deployments')) {
    const v = deploymentView(d);
    const resources = obj(d.resources) ?? {};
    const maxCores = cpuMax.get(v.name);
    deployments.set(v.name, {
      name: v.name,
      replicas: v.replicas,
      ready: v.ready,
      recentRollouts: rollouts.get(v.name) ?? 0,
      recentScales: scales.get(v.name) ?? 0,
      maxReplicas15m: maxReplicas.get(v.name),
      cpuLimitM: cpuMillis(get(resources, 'limits', 'cpu')),
      cpuRequestM: cpuMillis(get(resources, 'requests', 'cpu')),
      cpuLimitMax15mM: maxCores === undefined ? undefined : Math.round(maxCores * 1000),
      memLimitBytes: memBytes(get(resources, 'limits', 'memory')),
      memLimitMax15mBytes: memMax.get(v.name),
      env: v.env,
    });
  }

  const writers = new Set(perContainer.writers.map((s) => s.labels.job ?? ''));
  const stores = list(await tools.tryCall('store_stats'), 'stores');
  return {
    kinds,
    edges,
    deployments,
    hpas: (await tools.items('list_hpas', {}, 'hpas')).map(hpaView),
    queues: (await tools.items('list_queues', {}, 'queues')).map(queueView),
    policies: (await tools.items('list_queue_policies', {}, 'policies')).map((p) => ({
      name: str(p.name) ?? '',
      pattern: str(p.pattern) ?? '',
      definition: obj(p.definition) ?? {},
    })),
    meshRules: (await tools.items('list_mesh_rules', {}, 'rules', 'meshRules')).map(meshRule),
    writers,
    searchIndexMissing: stores.filter((s) => s.searchIndexPresent === false).map((s) => str(s.store) ?? ''),
    warnings: (await tools.items('list_events', { since: '15m', type: 'Warning', limit: 100 }, 'events')).map(
      (e) => ({
        reason: str(e.reason) ?? '',
        object: str(e.object) ?? '',
        message: str(e.message) ?? '',
        count: num(e.count) ?? 1,
      }),
    ),
  };
}

/** A deployment's env, read in detail (list_deployments does not carry it). */
export async function loadEnv(
  tools: AgentTools,
  world: World,
  name: string,
): Promise<Record<string, string>> {
  const d = world.deployments.get(name);
  if (!d) return {};
  if (Object.keys(d.env).length === 0) d.env = envOf(await tools.tryCall('describe_deployment', { name }));
  return d.env;
}

/** Every component reachable downstream of `from` along the call graph (itself included). */
export function downstream(world: World, from: string): string[] {
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length) {
    const cur = todo.pop()!;
    for (const e of world.edges)
      if (e.from === cur && !seen.has(e.to)) {
        seen.add(e.to);
        todo.push(e.to);
      }
  }
  return [...seen];
}
