/** front-end configuration from the environment (defaults = the deployed original). */
import { join } from 'node:path';
import { projectRoot } from '../../lib/project-root.js';
import { ConfigError, envInt, envString } from '../common/env.js';
import { STORE_KINDS, storeSelection } from '../../stores/config.js';
import { settingOf, storeStartWaitMs } from '../../stores/open.js';
import { EVICTION_POLICIES, type EvictionPolicy } from '../../stores/sessions/types.js';

export interface FrontEndConfig {
  /**
   * `memory` (in-process, default) or `redis` (the session-db pod or a real Redis, as the deployed
   * original with SESSION_REDIS=true). Set by SESSION_DB_MODE / SESSION_DB_URL (src/stores/config.ts),
   * or by the older SESSION_STORE=redis with SESSION_REDIS_URL.
   */
  sessionStore: 'memory' | 'redis';
  /** Redis URL; its host is looked up in the service directory first (`session-db`). */
  sessionRedisUrl: string;
  /** The variable to name when the Redis cannot be used. */
  sessionRedisSetting: string;
  /** STORE_START_WAIT_MS: how long to retry the session store at start. */
  storeStartWaitMs?: number;
  /** Secret that signs the `md.sid` cookie (express-session's `secret`). */
  sessionSecret: string;
  /** Session TTL in the store, seconds (connect-redis default: one day). */
  sessionTtlSeconds: number;
  /** Session store memory limit in bytes (Redis `maxmemory`); 0 = none. */
  sessionMaxmemoryBytes: number;
  sessionEvictionPolicy: EvictionPolicy;
  /** Redis `maxmemory-samples`. */
  sessionMaxmemorySamples: number;
  /** Where the storefront's HTML, CSS and JS live. */
  storefrontDir: string;
  /** Largest JSON body accepted (body-parser's default is 100 kB). */
  bodyLimitBytes: number;
  /** Timeout of each call to a backend, ms (the original had none; we stop at this). */
  upstreamTimeoutMs: number;
  pod?: string;
}

const DEFAULT_STOREFRONT = join(projectRoot(), 'web', 'storefront');

export function frontEndConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FrontEndConfig {
  const policy = envString('SESSION_STORE_POLICY', 'noeviction', env);
  if (!(EVICTION_POLICIES as readonly string[]).includes(policy)) {
    throw new ConfigError(
      `SESSION_STORE_POLICY must be one of ${EVICTION_POLICIES.join(', ')}, got "${policy}"`,
    );
  }
  const { sessionStore, sessionRedisUrl, sessionRedisSetting } = sessionBackend(env);
  return {
    sessionStore,
    sessionRedisUrl,
    sessionRedisSetting,
    storeStartWaitMs: storeStartWaitMs(env),
    sessionSecret: envString('SESSION_SECRET', 'sooper secret', env),
    sessionTtlSeconds: envInt('SESSION_TTL_SECONDS', 86_400, env),
    sessionMaxmemoryBytes: parseMemory(
      'SESSION_STORE_MAXMEMORY',
      envString('SESSION_STORE_MAXMEMORY', '0', env),
    ),
    sessionEvictionPolicy: policy as EvictionPolicy,
    sessionMaxmemorySamples: envInt('SESSION_STORE_SAMPLES', 5, env),
    storefrontDir: envString('STOREFRONT_DIR', DEFAULT_STOREFRONT, env),
    bodyLimitBytes: envInt('BODY_LIMIT_BYTES', 100 * 1024, env),
    upstreamTimeoutMs: envInt('UPSTREAM_TIMEOUT_MS', 30_000, env),
    pod: env.POD_NAME,
  };
}

/** SESSION_DB_MODE / SESSION_DB_URL when set, else the front-end's own SESSION_STORE / SESSION_REDIS_URL. */
function sessionBackend(
  env: NodeJS.ProcessEnv,
): Pick<FrontEndConfig, 'sessionStore' | 'sessionRedisUrl' | 'sessionRedisSetting'> {
  const spec = STORE_KINDS['session-db'];
  if (env[spec.modeEnv] || env[spec.urlEnv]) {
    const selection = storeSelection('session-db', env);
    if (selection.mode === 'memory')
      return { sessionStore: 'memory', sessionRedisUrl: '', sessionRedisSetting: spec.modeEnv };
    return {
      sessionStore: 'redis',
      sessionRedisUrl: selection.url,
      sessionRedisSetting: settingOf(selection),
    };
  }
  const store = envString('SESSION_STORE', 'memory', env);
  if (store !== 'memory' && store !== 'redis') {
    throw new ConfigError(`SESSION_STORE must be memory or redis, got "${store}"`);
  }
  return {
    sessionStore: store,
    sessionRedisUrl: envString('SESSION_REDIS_URL', 'redis://session-db:6379', env),
    sessionRedisSetting: 'SESSION_REDIS_URL',
  };
}

/** Redis-style memory sizes: `1048576`, `100kb`, `64mb`, `1gb` (1024-based, case-insensitive). */
export function parseMemory(name: string, raw: string): number {
  const match = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(raw);
  if (!match)
    throw new ConfigError(`${name} must be a size such as 1048576, 512kb, 64mb or 1gb, got "${raw}"`);
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Number(match[1]) * factor;
}
