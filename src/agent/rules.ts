/**
 * Localisation and diagnosis: rules from evidence to a root cause, its fault type and the fitting fix.
 * Each rule looks only at what the tools showed (symptoms, signals, the platform's state) and never at
 * scenario data. The rules table in docs/agent.md lists them in the same order.
 */
import { THRESHOLDS } from './detect.js';
import { uniq } from './json.js';
import type { Observation } from './observe.js';
import type { Hypothesis, PlanStep, Symptom } from './types.js';
import { downstream, type DeploymentFacts, type MeshRuleView, type World } from './world.js';

/** Which service first answers a front-end route (the storefront's API, spec §3). */
const ROUTE_OWNERS: [RegExp, string][] = [
  [/^\/(catalogue|tags)/, 'catalogue'],
  [/^\/(login|register|customers|addresses|cards)/, 'user'],
  [/^\/(cart|basket)/, 'carts'],
  [/^\/orders/, 'orders'],
];

export function routeOwner(route: string): string {
  return ROUTE_OWNERS.find(([re]) => re.test(route))?.[1] ?? 'front-end';
}

/** Components a symptom can come from: where it shows and everything downstream of it. */
export function suspectsOf(world: World, s: Symptom): string[] {
  switch (s.kind) {
    case 'latency':
    case 'errors':
      return uniq(['front-end', ...downstream(world, routeOwner(s.route ?? '/'))]);
    case 'fulfilment-stalled':
    case 'queue-stalled':
      return uniq([
        ...downstream(world, 'orders'),
        ...world.edges.filter((e) => e.protocol === 'amqp').map((e) => e.from),
        s.where,
      ]);
    default:
      return downstream(world, s.where);
  }
}

const upperSnake = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
const consumersOf = (world: World) =>
  uniq(
    world.edges.filter((e) => e.protocol === 'amqp' && world.kinds.get(e.to) === 'broker').map((e) => e.from),
  );
const has = (symptoms: Symptom[], kind: Symptom['kind']) => symptoms.some((s) => s.kind === kind);
const rate = (obs: Observation, job: string) => obs.readings.vectors.serviceRate.get(job);
const rateBase = (obs: Observation, job: string) => obs.readings.baselines.serviceRate.get(job);

/** Throttled share of CPU periods that counts against an HPA that does not watch CPU. */
const HPA_BLIND_THROTTLE = 0.25;
/** Replicas are unevenly loaded when the idlest is throttled in under this fraction of the busiest's share. */
const PINNED_IMBALANCE = 0.5;

/** Fail fast on a slow external dependency: the caller's timeout for it, well under user patience. */
const FAIL_FAST_TIMEOUT_MS = '1000';

function meshHypothesis(
  rule: MeshRuleView,
  world: World,
  symptoms: Symptom[],
  suspects: Set<string>,
): Hypothesis {
  const edge = `${rule.source}->${rule.destination}`;
  const onPath = suspects.has(rule.source) || suspects.has(rule.destination);
  const evidence = [
    `mesh rule ${rule.id} on ${edge}: ${rule.kind} (${rule.direction}) ${rule.detail}`.trim(),
  ];
  const base = { confidence: onPath ? 0.9 : 0.5, evidence, explains: symptoms.map((s) => s.kind) };
  const remove: PlanStep = { tool: 'delete_mesh_rule', args: { id: rule.id } };
  if (world.kinds.get(rule.destination) === 'external' && rule.kind === 'delay')
    return {
      ...base,
      rule: 'external-dependency-slow',
      components: [rule.destination, edge, rule.source],
      faultType: 'dependency-latency',
      evidence: [
        ...evidence,
        `${rule.destination} is an external provider: its latency cannot be removed from here, so ${rule.source} must fail fast`,
      ],
      plan: [
        {
          tool: 'set_env',
          args: {
            deployment: rule.source,
            env: { [`${upperSnake(rule.destination)}_TIMEOUT_MS`]: FAIL_FAST_TIMEOUT_MS },
          },
        },
      ],
    };
  if (
    rule.kind === 'delay' &&
    world.writers.has(rule.source) &&
    world.kinds.get(rule.destination) === 'store'
  )
    return {
      ...base,
      rule: 'slow-writes-lost-updates',
      components: [edge, rule.source, rule.destination],
      faultType: 'lost-update',
      evidence: [
        ...evidence,
        `${rule.source} serves read-modify-write profile updates without versioning: with slow writes to ${rule.destination}, overlapping updates overwrite each other`,
      ],
      plan: [remove],
    };
  if (rule.kind === 'delay' || rule.kind === 'bandwidth')
    return {
      ...base,
      rule: 'edge-delay',
      components: [edge, rule.destination],
      faultType: rule.kind === 'delay' ? 'network-delay' : 'bandwidth-limit',
      plan: [remove],
    };
  // A broker consumer's calls to a service report what it consumed (shipments → order status): failing,
  // they leave orders "paid", whether or not the stall shows yet when the fault is found.
  const reports = consumersOf(world).includes(rule.source) && world.kinds.get(rule.destination) === 'service';
  if (reports && !has(symptoms, 'queue-stalled'))
    return {
      ...base,
      rule: 'status-reports-lost',
      components: [edge, rule.destination, rule.source],
      faultType: 'status-pipeline',
      evidence: [
        ...evidence,
        `${rule.source} consumes shipments and reports them to ${rule.destination}: those reports fail, so orders stay "paid"${
          has(symptoms, 'fulfilment-stalled') ? '' : ' (not visible in the orders yet)'
        }`,
      ],
      plan: [remove, { tool: 'redrive_shipments', args: {} }],
    };
  if (has(symptoms, 'orphan-payments') && rule.kind === 'partition')
    return {
      ...base,
      rule: 'lost-responses-orphan-payments',
      components: [edge, rule.source, rule.destination],
      faultType: 'network-partition',
      evidence: [
        ...evidence,
        `payments are authorised while ${rule.source} never hears back and fails the order`,
      ],
      plan: [remove, { tool: 'reconcile_payments', args: {} }],
    };
  return {
    ...base,
    rule: 'edge-fault',
    components: [edge, rule.destination],
    faultType:
      rule.kind === 'partition'
        ? 'network-partition'
        : rule.kind === 'loss'
          ? 'packet-loss'
          : 'network-fault',
    plan: [remove],
  };
}

