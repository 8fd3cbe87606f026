/**
 * The shop's data stores as deployments, per store one backend:
 * - `memory`: no pod, the service keeps the data in-process (`<STORE>_MODE=memory`);
 * - `embedded`: the lab's own pod — PGlite for the SQL stores (`embedded-sql`), the RESP session
 *   server for `session-db`, the AMQP broker for `rabbitmq`;
 * - `local`: the machine's own server binary (mariadbd, postgres, redis-server, rabbitmq-server)
 *   run as a pod with its data directory under the lab state directory and the port the platform
 *   gives it, so the pod's cgroup limits apply to the real server;
 * - `url`: an existing server named by the store's `*_URL` variable (no pod).
 * Store pods are reached by their Service name (`catalogue-db`, …) through each caller's mesh edge.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { localServerCommand, STORE_KINDS, type StoreKind } from '../stores/config.js';
import type { ContainerResources, DeploymentSpec, PodPortSpec, Probe } from './types.js';

export type StoreBackend = 'memory' | 'embedded' | 'local' | 'url';
export const STORE_BACKENDS: readonly StoreBackend[] = ['memory', 'embedded', 'local', 'url'];
/**
 * `--stores` presets: `embedded` = the defaults below; `memory` = everything in-process but the
 * broker (fastest, no shared sessions); the others put every store on that backend.
 */
export const STORE_PRESETS = ['embedded', 'embedded-all', 'memory', 'local', 'url'] as const;
export type StorePreset = (typeof STORE_PRESETS)[number];

/**
 * Defaults. A PGlite pod costs ~2.3 s and ~440 MB (started from its template), so only the
 * catalogue gets one: its starvation and search-index scenarios need a real SQL engine under pod
 * limits. Sessions live in the session-server pod so front-end replicas share them. users, carts
 * and orders stay in-process unless configured (`--stores embedded-all`, `--store user-db=embedded`).
 */
export const DEFAULT_STORE_BACKENDS: Record<StoreKind, StoreBackend> = {
  'catalogue-db': 'embedded',
  'session-db': 'embedded',
  rabbitmq: 'embedded',
  'user-db': 'memory',
  'carts-db': 'memory',
  'orders-db': 'memory',
};

/** Which shop service uses each store. */
export const STORE_USERS: Record<StoreKind, string[]> = {
  'catalogue-db': ['catalogue'],
  'user-db': ['user'],
  'carts-db': ['carts'],
  'orders-db': ['orders'],
  'session-db': ['front-end'],
  rabbitmq: ['shipping', 'queue-master'],
};

export function storeBackends(
  preset: StorePreset = 'embedded',
  overrides: Partial<Record<StoreKind, StoreBackend>> = {},
): Record<StoreKind, StoreBackend> {
  const all = (b: StoreBackend) =>
    Object.fromEntries(Object.keys(STORE_KINDS).map((k) => [k, b])) as Record<StoreKind, StoreBackend>;
  const base =
    preset === 'embedded'
      ? DEFAULT_STORE_BACKENDS
      : preset === 'memory'
        ? { ...all('memory'), rabbitmq: 'embedded' as const }
        : all(preset === 'embedded-all' ? 'embedded' : preset);
  return { ...base, ...overrides };
}

/** One clear line for a plan that cannot work (the broker has no in-memory mode; `url` needs its variable). */
export function checkStorePlan(
  backends: Record<StoreKind, StoreBackend>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const [kind, backend] of Object.entries(backends) as Array<[StoreKind, StoreBackend]>) {
    const spec = STORE_KINDS[kind];
    if (kind === 'rabbitmq' && backend === 'memory')
      return 'rabbitmq: the broker has no in-memory mode — use embedded, local or url';
    if (backend === 'url' && !env[spec.urlEnv])
      return `${kind}: url needs ${spec.urlEnv} (e.g. ${spec.urlEnv}=${exampleUrl(kind)}), or use --store ${kind}=embedded`;
    if (backend === 'local') {
      const missing = missingBinary(kind);
      if (missing) return missing;
    }
  }
  return undefined;
}

function exampleUrl(kind: StoreKind): string {
  return localServerCommand(kind, '/data', defaultPortOf(kind)).url;
}

function defaultPortOf(kind: StoreKind): number {
  if (kind === 'catalogue-db') return 3306;
  if (kind === 'session-db') return 6379;
  if (kind === 'rabbitmq') return 5672;
  return 5432;
}

/** The Debian package that provides each server binary. */
const PACKAGE_OF: Record<string, string> = {
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  postgres: 'postgresql',
  initdb: 'postgresql',
  'redis-server': 'redis-server',
  'rabbitmq-server': 'rabbitmq-server',
};

