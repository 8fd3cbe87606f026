/**
 * The Sock Shop as deployments on the platform: the services of the original (front-end, catalogue,
 * carts, orders, payment, user, shipping, queue-master), our payment-gateway dependency, and the
 * data stores (store-pods.ts: by default the PGlite pod `catalogue-db`, the session server
 * `session-db` and the embedded broker `rabbitmq`; `local` runs the machine's own server binaries as
 * pods instead). Requests/limits are those of the deployed manifests
 * (sockshop-spec.md §11; payment's odd 99m included). Every shop pod gets readiness and liveness
 * probes on /health (the original probes only some, with 180–300 s delays — compressed here so that
 * `up` is quick), and SOCKSHOP_SERVICES pointing at its mesh edges, following the original call graph.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../lib/project-root.js';
import type { StoreKind } from '../stores/config.js';
import {
  hasPod,
  STORE_USERS,
  storeBackends,
  storeDeployment,
  storeEnv,
  type StoreBackend,
} from './store-pods.js';
import type { ContainerResources, DeploymentSpec, Probe } from './types.js';

export interface TopologyOptions {
  /** Port of the storefront (front-end Service); default 8079. */
  frontEndPort?: number;
  /** `dist` runs compiled JS (`node dist/.../main.js`); `tsx` runs the TypeScript sources. */
  mode?: 'dist' | 'tsx';
  /** Project root (default: found from this module). */
  root?: string;
  /** 0 for every Service = any free port (tests); default: the well-known ports. */
  anyPorts?: boolean;
  replicas?: Partial<Record<string, number>>;
  /** Backend of every store (default: `storeBackends()`, see store-pods.ts). */
  stores?: Record<StoreKind, StoreBackend>;
  /** Where `local` store servers keep their data; default a directory under the OS temp dir. */
  dataDir?: string;
  /** Where `url` stores take their `*_URL` from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Topology {
  deployments: DeploymentSpec[];
  configMaps: Record<string, Record<string, string>>;
}

/**
 * How a pod runs its compiled entry: the one-file bundle from `npm run build` when present (it starts
 * about twice as fast as tsc's output) — a CommonJS one through the launcher that gives it V8's code
 * cache (a quarter less again), see scripts/bundle-pods.mjs — else tsc's output.
 */
function distCommand(root: string, entry: string): string[] {
  const pods = join(root, 'dist', 'pods');
  const launcher = join(pods, 'launch.mjs');
  const cjs = join(pods, `${entry}.cjs`);
  if (existsSync(cjs) && existsSync(launcher)) return [process.execPath, launcher, cjs];
  const esm = join(pods, `${entry}.mjs`);
  return [process.execPath, existsSync(esm) ? esm : join(root, 'dist', `${entry}.js`)];
}

/** The original's probe period is 3 s; readiness polls every second here so that `up` ends sooner. */
const health = (initialDelaySeconds: number, periodSeconds: number, port = 'http'): Probe => ({
  httpGet: { path: '/health', port },
  initialDelaySeconds,
  periodSeconds,
  timeoutSeconds: 1,
  failureThreshold: 3,
});

const sized = (requests: [string, string], limits: [string, string]): ContainerResources => ({
  requests: { cpu: requests[0], memory: requests[1] },
  limits: { cpu: limits[0], memory: limits[1] },
});

interface ShopService {
  name: string;
  port: number;
  entry: string;
  resources?: ContainerResources;
  calls?: string[];
  env?: Record<string, string>;
}

const SHOP: ShopService[] = [
  {
    name: 'front-end',
    port: 8079,
    entry: 'shop/front-end/main',
    resources: sized(['100m', '300Mi'], ['300m', '1000Mi']),
    calls: ['catalogue', 'carts', 'orders', 'user'],
  },
  {
    name: 'catalogue',
    port: 8081,
    entry: 'shop/catalogue/main',
    resources: sized(['100m', '100Mi'], ['200m', '200Mi']),
  },
  {
    name: 'carts',
    port: 8082,
    entry: 'shop/carts/main',
    resources: sized(['100m', '200Mi'], ['300m', '500Mi']),
  },
  {
    name: 'orders',
    port: 8083,
    entry: 'shop/orders/main',
    resources: sized(['100m', '300Mi'], ['500m', '500Mi']),
    calls: ['carts', 'user', 'payment', 'shipping'],
  },
  {
    name: 'payment',
    port: 8084,
    entry: 'shop/payment/main',
    resources: sized(['99m', '100Mi'], ['200m', '200Mi']),
    calls: ['payment-gateway'],
    env: { PAYMENT_GATEWAY: 'true' },
  },
  {
    name: 'user',
    port: 8085,
    entry: 'shop/user/main',
    resources: sized(['100m', '100Mi'], ['300m', '200Mi']),
  },
  {
    name: 'shipping',
    port: 8086,
    entry: 'shop/shipping/main',
    resources: sized(['100m', '300Mi'], ['300m', '500Mi']),
    calls: ['rabbitmq'],
  },
  {
    name: 'queue-master',
    port: 8087,
    entry: 'shop/queue-master/main',
    resources: sized(['100m', '300Mi'], ['300m', '500Mi']),
    calls: ['rabbitmq', 'orders'],
  },
  // Not in the original: the external payment processor that payment calls (scenario dependency).
  {
    name: 'payment-gateway',
    port: 8088,
    entry: 'shop/payment-gateway/main',
    resources: sized(['50m', '64Mi'], ['200m', '200Mi']),
  },
];

