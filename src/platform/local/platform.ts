/**
 * The local platform: Deployments → ReplicaSets → Pods (OS processes), Services with per-connection
 * round-robin over ready endpoints, a mesh edge per caller→service, config maps with versions,
 * events, usage sampling, and the HPA controller — behind the `Platform` interface.
 *
 * The deployment controller reconciles after every change: without a rollout it creates or deletes
 * pods of the current ReplicaSet; during a rollout (template change or restart) it surges by one new
 * pod, and removes an old pod only while the ready count stays at or above the desired replicas
 * (maxSurge 1, maxUnavailable 0).
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { HpaController, type HpaControllerConfig } from '../hpa/index.js';
import { MeshProxy } from '../mesh/index.js';
import type {
  ConfigMapInfo,
  ConfigMapVersion,
  ContainerResources,
  DeploymentInfo,
  DeploymentSpec,
  DescribeResult,
  EndpointAddress,
  EventFilter,
  HorizontalPodAutoscaler,
  HpaHost,
  HpaSpecPatch,
  KubeEvent,
  LogOptions,
  Mesh,
  MeshRule,
  MeshRuleInput,
  PodInfo,
  PodMetricSample,
  PodTemplateSpec,
  PodUsage,
  Platform,
  RolloutRevision,
  ServiceInfo,
  StressLoad,
} from '../types.js';
import { PlatformError } from '../types.js';
import { describeRevisionChange } from '../rollout-history.js';
import { cgroupDriver, type CgroupDriver } from './cgroups.js';
import { EventRecorder } from './events.js';
import { LabState, labHome, reclaimLeftovers, type ReclaimReport } from './lab-state.js';
import { DEFAULT_TIMINGS, Pod, type PodRuntime, type PodTimings } from './pod.js';
import { mergeResources, validateResources } from './quantity.js';
import { StressManager } from './stress.js';
import { answer503, freePort, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface LocalPlatformOptions {
  home?: string;
  namespace?: string;
  nodeName?: string;
  timings?: Partial<PodTimings>;
  cgroups?: 'auto' | 'cooperative';
  /** How often pod usage is sampled (ms). */
  sampleIntervalMs?: number;
  /** HPA controller-manager settings (sync period, tolerance, windows) for compressed time. */
  hpa?: Partial<HpaControllerConfig>;
  mesh?: Mesh;
  /** Environment every pod starts from; default: PATH, HOME, LANG, TZ, NODE_ENV of the lab. */
  baseEnv?: Record<string, string>;
  /** Where pods' ports come from; default any free loopback port (tests hand two labs the same one). */
  podPort?: () => Promise<number>;
}

interface Revision {
  revision: number;
  template: PodTemplateSpec;
  configMapVersions: Record<string, number>;
  restartedAt?: string;
  /** When the deployment moved to this revision. */
  createdAt: string;
  /** What changed from the revision current before it (see rollout-history.ts). */
  changes: string[];
}

interface DeploymentState {
  spec: DeploymentSpec;
  replicas: number;
  createdAt: string;
  revisions: Revision[];
  current: Revision;
  /** Pods per ReplicaSet as last reported in ScalingReplicaSet events. */
  rsSizes: Map<string, number>;
}

interface ServiceState {
  spec: NonNullable<DeploymentSpec['service']>;
  deployment: string;
  createdAt: string;
  proxies: Map<
    string,
    { proxy: TcpProxy; targetPort: string; protocol: 'http' | 'tcp'; appProtocol?: string }
  >;
  rr: number;
}

interface ConfigMapState {
  versions: ConfigMapVersion[];
}

const RS_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(length: number): string {
  const bytes = randomBytes(length);
  return [...bytes].map((b) => RS_ALPHABET[b % RS_ALPHABET.length]).join('');
}

// Revisions never change once made; the hash is asked for on every reconcile and listing.
const templateHashes = new WeakMap<Revision, string>();

