/**
 * The platform contract: Kubernetes-shaped resource types and the one `Platform` interface that the
 * fault engine, telemetry, agent API, CLI and evaluator speak to. Two implementations: `local`
 * (pods are OS processes) and `kubernetes`. Field names follow the Kubernetes API where one exists,
 * so that output and reasoning transfer between the two.
 *
 * Times are ISO-8601 strings (as the Kubernetes API returns them); durations are in seconds unless
 * the name says otherwise.
 */

// ---------------------------------------------------------------------------------------------
// Resources and pod templates
// ---------------------------------------------------------------------------------------------

/** A Kubernetes quantity as written in manifests: cpu "100m", "0.5", "1"; memory "300Mi", "1Gi", "500M". */
export type Quantity = string;

export interface ResourceList {
  cpu?: Quantity;
  memory?: Quantity;
}

export interface ContainerResources {
  requests?: ResourceList;
  limits?: ResourceList;
}

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface HttpGetAction {
  path: string;
  /** A named pod port (see `PodPortSpec.name`) or a number; default: the pod's first port. */
  port?: string | number;
}

/** A TCP connect check (for data stores that speak no HTTP). */
export interface TcpSocketAction {
  /** A named pod port or a number; default: the pod's first port. */
  port?: string | number;
}

/**
 * Probe fields and defaults as in Kubernetes (period 10 s, timeout 1 s, failureThreshold 3,
 * successThreshold 1). Exactly one of `httpGet` and `tcpSocket` is set.
 */
