/**
 * Extension: profile update, `PATCH /customers/{id}` with `{firstName?, lastName?, email?}`.
 * The handler reads the customer, merges the changes and writes the whole profile back, as a
 * typical read-modify-write service does; without `If-Match` the last writer wins, so two
 * overlapping updates can lose one another's fields (the "lost profile updates" scenario).
 * With `If-Match: "<version>"` the write is conditional and a stale version gets 412.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { statusText } from '../common/errors.js';
import { isObjectIdHex } from '../common/object-id.js';
import type { ShopMetrics } from '../common/metrics.js';
import { VersionConflictError, type CustomerRecord } from '../../stores/users/types.js';
import { sendHal, withStore, type UserContext } from './context.js';

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const profileChanges = z
  .strictObject({
    firstName: name.optional(),
    lastName: name.optional(),
    email: z.email().max(254).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one of firstName, lastName, email is required');

type Outcome = 'updated' | 'invalid' | 'not_found' | 'conflict';

class ProfileRefusal extends Error {
  constructor(
    readonly status: number,
    readonly outcome: Outcome,
    message: string,
  ) {
    super(message);
  }
}

export function registerProfileRoutes(app: FastifyInstance, ctx: UserContext, metrics: ShopMetrics): void {
  const updates = metrics.counter('user_profile_updates_total', 'Profile updates by outcome.', ['outcome']);

  app.patch<{ Params: { id: string } }>('/customers/:id', async (req, reply) => {
    try {
      const updated = await ctx.instrumentation.measure('updateUser', () =>
        updateProfile(ctx, req.params.id, req.body, req.headers['if-match']),
      );
      updates.inc({ outcome: 'updated' });
      reply.header('etag', `"${updated.version}"`);
      return sendHal(reply, ctx.hal.customer(updated));
    } catch (error) {
      if (!(error instanceof ProfileRefusal)) throw error;
      updates.inc({ outcome: error.outcome });
      return sendJsonError(reply, error.status, error.message);
    }
  });
}

async function updateProfile(ctx: UserContext, id: string, body: unknown, ifMatch: string | undefined) {
  if (!isObjectIdHex(id)) throw new ProfileRefusal(400, 'invalid', 'customer id must be 24 hex digits');
  const changes = parseChanges(body);
  const expected = parseIfMatch(ifMatch);
  const current = await withStore(ctx, (s) => s.getCustomer(id));
  if (!current) throw new ProfileRefusal(404, 'not_found', 'not found');
  if (expected !== undefined && expected !== '*' && expected !== current.version) {
    throw new ProfileRefusal(412, 'conflict', `version is ${current.version}, not ${expected}`);
  }
  const profile = {
    firstName: current.firstName,
    lastName: current.lastName,
    email: current.email,
    ...changes,
  };
  const version = typeof expected === 'number' ? expected : undefined;
  try {
    return await withStore(ctx, (s): Promise<CustomerRecord> => s.updateCustomer(id, profile, version));
  } catch (error) {
    if (error instanceof VersionConflictError) {
      throw new ProfileRefusal(412, 'conflict', `version is ${error.currentVersion}, not ${version}`);
    }
    throw error;
  }
}

function parseChanges(body: unknown) {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProfileRefusal(400, 'invalid', 'body must be a JSON object');
  }
  const parsed = profileChanges.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new ProfileRefusal(400, 'invalid', `${where}${issue.message}`);
  }
  return parsed.data;
}

/** `If-Match: "3"`, `W/"3"` or `*`; anything else is a client error. */
function parseIfMatch(header: string | undefined): number | '*' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!match) throw new ProfileRefusal(400, 'invalid', 'If-Match must be a version ETag such as "3"');
  return Number(match[1]);
}

function sendJsonError(reply: FastifyReply, status: number, message: string) {
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ error: message, status_code: status, status_text: statusText(status) }) + '\n');
}