function templateHash(revision: Revision): string {
  const known = templateHashes.get(revision);
  if (known) return known;
  const digest = createHash('sha256')
    .update(JSON.stringify([revision.template, revision.configMapVersions, revision.restartedAt ?? '']))
    .digest();
  const hash = [...digest.subarray(0, 10)].map((b) => RS_ALPHABET[b % RS_ALPHABET.length]).join('');
  templateHashes.set(revision, hash);
  return hash;
}

function defaultBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_ENV', 'TMPDIR']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export class LocalPlatform implements Platform {
  readonly kind = 'local' as const;
  readonly namespace: string;
  readonly nodeName: string;
  readonly state: LabState;
  readonly events: EventRecorder;
  readonly cgroups: CgroupDriver;
  /** What the previous (crashed) run left behind and this start removed. */
  readonly reclaimed?: ReclaimReport;
  private readonly mesh: Mesh;
  private readonly hpa: HpaController;
  private readonly runtime: PodRuntime;
  private readonly deployments = new Map<string, DeploymentState>();
  private readonly services = new Map<string, ServiceState>();
  private readonly edges = new Map<string, { port: number; close(): Promise<void> }>();
  private readonly configMaps = new Map<string, ConfigMapState>();
  private readonly pods = new Map<string, Pod>();
  private readonly sampler: NodeJS.Timeout;
  private reconcileQueued = false;
  private closing = false;
  private readonly changeListeners = new Set<() => void>();
  private readonly stressors: StressManager;

  private constructor(options: LocalPlatformOptions, state: LabState, reclaimed: ReclaimReport | undefined) {
    this.namespace = options.namespace ?? 'sock-shop';
    this.nodeName = options.nodeName ?? hostname();
    this.state = state;
    this.reclaimed = reclaimed;
    this.events = new EventRecorder(this.namespace);
    this.stressors = new StressManager(state);
    this.cgroups = cgroupDriver(state.runId, (paths) => state.recordCgroups(paths), {
      mode: options.cgroups,
    });
    this.mesh = options.mesh ?? new MeshProxy();
    this.runtime = {
      namespace: this.namespace,
      nodeName: this.nodeName,
      home: state.home,
      state,
      cgroups: this.cgroups,
      events: this.events,
      timings: { ...DEFAULT_TIMINGS, ...options.timings },
      baseEnv: options.baseEnv ?? defaultBaseEnv(),
      pickPort: options.podPort ?? (() => freePort()),
      onChange: () => this.kick(),
    };
    this.sampler = setInterval(() => {
      for (const pod of this.pods.values()) pod.sample();
    }, options.sampleIntervalMs ?? 1000);
    this.sampler.unref();
    this.hpa = new HpaController(this.hpaHost(), {
      namespace: this.namespace,
      metricWindowSeconds: this.runtime.timings.usageWindowMs / 1000,
      ...options.hpa,
    });
  }

  /** Removes a crashed run's leftovers, then starts an empty platform whose state lives in `home`. */
  static async start(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
    const home = labHome(options.home);
    const reclaimed = await reclaimLeftovers(home);
    return new LocalPlatform(options, new LabState(home), reclaimed);
  }

  /** How limits are enforced on this machine, and why not when they are not. */
  get enforcement(): { mode: CgroupDriver['enforcement']; reason?: string } {
    return {
      mode: this.cgroups.enforcement,
      ...(this.cgroups.reason ? { reason: this.cgroups.reason } : {}),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Creating the topology
  // ---------------------------------------------------------------------------------------------

  /** Creates config maps, Services, mesh edges and Deployments (in that order, so that every pod's
   *  SOCKSHOP_SERVICES can be filled in). */
  async apply(
    specs: DeploymentSpec[],
    configMaps: Record<string, Record<string, string>> = {},
  ): Promise<void> {
    for (const [name, data] of Object.entries(configMaps)) this.newConfigMapVersion(name, data, 'create');
    for (const spec of specs) {
      validateResources(spec.template.container.resources);
      if (spec.service) await this.createService(spec.name, spec.service);
    }
    for (const spec of specs) {
      for (const callee of spec.calls ?? []) await this.ensureEdge(spec.name, callee);
    }
    for (const spec of specs) this.createDeployment(spec);
    this.kick();
  }

  private async createService(
    deployment: string,
    spec: NonNullable<DeploymentSpec['service']>,
  ): Promise<void> {
    if (this.services.has(spec.name)) throw new PlatformError(`services "${spec.name}" already exists`, 409);
    const service: ServiceState = {
      spec,
      deployment,
      createdAt: new Date().toISOString(),
      proxies: new Map(),
      rr: 0,
    };
    this.services.set(spec.name, service);
    for (const port of spec.ports) {
      const proxy = await startTcpProxy({
        port: port.port,
        anyPortWhenTaken: true,
        targets: () => this.rotate(service, port.targetPort),
        onNoTarget: port.protocol === 'http' ? answer503(spec.name) : undefined,
      });
      this.state.recordListener({ kind: 'service', name: `${spec.name}:${port.name}`, port: proxy.port });
      service.proxies.set(port.name, {
        proxy,
        targetPort: port.targetPort,
        protocol: port.protocol,
        appProtocol: port.appProtocol,
      });
    }
  }

  /** Ready endpoints, starting at the next one in turn (round-robin per connection). */
  private rotate(service: ServiceState, targetPort: string): EndpointAddress[] {
    const list = this.endpoints(service.deployment, targetPort);
    if (list.length === 0) return list;
    const start = service.rr++ % list.length;
    return [...list.slice(start), ...list.slice(0, start)];
  }

  private endpoints(deployment: string, targetPort: string): EndpointAddress[] {
    return [...this.pods.values()]
      .filter(
        (p) =>
          p.deployment === deployment && p.ready && !p.deletionTimestamp && p.ports[targetPort] !== undefined,
      )
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => ({ pod: p.name, host: '127.0.0.1', port: p.ports[targetPort] }));
  }

  /** One edge per (caller, service port); a service's extra ports are named `<service>-<port>`. */
  private async ensureEdge(caller: string, callee: string): Promise<void> {
    const service = this.services.get(callee);
    if (!service) throw new PlatformError(`deployment "${caller}" calls unknown service "${callee}"`);
    for (const [portName, port] of service.proxies) {
      const key = `${caller}->${callee}:${portName}`;
      if (this.edges.has(key)) continue;
      const edge = await this.mesh.openEdge({
        source: caller,
        destination: callee,
        protocol: port.protocol,
        upstream: { host: '127.0.0.1', port: port.proxy.port },
        endpoints: () => this.rotate(service, port.targetPort),
      });
      this.state.recordListener({ kind: 'edge', name: key, port: edge.port });
      this.edges.set(key, edge);
    }
  }

  private serviceDirectory(spec: DeploymentSpec): Record<string, string> {
    const directory: Record<string, string> = {};
    for (const callee of spec.calls ?? []) {
      const service = this.services.get(callee)!;
      let first = true;
      for (const [portName, port] of service.proxies) {
        const edge = this.edges.get(`${spec.name}->${callee}:${portName}`)!;
        const scheme = port.appProtocol ?? (port.protocol === 'http' ? 'http' : 'tcp');
        directory[first ? callee : `${callee}-${portName}`] = `${scheme}://127.0.0.1:${edge.port}`;
        first = false;
      }
    }
    return directory;
  }

  private createDeployment(spec: DeploymentSpec): void {
    if (this.deployments.has(spec.name))
      throw new PlatformError(`deployments.apps "${spec.name}" already exists`, 409);
    const current: Revision = {
      revision: 1,
      template: structuredClone(spec.template),
      configMapVersions: this.mountedVersions(spec.template),
      createdAt: new Date().toISOString(),
      changes: ['created'],
    };
    this.deployments.set(spec.name, {
      spec: structuredClone(spec),
      replicas: spec.replicas,
      createdAt: new Date().toISOString(),
      revisions: [current],
      current,
      rsSizes: new Map(),
    });
  }

  private mountedVersions(template: PodTemplateSpec): Record<string, number> {
    const versions: Record<string, number> = {};
    for (const mount of template.container.configMaps ?? []) {
      versions[mount.configMap] = this.configMaps.get(mount.configMap)?.versions.at(-1)?.version ?? 0;
    }
    return versions;
  }

  // ---------------------------------------------------------------------------------------------
  // The deployment controller
  // ---------------------------------------------------------------------------------------------

  private kick(): void {
    for (const listener of this.changeListeners) listener();
    if (this.reconcileQueued || this.closing) return;
    this.reconcileQueued = true;
    setImmediate(() => {
      this.reconcileQueued = false;
      if (this.closing) return;
      for (const deployment of this.deployments.values()) this.reconcile(deployment);
    });
  }

  /** Calls `listener` after every change of pods or deployments (for waiting on readiness). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private replicaSetName(d: DeploymentState): string {
    return `${d.spec.name}-${templateHash(d.current)}`;
  }

  private reconcile(d: DeploymentState): void {
    const desired = d.replicas;
    const currentRs = this.replicaSetName(d);
    const live = [...this.pods.values()].filter((p) => p.deployment === d.spec.name && !p.deletionTimestamp);
    const current = live.filter((p) => p.replicaSet === currentRs);
    const old = live.filter((p) => p.replicaSet !== currentRs);
    const byAge = (a: Pod, b: Pod) => a.createdAt.localeCompare(b.createdAt);
    // Deletion preference as the ReplicaSet controller: not ready first, then the youngest.
    const victimsFirst = (pods: Pod[]) =>
      [...pods].sort((a, b) => Number(a.ready) - Number(b.ready) || byAge(b, a));

    const toDelete: Pod[] = [];
    let toCreate = 0;
    if (old.length === 0) {
      if (current.length < desired) toCreate = desired - current.length;
      else toDelete.push(...victimsFirst(current).slice(0, current.length - desired));
    } else if (desired === 0) {
      toDelete.push(...old, ...current);
    } else {
      const ready = current.filter((p) => p.ready).length + old.filter((p) => p.ready).length;
      const unreadyOld = old.filter((p) => !p.ready);
      const readyOld = old.filter((p) => p.ready).sort(byAge);
      toDelete.push(...unreadyOld, ...readyOld.slice(0, Math.max(0, ready - desired)));
      const remainingOld = old.length - toDelete.length;
      const room = desired + 1 - (current.length + remainingOld);
      toCreate = Math.max(0, Math.min(desired - current.length, room));
      if (current.length > desired)
        toDelete.push(...victimsFirst(current).slice(0, current.length - desired));
    }
    for (const pod of toDelete) void this.deletePodObject(pod, 'replicaset-controller');
    for (let i = 0; i < toCreate; i++) this.createPod(d, currentRs);
    if (toDelete.length > 0 || toCreate > 0) this.reportReplicaSets(d);
  }

  private reportReplicaSets(d: DeploymentState): void {
    const sizes = new Map<string, number>();
    for (const pod of this.pods.values()) {
      if (pod.deployment === d.spec.name && !pod.deletionTimestamp)
        sizes.set(pod.replicaSet, (sizes.get(pod.replicaSet) ?? 0) + 1);
    }
    for (const rs of new Set([...sizes.keys(), ...d.rsSizes.keys()])) {
      const before = d.rsSizes.get(rs) ?? 0;
      const after = sizes.get(rs) ?? 0;
      if (before === after) continue;
      this.events.record({
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled ${after > before ? 'up' : 'down'} replica set ${rs} from ${before} to ${after}`,
        involvedObject: { kind: 'Deployment', name: d.spec.name },
        source: { component: 'deployment-controller' },
      });
      if (after === 0) d.rsSizes.delete(rs);
      else d.rsSizes.set(rs, after);
    }
  }

  private createPod(d: DeploymentState, replicaSet: string): void {
    let name: string;
    do name = `${replicaSet}-${randomSuffix(5)}`;
    while (this.pods.has(name));
    const configMaps: Record<string, Record<string, string> | undefined> = {};
    for (const [cm, version] of Object.entries(d.current.configMapVersions)) {
      configMaps[cm] = this.configMaps.get(cm)?.versions.find((v) => v.version === version)?.data;
    }
    const pod = new Pod(this.runtime, {
      name,
      deployment: d.spec.name,
      replicaSet,
      template: structuredClone(d.current.template),
      env: { SOCKSHOP_SERVICES: JSON.stringify(this.serviceDirectory(d.spec)) },
      configMaps,
    });
    this.pods.set(name, pod);
    this.events.record({
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: `Created pod: ${name}`,
      involvedObject: { kind: 'ReplicaSet', name: replicaSet },
      source: { component: 'replicaset-controller' },
    });
    pod.start().catch((error: Error) => {
      this.events.record({
        type: 'Warning',
        reason: 'Failed',
        message: `Error: ${error.message}`,
        involvedObject: { kind: 'Pod', name },
        source: { component: 'kubelet', host: this.nodeName },
      });
    });
  }

  private deletePodObject(
    pod: Pod,
    by: 'replicaset-controller' | 'user',
    graceSeconds?: number,
  ): Promise<void> {
    if (by === 'replicaset-controller' && !pod.deletionTimestamp) {
      this.events.record({
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `Deleted pod: ${pod.name}`,
        involvedObject: { kind: 'ReplicaSet', name: pod.replicaSet },
        source: { component: 'replicaset-controller' },
      });
    }
    return pod.terminate(graceSeconds).finally(() => {
      void this.stressors.stopAll(pod.name);
      this.pods.delete(pod.name);
      this.kick();
    });
  }

  private deployment(name: string): DeploymentState {
    const d = this.deployments.get(name);
    if (!d) throw new PlatformError(`deployments.apps "${name}" not found`, 404);
    return d;
  }

  /**
   * A new revision of the pod template (or the same template with new config or a restart stamp);
   * `cause` leads its change lines (an undo says which revision it restored).
   */
  private roll(
    d: DeploymentState,
    change: Partial<Pick<Revision, 'template' | 'configMapVersions' | 'restartedAt'>>,
    cause?: string,
  ): void {
    const next: Revision = {
      revision: d.current.revision + 1,
      template: structuredClone(change.template ?? d.current.template),
      configMapVersions: change.configMapVersions ?? d.current.configMapVersions,
      ...((change.restartedAt ?? d.current.restartedAt)
        ? { restartedAt: change.restartedAt ?? d.current.restartedAt }
        : {}),
      createdAt: new Date().toISOString(),
      changes: [],
    };
    next.changes = [...(cause ? [cause] : []), ...describeRevisionChange(d.current, next)];
    d.revisions.push(next);
    if (d.revisions.length > 10) d.revisions.shift(); // revisionHistoryLimit
    d.current = next;
    d.spec.template = structuredClone(next.template);
    this.kick();
  }

  // ---------------------------------------------------------------------------------------------
  // Platform: pods
  // ---------------------------------------------------------------------------------------------

  private pod(name: string): Pod {
    const pod = this.pods.get(name);
    if (!pod) throw new PlatformError(`pods "${name}" not found`, 404);
    return pod;
  }

  async listPods(filter: { deployment?: string } = {}): Promise<PodInfo[]> {
    return [...this.pods.values()]
      .filter((p) => !filter.deployment || p.deployment === filter.deployment)
      .map((p) => p.info())
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async getPod(name: string): Promise<PodInfo | undefined> {
    return this.pods.get(name)?.info();
  }

  async describePod(name: string): Promise<DescribeResult<PodInfo> | undefined> {
    const pod = this.pods.get(name);
    return pod && { object: pod.info(), events: this.events.list({ kind: 'Pod', name }) };
  }

  async deletePod(name: string, options: { gracePeriodSeconds?: number } = {}): Promise<boolean> {
    const pod = this.pods.get(name);
    if (!pod) return false;
    await this.deletePodObject(pod, 'user', options.gracePeriodSeconds);
    return true;
  }

  /** Sends a signal to a pod's container (chaos: container-kill); restart policy applies. */
  killContainer(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.pod(name).signal(signal);
  }

  // ---------------------------------------------------------------------------------------------
  // Platform: deployments
  // ---------------------------------------------------------------------------------------------

  private deploymentInfo(d: DeploymentState): DeploymentInfo {
    const pods = [...this.pods.values()].filter((p) => p.deployment === d.spec.name && !p.deletionTimestamp);
    const rs = this.replicaSetName(d);
    const updated = pods.filter((p) => p.replicaSet === rs);
    const ready = pods.filter((p) => p.ready).length;
    const available = ready >= d.replicas;
    const progressing = updated.length !== pods.length || updated.length !== d.replicas;
    return {
      name: d.spec.name,
      namespace: this.namespace,
      replicas: d.replicas,
      readyReplicas: ready,
      updatedReplicas: updated.length,
      availableReplicas: ready,
      revision: d.current.revision,
      creationTimestamp: d.createdAt,
      template: structuredClone(d.current.template),
      replicaSet: rs,
      conditions: [
        {
          type: 'Available',
          status: available ? 'True' : 'False',
          reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: available
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: progressing ? 'ReplicaSetUpdated' : 'NewReplicaSetAvailable',
          message: progressing
            ? `ReplicaSet "${rs}" is progressing.`
            : `ReplicaSet "${rs}" has successfully progressed.`,
        },
      ],
    };
  }

  async listDeployments(): Promise<DeploymentInfo[]> {
    return [...this.deployments.values()]
      .map((d) => this.deploymentInfo(d))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async getDeployment(name: string): Promise<DeploymentInfo | undefined> {
    const d = this.deployments.get(name);
    return d && this.deploymentInfo(d);
  }

  async describeDeployment(name: string): Promise<DescribeResult<DeploymentInfo> | undefined> {
    const d = this.deployments.get(name);
    return d && { object: this.deploymentInfo(d), events: this.events.list({ kind: 'Deployment', name }) };
  }

  async scale(deployment: string, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new PlatformError(`invalid replicas "${replicas}": must be a non-negative integer`);
    this.deployment(deployment).replicas = replicas;
    this.kick();
  }

  async setResources(
    deployment: string,
    resources: ContainerResources,
    options: { replace?: boolean } = {},
  ): Promise<void> {
    const d = this.deployment(deployment);
    const template = structuredClone(d.current.template);
    template.container.resources = options.replace
      ? mergeResources(undefined, resources)
      : mergeResources(template.container.resources, resources);
    this.roll(d, { template });
  }

  async setEnv(deployment: string, env: Record<string, string | null>): Promise<void> {
    const d = this.deployment(deployment);
    for (const key of Object.keys(env))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        throw new PlatformError(`invalid environment variable name "${key}"`);
    const template = structuredClone(d.current.template);
    const next = { ...template.container.env };
    for (const [key, value] of Object.entries(env)) {
      if (value === null) delete next[key];
      else next[key] = String(value);
    }
    if (JSON.stringify(next) === JSON.stringify(template.container.env ?? {})) return; // no rollout, as kubectl
    template.container.env = next;
    this.roll(d, { template });
  }

  async stress(pod: string, load: StressLoad): Promise<{ id: string; pid?: number }> {
    const target = this.pod(pod);
    if (target.deletionTimestamp) throw new PlatformError(`pod "${pod}" is terminating`, 409);
    return this.stressors.start(pod, target.cgroupProcsFiles, load);
  }

  async stopStress(id: string): Promise<boolean> {
    return this.stressors.stop(id);
  }

  async rolloutRestart(deployment: string): Promise<void> {
    this.roll(this.deployment(deployment), { restartedAt: new Date().toISOString() });
  }

  async rolloutUndo(deployment: string): Promise<void> {
    const d = this.deployment(deployment);
    const previous = d.revisions.at(-2);
    if (!previous) throw new PlatformError(`no rollout history found for deployment "${deployment}"`);
    const versions: Record<string, number> = {};
    for (const [cm, version] of Object.entries(previous.configMapVersions)) {
      const state = this.configMaps.get(cm);
      const wanted = state?.versions.find((v) => v.version === version);
      if (!state || !wanted || state.versions.at(-1)!.version === version) {
        versions[cm] = state?.versions.at(-1)?.version ?? version;
        continue;
      }
      versions[cm] = this.newConfigMapVersion(cm, wanted.data, `rollback to version ${version}`).version;
      this.restartMounting(cm, deployment);
    }
    d.revisions.splice(d.revisions.indexOf(previous), 1); // k8s moves the restored revision to the top
    this.roll(
      d,
      { template: previous.template, configMapVersions: versions, restartedAt: previous.restartedAt },
      `rollback to revision ${previous.revision}`,
    );
  }

  async rolloutHistory(deployment: string): Promise<RolloutRevision[]> {
    const d = this.deployment(deployment);
    return d.revisions
      .map((r) => ({
        revision: r.revision,
        createdAt: r.createdAt,
        replicaSet: `${d.spec.name}-${templateHash(r)}`,
        current: r === d.current,
        changes: [...r.changes],
      }))
      .reverse();
  }

  // ---------------------------------------------------------------------------------------------
  // Platform: services, events, HPA
  // ---------------------------------------------------------------------------------------------

  private serviceInfo(name: string, s: ServiceState): ServiceInfo {
    const endpoints: Record<string, EndpointAddress[]> = {};
    const ports: ServiceInfo['ports'] = [];
    for (const spec of s.spec.ports) {
      const proxy = s.proxies.get(spec.name)!;
      ports.push({ ...spec, port: proxy.proxy.port });
      endpoints[spec.name] = this.endpoints(s.deployment, spec.targetPort);
    }
    const notReadyAddresses = [...this.pods.values()]
      .filter((p) => p.deployment === s.deployment && !p.ready && !p.deletionTimestamp)
      .map((p) => p.name)
      .sort();
    return {
      name,
      namespace: this.namespace,
      creationTimestamp: s.createdAt,
      clusterIP: '127.0.0.1',
      ports,
      endpoints,
      notReadyAddresses,
    };
  }

  async listServices(): Promise<ServiceInfo[]> {
    return [...this.services]
      .map(([name, s]) => this.serviceInfo(name, s))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async getService(name: string): Promise<ServiceInfo | undefined> {
    const s = this.services.get(name);
    return s && this.serviceInfo(name, s);
  }

  async listEvents(filter?: EventFilter): Promise<KubeEvent[]> {
    return this.events.list(filter);
  }

  async listHpas(): Promise<HorizontalPodAutoscaler[]> {
    return this.hpa.list();
  }

  async getHpa(name: string): Promise<HorizontalPodAutoscaler | undefined> {
    return this.hpa.get(name);
  }

  async describeHpa(name: string): Promise<DescribeResult<HorizontalPodAutoscaler> | undefined> {
    const hpa = this.hpa.get(name);
    return hpa && { object: hpa, events: this.events.list({ kind: 'HorizontalPodAutoscaler', name }) };
  }

  async applyHpa(yamlText: string): Promise<HorizontalPodAutoscaler> {
    return this.hpa.apply(yamlText);
  }

  async patchHpa(name: string, patch: HpaSpecPatch): Promise<HorizontalPodAutoscaler> {
    return this.hpa.patch(name, patch);
  }

  async deleteHpa(name: string): Promise<boolean> {
    return this.hpa.delete(name);
  }

  private hpaHost(): HpaHost {
    const target = (kind: string, name: string) =>
      kind === 'Deployment' ? this.deployments.get(name) : undefined;
    return {
      now: () => Date.now(),
      getReplicas: (kind, name) => target(kind, name)?.replicas,
      podMetrics: (kind, name): PodMetricSample[] =>
        target(kind, name)
          ? [...this.pods.values()].filter((p) => p.deployment === name).map((p) => p.metricSample())
          : [],
      setReplicas: (kind, name, replicas) => {
        if (!target(kind, name)) return Promise.reject(new PlatformError(`${kind} "${name}" not found`, 404));
        return this.scale(name, replicas);
      },
      recordEvent: (event) => void this.events.record(event),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Platform: config maps
  // ---------------------------------------------------------------------------------------------

  private newConfigMapVersion(name: string, data: Record<string, string>, cause: string): ConfigMapVersion {
    for (const [key, value] of Object.entries(data)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key) || key === '.' || key === '..' || typeof value !== 'string') {
        throw new PlatformError(
          `ConfigMap "${name}" is invalid: data[${key}]: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
        );
      }
    }
    const state = this.configMaps.get(name) ?? { versions: [] };
    const version: ConfigMapVersion = {
      version: (state.versions.at(-1)?.version ?? 0) + 1,
      data: { ...data },
      createdAt: new Date().toISOString(),
      cause,
    };
    state.versions.push(version);
    this.configMaps.set(name, state);
    return version;
  }

  private configMapInfo(name: string, state: ConfigMapState): ConfigMapInfo {
    const mountedBy = [...this.deployments.values()]
      .filter((d) => d.current.template.container.configMaps?.some((m) => m.configMap === name))
      .map((d) => d.spec.name);
    return { name, namespace: this.namespace, current: structuredClone(state.versions.at(-1)!), mountedBy };
  }

  /** Rolls every deployment that mounts `name` onto its newest version (except `skip`). */
  private restartMounting(name: string, skip?: string): void {
    const version = this.configMaps.get(name)!.versions.at(-1)!.version;
    for (const d of this.deployments.values()) {
      if (d.spec.name === skip || !(name in d.current.configMapVersions)) continue;
      this.roll(d, { configMapVersions: { ...d.current.configMapVersions, [name]: version } });
    }
  }

  async listConfigMaps(): Promise<ConfigMapInfo[]> {
    return [...this.configMaps]
      .map(([name, s]) => this.configMapInfo(name, s))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async getConfigMap(name: string): Promise<ConfigMapInfo | undefined> {
    const state = this.configMaps.get(name);
    return state && this.configMapInfo(name, state);
  }

  async setConfigMap(name: string, data: Record<string, string>): Promise<ConfigMapInfo> {
    this.newConfigMapVersion(name, data, 'set');
    this.restartMounting(name);
    return this.configMapInfo(name, this.configMaps.get(name)!);
  }

  async configMapHistory(name: string): Promise<ConfigMapVersion[]> {
    const state = this.configMaps.get(name);
    if (!state) throw new PlatformError(`configmaps "${name}" not found`, 404);
    return structuredClone(state.versions);
  }

  // ---------------------------------------------------------------------------------------------
  // Platform: logs, usage, mesh
  // ---------------------------------------------------------------------------------------------

  async podLogs(pod: string, options?: LogOptions): Promise<string[]> {
    return this.pod(pod).readLogs(options);
  }

  async podUsage(pod?: string): Promise<PodUsage[]> {
    const pods = pod ? [this.pod(pod)] : [...this.pods.values()];
    return pods.flatMap((p) => p.usage() ?? []).sort((a, b) => a.pod.localeCompare(b.pod));
  }

  async addMeshRule(rule: MeshRuleInput): Promise<MeshRule> {
    try {
      return this.mesh.addRule(rule);
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      throw new PlatformError((error as Error).message);
    }
  }

  async removeMeshRule(id: string): Promise<boolean> {
    return this.mesh.removeRule(id);
  }

  async listMeshRules(): Promise<MeshRule[]> {
    return this.mesh.listRules();
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle
  // ---------------------------------------------------------------------------------------------

  /** Resolves when every deployment has its desired replicas ready and no rollout in progress. */
  waitAllReady(timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = async () => {
        const all = await this.listDeployments();
        if (all.every((d) => d.readyReplicas === d.replicas && d.updatedReplicas === d.replicas)) {
          stop();
          clearTimeout(timer);
          resolve();
        }
      };
      const stop = this.onChange(() => void check());
      const timer = setTimeout(() => {
        stop();
        reject(new PlatformError(`pods not ready after ${Math.round(timeoutMs / 1000)} s`, 503));
      }, timeoutMs);
      void check();
    });
  }

  /** Stops every pod (gracefully, in parallel), closes Services and edges, removes cgroups and the state file. */
  async shutdown(graceSeconds?: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.sampler);
    this.hpa.stop();
    await this.stressors.stopAll();
    await Promise.all([...this.pods.values()].map((p) => p.terminate(graceSeconds)));
    this.pods.clear();
    await this.mesh.close();
    for (const s of this.services.values()) for (const p of s.proxies.values()) await p.proxy.close();
    await this.cgroups.removeRun();
    this.state.remove();
  }
}