export interface Probe {
  httpGet?: HttpGetAction;
  tcpSocket?: TcpSocketAction;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

/**
 * A port the pod listens on. The platform picks a free loopback port for every pod and passes it
 * in the environment variable `env` (e.g. PORT, AMQP_PORT), like a containerPort that differs per pod.
 */
export interface PodPortSpec {
  name: string;
  env: string;
  protocol?: 'http' | 'tcp';
}

/**
 * A config map mounted into the pod as files in a directory (one file per key); `env` names the
 * variable holding the directory, or the file of `key` when given (like a subPath mount).
 */
export interface ConfigMapMount {
  configMap: string;
  env: string;
  key?: string;
}

export interface ContainerSpec {
  /** Container name (usually the deployment name), used in events like "Started container <name>". */
  name: string;
  /** Executable and arguments (the "image" of a local pod), e.g. ["node", "dist/shop/carts/main.js"]. */
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  ports: PodPortSpec[];
  resources?: ContainerResources;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  configMaps?: ConfigMapMount[];
}

export interface PodTemplateSpec {
  labels?: Record<string, string>;
  container: ContainerSpec;
  /** Default 30 s as in Kubernetes; the local platform may compress it. */
  terminationGracePeriodSeconds?: number;
}

export interface ServicePortSpec {
  name: string;
  /** The stable port the Service listens on; 0 = any free port. */
  port: number;
  /** Name of the pod port it forwards to. */
  targetPort: string;
  protocol: 'http' | 'tcp';
  /** URL scheme for clients of a tcp port (e.g. "amqp"); default "http" for http ports. */
  appProtocol?: string;
}

export interface ServiceSpec {
  name: string;
  ports: ServicePortSpec[];
}

export interface DeploymentSpec {
  name: string;
  replicas: number;
  template: PodTemplateSpec;
  /** The Service in front of the pods (one per deployment); omitted = no Service. */
  service?: ServiceSpec;
  /**
   * Services this deployment calls. Each pod gets `SOCKSHOP_SERVICES` = JSON {service → base URL}, where
   * each URL points at the mesh edge (this deployment → that service).
   */
  calls?: string[];
}

// ---------------------------------------------------------------------------------------------
// Observed state (what `get` and `describe` show)
// ---------------------------------------------------------------------------------------------

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface ContainerStateRunning {
  startedAt: string;
}
export interface ContainerStateWaiting {
  /** ContainerCreating, CrashLoopBackOff, … */
  reason: string;
  message?: string;
}
export interface ContainerStateTerminated {
  /** OOMKilled, Error, Completed. */
  reason: string;
  exitCode: number;
  signal?: string;
  startedAt?: string;
  finishedAt: string;
  message?: string;
}
/** Exactly one of the three is set, as in the Kubernetes ContainerState. */
export interface ContainerState {
  running?: ContainerStateRunning;
  waiting?: ContainerStateWaiting;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState?: ContainerState;
  /** OS process id of the current run (local platform only). */
  pid?: number;
}

/**
 * How resource limits are applied to this pod:
 * - `cgroup-v1` / `cgroup-v2`: enforced by the kernel (CFS quota, memory limit with OOM kill);
 * - `cooperative`: not enforced (not root or not Linux); usage is read from /proc and only reported.
 */
export type Enforcement = 'cgroup-v1' | 'cgroup-v2' | 'cooperative';

export interface PodInfo {
  name: string;
  namespace: string;
  deployment: string;
  labels: Record<string, string>;
  /** kubectl's STATUS column: Running, Pending, ContainerCreating, CrashLoopBackOff, OOMKilled, Error, Terminating, Completed. */
  status: string;
  phase: PodPhase;
  ready: boolean;
  /** Ports the pod listens on, by pod port name. */
  ports: Record<string, number>;
  podIP: string;
  nodeName: string;
  creationTimestamp: string;
  deletionTimestamp?: string;
  container: ContainerStatus;
  resources: ContainerResources;
  qosClass: QosClass;
  enforcement: Enforcement;
}

export interface DeploymentInfo {
  name: string;
  namespace: string;
  /** Desired replicas. */
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  /** Current revision number (rises with every template change or restart). */
  revision: number;
  creationTimestamp: string;
  template: PodTemplateSpec;
  /** Name of the current "replica set" (`<deploy>-<template-hash>`), used in ScalingReplicaSet events. */
  replicaSet: string;
  conditions: Array<{
    type: 'Available' | 'Progressing';
    status: 'True' | 'False';
    reason: string;
    message: string;
  }>;
}

/**
 * One kept revision of a deployment, as `kubectl rollout history` lists it, with the change computed
 * from the templates instead of a hand-written change-cause annotation. Scaling is not a revision.
 */
export interface RolloutRevision {
  revision: number;
  /** When the deployment moved to this revision (ISO). */
  createdAt: string;
  /** Its replica set (`<deploy>-<template-hash>`), as named in ScalingReplicaSet events. */
  replicaSet: string;
  current: boolean;
  /**
   * What changed from the revision that was current just before it, one short line each, e.g.
   * "env POOL_SIZE: 8 → 1", "resources limits.cpu: 500m → 100m", "restarted",
   * "config map shipping-rates: v2 → v3", "rollback to revision 3"; ["created"] for the first
   * revision, [] when the template did not change. At most 9 lines.
   */
  changes: string[];
}

export interface EndpointAddress {
  pod: string;
  host: string;
  port: number;
}

export interface ServiceInfo {
  name: string;
  namespace: string;
  creationTimestamp: string;
  /** Loopback address the Service listens on. */
  clusterIP: string;
  ports: Array<ServicePortSpec & { /** actual listening port */ port: number }>;
  /** Ready endpoints per Service port name. */
  endpoints: Record<string, EndpointAddress[]>;
  /** Pods selected but not ready. */
  notReadyAddresses: string[];
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

export const OBJECT_KINDS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'HorizontalPodAutoscaler',
  'Service',
  'ConfigMap',
  'Node',
] as const;

export interface ObjectReference {
  kind: (typeof OBJECT_KINDS)[number];
  name: string;
  namespace?: string;
  /** e.g. "spec.containers{carts}" */
  fieldPath?: string;
}

export interface KubeEvent {
  /** Unique name, like "<object>.<hex>". */
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  involvedObject: ObjectReference;
  source: { component: string; host?: string };
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

/** What emitters pass; the recorder deduplicates on (object, reason, message, type, source) and counts. */
export type KubeEventInput = Pick<KubeEvent, 'type' | 'reason' | 'message' | 'involvedObject' | 'source'>;

export interface EventFilter {
  kind?: ObjectReference['kind'];
  name?: string;
  /** Only events whose lastTimestamp is at or after this ISO time. */
  since?: string;
  type?: 'Normal' | 'Warning';
}

// ---------------------------------------------------------------------------------------------
// Config maps
// ---------------------------------------------------------------------------------------------

export interface ConfigMapVersion {
  version: number;
  data: Record<string, string>;
  createdAt: string;
  /** Why this version exists, e.g. "set", "rollback to version 2". */
  cause: string;
}

export interface ConfigMapInfo {
  name: string;
  namespace: string;
  current: ConfigMapVersion;
  /** Deployments that mount it. */
  mountedBy: string[];
}

// ---------------------------------------------------------------------------------------------
// Usage (metrics-server + cAdvisor equivalents)
// ---------------------------------------------------------------------------------------------

export interface PodUsage {
  pod: string;
  deployment: string;
  timestamp: string;
  /** CPU rate over the last sampling window (about 15 s, configurable), in millicores. */
  cpuMillicores: number;
  /** Cumulative CPU seconds of the pod (its cgroup; under the cooperative fallback, its current process). */
  cpuSecondsTotal: number;
  /** Working set = usage − inactive_file, as `kubectl top` shows. */
  memoryWorkingSetBytes: number;
  /** CFS throttling counters (cgroup only; zero under the cooperative fallback). */
  cpuPeriods: number;
  cpuThrottledPeriods: number;
  cpuThrottledSeconds: number;
  enforcement: Enforcement;
}

/** One pod as the HPA controller sees it (requests already parsed). */
export interface PodMetricSample {
  pod: string;
  ready: boolean;
  /** Failed or being deleted pods are ignored by the HPA. */
  phase: PodPhase;
  deleting: boolean;
  /** When the pod became ready last (for the CPU initialization period), ISO. */
  readySince?: string;
  startedAt?: string;
  /** Absent when no sample is available yet. */
  cpuMillicores?: number;
  memoryWorkingSetBytes?: number;
  /** Sum of container requests; absent when not set. */
  cpuRequestMillicores?: number;
  memoryRequestBytes?: number;
  /** Time of the metric sample, ISO. */
  sampleTime?: string;
}

// ---------------------------------------------------------------------------------------------
// HorizontalPodAutoscaler (autoscaling/v2 shape)
// ---------------------------------------------------------------------------------------------

export interface MetricTarget {
  type: 'Utilization' | 'AverageValue' | 'Value';
  averageUtilization?: number;
  averageValue?: Quantity;
  value?: Quantity;
}

export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  resource?: { name: 'cpu' | 'memory'; target: MetricTarget };
  containerResource?: { name: 'cpu' | 'memory'; container: string; target: MetricTarget };
}

export interface HpaScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HpaScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HpaScalingPolicy[];
  tolerance?: number;
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: { apiVersion?: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules };
}