function queueHypotheses(world: World, symptoms: Symptom[]): Hypothesis[] {
  if (!has(symptoms, 'queue-stalled') && !has(symptoms, 'fulfilment-stalled')) return [];
  const out: Hypothesis[] = [];
  for (const q of world.queues.filter((x) => x.consumers === 0)) {
    const down = consumersOf(world)
      .map((c) => world.deployments.get(c))
      .filter((d): d is DeploymentFacts => d !== undefined && d.replicas === 0);
    const policies = world.policies.filter((p) => safeMatch(p.pattern, q.name));
    const limiting = policies.filter((p) => 'max-length' in p.definition || 'overflow' in p.definition);
    const evidence = [`queue ${q.name}: ${q.messages} messages, 0 consumers`];
    for (const d of down) evidence.push(`${d.name} (a consumer of the broker) is scaled to 0`);
    for (const p of limiting) evidence.push(`policy ${p.name} on ${q.name}: ${JSON.stringify(p.definition)}`);
    const restore: PlanStep[] = down.map((d) => ({
      tool: 'scale',
      args: { deployment: d.name, replicas: Math.max(1, d.maxReplicas15m ?? 1) },
    }));
    if (limiting.length > 0)
      out.push({
        rule: 'queue-capped-without-consumer',
        components: [...down.map((d) => d.name), q.name],
        faultType: 'queue-blockage',
        confidence: down.length > 0 ? 0.95 : 0.7,
        evidence,
        explains: ['queue-stalled', 'fulfilment-stalled'],
        plan: [
          ...limiting.map((p): PlanStep => ({ tool: 'clear_queue_policy', args: { name: p.name } })),
          ...restore,
        ],
      });
    else if (down.length > 0)
      out.push({
        rule: 'consumer-down',
        components: [...down.map((d) => d.name), q.name],
        faultType: 'consumer-down',
        confidence: 0.9,
        evidence,
        explains: ['queue-stalled', 'fulfilment-stalled'],
        plan: restore,
      });
  }
  return out;
}

function safeMatch(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return pattern === name;
  }
}

/** CPU to give back: the limit it had before (kube-state history), and never a stingy one. */
export function restoredCpu(d: DeploymentFacts): string {
  const now = d.cpuLimitM ?? 0;
  return `${Math.max(d.cpuLimitMax15mM ?? 0, 4 * now, 500, d.cpuRequestM ?? 0)}m`;
}

