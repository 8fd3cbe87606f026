/** What the user service's route modules share: the store behind its worker pool, HAL rendering, instrumentation. */
import type { FastifyReply } from 'fastify';
import type { WorkerPool } from '../common/worker-pool.js';
import type { UserStore } from '../../stores/users/types.js';
import type { HalRenderer } from './hal.js';
import type { UserInstrumentation } from './instrumentation.js';

export interface UserContext {
  hal: HalRenderer;
  instrumentation: UserInstrumentation;
  pool: WorkerPool;
  store: UserStore;
}

/** Runs a store call inside the bounded pool. */
export function withStore<T>(ctx: UserContext, call: (store: UserStore) => Promise<T>): Promise<T> {
  return ctx.pool.run(() => call(ctx.store));
}

/**
 * Success bodies as the original wrote them: exactly `application/hal+json` (a Buffer, so no
 * charset is appended), JSON plus a newline (Go's json.Encoder).
 */
export function sendHal(reply: FastifyReply, body: unknown): FastifyReply {
  return reply
    .code(200)
    .header('content-type', 'application/hal+json')
    .send(Buffer.from(JSON.stringify(body) + '\n'));
}