export function shopTopology(options: TopologyOptions = {}): Topology {
  const root = options.root ?? projectRoot();
  const command = (entry: string) =>
    options.mode === 'tsx'
      ? [process.execPath, '--import', 'tsx', join(root, 'src', `${entry}.ts`)]
      : distCommand(root, entry);
  const port = (preferred: number) => (options.anyPorts ? 0 : preferred);
  const stores = options.stores ?? storeBackends();
  const storesOf = (service: string) =>
    (Object.keys(STORE_USERS) as StoreKind[]).filter((kind) => STORE_USERS[kind].includes(service));
  const storeEnvOf = (service: string): Record<string, string> => {
    const kinds = storesOf(service);
    if (kinds.length === 0) return {};
    return Object.assign(
      // Store pods start beside the services: retry them for a while instead of crash-looping.
      { STORE_START_WAIT_MS: '60000' },
      ...kinds.map((kind) => storeEnv(kind, stores[kind], options.env ?? process.env)),
    ) as Record<string, string>;
  };

  const deployments: DeploymentSpec[] = SHOP.map((svc) => ({
    name: svc.name,
    replicas: options.replicas?.[svc.name] ?? 1,
    calls: [
      ...(svc.calls ?? []).filter((callee) => callee !== 'rabbitmq'),
      ...storesOf(svc.name).filter((kind) => hasPod(stores[kind])),
    ],
    template: {
      terminationGracePeriodSeconds: 10,
      container: {
        name: svc.name,
        command: command(svc.entry),
        cwd: root,
        env: { ...svc.env, ...storeEnvOf(svc.name) },
        ports: [{ name: 'http', env: 'PORT', protocol: 'http' }],
        resources: svc.resources,
        readinessProbe: health(1, 1),
        livenessProbe: health(60, 3),
        ...(svc.name === 'shipping'
          ? {
              configMaps: [
                { configMap: 'shipping-rates', env: 'SHIPPING_RATES_FILE', key: 'shipping-rates.yaml' },
              ],
            }
          : {}),
      },
    },
    service: {
      name: svc.name,
      ports: [
        {
          name: 'http',
          port: svc.name === 'front-end' ? (options.frontEndPort ?? port(8079)) : port(svc.port),
          targetPort: 'http',
          protocol: 'http',
        },
      ],
    },
  }));

  const podContext = { root, command, dataDir: options.dataDir ?? join(tmpdir(), 'sockshop-lab-stores') };
  for (const kind of Object.keys(stores) as StoreKind[]) {
    const backend = stores[kind];
    if (backend === 'local' || (backend === 'embedded' && kind !== 'rabbitmq'))
      deployments.push(storeDeployment(kind, backend, podContext));
  }
  if (stores.rabbitmq === 'embedded') deployments.push(embeddedBroker(command, root, port));

  // shipping's rates come from a versioned config map, seeded from the project's file.
  const configMaps: Record<string, Record<string, string>> = {};
  const ratesFile = join(root, 'config', 'shipping-rates.yaml');
  if (existsSync(ratesFile))
    configMaps['shipping-rates'] = { 'shipping-rates.yaml': readFileSync(ratesFile, 'utf8') };
  else delete deployments.find((d) => d.name === 'shipping')!.template.container.configMaps;
  return { deployments, configMaps };
}

function embeddedBroker(
  command: (entry: string) => string[],
  root: string,
  port: (preferred: number) => number,
): DeploymentSpec {
  return {
    name: 'rabbitmq',
    replicas: 1,
    template: {
      terminationGracePeriodSeconds: 10,
      container: {
        name: 'rabbitmq',
        command: command('stores/broker/main'),
        cwd: root,
        ports: [
          { name: 'amqp', env: 'AMQP_PORT', protocol: 'tcp' },
          { name: 'management', env: 'MGMT_PORT', protocol: 'http' },
        ],
        readinessProbe: {
          ...health(0.5, 1, 'management'),
          httpGet: { path: '/metrics', port: 'management' },
        },
      },
    },
    service: {
      name: 'rabbitmq',
      ports: [
        { name: 'amqp', port: port(5673), targetPort: 'amqp', protocol: 'tcp', appProtocol: 'amqp' },
        { name: 'management', port: port(15673), targetPort: 'management', protocol: 'http' },
      ],
    },
  };
}
