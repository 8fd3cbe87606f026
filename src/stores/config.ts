/**
 * Which backend each store uses, from the environment, and how to start the machine's own
 * server binaries as pods (the `local` mode the platform topology wires in).
 *
 * Per store: `<STORE>_MODE` = `memory` (in-process) | `embedded` (the lab's pod: PGlite for the
 * SQL stores, the session server for sessions, reached through the service directory by the
 * store's name, e.g. `catalogue-db`) | `url` (an existing server named by `<STORE>_URL`). Setting
 * only the URL implies `url`. A bad URL or scheme is one ConfigError line naming the variable.
 */
import { ConfigError, envString } from '../shop/common/env.js';

export type StoreKind = 'catalogue-db' | 'user-db' | 'carts-db' | 'orders-db' | 'session-db' | 'rabbitmq';
export type StoreMode = 'memory' | 'embedded' | 'url';

interface KindSpec {
  urlEnv: string;
  modeEnv: string;
  schemes: string[];
  /** Default mode: PGlite pods cost ~2 s and ~0.45 GB each, so only the catalogue gets one by default. */
  defaultMode: StoreMode;
}

/** Users, carts and orders: PostgreSQL (JSONB documents) or MongoDB (FerretDB). */
const DOCUMENT_SCHEMES = ['postgres', 'postgresql', 'mongodb', 'mongodb+srv'];

export const STORE_KINDS: Record<StoreKind, KindSpec> = {
  'catalogue-db': {
    urlEnv: 'CATALOGUE_DB_URL',
    modeEnv: 'CATALOGUE_DB_MODE',
    schemes: ['mysql', 'mariadb', 'postgres', 'postgresql'],
    defaultMode: 'memory',
  },
  'user-db': {
    urlEnv: 'USER_DB_URL',
    modeEnv: 'USER_DB_MODE',
    schemes: DOCUMENT_SCHEMES,
    defaultMode: 'memory',
  },
  'carts-db': {
    urlEnv: 'CARTS_DB_URL',
    modeEnv: 'CARTS_DB_MODE',
    schemes: DOCUMENT_SCHEMES,
    defaultMode: 'memory',
  },
  'orders-db': {
    urlEnv: 'ORDERS_DB_URL',
    modeEnv: 'ORDERS_DB_MODE',
    schemes: DOCUMENT_SCHEMES,
    defaultMode: 'memory',
  },
  'session-db': {
    urlEnv: 'SESSION_DB_URL',
    modeEnv: 'SESSION_DB_MODE',
    schemes: ['redis'],
    defaultMode: 'memory',
  },
  rabbitmq: { urlEnv: 'AMQP_URL', modeEnv: 'AMQP_MODE', schemes: ['amqp'], defaultMode: 'embedded' },
};

export type StoreSelection =
  | { kind: StoreKind; mode: 'memory' }
  /** The lab's pod, addressed by the store's own name (resolved by the service directory). */
  | { kind: StoreKind; mode: 'embedded'; url: string }
  | { kind: StoreKind; mode: 'url'; url: string; scheme: string };

const EMBEDDED_URL: Record<StoreKind, string> = {
  'catalogue-db': 'postgres://postgres@catalogue-db/postgres',
  'user-db': 'postgres://postgres@user-db/postgres',
  'carts-db': 'postgres://postgres@carts-db/postgres',
  'orders-db': 'postgres://postgres@orders-db/postgres',
  'session-db': 'redis://session-db',
  rabbitmq: 'amqp://guest:guest@rabbitmq',
};

export function storeSelection(kind: StoreKind, env: NodeJS.ProcessEnv = process.env): StoreSelection {
  const spec = STORE_KINDS[kind];
  const url = envString(spec.urlEnv, '', env);
  const mode = envString(spec.modeEnv, url ? 'url' : spec.defaultMode, env);
  if (mode === 'memory') return { kind, mode };
  if (mode === 'embedded') return { kind, mode, url: EMBEDDED_URL[kind] };
  if (mode !== 'url')
    throw new ConfigError(`${kind}: ${spec.modeEnv} must be memory, embedded or url, got "${mode}"`);
  if (!url)
    throw new ConfigError(`${kind}: ${spec.modeEnv}=url needs ${spec.urlEnv} (e.g. ${example(spec)})`);
  const scheme = urlScheme(url);
  if (!scheme)
    throw new ConfigError(`${kind}: ${spec.urlEnv} is not a URL: "${url}" (e.g. ${example(spec)})`);
  if (!spec.schemes.includes(scheme)) {
    throw new ConfigError(
      `${kind}: ${spec.urlEnv} has scheme "${scheme}:", expected one of ${spec.schemes.map((s) => `${s}:`).join(', ')} (e.g. ${example(spec)})`,
    );
  }
  return { kind, mode, url, scheme };
}

