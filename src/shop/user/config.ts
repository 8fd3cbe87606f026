/** The user service's configuration, from the environment. */
import { envInt, envString } from '../common/env.js';

export interface UserConfig {
  /** Host used in HAL links (`http://<linkHost>/customers/...`); the original image set HATEOAS=user. */
  linkHost: string;
  pod?: string;
  bodyLimit: number;
  /** Bounded pool around store calls (DESIGN.md §3). */
  pool: { size: number; queueLimit: number; queueTimeoutMs: number };
}

export function userConfigFromEnv(env: NodeJS.ProcessEnv = process.env): UserConfig {
  return {
    linkHost: envString('HATEOAS', 'user', env),
    pod: env.POD_NAME,
    bodyLimit: envInt('USER_BODY_LIMIT_BYTES', 1024 * 1024, env),
    pool: {
      size: envInt('USER_POOL_SIZE', 32, env),
      queueLimit: envInt('USER_POOL_QUEUE', 256, env),
      queueTimeoutMs: envInt('USER_POOL_QUEUE_TIMEOUT_MS', 5000, env),
    },
  };
}