function starvationHypotheses(world: World, obs: Observation, suspects: string[]): Hypothesis[] {
  const out: Hypothesis[] = [];
  const hpaTargets = new Map(world.hpas.map((h) => [h.target, h]));
  for (const name of suspects) {
    const d = world.deployments.get(name);
    const pods = obs.readings.podThrottle.get(name);
    // the busiest pod counts: replicas that received no connections dilute the deployment's share
    const ratio = Math.max(obs.readings.vectors.throttle.get(name) ?? 0, pods?.hot ?? 0);
    const hpa = hpaTargets.get(name);
    // An autoscaler blind to CPU is structural evidence: a CPU quota that binds at all is enough.
    const blindHpa = hpa && !hpa.metrics.includes('cpu') && hpa.current <= hpa.min;
    if (!d || ratio < (blindHpa ? HPA_BLIND_THROTTLE : THRESHOLDS.throttle.ratio)) continue;
    const evidence = [
      `${name} is CPU-throttled in ${Math.round(ratio * 100)}% of periods (limit ${d.cpuLimitM ?? '?'}m)`,
    ];
    const lowered =
      d.cpuLimitMax15mM !== undefined && d.cpuLimitM !== undefined && d.cpuLimitMax15mM > d.cpuLimitM;
    const loweredNote = `its CPU limit was ${d.cpuLimitMax15mM}m within the last 15 min and is ${d.cpuLimitM}m now`;
    if (hpa && blindHpa) {
      // Scaling out more replicas that are each throttled by a freshly lowered limit is slow to help
      // (every new pod starts under the same quota): the limit change is undone too.
      const restoreLimit: PlanStep[] = lowered
        ? [{ tool: 'set_resources', args: { deployment: name, limits: { cpu: restoredCpu(d) } } }]
        : [];
      out.push({
        rule: 'hpa-wrong-metric',
        components: [name, `hpa/${hpa.name}`],
        faultType: 'autoscaling-misconfiguration',
        confidence: 0.9,
        evidence: [
          ...evidence,
          `HPA ${hpa.name} scales ${name} on ${hpa.metrics.join(', ') || 'nothing'}, not CPU, and stays at ${hpa.current} replica(s) (min ${hpa.min}, max ${hpa.max})`,
          ...(lowered ? [loweredNote] : []),
        ],
        explains: ['latency', 'errors', 'saturation'],
        plan: [
          {
            tool: 'patch_hpa',
            args: {
              name: hpa.name,
              patch: {
                metrics: [
                  {
                    type: 'Resource',
                    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
                  },
                ],
              },
            },
          },
          ...restoreLimit,
        ],
      });
      continue;
    }
    const now = rate(obs, name);
    const base = rateBase(obs, name);
    const surge = now !== undefined && base !== undefined && base > 0 && now >= 3 * base;
    // A surge on a deployment whose limit was also lowered: the larger change names the fault.
    const surgeLeads = surge && (!lowered || now / base > d.cpuLimitMax15mM! / Math.max(1, d.cpuLimitM ?? 0));
    if ((lowered && !surgeLeads) || (d.recentRollouts > 0 && !surge)) {
      if (lowered) evidence.push(loweredNote);
      if (d.recentRollouts > 0)
        evidence.push(`${name} was rolled out ${d.recentRollouts} time(s) in the last 15 min`);
      const writes = world.writers.has(name);
      if (writes)
        evidence.push(
          `${name} serves read-modify-write profile updates without versioning: slow, overlapping writes overwrite each other`,
        );
      const limits: Record<string, string> = { cpu: restoredCpu(d) };
      if (
        d.memLimitMax15mBytes !== undefined &&
        d.memLimitBytes !== undefined &&
        d.memLimitMax15mBytes > d.memLimitBytes
      )
        limits.memory = String(Math.round(d.memLimitMax15mBytes));
      out.push({
        rule: writes ? 'starved-writer' : 'cpu-starved',
        components: [name],
        faultType: writes ? 'lost-update' : 'resource-starvation',
        confidence: lowered ? 0.9 : 0.7,
        evidence,
        explains: ['latency', 'errors', 'saturation', 'pool-saturation'],
        plan: [{ tool: 'set_resources', args: { deployment: name, limits } }],
      });
    } else if (surge) {
      evidence.push(
        `${name} serves ${(now ?? 0).toFixed(1)} req/s against a baseline of ${(base ?? 0).toFixed(1)} req/s`,
      );
      // A Service balances connections, not requests: clients that keep their connections open stay on
      // the pods they first reached, and replicas added later only get new connections. A rolling
      // restart makes the clients reconnect, spread over all the replicas.
      const pinned = d.replicas >= 2 && pods !== undefined && pods.cold < pods.hot * PINNED_IMBALANCE;
      if (lowered) evidence.push(loweredNote);
      else if (pinned)
        evidence.push(
          `${name}'s pods are loaded unevenly: the busiest is throttled in ${Math.round(pods.hot * 100)}% of periods, the idlest in ${Math.round(pods.cold * 100)}% — clients keep their connections to the pods they first reached`,
        );
      out.push({
        rule: 'traffic-surge',
        components: [name],
        faultType: 'traffic-surge',
        confidence: 0.8,
        evidence,
        explains: ['latency', 'errors', 'saturation'],
        // giving back a lowered limit adds capacity at once (and rolls the pods, spreading connections)
        plan: [
          lowered
            ? { tool: 'set_resources', args: { deployment: name, limits: { cpu: restoredCpu(d) } } }
            : pinned
              ? { tool: 'rollout_restart', args: { deployment: name } }
              : { tool: 'scale', args: { deployment: name, replicas: Math.max(2, d.replicas * 2) } },
        ],
      });
    }
  }
  return out;
}

