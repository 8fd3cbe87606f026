/** The carts service's configuration, from the environment. */
import { envInt, envString } from '../common/env.js';

export interface CartsConfig {
  /** Host in the Spring Data REST side door's links; Spring used the request host, `carts` inside the cluster. */
  linkHost: string;
  pod?: string;
  bodyLimit: number;
}

export function cartsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CartsConfig {
  return {
    linkHost: envString('CARTS_LINK_HOST', 'carts', env),
    pod: env.POD_NAME,
    bodyLimit: envInt('CARTS_BODY_LIMIT_BYTES', 1024 * 1024, env),
  };
}
