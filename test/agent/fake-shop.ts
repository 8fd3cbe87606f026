/**
 * A scripted ToolClient for the agent's unit tests: a small shop state (deployments, queues, policies,
 * mesh rules, HPAs, config maps) plus metric answers keyed by PromQL. Action tools change the state
 * through the test's `onAction`, so a test can model "the fix worked" (or did not).
 */
import { composeBundle, type Bundle } from '../../src/agent/bundle.js';
import { QUERIES, SIGNAL_BUNDLES, VECTORS } from '../../src/agent/signals.js';
import { WORLD_BUNDLES } from '../../src/agent/world.js';
import type { ToolClient } from '../../src/agent/types.js';
import { CALLS } from '../../src/agent-api/tools/topology.js';

type Labels = Record<string, string>;
export type Vector = Array<{ labels: Labels; value: number }>;

export interface FakeDeployment {
  name: string;
  replicas: number;
  readyReplicas?: number;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  env?: Record<string, string>;
}

export interface FakeState {
  deployments: FakeDeployment[];
  queues: Array<{ name: string; messages: number; consumers: number; policy?: string }>;
  policies: Array<{ name: string; pattern: string; definition: Record<string, unknown> }>;
  meshRules: Array<{
    id: string;
    source: string;
    destination: string;
    direction: string;
    fault: Record<string, unknown>;
  }>;
  hpas: Array<Record<string, unknown>>;
  configMaps: Array<{
    name: string;
    version: number;
    createdAt: string;
    mountedBy: string[];
    history: Array<{ version: number; data: Record<string, string> }>;
  }>;
  stores: Array<Record<string, unknown>>;
  /** Warning events (list_events). */
  events: Array<{ reason: string; object: string; message: string; count?: number }>;
  /** Instant answers by PromQL (exact text); absent = empty vector. */
  now: Record<string, Vector>;
  /** Range answers by PromQL: per series, its values. */
  past: Record<string, Array<{ labels: Labels; values: number[] }>>;
}

const kindOf = (n: string) =>
  n === 'rabbitmq'
    ? 'broker'
    : n.endsWith('-db')
      ? 'store'
      : n === 'payment-gateway'
        ? 'external'
        : 'service';

const SERVICES = [
  'front-end',
  'catalogue',
  'carts',
  'orders',
  'payment',
  'user',
  'shipping',
  'queue-master',
  'catalogue-db',
];

/** A healthy shop: every route fast, orders shipped as fast as they are paid, one consumer. */
export function healthyState(): FakeState {
  const routes = ['/', '/catalogue', '/catalogue/*', '/login', '/cart', '/orders', '/tags'];
  const per = (label: string, names: string[], v: number): Vector =>
    names.map((n) => ({ labels: { [label]: n }, value: v }));
  const now: Record<string, Vector> = {
    [QUERIES.routeP95]: per('route', routes, 0.05),
    [QUERIES.routeRate]: per('route', routes, 1),
    [QUERIES.routeErrors]: per('route', routes, 0),
    [QUERIES.serviceP95]: per('job', SERVICES, 0.02),
    [QUERIES.serviceRate]: per('job', SERVICES, 2),
    [QUERIES.throttle]: per('container', SERVICES, 0.05),
    [QUERIES.sessionLoss]: [{ labels: {}, value: 0 }],
    [QUERIES.paid]: [{ labels: {}, value: 12 }],
    [QUERIES.shipped]: [{ labels: {}, value: 12 }],
    [QUERIES.authorised]: [{ labels: {}, value: 12 }],
    [QUERIES.failedOrders]: [{ labels: {}, value: 0 }],
    [QUERIES.catalogueStarted]: [{ labels: { pod: 'catalogue-a' }, value: 3600 }],
  };
  const past: FakeState['past'] = {};
  for (const key of [...VECTORS, 'sessionLoss'] as const)
    past[QUERIES[key]] = (now[QUERIES[key]] ?? []).map((s) => ({
      labels: s.labels,
      values: Array(30).fill(s.value),
    }));
  return {
    deployments: SERVICES.map((name) => ({
      name,
      replicas: 1,
      resources: { requests: { cpu: '100m' }, limits: { cpu: name === 'catalogue-db' ? '1000m' : '300m' } },
      env: {},
    })),
    queues: [{ name: 'shipping-task', messages: 0, consumers: 1 }],
    policies: [],
    meshRules: [],
    hpas: [],
    configMaps: [],
    stores: [{ store: 'catalogue-db', searchIndexPresent: true }],
    events: [],
    now,
    past,
  };
}