export interface MetricStatus {
  type: MetricSpec['type'];
  resource?: { name: 'cpu' | 'memory'; current: { averageUtilization?: number; averageValue?: Quantity } };
}

export interface HpaCondition {
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface HorizontalPodAutoscalerStatus {
  currentReplicas: number;
  desiredReplicas: number;
  /** One entry per spec metric; null where the metric could not be read (kubectl shows <unknown>). */
  currentMetrics: Array<MetricStatus | null>;
  conditions: HpaCondition[];
  lastScaleTime?: string;
}

export interface HorizontalPodAutoscaler {
  apiVersion: 'autoscaling/v2';
  kind: 'HorizontalPodAutoscaler';
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: HorizontalPodAutoscalerSpec;
  status: HorizontalPodAutoscalerStatus;
}

/** A merge patch on the spec (`kubectl patch hpa X -p '{"spec":{...}}'` without the outer `spec`). */
export type HpaSpecPatch = Partial<HorizontalPodAutoscalerSpec>;

/**
 * What the HPA controller needs from the platform it runs in. The local platform implements it;
 * the HPA module (src/platform/hpa/) consumes it.
 */
export interface HpaHost {
  /** Milliseconds since the epoch; injectable for compressed time in tests. */
  now(): number;
  /** Current desired replicas of the target, or undefined if it does not exist. */
  getReplicas(kind: string, name: string): number | undefined;
  podMetrics(kind: string, name: string): PodMetricSample[];
  setReplicas(kind: string, name: string, replicas: number): Promise<void>;
  recordEvent(event: KubeEventInput): void;
}

// ---------------------------------------------------------------------------------------------
// Mesh (network faults on service edges) — rules are passed through to src/platform/mesh/
// ---------------------------------------------------------------------------------------------

/** One fault on an edge. Delay and abort act per request (HTTP edges) like Istio; the rest act on bytes. */
export type MeshFault =
  | { kind: 'delay'; latencyMs: number; jitterMs?: number; correlation?: number; percent?: number }
  | { kind: 'loss'; percent: number }
  | { kind: 'abort'; httpStatus: number; percent?: number }
  | { kind: 'partition' }
  | { kind: 'bandwidth'; bytesPerSecond: number };

export interface MeshRule {
  id: string;
  /** Caller deployment, or '*' for every caller. */
  source: string;
  /** Callee service, or '*' for every service. */
  destination: string;
  /**
   * As in Chaos Mesh. For a partition: 'from' = requests reach the callee and are processed but the
   * responses are lost (the one-way partition of the payment scenario); 'to' = requests are black-holed;
   * 'both' = connections are reset.
   */
  direction: 'to' | 'from' | 'both';
  fault: MeshFault;
  createdAt: string;
}

export type MeshRuleInput = Omit<MeshRule, 'id' | 'createdAt'> & { id?: string };

/** A listening proxy for one caller→service edge. */
export interface MeshEdge {
  readonly source: string;
  readonly destination: string;
  readonly port: number;
  close(): Promise<void>;
}

/** What the platform asks of the mesh module: open an edge proxy per (caller, service) and manage rules. */
export interface Mesh {
  openEdge(edge: {
    source: string;
    destination: string;
    protocol: 'http' | 'tcp';
    /** Where the Service listens; the edge forwards there when it has no `endpoints` source. */
    upstream: { host: string; port: number };
    /** The callee's ready endpoints right now, for per-request balancing in the edge (like a sidecar). */
    endpoints?: () => ReadonlyArray<{ host: string; port: number }>;
    /** Loopback port for the edge; 0 = any. */
    listenPort?: number;
  }): Promise<MeshEdge>;
  addRule(rule: MeshRuleInput): MeshRule;
  removeRule(id: string): boolean;
  listRules(): MeshRule[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

export interface LogOptions {
  tail?: number;
  /** The previous run of the container (after a restart), like `kubectl logs -p`. */
  previous?: boolean;
  /** ISO time; only lines at or after it. */
  since?: string;
}

// ---------------------------------------------------------------------------------------------
// The Platform
// ---------------------------------------------------------------------------------------------

export interface DescribeResult<T> {
  object: T;
  events: KubeEvent[];
}

export interface Platform {
  readonly kind: 'local' | 'kubernetes';
  readonly namespace: string;

  listPods(filter?: { deployment?: string }): Promise<PodInfo[]>;
  getPod(name: string): Promise<PodInfo | undefined>;
  describePod(name: string): Promise<DescribeResult<PodInfo> | undefined>;
  /** Deletes one pod (graceful unless gracePeriodSeconds is 0); its deployment replaces it. */
  deletePod(name: string, options?: { gracePeriodSeconds?: number }): Promise<boolean>;

  listDeployments(): Promise<DeploymentInfo[]>;
  getDeployment(name: string): Promise<DeploymentInfo | undefined>;
  describeDeployment(name: string): Promise<DescribeResult<DeploymentInfo> | undefined>;
  scale(deployment: string, replicas: number): Promise<void>;
  /**
   * Merges into the container's requests/limits (like `kubectl set resources`) and rolls the pods;
   * `replace: true` sets the block as given, so a limit absent from it is removed (used by reverts).
   */
  setResources(
    deployment: string,
    resources: ContainerResources,
    options?: { replace?: boolean },
  ): Promise<void>;
  rolloutRestart(deployment: string): Promise<void>;
  /**
   * Goes back to the previous revision of the deployment: its resources and the config map versions it
   * mounted (those config maps get a new version with the old data), then rolls the pods.
   */
  rolloutUndo(deployment: string): Promise<void>;
  /**
   * The kept revisions (at most 10, `revisionHistoryLimit`), newest first, each with what changed in
   * its pod template; like `kubectl rollout history deployment/<d>`.
   */
  rolloutHistory(deployment: string): Promise<RolloutRevision[]>;

  listServices(): Promise<ServiceInfo[]>;
  getService(name: string): Promise<ServiceInfo | undefined>;

  listHpas(): Promise<HorizontalPodAutoscaler[]>;
  getHpa(name: string): Promise<HorizontalPodAutoscaler | undefined>;
  describeHpa(name: string): Promise<DescribeResult<HorizontalPodAutoscaler> | undefined>;
  /** Accepts a real `autoscaling/v2` (or v1) HorizontalPodAutoscaler manifest. */
  applyHpa(yamlText: string): Promise<HorizontalPodAutoscaler>;
  patchHpa(name: string, patch: HpaSpecPatch): Promise<HorizontalPodAutoscaler>;
  deleteHpa(name: string): Promise<boolean>;

  listEvents(filter?: EventFilter): Promise<KubeEvent[]>;

  listConfigMaps(): Promise<ConfigMapInfo[]>;
  getConfigMap(name: string): Promise<ConfigMapInfo | undefined>;
  /** Creates a new version and restarts the deployments that mount it. */
  setConfigMap(name: string, data: Record<string, string>): Promise<ConfigMapInfo>;
  configMapHistory(name: string): Promise<ConfigMapVersion[]>;

  /** Raw lines the container wrote (JSON lines for shop services). */
  podLogs(pod: string, options?: LogOptions): Promise<string[]>;
  /** Usage of one pod, or of every pod. */
  podUsage(pod?: string): Promise<PodUsage[]>;

  addMeshRule(rule: MeshRuleInput): Promise<MeshRule>;
  removeMeshRule(id: string): Promise<boolean>;
  listMeshRules(): Promise<MeshRule[]>;

  /**
   * Sets (string) or removes (null) environment variables of a deployment's container and rolls its
   * pods, like `kubectl set env deployment/<d> K=V K-`. Optional: a platform without it cannot run
   * the configuration faults.
   */
  setEnv?(deployment: string, env: Record<string, string | null>): Promise<void>;
  /**
   * Starts a CPU/memory burner inside a pod's cgroup, so the pod's own limits throttle it (and a
   * memory burner can OOM-kill the pod), like Chaos Mesh StressChaos. It ends with the pod.
   */
  stress?(pod: string, load: StressLoad): Promise<{ id: string; pid?: number }>;
  /** Stops a burner; false when it is unknown or already gone (idempotent). */
  stopStress?(id: string): Promise<boolean>;
}

export interface StressLoad {
  cpuWorkers?: number;
  /** Duty cycle of each CPU worker, 1-100 (default 100). */
  cpuLoadPercent?: number;
  /** Bytes allocated and touched once. */
  memoryBytes?: number;
}

/** Errors with a kubectl-like message and an HTTP status for the control API ("pods \"x\" not found" → 404). */
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 500 | 503 = 400,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}