function poolHypotheses(world: World, symptoms: Symptom[]): Hypothesis[] {
  return symptoms
    .filter((s) => s.kind === 'pool-saturation')
    .flatMap((s) => {
      const d = world.deployments.get(s.where);
      if (!d) return [];
      const key = Object.keys(d.env).find((k) => /POOL_SIZE$/.test(k));
      const size = key ? Number(d.env[key]) : NaN;
      const evidence = [s.detail];
      if (key) evidence.push(`${d.name} runs with ${key}=${d.env[key]}`);
      if (d.recentRollouts > 0) evidence.push(`${d.name} was rolled out in the last 15 min`);
      const plan: PlanStep[] =
        key && Number.isFinite(size)
          ? [
              {
                tool: 'set_env',
                args: { deployment: d.name, env: { [key]: String(Math.max(64, size * 8)) } },
              },
            ]
          : [{ tool: 'scale', args: { deployment: d.name, replicas: Math.max(2, d.replicas * 2) } }];
      return [
        {
          rule: 'pool-exhausted',
          components: [d.name],
          faultType: 'pool-exhaustion',
          confidence: key ? 0.85 : 0.7,
          evidence,
          explains: ['latency', 'errors', 'pool-saturation'] as Symptom['kind'][],
          plan,
        },
      ];
    });
}