export interface FakeShop {
  client: ToolClient;
  state: FakeState;
  calls: Array<{ name: string; args: Record<string, unknown> }>;
  actions(): Array<{ name: string; args: Record<string, unknown> }>;
  diagnoses(): Array<Record<string, unknown>>;
}

/** The agent asks its signals in bundles: each is answered from the answers to its parts. */
const BUNDLES: Bundle<string>[] = [...Object.values(SIGNAL_BUNDLES), ...Object.values(WORLD_BUNDLES)];

const READ_ONLY = new Set([
  'query',
  'query_range',
  'get_topology',
  'list_deployments',
  'describe_deployment',
  'list_queues',
  'list_queue_policies',
  'list_mesh_rules',
  'list_hpas',
  'list_configmaps',
  'get_configmap',
  'store_stats',
  'list_events',
  'submit_diagnosis',
]);

export function fakeShop(
  state: FakeState,
  onAction: (name: string, args: Record<string, unknown>, s: FakeState) => void = () => {},
): FakeShop {
  const calls: FakeShop['calls'] = [];
  const deployment = (name: string) => state.deployments.find((d) => d.name === name);
  const client: ToolClient = {
    async call(name, argsIn) {
      const args = argsIn as Record<string, unknown>;
      calls.push({ name, args });
      switch (name) {
        case 'query': {
          const promql = String(args.promql);
          const b = BUNDLES.find((x) => x.promql === promql);
          const answer = (q: string) => state.now[q] ?? [];
          return { resultType: 'vector', series: b ? composeBundle(b, answer) : answer(promql) };
        }
        case 'query_range':
          return {
            series: (state.past[String(args.promql)] ?? []).map((s) => ({
              labels: s.labels,
              points: s.values.map((v, i) => [i * 10, v]),
            })),
          };
        case 'get_topology':
          return {
            services: [...new Set(CALLS.flatMap(([a, b]) => [a, b]))].map((n) => ({
              name: n,
              kind: kindOf(n),
            })),
            edges: CALLS.map(([from, to, protocol]) => ({ from, to, protocol })),
          };
        case 'list_deployments':
          return {
            deployments: state.deployments.map((d) => ({
              name: d.name,
              replicas: d.replicas,
              readyReplicas: d.readyReplicas ?? d.replicas,
              resources: d.resources ?? {},
            })),
          };
        case 'describe_deployment': {
          const d = deployment(String(args.name));
          if (!d) return { error: { code: 'not_found', message: 'not found' } };
          return { name: d.name, replicas: d.replicas, spec: { env: d.env ?? {}, resources: d.resources } };
        }
        case 'list_queues':
          return { queues: state.queues };
        case 'list_queue_policies':
          return { policies: state.policies };
        case 'list_mesh_rules':
          return { rules: state.meshRules };
        case 'list_hpas':
          return { hpas: state.hpas };
        case 'list_configmaps':
          return { configMaps: state.configMaps.map(({ history: _h, ...m }) => m) };
        case 'get_configmap': {
          const m = state.configMaps.find((c) => c.name === args.name);
          return m
            ? { ...m, history: [...m.history].reverse() }
            : { error: { code: 'not_found', message: 'nope' } };
        }
        case 'store_stats':
          return { stores: state.stores };
        case 'list_events':
          return { total: state.events.length, events: state.events };
        case 'submit_diagnosis':
          return { accepted: true };
        default:
          onAction(name, args, state);
          return { changed: name };
      }
    },
  };
  return {
    client,
    state,
    calls,
    actions: () => calls.filter((c) => !READ_ONLY.has(c.name)),
    diagnoses: () => calls.filter((c) => c.name === 'submit_diagnosis').map((c) => c.args),
  };
}

/** Sets one series of an instant answer (adds it when missing). */
export function setNow(state: FakeState, promql: string, labels: Labels, value: number): void {
  const vec = (state.now[promql] ??= []);
  const hit = vec.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
  if (hit) hit.value = value;
  else vec.push({ labels, value });
}