/**
 * The URL's scheme, lower-case; undefined when it is not a URL. A MongoDB seed list
 * (`mongodb://h1:1,h2:2/db`) is no WHATWG URL, so its scheme is read from its text.
 */
function urlScheme(url: string): string | undefined {
  const listed = /^(mongodb(?:\+srv)?):\/\/[^/?#]+/i.exec(url)?.[1];
  if (listed) return listed.toLowerCase();
  try {
    return new URL(url).protocol.replace(/:$/, '');
  } catch {
    return undefined;
  }
}

function example(spec: KindSpec): string {
  const examples: Record<string, string> = {
    mysql: 'mysql://root@127.0.0.1:3306/socksdb',
    postgres: 'postgres://postgres@127.0.0.1:5432/test',
    redis: 'redis://127.0.0.1:6379',
    amqp: 'amqp://guest:guest@127.0.0.1:5672',
  };
  return examples[spec.schemes[0]];
}

/** How to run the machine's own server binary as a pod: setup steps, the server command, a readiness probe. */
export interface LocalServerCommand {
  kind: StoreKind;
  /** Commands to run once before the server (e.g. initdb), each an argv. */
  setup: string[][];
  command: string[];
  env: Record<string, string>;
  /** A command that exits 0 once the server accepts work. */
  ready: string[];
  url: string;
}

export function localServerCommand(kind: StoreKind, dataDir: string, port: number): LocalServerCommand {
  const host = '127.0.0.1';
  switch (kind) {
    case 'catalogue-db':
      return {
        kind,
        setup: [
          [
            'mariadb-install-db',
            `--datadir=${dataDir}`,
            '--auth-root-authentication-method=normal',
            '--user=mysql',
            '--skip-test-db',
          ],
        ],
        command: [
          'mariadbd',
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--port=${port}`,
          `--bind-address=${host}`,
          `--socket=${dataDir}/mysqld.sock`,
          '--user=mysql',
          '--skip-grant-tables',
        ],
        env: {},
        ready: ['mariadb-admin', `--host=${host}`, `--port=${port}`, '--user=root', 'ping'],
        url: `mysql://root@${host}:${port}/socksdb`,
      };
    case 'user-db':
    case 'carts-db':
    case 'orders-db': {
      const bin = '/usr/lib/postgresql/15/bin';
      return {
        kind,
        setup: [[`${bin}/initdb`, '-D', dataDir, '-U', 'postgres', '--auth=trust']],
        command: [`${bin}/postgres`, '-D', dataDir, '-p', String(port), '-h', host, '-k', dataDir],
        env: {},
        ready: [`${bin}/pg_isready`, '-h', host, '-p', String(port)],
        url: `postgres://postgres@${host}:${port}/postgres`,
      };
    }
    case 'session-db':
      return {
        kind,
        setup: [],
        command: [
          'redis-server',
          '--port',
          String(port),
          '--bind',
          host,
          '--dir',
          dataDir,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        env: {},
        ready: ['redis-cli', '-h', host, '-p', String(port), 'ping'],
        url: `redis://${host}:${port}`,
      };
    case 'rabbitmq':
      return {
        kind,
        setup: [['chown', '-R', 'rabbitmq:rabbitmq', dataDir]],
        command: ['rabbitmq-server'],
        env: {
          RABBITMQ_NODE_PORT: String(port),
          RABBITMQ_NODE_IP_ADDRESS: host,
          RABBITMQ_MNESIA_BASE: `${dataDir}/mnesia`,
          RABBITMQ_LOG_BASE: `${dataDir}/log`,
          RABBITMQ_NODENAME: `rabbit-${port}@localhost`,
        },
        ready: ['rabbitmq-diagnostics', '-n', `rabbit-${port}@localhost`, 'check_port_connectivity'],
        url: `amqp://guest:guest@${host}:${port}`,
      };
  }
}