/** All hypotheses the evidence supports, most confident first. */
export function diagnose(symptoms: Symptom[], world: World, obs: Observation): Hypothesis[] {
  const suspects = uniq(symptoms.flatMap((s) => suspectsOf(world, s)));
  const suspectSet = new Set(suspects);
  const out: Hypothesis[] = [];

  for (const rule of world.meshRules) out.push(meshHypothesis(rule, world, symptoms, suspectSet));
  out.push(...queueHypotheses(world, symptoms));

  const slowCatalogue = symptoms.some(
    (s) => s.kind === 'latency' && routeOwner(s.route ?? '') === 'catalogue',
  );
  for (const store of world.searchIndexMissing)
    out.push({
      rule: 'missing-index',
      components: [store],
      faultType: 'missing-index',
      confidence: slowCatalogue ? 0.95 : 0.6,
      evidence: [`${store} has no search index: every search scans the whole table`],
      explains: ['latency'],
      plan: [{ tool: 'create_index', args: { store } }],
    });

  for (const s of symptoms.filter((x) => x.kind === 'replicas-disagree'))
    out.push({
      rule: 'stale-replica-cache',
      components: [s.where],
      faultType: 'stale-cache',
      confidence: 0.9,
      evidence: [s.detail],
      explains: ['replicas-disagree'],
      plan: [{ tool: 'flush_cache', args: { service: s.where } }],
    });

  for (const s of symptoms.filter((x) => x.kind === 'config-regression')) {
    const mounts = obs.configChanges.find((c) => c.name === s.where)?.mountedBy ?? [];
    out.push({
      rule: 'bad-config-push',
      components: [s.where, ...mounts],
      faultType: 'bad-config',
      confidence: 0.85,
      evidence: [s.detail, `mounted by ${mounts.join(', ') || 'nobody'}`],
      explains: ['config-regression'],
      plan: mounts.map((m): PlanStep => ({ tool: 'rollout_undo', args: { deployment: m } })),
    });
  }

  if (has(symptoms, 'session-loss')) {
    const fe = world.deployments.get('front-end');
    const keys = Object.keys(fe?.env ?? {}).filter((k) =>
      /^SESSION_(TTL|STORE_MAXMEMORY|STORE_POLICY)/.test(k),
    );
    const evidence = [symptoms.find((s) => s.kind === 'session-loss')!.detail];
    if (keys.length)
      evidence.push(`front-end session settings: ${keys.map((k) => `${k}=${fe!.env[k]}`).join(', ')}`);
    if (fe && fe.recentRollouts > 0) evidence.push('front-end was rolled out in the last 15 min');
    out.push({
      rule: 'sessions-evicted',
      components: ['session-db', 'front-end'],
      faultType: 'session-eviction',
      confidence: keys.length || (fe?.recentRollouts ?? 0) > 0 ? 0.9 : 0.6,
      evidence,
      explains: ['session-loss'],
      plan:
        fe && fe.recentRollouts > 0
          ? [{ tool: 'rollout_undo', args: { deployment: 'front-end' } }]
          : [
              {
                tool: 'set_env',
                args: { deployment: 'front-end', env: Object.fromEntries(keys.map((k) => [k, null])) },
              },
            ],
    });
  }

  out.push(...starvationHypotheses(world, obs, suspects));
  out.push(...poolHypotheses(world, symptoms));

  if (has(symptoms, 'orphan-payments') && !out.some((h) => h.explains.includes('orphan-payments')))
    out.push({
      rule: 'orphan-payments',
      components: ['orders', 'payment'],
      faultType: 'inconsistent-transaction',
      confidence: 0.6,
      evidence: [symptoms.find((s) => s.kind === 'orphan-payments')!.detail],
      explains: ['orphan-payments'],
      plan: [{ tool: 'reconcile_payments', args: {} }],
    });

  for (const s of symptoms.filter((x) => x.kind === 'unavailable')) {
    const d = world.deployments.get(s.where);
    if (!d) continue;
    const about = world.warnings.filter((w) => w.object.includes(s.where));
    const ooms = about.filter((w) => /OOM/i.test(w.reason + w.message));
    const crashing = about.filter((w) => /BackOff|CrashLoop|Failed/i.test(w.reason));
    // Pods unready with neither a kill nor a crash to show for it: a busy node failing probes, not a fault.
    const evidence = [
      s.detail,
      ...[...ooms, ...crashing].slice(0, 2).map((w) => `${w.reason}: ${w.message}`),
    ];
    if (ooms.length && d.memLimitBytes)
      out.push({
        rule: 'oom-killed',
        components: [s.where],
        faultType: 'oom-kill',
        confidence: 0.85,
        evidence,
        explains: ['unavailable'],
        plan: [
          {
            tool: 'set_resources',
            args: { deployment: s.where, limits: { memory: String(d.memLimitBytes * 2) } },
          },
        ],
      });
    else if (crashing.length && d.recentRollouts > 0)
      out.push({
        rule: 'crash-after-rollout',
        components: [s.where],
        faultType: 'crash-loop',
        // Weak alone: on a busy node liveness probes time out and restart pods after any rollout.
        confidence: 0.6,
        evidence: [...evidence, `${s.where} was rolled out in the last 15 min`],
        explains: ['unavailable'],
        plan: [{ tool: 'rollout_undo', args: { deployment: s.where } }],
      });
  }

  // Last resort: a deployment on the symptomatic path that changed just before things went wrong.
  if (out.length === 0)
    for (const name of suspects) {
      const d = world.deployments.get(name);
      if (d && d.recentRollouts > 0 && world.kinds.get(name) !== 'store')
        out.push({
          rule: 'recent-rollout',
          components: [name],
          faultType: 'bad-rollout',
          confidence: 0.5,
          evidence: [
            `${name} was rolled out ${d.recentRollouts} time(s) in the last 15 min, on the path of the symptoms`,
          ],
          explains: symptoms.map((x) => x.kind),
          plan: [{ tool: 'rollout_undo', args: { deployment: name } }],
        });
    }
  // Equal evidence: the component deeper in the call graph is the likelier origin (latency flows up).
  const depth = depths(world);
  const score = (h: Hypothesis) =>
    h.confidence + 0.01 * Math.max(0, ...h.components.map((c) => depth.get(c) ?? 0));
  return out.sort((a, b) => score(b) - score(a));
}

/** Hops from the front door (front-end) to each component. */
function depths(world: World): Map<string, number> {
  const out = new Map([['front-end', 0]]);
  const todo = ['front-end'];
  while (todo.length) {
    const cur = todo.shift()!;
    for (const e of world.edges)
      if (e.from === cur && !out.has(e.to)) {
        out.set(e.to, out.get(cur)! + 1);
        todo.push(e.to);
      }
  }
  return out;
}