/** `mariadbd not found: apt-get install mariadb-server, or use --stores embedded` — or undefined. */
export function missingBinary(kind: StoreKind, path = process.env.PATH ?? ''): string | undefined {
  const local = localServerCommand(kind, '/data', defaultPortOf(kind));
  for (const argv of [local.command, ...local.setup.filter((s) => s[0] !== 'chown')]) {
    if (findExecutable(argv[0], path)) continue;
    const name = argv[0].split('/').pop()!;
    return `${name} not found: apt-get install ${PACKAGE_OF[name] ?? name}, or use --stores embedded`;
  }
  return undefined;
}

function findExecutable(file: string, path: string): string | undefined {
  const candidates = isAbsolute(file) ? [file] : path.split(delimiter).map((dir) => join(dir, file));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Environment for the services that use `kind`: the mode, or for `local` a URL on the store's
 * Service name (resolved through SOCKSHOP_SERVICES), or for `url` the caller's own `*_URL`.
 */
export function storeEnv(
  kind: StoreKind,
  backend: StoreBackend,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const spec = STORE_KINDS[kind];
  switch (backend) {
    case 'memory':
    case 'embedded':
      return kind === 'rabbitmq' ? {} : { [spec.modeEnv]: backend };
    case 'local': {
      const url = new URL(localServerCommand(kind, '/data', 1).url);
      url.hostname = kind;
      url.port = '';
      return { [spec.urlEnv]: url.toString() };
    }
    case 'url':
      return { [spec.urlEnv]: env[spec.urlEnv] ?? '' };
  }
}

/** Whether the services of `kind` reach it through a Service of the lab (and so call it). */
export const hasPod = (backend: StoreBackend) => backend === 'embedded' || backend === 'local';

const sized = (requests: [string, string], limits: [string, string]): ContainerResources => ({
  requests: { cpu: requests[0], memory: requests[1] },
  limits: { cpu: limits[0], memory: limits[1] },
});

/**
 * Requests/limits of store pods (the original's catalogue-db and session-db set none). PGlite holds
 * ~440 MB after start; the session server and redis-server stay under 100 MB with the shop's
 * sessions; MariaDB/PostgreSQL/RabbitMQ with their default buffers stay well under 1 GiB.
 */
const STORE_RESOURCES: Record<'embedded-sql' | 'session' | 'local', ContainerResources> = {
  'embedded-sql': sized(['100m', '512Mi'], ['2000m', '1Gi']),
  session: sized(['50m', '64Mi'], ['250m', '256Mi']),
  local: sized(['100m', '256Mi'], ['1000m', '1Gi']),
};

const tcpReady = (port: string): Probe => ({
  tcpSocket: { port },
  initialDelaySeconds: 0.5,
  periodSeconds: 1,
  timeoutSeconds: 1,
  failureThreshold: 3,
});

export interface StorePodContext {
  root: string;
  /** `node …/main` for a module of the project (dist or tsx). */
  command: (entry: string) => string[];
  /** Where `local` servers keep their data (one directory per store); its ancestors must be traversable by the servers' users. */
  dataDir: string;
}

/** The deployment of one store pod (`embedded` or `local`; the broker's embedded pod is the topology's). */
export function storeDeployment(
  kind: StoreKind,
  backend: 'embedded' | 'local',
  ctx: StorePodContext,
): DeploymentSpec {
  // The embedded SQL pod speaks PostgreSQL whatever engine the store's `local` server is.
  const scheme =
    backend === 'embedded'
      ? kind === 'session-db'
        ? 'redis'
        : 'postgres'
      : new URL(localServerCommand(kind, '/data', 1).url).protocol.replace(/:$/, '');
  const main = scheme;
  const container =
    backend === 'local'
      ? localContainer(kind, main, join(ctx.dataDir, kind))
      : kind === 'session-db'
        ? {
            command: ctx.command('stores/session-server/main'),
            ports: [
              { name: main, env: 'PORT', protocol: 'tcp' as const },
              { name: 'metrics', env: 'METRICS_PORT', protocol: 'http' as const },
            ],
            resources: STORE_RESOURCES.session,
            readinessProbe: {
              httpGet: { path: '/metrics', port: 'metrics' },
              initialDelaySeconds: 0.5,
              periodSeconds: 1,
            },
          }
        : {
            command: ctx.command('stores/embedded-sql/main'),
            env: { MAX_CONNECTIONS: '32' },
            ports: [{ name: main, env: 'PORT', protocol: 'tcp' as const }],
            resources: STORE_RESOURCES['embedded-sql'],
            readinessProbe: tcpReady(main),
          };
  return {
    name: kind,
    replicas: 1,
    template: {
      terminationGracePeriodSeconds: 10,
      container: { name: kind, cwd: ctx.root, ...container },
    },
    service: {
      name: kind,
      // Any free port: the machine's own servers may hold the well-known ones.
      ports: [
        { name: main, port: 0, targetPort: main, protocol: 'tcp', appProtocol: scheme },
        ...(kind === 'rabbitmq'
          ? [{ name: 'management', port: 0, targetPort: 'management', protocol: 'http' as const }]
          : []),
      ],
    },
  };
}

/** Stand-in for the pod's port in the server's command line; the shell puts `$PORT` there. */
const PORT_MARK = 65_431;

/** Who must own the data directory and run the server (PostgreSQL refuses to run as root). */
const RUN_AS: Partial<Record<StoreKind, { owner: string; runuser?: boolean }>> = {
  'catalogue-db': { owner: 'mysql' },
  'user-db': { owner: 'postgres', runuser: true },
  'carts-db': { owner: 'postgres', runuser: true },
  'orders-db': { owner: 'postgres', runuser: true },
  rabbitmq: { owner: 'rabbitmq' },
};

/**
 * The pod's own RabbitMQ configuration, so that the machine's /etc/rabbitmq (which may pin the AMQP
 * listener to 5672 and name the node) does not apply: listeners on the pod's ports, the management
 * API (the fault engine's and agents' broker admin) and Prometheus metrics with per-queue series
 * (`rabbitmq_queue_messages{queue=…}`, what the scenarios query).
 */
const RABBITMQ_OWN_CONFIG = [
  `echo '[rabbitmq_management,rabbitmq_prometheus].' > "$D/enabled_plugins"`,
  'export RABBITMQ_ENABLED_PLUGINS_FILE="$D/enabled_plugins"',
  [
    "printf '%s\\n'",
    '"listeners.tcp.1 = 127.0.0.1:$PORT"',
    '"management.tcp.ip = 127.0.0.1" "management.tcp.port = $MGMT_PORT"',
    '"prometheus.tcp.ip = 127.0.0.1" "prometheus.tcp.port = $METRICS_PORT"',
    '"prometheus.return_per_object_metrics = true"',
    '> "$D/rabbitmq.conf"',
  ].join(' '),
  'export RABBITMQ_CONFIG_FILE="$D/rabbitmq.conf" RABBITMQ_CONF_ENV_FILE=/dev/null',
];

function localContainer(kind: StoreKind, main: string, dataDir: string) {
  const local = localServerCommand(kind, dataDir, PORT_MARK);
  const user = RUN_AS[kind];
  const as = (argv: string[]) => (user?.runuser ? ['runuser', '-u', user.owner, '--', ...argv] : argv);
  const line = (argv: string[]) => argv.map(shellWord).join(' ');
  const exports = Object.entries(local.env).map(([k, v]) => `export ${k}=${shellWord(v)}`);
  const setup = local.setup.map((argv) => line(argv[0] === 'chown' ? argv : as(argv)));
  const script = [
    'set -e',
    `D=${shellWord(dataDir)}`,
    'mkdir -p "$D"',
    ...(user ? [`chown ${user.owner} "$D"`, 'chmod 700 "$D"'] : []),
    ...exports,
    ...(kind === 'rabbitmq' ? RABBITMQ_OWN_CONFIG : []),
    `if [ ! -e "$D/.initialised" ]; then ${setup.length ? setup.join(' && ') + ' && ' : ''}touch "$D/.initialised"; fi`,
    // Setup steps run as root may leave root-owned files the server cannot open.
    ...(user ? [`chown -R ${user.owner} "$D"`] : []),
    `exec ${line(as(local.command))}`,
  ].join('\n');
  const ports: PodPortSpec[] = [{ name: main, env: 'PORT', protocol: 'tcp' }];
  if (kind === 'rabbitmq')
    ports.push(
      // Erlang's distribution port defaults to the AMQP port + 20000, out of range for high ports.
      { name: 'dist', env: 'RABBITMQ_DIST_PORT', protocol: 'tcp' },
      { name: 'management', env: 'MGMT_PORT', protocol: 'http' },
      { name: 'metrics', env: 'METRICS_PORT', protocol: 'http' },
    );
  return {
    command: ['/bin/sh', '-c', script],
    ports,
    resources: STORE_RESOURCES.local,
    readinessProbe: tcpReady(main),
  };
}

/** Single-quoted for sh, with the port mark turned into `"$PORT"`. */
function shellWord(arg: string): string {
  return arg
    .split(String(PORT_MARK))
    .map((part) => `'${part.replace(/'/g, `'\\''`)}'`)
    .join('"$PORT"');
}
